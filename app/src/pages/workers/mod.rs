//! The worker page of one app. This file holds its view ([`WorkersPage`],
//! [`WorkerList`]); beside it are the view's query as the address has it
//! ([`query`]), what is shown derived from the latest read ([`state`]), the
//! summary line ([`summary`]), live refresh ([`live`]) and the element
//! that carries the first read's rows ([`rows_element`]). A new panel is a
//! component drawn in `WorkerList`'s view, reading [`state::ListState`].
//!
//! Shared with other pages: the list between reads
//! ([`crate::snapshot::Snapshot`]), the filter form
//! ([`crate::components::filter_bar::FilterBar`]) and the table
//! ([`crate::components::worker_table`]).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

mod live;
mod query;
mod rows_element;
mod state;
mod summary;

use live::{LiveRefresh, LiveStatus};
use query::PageQuery;
use rows_element::{FirstRead, RowsElement};
use state::ListState;
use summary::Summary;

use crate::{
    actions::ScaleIntent,
    components::{
        app_header::{AppView, AppViewHeader, ShownView, app_title},
        error_banner::ErrorBanner,
        filter_bar::FilterBar,
        pager::Pager,
        scale::{ConfirmArgs, ScalePanel, action_banner_view, action_key, confirm_view},
        skeleton::WorkersSkeleton,
        worker_table::{WorkerTable, selection},
    },
    filters::WorkerQuery,
    json,
    server_fns::workers::{ActionShown, WorkerPage, list_workers},
    snapshot::Snapshot,
    sync_view::{IntoSyncAny, SyncHydrate},
    transport::Workers,
};

/// The live view of one app's workers.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = move || params.read().get("ns").unwrap_or_default();
    let app = move || params.read().get("app").unwrap_or_default();
    let query = use_query_map();
    // The outcome of a scale action comes with the list it changed, and
    // the events panel with the event type asked for.
    let action = move || action_key(&query.read());
    let events = move || query.read().get("events");
    let workers = json::resource(
        move || (namespace(), app(), action(), events()),
        move |(namespace, app, action, _)| {
            let view = query::view_query(&query.read_untracked());
            async move {
                // The rows of this read travel in an element of the page,
                // not in its hydration data (see `rows_element`).
                list_workers(namespace, app, action, Some(view))
                    .await
                    .map(FirstRead::new)
            }
        },
    );

    // Filled by the list below once it shows its view (see `PageQuery`).
    provide_context(ShownView(RwSignal::new(None)));
    SyncHydrate(view! {
        <Title text=app_title("") />
        <section class="page workers-page">
            <AppViewHeader current=AppView::Live />
            <Transition fallback=|| view! { <WorkersSkeleton /> }>
                {move || Suspend::new(async move {
                    let read = workers.await;
                    match read.and_then(FirstRead::into_page) {
                        Ok((page, workers)) => {
                            view! { <WorkerList page workers namespace=namespace() app=app() /> }
                                .into_sync_any()
                        }
                        Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                    }
                })}
            </Transition>
        </section>
    })
}

