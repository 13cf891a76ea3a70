//! Server-side state handed to every route and server function.

use axum::extract::FromRef;
use everai_api::Client;
use leptos::prelude::LeptosOptions;

use crate::server_fns::status::UpstreamKind;

/// Everything the router and the server functions share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The EverAI API, with the token; its `Debug` hides the token.
    pub client: Client,
    /// What kind of API `client` talks to, safe to show.
    pub upstream: UpstreamKind,
    /// Outcomes of recent scale actions; one platform call per confirmation.
    pub actions: crate::action_log::ActionLog,
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
    /// The client to call the platform with for the request being served:
    /// with the signed-in person's own token when there is one, else with
    /// the console's.
    pub fn client_for_request(&self) -> Result<Client, crate::error::ConsoleError> {
        use leptos::prelude::use_context;
        let token = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::auth::Identity>().cloned())
            .and_then(|who| who.token);
        match token {
            Some(token) => self
                .client
                .with_token(token)
                .map_err(|_| crate::error::ConsoleError::Internal),
            None => Ok(self.client.clone()),
        }
    }
}

/// The server's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
