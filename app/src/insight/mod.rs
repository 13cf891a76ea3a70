//! Why the app is doing what it does: its state and limits, its request
//! queue and its latest events, beside the worker list (server side).
//!
//! - [`Reads`]: the three platform reads, made through the gateway's
//!   shared, kept reads in parallel with the worker list, each bounded in
//!   time so a slow one cannot hold the page.
//! - [`model`]: what the answers mean, in plain Rust.
//! - [`render`]: the panels as HTML (decision record 0006).

use std::time::Duration;

use everai_api::{AppDetail, AppName, EventOrder, EventPage, Namespace, QueuedRequest, WorkerList};
use secrecy::SecretString;

pub mod model;
pub mod render;

use model::{Insight, ListFacts, Part};

/// The longest a panel's read may take before the page is sent without
/// it: well under the list's own time-out, so the page is not held.
pub const PANEL_WAIT: Duration = Duration::from_secs(3);

/// The three answers, each a success or a failure of its own.
pub struct Reads {
    app: Result<std::sync::Arc<AppDetail>, everai_api::ApiError>,
    queue: Result<std::sync::Arc<Vec<QueuedRequest>>, everai_api::ApiError>,
    events: Result<std::sync::Arc<EventPage>, everai_api::ApiError>,
}

/// A shared read, bounded by [`PANEL_WAIT`] (past it, a time-out).
pub(crate) async fn bounded<T>(
    read: impl Future<Output = Result<everai_api::Shared<T>, everai_api::ApiError>>,
) -> Result<std::sync::Arc<T>, everai_api::ApiError> {
    match tokio::time::timeout(PANEL_WAIT, read).await {
        Ok(answer) => answer.map(|shared| shared.value),
        Err(_) => Err(everai_api::ApiError::Timeout),
    }
}

/// The history page's events (all the platform sends in one read) and
/// whether the app is paused (the worker page's own read of the app).
/// An app whose state cannot be read is not said to be paused.
pub async fn history_reads(
    gateway: &everai_api::Gateway,
    token: Option<&SecretString>,
    namespace: &Namespace,
    app: &AppName,
) -> (
    Result<std::sync::Arc<EventPage>, everai_api::ApiError>,
    bool,
) {
    let (events, detail) = tokio::join!(
        bounded(gateway.list_events(
            token,
            namespace,
            app,
            model::EVENTS_READ,
            EventOrder::NewestFirst
        )),
        bounded(gateway.get_app(token, namespace, app)),
    );
    let paused = detail.is_ok_and(|d| d.status == everai_api::AppStatus::Paused);
    (events, paused)
}

impl Reads {
    /// Reads the app, its queue and its events at once.
    pub async fn fetch(
        gateway: &everai_api::Gateway,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
    ) -> Reads {
        let (app_read, queue, events) = tokio::join!(
            bounded(gateway.get_app(token, namespace, app)),
            bounded(gateway.list_queue(token, namespace, app)),
            bounded(gateway.list_events(
                token,
                namespace,
                app,
                model::EVENTS_LIVE,
                EventOrder::NewestFirst
            )),
        );
        Reads {
            app: app_read,
            queue,
            events,
        }
    }

    /// What the page says, given the worker list read beside them.
    pub fn insight(
        self,
        list: &WorkerList,
        event_filter: Option<&str>,
        namespace: &str,
        app: &str,
        now_ms: i64,
    ) -> Insight {
        let facts = ListFacts::of(list);
        let (state, detail) = match self.app {
            Ok(d) => (Part::Shown(model::state_view(&d)), Some(d)),
            Err(e) => (model::failed("the app's state", e, namespace, app), None),
        };
        let queue = match self.queue {
            Ok(q) => Part::Shown(model::queue_view(&q, now_ms)),
            Err(e) => model::failed("the request queue", e, namespace, app),
        };
        let events = match self.events {
            Ok(page) => Part::Shown(model::events_view(
                &page,
                model::parse_event_filter(event_filter),
            )),
            Err(e) => model::failed("the events", e, namespace, app),
        };
        let notes = model::notes(state.shown(), detail.as_deref(), &facts, queue.shown());
        Insight {
            state,
            facts,
            queue,
            events,
            notes,
        }
    }
}
