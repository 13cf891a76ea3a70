//! Server-side state handed to every route and server function.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use secrecy::SecretString;
use url::Url;

/// Which EverAI API the console talks to.
#[derive(Clone, Debug)]
pub enum Upstream {
    /// The simulator built into the console (`EVERAI_ENDPOINT` unset).
    Simulator,
    /// The real platform (or anything speaking its API) at `endpoint`.
    Platform {
        endpoint: Url,
        /// `SecretString` prints `[REDACTED]` in `Debug`, so the token
        /// cannot slip into a log line by accident.
        token: SecretString,
    },
}

impl Upstream {
    /// What the console tells people about its upstream: the kind only,
    /// never the URL or the token.
    pub fn public_kind(&self) -> crate::server_fns::status::UpstreamKind {
        use crate::server_fns::status::UpstreamKind;
        match self {
            Upstream::Simulator => UpstreamKind::Simulator,
            Upstream::Platform { .. } => UpstreamKind::Platform,
        }
    }
}

/// Everything the router and the server functions share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub upstream: Upstream,
    /// When this server process started; shown as uptime.
    pub started_at: std::time::Instant,
}