/// The summary, scale controls, filters and table of one app. The first
/// read comes from the server; after hydration the list is read again every
/// few seconds and only what changed is redrawn, so typing, ticked boxes,
/// open menus and the scroll position stay as they are.
#[component]
fn WorkerList(
    /// The read, but for its rows.
    page: WorkerPage,
    /// Its rows.
    workers: Workers,
    namespace: String,
    app: String,
) -> impl IntoView {
    let WorkerPage {
        workers: _,
        max_workers,
        fetched_at_ms,
        action_key,
        max_scale_step,
        scale_denied,
        action,
        recent_actions: _,
        insight_html,
        event_marks: _,
        paused,
    } = page;
    // The app's state, queue and events, as the server drew them (see
    // `crate::insight`); each live read brings them anew.
    let insight = RwSignal::new(insight_html);
    let viewer = scale_denied.is_some();
    let rows_element = view! { <RowsElement workers=workers.clone() /> };
    let (denied_confirm, denied_panel) = (scale_denied.clone(), scale_denied);
    let page_query = PageQuery::follow();
    let PageQuery {
        path,
        url: url_query,
        shown: query,
        intent,
        on_search,
        ..
    } = page_query;
    let highlight = StoredValue::new(match &action {
        Some(ActionShown::Outcome(o)) => o.added_ids().to_vec(),
        _ => Vec::new(),
    });
    let banner = action.map(|shown| Suspend::new(action_banner_view(shown)));
    let snapshot = RwSignal::new(Snapshot {
        workers,
        max_workers,
        fetched_at_ms,
        new_ids: BTreeSet::new(),
        changed_ids: BTreeSet::new(),
    });
    let selected = selection(match intent.get_untracked() {
        Some(Ok(ScaleIntent::DownWorkers { ids })) => ids,
        _ => Vec::new(),
    });
    let live = LiveRefresh::start(namespace.clone(), app.clone(), snapshot, insight, intent);
    {
        // Remembered in this browser for the start page (browser only).
        let (namespace, app) = (namespace.clone(), app.clone());
        Effect::new(move |_| crate::recent::save(&namespace, &app));
    }
    let ListState {
        shown,
        rows,
        paging,
        empty,
        stats,
        limits,
    } = ListState::derive(snapshot, query, max_scale_step);

    // Drawn when the address asks for them; their code is split off (see
    // `components::scale`), hence `Suspend`.
    let confirm = move || {
        let intent = intent.get()?;
        let snap = snapshot.get();
        let args = ConfirmArgs {
            intent,
            namespace: namespace.clone(),
            app: app.clone(),
            path: path.get(),
            query: query.get(),
            workers: snap.workers.to_vec(),
            max_workers: snap.max_workers,
            max_step: max_scale_step,
            action_key: action_key.clone(),
            now_ms: snap.fetched_at_ms,
            denied: denied_confirm.clone(),
        };
        Some(Suspend::new(confirm_view(args)))
    };

    view! {
        {banner}
        {confirm}
        {move || {
            (!empty.get())
                .then(|| view! { <Summary stats=stats.get() query=query.get() path=path.get() /> })
        }}
        <LiveStatus live />
        <section class="insight" aria-label="Queue, state and events" data-testid="insight" inner_html=move || insight.get()></section>
        {move || {
            view! {
                <ScalePanel
                    path=path.get()
                    query=query.get()
                    up_limit=Signal::derive(move || limits.with(|l| l.up))
                    removable=Signal::derive(move || limits.with(|l| l.removable))
                    up_hint=Signal::derive(move || limits.with(|l| l.up_hint.clone()))
                    denied=denied_panel.clone()
                />
            }
        }}
        {move || {
            if empty.get() {
                return view! {
                    <p class="empty" data-testid="no-workers">
                        {if paused {
                            "The app is paused, so it has no live workers; none will start until it is resumed."
                        } else {
                            "This app has no live workers. Scale it up to start some."
                        }}
                    </p>
                }
                    .into_sync_any();
            }
            view! {
                {move || view! { <FilterBar query=url_query.get() path=path.get() on_search /> }}
                {move || {
                    let notes = page_query.notes();
                    (!notes.is_empty())
                        .then(|| {
                            view! {
                                <ul class="notes" role="status">
                                    {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                                </ul>
                            }
                        })
                }}
                <p class="showing muted" data-testid="showing">
                    {move || {
                        let showing = shown.with(Vec::len);
                        let total = snapshot.with(|s| s.workers.len());
                        if query.with(WorkerQuery::is_filtered) {
                            format!("Showing {showing} of {total} workers")
                        } else {
                            format!("Showing all {total} workers")
                        }
                    }}
                </p>
                <Show
                    when=move || shown.with(|s| !s.is_empty())
                    fallback=move || {
                        view! {
                            <p class="empty" data-testid="no-matches">
                                "No worker matches these filters. "
                                <a href=path.get()>"Clear the filters"</a>
                            </p>
                        }
                    }
                >
                    <WorkerTable
                        shown=rows
                        snapshot
                        query
                        path=path.get_untracked()
                        selected
                        highlight=highlight.get_value()
                        read_only=viewer
                    />
                    {move || view! { <Pager paging query=query.get() path=path.get() /> }}
                </Show>
            }
                .into_sync_any()
        }}
        {rows_element}
    }
    .into_sync_any()
}
