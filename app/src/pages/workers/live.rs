//! Live refresh of the worker page: the timer that reads the list again
//! every few seconds while the page is visible, and the status line that
//! says how fresh the shown list is.

use leptos::prelude::*;

use crate::{
    actions::ScaleIntent, error::ConsoleError, server_fns::workers::list_workers,
    snapshot::Snapshot, sync_view::IntoSyncAny,
};

/// How often the live view reads the workers again.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The state of live updates, shared by the status line and the timer.
#[derive(Clone, Copy)]
pub(super) struct LiveRefresh {
    /// The person's choice: on unless paused.
    pub(super) on: RwSignal<bool>,
    /// The browser's clock, ticking once a second after hydration.
    pub(super) now_ms: RwSignal<i64>,
    /// The browser's clock when the last good read arrived. Ages and the
    /// period are measured on one clock: the browser's and the server's
    /// may disagree by any amount.
    pub(super) received_ms: RwSignal<i64>,
    /// Why the last read failed, while the shown data is stale.
    pub(super) error: RwSignal<Option<ConsoleError>>,
    /// True after hydration: the controls work.
    pub(super) running: RwSignal<bool>,
    /// A confirmation is open: the list holds still under it.
    pub(super) held: Signal<bool>,
}

impl LiveRefresh {
    pub(super) fn start(
        namespace: String,
        app: String,
        snapshot: RwSignal<Snapshot>,
        insight: RwSignal<String>,
        intent: Memo<Option<Result<ScaleIntent, String>>>,
    ) -> LiveRefresh {
        let first = snapshot.with_untracked(|s| s.fetched_at_ms);
        let live = LiveRefresh {
            on: RwSignal::new(true),
            now_ms: RwSignal::new(first),
            received_ms: RwSignal::new(first),
            error: RwSignal::new(None),
            running: RwSignal::new(false),
            held: Signal::derive(move || intent.with(Option::is_some)),
        };
        // Effects run in the browser only: the server renders one read.
        Effect::new(move |_| {
            let now = js_now_ms();
            live.now_ms.set(now);
            live.received_ms.set(now);
            live.running.set(true);
            let in_flight = StoredValue::new(false);
            // Reads are spaced from the last attempt, so a failing upstream
            // is asked every 5 s too, not every tick.
            let last_attempt = StoredValue::new(now);
            let (namespace, app) = (namespace.clone(), app.clone());
            let tick = move || {
                let now = js_now_ms();
                live.now_ms.set(now);
                let due = now - last_attempt.get_value() >= REFRESH_EVERY.as_millis() as i64;
                let visible = !document().hidden();
                if !due
                    || !visible
                    || !live.on.get_untracked()
                    || live.held.get_untracked()
                    || in_flight.get_value()
                {
                    return;
                }
                in_flight.set_value(true);
                last_attempt.set_value(now);
                let (namespace, app) = (namespace.clone(), app.clone());
                leptos::task::spawn_local(async move {
                    // The address as it is now: the panels' links keep it.
                    let view = window()
                        .location()
                        .search()
                        .map(|s| s.trim_start_matches('?').to_string())
                        .ok();
                    match list_workers(namespace, app, None, view).await {
                        Ok(page) => {
                            snapshot.update(|s| {
                                *s = s.next(page.workers, page.max_workers, page.fetched_at_ms)
                            });
                            // Redrawn only when it says something new.
                            if insight.with_untracked(|h| *h != page.insight_html) {
                                insight.set(page.insight_html);
                            }
                            live.error.set(None);
                            let now = js_now_ms();
                            live.received_ms.set(now);
                            live.now_ms.set(now);
                        }
                        Err(e) => live.error.set(Some(e)),
                    }
                    in_flight.set_value(false);
                });
            };
            if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
                on_cleanup(move || handle.clear());
            }
        });
        live
    }
}

fn js_now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// "Updated 12 s ago", pause and resume, and why the data is stale.
#[component]
pub(super) fn LiveStatus(live: LiveRefresh) -> impl IntoView {
    let age = move || {
        let secs = ((live.now_ms.get() - live.received_ms.get()) / 1000).max(0);
        if secs < 2 {
            "Updated just now".to_string()
        } else {
            format!("Updated {} ago", crate::format::span(secs * 1000))
        }
    };
    let state = move || {
        if !live.running.get() {
            ""
        } else if live.held.get() {
            " · paused while you confirm"
        } else if live.on.get() {
            " · live, every 5 s"
        } else {
            " · paused"
        }
    };
    view! {
        <div class="live" data-testid="live">
            <span class="live-age">{age}{state}</span>
            <button
                type="button"
                class="button button-small"
                disabled=move || !live.running.get()
                aria-pressed=move || (!live.on.get()).to_string()
                on:click=move |_| live.on.update(|on| *on = !*on)
            >
                {move || if live.on.get() { "Pause updates" } else { "Resume updates" }}
            </button>
            {move || {
                live.error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="banner banner-warn" role="alert" data-testid="stale">
                                {format!(
                                    "Could not refresh: {e} Showing the workers as they were at the last good read."
                                )}
                            </p>
                        }
                    })
            }}
        </div>
    }
    .into_sync_any()
}
