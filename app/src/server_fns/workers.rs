use everai_api::Worker;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

/// One read of an app's workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerPage {
    pub workers: Vec<Worker>,
    /// The app's cap, 0 when the platform did not say.
    pub max_workers: u64,
    /// The server's clock when the list was read (ms since the epoch):
    /// relative times are counted from it, so server and browser agree.
    pub fetched_at_ms: i64,
}

/// The workers of `namespace`/`app`: live ones, or with `show_all` also
/// those that ended within `recent_days`.
#[server(prefix = "/api", endpoint = "list_workers")]
pub async fn list_workers(
    namespace: String,
    app: String,
    show_all: bool,
    recent_days: u32,
) -> Result<WorkerPage, ConsoleError> {
    use everai_api::{AppName, Namespace};

    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let ns = Namespace::parse(&namespace).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    let name = AppName::parse(&app).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    if !(1..=30).contains(&recent_days) {
        return Err(ConsoleError::InvalidInput(
            "The history window must be from 1 to 30 days.".into(),
        ));
    }
    let list = state
        .client
        .list_workers(&ns, &name, show_all, recent_days)
        .await
        .map_err(|e| {
            tracing::warn!(%namespace, %app, error = %e, "listing workers failed");
            ConsoleError::from_api(e, &namespace, &app)
        })?;
    let fetched_at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Ok(WorkerPage {
        workers: list.workers,
        max_workers: list.max_workers,
        fetched_at_ms,
    })
}
