//! The one error type that server functions return and pages display.
//!
//! It travels from server to browser as JSON, so every variant carries only
//! what a person may see: never a token, an upstream URL or a raw upstream body.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// What went wrong, in terms an ops person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    /// The browser could not talk to the console's own server, or the reply
    /// could not be understood (network down, server restarted mid-request).
    #[error("The console's server could not be reached: {0}")]
    Transport(String),
    /// A bug or misconfiguration inside the console; details are in its log.
    #[error("The console hit an internal error. Its log has the details.")]
    Internal,
}

impl ConsoleError {
    /// The HTTP status a page showing this error is served with.
    pub fn status_code(&self) -> u16 {
        match self {
            ConsoleError::Transport(_) => 502,
            ConsoleError::Internal => 500,
        }
    }
}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ConsoleError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_keep_the_reason() {
        let err = ConsoleError::from_server_fn_error(ServerFnErrorErr::Request(
            "connection reset".into(),
        ));
        assert!(matches!(&err, ConsoleError::Transport(m) if m.contains("connection reset")));
        assert_eq!(err.status_code(), 502);
    }

    #[test]
    fn errors_round_trip_as_json() {
        let err = ConsoleError::Transport("timed out".into());
        let text = serde_json::to_string(&err).expect("serialize");
        let back: ConsoleError = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, err);
    }
}
