use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

/// One read of one worker's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerDetailPage {
    /// The worker is in one of the lists looked in; otherwise the page is
    /// a 404 that says where it looked.
    pub found: bool,
    /// The page's body, drawn on the server (see `crate::worker_detail`).
    pub html: String,
    /// The server's clock when the list was read (ms since the epoch).
    pub fetched_at_ms: i64,
}

/// The page of worker `id` of `namespace`/`app`: found among the live
/// workers, else in the history window, else a 404 that says so.
#[server(prefix = "/api", endpoint = "worker_detail")]
pub async fn worker_detail(
    namespace: String,
    app: String,
    id: String,
) -> Result<WorkerDetailPage, ConsoleError> {
    read(namespace, app, id)
        .await
        .inspect_err(ConsoleError::apply_to_response)
}

#[cfg(feature = "ssr")]
async fn read(
    namespace: String,
    app: String,
    id: String,
) -> Result<WorkerDetailPage, ConsoleError> {
    use crate::{
        insight::model::{Part, failed},
        worker_detail::{self, model, render},
    };
    use everai_api::{AppName, Namespace};

    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let ns = Namespace::parse(&namespace).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    let name = AppName::parse(&app).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    crate::actions::check_worker_id(&id).map_err(ConsoleError::InvalidInput)?;
    let token = state.request_token();
    // The events and the app's state beside the lists, not after them.
    let (located, (events, paused)) = tokio::join!(
        worker_detail::locate(&state.gateway, token.as_ref(), &ns, &name, &id),
        crate::insight::history_reads(&state.gateway, token.as_ref(), &ns, &name),
    );
    let located = located.map_err(|e| {
        let request_id = crate::error::RequestId::current().unwrap_or_default();
        tracing::warn!(%request_id, %namespace, %app, error = %e, "reading a worker failed");
        ConsoleError::from_api(e, &namespace, &app)
    })?;
    let Some((listed, found_in)) = located else {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
        return Ok(WorkerDetailPage {
            found: false,
            html: render::not_found_html(&namespace, &app, &id, model::HISTORY_DAYS),
            fetched_at_ms: crate::state::now_ms(),
        });
    };
    let fetched_at_ms = listed
        .read_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let list = &listed.list;
    let worker = model::find(list, &id).ok_or(ConsoleError::Internal)?;
    let replaced = (!worker.replace_worker_id.is_empty()).then(|| {
        let old = worker.replace_worker_id.as_str();
        (old, model::find(list, old).is_some())
    });
    let events = match &events {
        Ok(page) => Part::Shown((model::naming(&page.events, &id), page.events.len())),
        Err(e) => failed("the events", e.clone(), &namespace, &app),
    };
    let denied = crate::auth::Identity::current().map_or_else(
        || Some("the console could not tell who you are.".to_string()),
        |who| who.may_scale().err(),
    );
    let html = render::found_html(&render::Detail {
        namespace: &namespace,
        app: &app,
        worker,
        found_in,
        replaced,
        replaced_by: model::replaced_by(list, &id),
        events,
        paused,
        denied: denied.as_deref(),
        now_ms: fetched_at_ms,
    });
    Ok(WorkerDetailPage {
        found: true,
        html,
        fetched_at_ms,
    })
}
