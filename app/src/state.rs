//! Server-side state handed to every route and server function.

use axum::extract::FromRef;
use everai_api::Gateway;
use leptos::prelude::LeptosOptions;

use crate::server_fns::status::UpstreamKind;

/// Everything the router and the server functions share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The EverAI API, with the console's token (its `Debug` hides it),
    /// behind shared reads, a circuit breaker and a bound on calls at once.
    pub gateway: Gateway,
    /// What kind of API `client` talks to, safe to show.
    pub upstream: UpstreamKind,
    /// Outcomes of recent scale actions; one platform call per confirmation.
    pub actions: crate::action_log::ActionLog,
    /// Scale actions each person may start per minute
    /// (`CONSOLE_ACTIONS_PER_MINUTE`).
    pub action_limit: std::sync::Arc<crate::limits::ActionLimiter>,
    /// Sign-ins checked with the platform, per client address and in all.
    pub sign_in_limit: std::sync::Arc<crate::limits::SignInLimiter>,
    /// Most workers one scale-up may add (`CONSOLE_MAX_SCALE_STEP`).
    pub max_scale_step: u32,
    /// When this server process started; shown as uptime.
    pub started_at: std::time::Instant,
    /// The audit log (SQLite or PostgreSQL).
    pub store: console_store::Store,
    /// How people sign in, and whether anyone may act.
    pub auth: std::sync::Arc<crate::auth::AuthConfig>,
    /// This console process among its replicas (`CONSOLE_REPLICA_ID`),
    /// written on each audit record.
    pub replica: String,
}

impl AppState {
    /// The token to call the platform with for the request being served:
    /// the signed-in person's own when there is one, else `None` for the
    /// console's.
    pub fn request_token(&self) -> Option<secrecy::SecretString> {
        crate::auth::Identity::current().and_then(|who| who.token)
    }
}

/// The server's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
