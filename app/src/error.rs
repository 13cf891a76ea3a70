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
    /// A form post that did not come from the console's own pages.
    #[error("Refused: {0}. The console's forms work only from its own pages.")]
    CrossSite(String),
    /// Input the console refused before sending anything upstream.
    #[error("{0}")]
    InvalidInput(String),
    /// A post that is not a form of the console's own: not a form at all,
    /// unreadable, or without a field its forms always carry.
    #[error("{0}")]
    BadForm(String),
    /// The EverAI API did not accept the console's token.
    #[error("The EverAI API did not accept the console's token (401). Check EVERAI_TOKEN.")]
    Unauthorized,
    /// The token may not see or do this.
    #[error("The console's token is not allowed to do this (403).")]
    Forbidden,
    /// No such app (or namespace) on the platform.
    #[error("There is no app {app:?} in namespace {namespace:?}.")]
    AppNotFound { namespace: String, app: String },
    /// The platform is rate limiting the console.
    #[error("The EverAI API is rate limiting the console (429).{}", retry_after_secs.map(|s| format!(" Try again in {s} s.")).unwrap_or_default())]
    RateLimited { retry_after_secs: Option<u64> },
    /// Any other error status from the platform. A 4xx keeps the
    /// platform's message (it is addressed to the caller: a refusal, a
    /// limit); a 5xx never carries one (see [`ConsoleError::from_api`]).
    #[error("{}", upstream_text(*status, message.as_deref()))]
    Upstream {
        status: u16,
        message: Option<String>,
    },
    /// No answer in time.
    #[error("The EverAI API did not answer in time.")]
    Timeout,
    /// The platform could not be reached at all.
    #[error("The EverAI API could not be reached.")]
    Unreachable,
    /// The connection broke before the answer was complete.
    #[error("The connection to the EverAI API broke before its answer was complete.")]
    Interrupted,
    /// An answer the console cannot read.
    #[error("The EverAI API sent an answer the console cannot read ({0}).")]
    Malformed(String),
    /// This person may look but not act.
    #[error("You may not change apps here: {0}")]
    NotAllowed(String),
    /// Not sent: the platform failed several times in a row for this app,
    /// so the console pauses its calls for a moment (a circuit breaker).
    #[error(
        "The EverAI API failed several times in a row for this app, so the console is not calling it for the next {retry_after_secs} s."
    )]
    Paused { retry_after_secs: u64 },
    /// Not sent: the console is already making as many platform calls as
    /// it allows, and more are waiting.
    #[error(
        "The console is busy: it is already making as many calls to the EverAI API as it allows."
    )]
    Busy { retry_after_secs: u64 },
    /// Not sent: this person started many scale actions in a short time.
    #[error("Too many scale actions in a short time. Try again in {retry_after_secs} s.")]
    TooManyActions { retry_after_secs: u64 },
    /// Not checked: too many sign-ins from this address (or in all) in a
    /// short time.
    #[error("Too many sign-in attempts in a short time. Try again in {retry_after_secs} s.")]
    TooManySignIns { retry_after_secs: u64 },
    /// The console's own database did not answer.
    #[error("The console's audit log could not be read.")]
    AuditLog,
    /// The console's own database did not answer before anything was done
    /// (a scale action's claim, a person's allowance).
    #[error("The console's database did not answer, so nothing was done.")]
    Database,
}

/// What a person reads of a platform error status.
fn upstream_text(status: u16, message: Option<&str>) -> String {
    match message {
        _ if status >= 500 => format!(
            "The EverAI API failed on its side ({status}). The console's log has the platform's own message."
        ),
        Some(m) => format!("The EverAI API answered with an error ({status}): {m}"),
        None => format!("The EverAI API answered with an error ({status})."),
    }
}

impl ConsoleError {
    /// The HTTP status a page showing this error is served with.
    pub fn status_code(&self) -> u16 {
        match self {
            ConsoleError::Transport(_) => 502,
            ConsoleError::Internal => 500,
            ConsoleError::InvalidInput(_) | ConsoleError::BadForm(_) => 400,
            ConsoleError::CrossSite(_) | ConsoleError::NotAllowed(_) => 403,
            ConsoleError::AppNotFound { .. } => 404,
            ConsoleError::Unauthorized
            | ConsoleError::Forbidden
            | ConsoleError::RateLimited { .. }
            | ConsoleError::Upstream { .. }
            | ConsoleError::Unreachable
            | ConsoleError::Interrupted
            | ConsoleError::Malformed(_) => 502,
            ConsoleError::Timeout => 504,
            ConsoleError::AuditLog
            | ConsoleError::Database
            | ConsoleError::Paused { .. }
            | ConsoleError::Busy { .. } => 503,
            ConsoleError::TooManyActions { .. } | ConsoleError::TooManySignIns { .. } => 429,
        }
    }

    /// Answers the request being served with this error's status and,
    /// when it has one, its `Retry-After` (server side; outside a request
    /// it does nothing).
    #[cfg(feature = "ssr")]
    pub fn apply_to_response(&self) {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = axum::http::StatusCode::from_u16(self.status_code())
        {
            response.set_status(code);
            if let Some(secs) = self.retry_after_secs() {
                response.insert_header(axum::http::header::RETRY_AFTER, secs.into());
            }
        }
    }

