use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{actions::ActionOutcome, error::ConsoleError, transport::Workers};

/// One read of an app's workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerPage {
    /// Only the fields the pages show travel to the browser.
    pub workers: Workers,
    /// The app's cap, 0 when the platform did not say.
    pub max_workers: u64,
    /// The server's clock when the list was read (ms since the epoch):
    /// relative times are counted from it, so server and browser agree.
    pub fetched_at_ms: i64,
    /// A fresh one-time key for the scale forms rendered from this read.
    pub action_key: String,
    /// Most workers one scale-up may add.
    pub max_scale_step: u32,
    /// Why the person reading may not scale, if so (a viewer, or a
    /// read-only console).
    pub scale_denied: Option<String>,
    /// The outcome of the action the URL names (`action=<key>`), if any.
    pub action: Option<ActionShown>,
    /// With `show_all`: the scale actions on the app in the window, from
    /// the audit log, for the history timeline.
    pub recent_actions: Vec<ActionOutcome>,
    /// Drawn on the server (see `crate::insight`): for a live read the
    /// app's state, queue and events panels; for a history read the
    /// requests card (`crate::requests`) and the window's events.
    pub insight_html: String,
    /// A history read: the window's events, for marks on the timeline.
    pub event_marks: Vec<EventMark>,
    /// The platform says the app is paused (every page of it says so).
    pub paused: bool,
}

/// One of the platform's events, as a mark on the history timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMark {
    pub at_ms: i64,
    /// Its time, type, source and message in one line.
    pub text: String,
}

/// What the page can say about the action its URL names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ActionShown {
    Outcome(ActionOutcome),
    /// Not in the audit log (a link from another console), or the log
    /// could not be read.
    Gone,
}

/// The live workers of `namespace`/`app`, with the outcome of the scale
/// action `action` names, if any, and the app's state, queue and events
/// (the worker page and its refreshes). `view` is the page's query string,
/// for the event type it asks for and the links that keep the rest.
#[server(prefix = "/api", endpoint = "list_workers")]
pub async fn list_workers(
    namespace: String,
    app: String,
    action: Option<String>,
    view: Option<String>,
) -> Result<WorkerPage, ConsoleError> {
    read_workers(namespace, app, ListWindow::Live, action, view, None)
        .await
        .inspect_err(ConsoleError::apply_to_response)
}

/// The longest page query string the panels' links keep.
pub const MAX_VIEW_QUERY: usize = 4_096;

/// The workers of `namespace`/`app`, live ones and those that ended within
/// `days` (1 to 30), with the scale actions of that window and the
/// requests the app served in it, by `interval` (`hour` or `day`; the
/// page's address) (the history page).
#[server(prefix = "/api", endpoint = "worker_history")]
pub async fn worker_history(
    namespace: String,
    app: String,
    days: u32,
    interval: Option<String>,
) -> Result<WorkerPage, ConsoleError> {
    read_workers(
        namespace,
        app,
        ListWindow::History { days },
        None,
        None,
        interval,
    )
    .await
    .inspect_err(ConsoleError::apply_to_response)
}

/// Which workers a read asks the platform for.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListWindow {
    /// Live workers only (`showAll=false`).
    Live,
    /// Also those that ended within `days` (`showAll=true&recentDays=`).
    History { days: u32 },
}

