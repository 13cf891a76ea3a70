//! `/namespaces/{ns}/apps/{app}/workers/{id}`: one worker, as a link shares
//! it. The body is drawn on the server (`crate::worker_detail`); once
//! hydrated, the page reads it again every few seconds while visible.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{error_banner::ErrorBanner, skeleton::WorkerSkeleton},
    error::ConsoleError,
    filters::{history_path, workers_path},
    json,
    server_fns::worker::{WorkerDetailPage, worker_detail},
    sync_view::IntoSyncAny,
};

/// How often the page reads the worker again: the worker page's interval,
/// so both are served by the same kept list.
const REFRESH_EVERY_MS: i64 = 5_000;

#[component]
pub fn WorkerDetailPage() -> impl IntoView {
    let params = use_params_map();
    let get = move |key: &str| params.read().get(key).unwrap_or_default();
    let read = json::resource(
        move || (get("ns"), get("app"), get("id")),
        |(namespace, app, id)| worker_detail(namespace, app, id),
    );
    let title = move || {
        params
            .try_with(|p| {
                format!(
                    "Worker {} · {} · {}",
                    p.get("id").unwrap_or_default(),
                    p.get("app").unwrap_or_default(),
                    p.get("ns").unwrap_or_default()
                )
            })
            .unwrap_or_default()
    };
    view! {
        <Title text=title />
        <section class="page worker-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href="/">"Apps"</a>
                <span aria-hidden="true">" / "</span>
                <span>{move || get("ns")}</span>
                <span aria-hidden="true">" / "</span>
                <a href=move || workers_path(&get("ns"), &get("app"))>{move || get("app")}</a>
                <span aria-hidden="true">" / "</span>
            </nav>
            <h1>
                "Worker " <span class="mono">{move || get("id")}</span>
            </h1>
            <nav class="tabs" aria-label="Views">
                <a href=move || workers_path(&get("ns"), &get("app"))>"Live workers"</a>
                <a href=move || history_path(&get("ns"), &get("app"))>"History"</a>
            </nav>
            <Transition fallback=|| view! { <WorkerSkeleton /> }>
                {move || Suspend::new(async move {
                    match read.await {
                        Ok(page) => view! { <WorkerBody page /> }.into_sync_any(),
                        Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The server's body for the worker, kept fresh once hydrated.
#[component]
fn WorkerBody(page: WorkerDetailPage) -> impl IntoView {
    let html = RwSignal::new(page.html);
    let error: RwSignal<Option<ConsoleError>> = RwSignal::new(None);
    let params = use_params_map();
    // Effects run in the browser only: the server renders one read.
    Effect::new(move |_| {
        let in_flight = StoredValue::new(false);
        let last = StoredValue::new(js_sys::Date::now() as i64);
        let tick = move || {
            let now = js_sys::Date::now() as i64;
            if now - last.get_value() < REFRESH_EVERY_MS
                || document().hidden()
                || in_flight.get_value()
            {
                return;
            }
            let Some((ns, app, id)) = params.try_with_untracked(|p| {
                (
                    p.get("ns").unwrap_or_default(),
                    p.get("app").unwrap_or_default(),
                    p.get("id").unwrap_or_default(),
                )
            }) else {
                return;
            };
            in_flight.set_value(true);
            last.set_value(now);
            leptos::task::spawn_local(async move {
                match worker_detail(ns, app, id).await {
                    Ok(page) => {
                        if html.with_untracked(|h| *h != page.html) {
                            html.set(page.html);
                        }
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
                in_flight.set_value(false);
            });
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        {move || {
            error
                .get()
                .map(|e| {
                    view! {
                        <p class="banner banner-warn" role="status" data-testid="worker-stale">
                            {format!("Showing the last read: reading the worker again failed. {e}")}
                        </p>
                    }
                })
        }}
        <div class="worker-detail" data-found=page.found.to_string() inner_html=move || html.get()></div>
    }
}