    /// How long to wait before trying again, when the console knows
    /// (sent as `Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ConsoleError::Paused { retry_after_secs }
            | ConsoleError::Busy { retry_after_secs }
            | ConsoleError::TooManyActions { retry_after_secs }
            | ConsoleError::TooManySignIns { retry_after_secs } => Some(*retry_after_secs),
            ConsoleError::RateLimited { retry_after_secs } => *retry_after_secs,
            _ => None,
        }
    }

    /// What the person can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            ConsoleError::InvalidInput(_) => {
                "Names use letters, digits, '-', '_' and '.', and start and end with a letter or digit."
            }
            ConsoleError::AppNotFound { .. } => {
                "Check the spelling, or pick the app from the start page."
            }
            ConsoleError::Unauthorized | ConsoleError::Forbidden => {
                "Whoever runs the console needs to check its token."
            }
            ConsoleError::RateLimited { .. }
            | ConsoleError::Timeout
            | ConsoleError::Unreachable
            | ConsoleError::Interrupted
            | ConsoleError::Upstream { .. }
            | ConsoleError::Malformed(_)
            | ConsoleError::Paused { .. }
            | ConsoleError::Busy { .. } => {
                "Reload in a moment; if it persists, check the platform's status."
            }
            ConsoleError::TooManyActions { .. } => {
                "Wait a little, check the workers list, then act again."
            }
            ConsoleError::TooManySignIns { .. } => {
                "Check the token you paste, wait, then sign in again."
            }
            ConsoleError::CrossSite(_) => {
                "Open the console in your browser and act from its own pages."
            }
            ConsoleError::BadForm(_) => {
                "Post from the console's own page: open it, and start the action or the sign-in again."
            }
            ConsoleError::NotAllowed(_) => "Ask whoever runs the console for the operator role.",
            ConsoleError::Transport(_) => "Check your connection to the console and reload.",
            ConsoleError::Internal | ConsoleError::AuditLog | ConsoleError::Database => {
                "Reload; if it persists, tell whoever runs the console."
            }
        }
    }
}

/// The id the server gave the request being served (16 hex digits): in
/// its log lines, the `X-Request-Id` header, and the error banners of the
/// page it rendered, so a person can quote it to whoever reads the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id of the request being served (server side), if any.
    #[cfg(feature = "ssr")]
    pub fn current() -> Option<String> {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<RequestId>().map(|id| id.0.clone()))
    }
}

#[cfg(feature = "ssr")]
impl ConsoleError {
    /// Translates a client error for `namespace`/`app` into what the page shows.
    pub fn from_api(err: everai_api::ApiError, namespace: &str, app: &str) -> Self {
        use everai_api::ApiError as E;
        match err {
            E::InvalidName(e) => ConsoleError::InvalidInput(e.to_string()),
            E::InvalidRequest(m) => ConsoleError::InvalidInput(m),
            E::Unauthorized => ConsoleError::Unauthorized,
            E::Forbidden => ConsoleError::Forbidden,
            E::NotFound => ConsoleError::AppNotFound {
                namespace: namespace.to_string(),
                app: app.to_string(),
            },
            E::RateLimited { retry_after } => ConsoleError::RateLimited {
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            E::Upstream { status, message } if status >= 500 => {
                // A 5xx message is the platform's insides (hosts, queries,
                // stack traces): it goes to the log, with the request id of
                // the span, and never to the page.
                tracing::warn!(
                    status,
                    upstream_message = message.as_deref().unwrap_or(""),
                    "the EverAI API failed on its side"
                );
                ConsoleError::Upstream {
                    status,
                    message: None,
                }
            }
            E::Upstream { status, message } => ConsoleError::Upstream { status, message },
            E::Timeout => ConsoleError::Timeout,
            E::Unreachable => ConsoleError::Unreachable,
            E::Interrupted => ConsoleError::Interrupted,
            E::Malformed(m) => ConsoleError::Malformed(m),
            E::CircuitOpen { retry_after } => ConsoleError::Paused {
                retry_after_secs: retry_after.as_secs_f64().ceil() as u64,
            },
            E::Busy { retry_after } => ConsoleError::Busy {
                retry_after_secs: retry_after.as_secs_f64().ceil().max(1.0) as u64,
            },
        }
    }
}

/// How a [`ConsoleError::BadForm`] for a call whose arguments could not
/// be read begins (the form-post layer words those its own way).
pub const UNREADABLE_FIELDS: &str = "The request's fields could not be read";

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The call's arguments could not be read (`days=-1`, a field
            // missing): the caller's mistake, answered 400 in words. This
            // runs on the server before the function's body, inside the
            // request's context, so the status is set here.
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::MissingArg(why) => {
                let error = ConsoleError::BadForm(format!("{UNREADABLE_FIELDS}: {why}."));
                #[cfg(feature = "ssr")]
                error.apply_to_response();
                error
            }
            other => ConsoleError::Transport(other.to_string()),
        }
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

    #[cfg(feature = "ssr")]
    #[test]
    fn a_server_error_keeps_the_platforms_message_out_of_the_page() {
        let err = ConsoleError::from_api(
            everai_api::ApiError::Upstream {
                status: 500,
                message: Some("internal: db at 10.0.0.5 down".into()),
            },
            "default",
            "sd",
        );
        let shown = err.to_string();
        assert!(
            !shown.contains("10.0.0.5") && !shown.contains("internal"),
            "{shown}"
        );
        assert!(shown.contains("(500)") && shown.contains("log"), "{shown}");
        assert!(!serde_json::to_string(&err).unwrap().contains("10.0.0.5"));
        // A refusal addressed to the caller stays readable.
        let err = ConsoleError::from_api(
            everai_api::ApiError::Upstream {
                status: 409,
                message: Some("app is paused".into()),
            },
            "default",
            "sd",
        );
        assert_eq!(
            err.to_string(),
            "The EverAI API answered with an error (409): app is paused"
        );
    }

    #[test]
    fn errors_round_trip_as_json() {
        let err = ConsoleError::Transport("timed out".into());
        let text = serde_json::to_string(&err).expect("serialize");
        let back: ConsoleError = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, err);
    }
}