#[cfg(feature = "ssr")]
async fn read_workers(
    namespace: String,
    app: String,
    window: ListWindow,
    action: Option<String>,
    view: Option<String>,
    interval: Option<String>,
) -> Result<WorkerPage, ConsoleError> {
    use everai_api::{AppName, Namespace};

    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let ns = Namespace::parse(&namespace).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    let name = AppName::parse(&app).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    // A live read sends the window the console has always sent with it;
    // only a history read widens it.
    let (show_all, recent_days) = match window {
        ListWindow::Live => (false, 2),
        ListWindow::History { days } if (1..=30).contains(&days) => (true, days),
        ListWindow::History { .. } => {
            return Err(ConsoleError::InvalidInput(
                "The history window must be from 1 to 30 days.".into(),
            ));
        }
    };
    let view = view.unwrap_or_default();
    if view.len() > MAX_VIEW_QUERY {
        return Err(ConsoleError::InvalidInput(format!(
            "The page's address is longer than {MAX_VIEW_QUERY} characters."
        )));
    }
    let view: Vec<(String, String)> = url::form_urlencoded::parse(view.as_bytes())
        .into_owned()
        .collect();
    let token = state.request_token();
    // The panels (or the history's events) are read beside the list, not
    // after it.
    let (listed, beside) = tokio::join!(
        state
            .gateway
            .list_workers(token.as_ref(), &ns, &name, show_all, recent_days),
        async {
            match window {
                ListWindow::Live => {
                    Ok(
                        crate::insight::Reads::fetch(&state.gateway, token.as_ref(), &ns, &name)
                            .await,
                    )
                }
                ListWindow::History { days } => {
                    let now_ms = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis() as i64);
                    Err(tokio::join!(
                        crate::insight::history_reads(&state.gateway, token.as_ref(), &ns, &name),
                        crate::requests::read(
                            &state.gateway,
                            token.as_ref(),
                            (&ns, &name),
                            now_ms,
                            days,
                            interval.as_deref(),
                        ),
                    ))
                }
            }
        }
    );
    let listed = listed.map_err(|e| {
        let request_id = crate::error::RequestId::current().unwrap_or_default();
        tracing::warn!(%request_id, %namespace, %app, error = %e, "listing workers failed");
        ConsoleError::from_api(e, &namespace, &app)
    })?;
    let list = listed.list;
    // A kept answer is shown with the time it was read, not handed out.
    let fetched_at_ms = listed
        .read_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    // From the database, so that the page after the redirect shows the
    // outcome whichever replica serves it.
    let action = match action.filter(|key| !key.is_empty()) {
        None => None,
        Some(key) => Some(match state.actions.outcome(&state.store, &key).await {
            Ok(Some(outcome)) if outcome.namespace == namespace && outcome.app == app => {
                ActionShown::Outcome(outcome)
            }
            Ok(_) => ActionShown::Gone,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a scale action's outcome");
                ActionShown::Gone
            }
        }),
    };
    let scale_denied = crate::auth::Identity::current().map_or_else(
        || Some("the console could not tell who you are.".to_string()),
        |who| who.may_scale().err(),
    );
    let (insight_html, paused, event_marks) = match beside {
        Ok(reads) => {
            let events = view
                .iter()
                .find(|(k, _)| k == "events")
                .map(|(_, v)| v.as_str());
            let insight = reads.insight(&list, events, &namespace, &app, fetched_at_ms);
            let path = format!("/namespaces/{namespace}/apps/{app}/workers");
            let html = crate::insight::render::html(
                &insight,
                &path,
                &view,
                scale_denied.as_deref(),
                fetched_at_ms,
            );
            (html, insight.paused(), Vec::new())
        }
        Err(((events, paused), requests_html)) => {
            let since_ms = fetched_at_ms - i64::from(recent_days) * 24 * 60 * 60 * 1000;
            let shown = crate::insight::model::window_events(events, since_ms, &namespace, &app);
            let marks = shown.shown().map_or_else(Vec::new, |w| {
                w.events
                    .iter()
                    .filter_map(|e| {
                        let at = e.created_at?;
                        Some(EventMark {
                            at_ms: at.unix_millis(),
                            text: crate::insight::model::event_line(e),
                        })
                    })
                    .collect()
            });
            (
                crate::insight::render::history_cards(&requests_html, &shown),
                paused,
                marks,
            )
        }
    };
    // An odd value is as good as none: the page then writes no "of at
    // most N" note.
    let max_workers = list.max_workers.value().unwrap_or(0);
    // The rows are written out on the blocking pool while the audit log is
    // read.
    let (workers, recent_actions) = tokio::join!(Workers::new(list).written_ahead(), async {
        if show_all {
            recorded_actions(&state, &namespace, &app, fetched_at_ms, recent_days).await
        } else {
            Vec::new()
        }
    });
    Ok(WorkerPage {
        scale_denied,
        max_workers,
        workers,
        fetched_at_ms,
        action_key: crate::action_log::ActionLog::new_key(),
        max_scale_step: state.max_scale_step,
        action,
        recent_actions,
        insight_html,
        event_marks,
        paused,
    })
}

/// The audit log's actions on `namespace`/`app` in the last `days`, oldest
/// first. A database failure leaves the timeline without marks (and says so
/// in the log) rather than failing the page.
#[cfg(feature = "ssr")]
async fn recorded_actions(
    state: &crate::state::AppState,
    namespace: &str,
    app: &str,
    now_ms: i64,
    days: u32,
) -> Vec<crate::actions::ActionOutcome> {
    let filter = console_store::Filter {
        namespace: Some(namespace.to_string()),
        app: Some(app.to_string()),
        from_ms: Some(now_ms - i64::from(days) * 24 * 60 * 60 * 1000),
        limit: 2_000,
        ..Default::default()
    };
    match state.store.list(&filter).await {
        Ok(entries) => {
            let mut out: Vec<_> = entries
                .into_iter()
                .map(|e| crate::audit::AuditRecord::from(e).to_outcome())
                .collect();
            out.sort_by_key(|o| o.at_ms);
            out
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the audit log for the timeline");
            Vec::new()
        }
    }
}
