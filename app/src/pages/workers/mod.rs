//! The worker page of one app: its view ([`WorkersPage`], [`WorkerList`]),
//! its summary, and live refresh ([`live`]). The list's state between reads
//! is [`crate::snapshot::Snapshot`]; the filter form is
//! [`crate::components::filter_bar::FilterBar`]; the table is
//! [`crate::components::worker_table`].

use std::collections::BTreeSet;

use everai_api::{DetailStatus, WorkerStatus};
use leptos::prelude::*;

use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

mod live;

use live::{LiveRefresh, LiveStatus};

use crate::{
    actions::{ScaleIntent, capacity_note, removable_by_count, scale_up_limit},
    components::filter_bar::FilterBar,
    components::{
        app_header::{AppView, AppViewHeader, app_title},
        badges::{DetailBadge, StatusBadge},
        error_banner::ErrorBanner,
        pager::Pager,
        scale::{ConfirmArgs, ScalePanel, action_banner_view, confirm_view},
        skeleton::WorkersSkeleton,
        worker_table::{WorkerTable, ticked_before_hydration},
    },
    filters::{Paging, SearchIndex, WorkerQuery, with_query},
    json,
    server_fns::workers::{ActionShown, WorkerPage, list_workers},
    snapshot::{Snapshot, count_by_detail, count_by_status},
    sync_view::{IntoSyncAny, SyncHydrate},
    transport::ROWS_ELEMENT,
};

/// The live view of one app's workers.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = move || params.read().get("ns").unwrap_or_default();
    let app = move || params.read().get("app").unwrap_or_default();
    let query = use_query_map();
    // The outcome of a scale action comes with the list it changed.
    let action = move || query.read().get("action");
    let workers = json::resource(
        move || (namespace(), app(), action()),
        |(namespace, app, action)| async move {
            let page = list_workers(namespace, app, action).await;
            // On the server this read is the page's own: its rows travel in
            // the page's HTML (`WorkerList` draws them), not in its
            // hydration data.
            #[cfg(feature = "ssr")]
            let page = page.map(|mut page| {
                page.workers = page.workers.apart();
                page
            });
            page
        },
    );

    SyncHydrate(view! {
        <Title text=app_title("") />
        <section class="page workers-page">
            <AppViewHeader current=AppView::Live />
            <Transition fallback=|| view! { <WorkersSkeleton /> }>
                {move || Suspend::new(async move {
                    match workers.await {
                        Ok(page) => {
                            view! { <WorkerList page namespace=namespace() app=app() /> }.into_sync_any()
                        }
                        Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                    }
                })}
            </Transition>
        </section>
    })
}

/// How long typing pauses before the address takes the search text.
const ADDRESS_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// The summary, scale controls, filters and table of one app. The first
/// read comes from the server; after hydration the list is read again every
/// few seconds and only what changed is redrawn, so typing, ticked boxes,
/// open menus and the scroll position stay as they are.
#[component]
fn WorkerList(page: WorkerPage, namespace: String, app: String) -> impl IntoView {
    let WorkerPage {
        workers,
        max_workers,
        fetched_at_ms,
        action_key,
        max_scale_step,
        scale_denied,
        action,
        recent_actions: _,
    } = page;
    let viewer = scale_denied.is_some();
    // The rows the hydration data names (see `Workers::apart`). The
    // browser reads them before it hydrates; its element has no text.
    // Drawn last and read only then: the rows are written out on the
    // blocking pool while the rest of the page renders.
    #[cfg(feature = "ssr")]
    let rows_element = {
        let workers = workers.clone();
        view! {
            <script
                type="application/json"
                id=ROWS_ELEMENT
                inner_html=move || workers.rows_element_text()
            ></script>
        }
    };
    #[cfg(not(feature = "ssr"))]
    let rows_element = view! { <script type="application/json" id=ROWS_ELEMENT></script> };
    let (denied_confirm, denied_panel) = (scale_denied.clone(), scale_denied);
    let query_map = use_query_map();
    let location = use_location();
    let path = location.pathname;
    let parsed = Memo::new(move |_| {
        let map = query_map.read();
        let pairs = || (&*map).into_iter().map(|(k, v)| (k.as_ref(), v));
        (WorkerQuery::parse(pairs()), ScaleIntent::parse(pairs()))
    });
    // The view as the URL has it, and as shown: text typed in the search
    // box filters at once, before (and without) a navigation.
    let url_query = Memo::new(move |_| parsed.with(|p| p.0.0.clone()));
    let typed: RwSignal<Option<String>> = RwSignal::new(None);
    // A navigation (a link, back, the form) is the new truth.
    Effect::watch(
        move || url_query.track(),
        move |_, _, _| typed.set(None),
        false,
    );
    let query = Memo::new(move |_| {
        let mut q = url_query.get();
        typed.with(|t| {
            if let Some(t) = t
                && *t != q.search
            {
                q.search = t.clone();
                q.page = 1;
            }
        });
        q
    });
    let address_timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    on_cleanup(move || {
        if let Some(Some(pending)) = address_timer.try_get_value() {
            pending.clear();
        }
    });
    let on_search = Callback::new(move |text: String| {
        // Read as the URL's `q=` is (trimmed, cut to length), so the address
        // written below reproduces exactly what is shown.
        let text = WorkerQuery::parse([("q", text.as_str())]).0.search;
        typed.set(Some(text));
        // The address keeps up, so the view can still be shared or reloaded,
        // without a navigation that would redraw the filters under the caret.
        // Written once typing pauses: the browser's history is slow to
        // write (milliseconds), a keystroke's budget is a frame.
        if let Some(pending) = address_timer.get_value() {
            pending.clear();
        }
        let write = move || {
            address_timer.try_set_value(None);
            // Not after a navigation: the address is already the new view's.
            if typed.try_with_untracked(Option::is_some) != Some(true) {
                return;
            }
            let (Some(path), Some(q)) = (
                path.try_get_untracked(),
                query.try_with_untracked(|q| q.to_query_string()),
            ) else {
                return;
            };
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(
                    &leptos::wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&with_query(&path, &q)),
                );
            }
        };
        address_timer.set_value(set_timeout_with_handle(write, ADDRESS_AFTER).ok());
    });
    let intent = Memo::new(move |_| parsed.with(|p| p.1.clone()));
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
    let selected = RwSignal::new(match intent.get_untracked() {
        Some(Ok(ScaleIntent::DownWorkers { ids })) => ids,
        _ => Vec::new(),
    });
    // Boxes ticked before the page hydrated join the selection once it has
    // (hydration keeps the server's text, so the count must change after).
    let mut early = ticked_before_hydration();
    if !early.is_empty() {
        Effect::new(move |_| {
            let early = std::mem::take(&mut early);
            selected.update(|ids| {
                for id in early {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            });
        });
    }
    let live = LiveRefresh::start(namespace.clone(), app.clone(), snapshot, intent);
    {
        // Remembered in this browser for the start page (browser only).
        let (namespace, app) = (namespace.clone(), app.clone());
        Effect::new(move |_| crate::recent::save(&namespace, &app));
    }

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
    let limits = Memo::new(move |_| {
        snapshot.with(|s| {
            let up = scale_up_limit(max_scale_step);
            let removable = s.workers.iter().filter(|w| removable_by_count(w)).count();
            // maxWorkers is information: the platform decides what a
            // scale-up past it does.
            let hint = match capacity_note(&s.workers, s.max_workers, None) {
                Some(note) => format!("Up to {up} at a time. {note}"),
                None => format!("Up to {up} at a time."),
            };
            (up, removable, hint)
        })
    });
    // Sorted once per read and sort order; each keystroke only filters
    // that order, and only one page of rows is copied out.
    let sort = Memo::new(move |_| query.with(|q| (q.sort, q.descending)));
    let order = Memo::new(move |_| {
        let (sort, descending) = sort.get();
        let by = WorkerQuery {
            sort,
            descending,
            ..WorkerQuery::default()
        };
        snapshot.with(|s| by.order(&s.workers))
    });
    // Built on the first search in a read, not for reads without one.
    let index = Memo::new(move |_| snapshot.with(|s| SearchIndex::new(&s.workers)));
    let shown = Memo::new(move |_| {
        query.with(|q| {
            let filter = |index: &SearchIndex| {
                let matches = q.indexed_matcher(index);
                snapshot.with(|s| {
                    order.with(|o| {
                        o.iter()
                            .copied()
                            .filter(|&i| matches(i, &s.workers[i]))
                            .collect::<Vec<usize>>()
                    })
                })
            };
            if q.search.is_empty() {
                filter(&SearchIndex::default())
            } else {
                index.with(filter)
            }
        })
    });
    let paging = Memo::new(move |_| Paging::new(shown.with(Vec::len), query.with(|q| q.page)));
    let rows = Memo::new(move |_| {
        let p = paging.get();
        snapshot
            .with(|s| shown.with(|i| i[p.start..p.end].iter().map(|&i| s.workers.at(i)).collect()))
    });
    let empty = Memo::new(move |_| snapshot.with(|s| s.workers.is_empty()));
    // Counted once per read, not again for every keystroke.
    let stats = Memo::new(move |_| {
        snapshot.with(|s| {
            (
                count_by_status(&s.workers),
                count_by_detail(&s.workers),
                s.workers.len(),
                capacity_note(&s.workers, s.max_workers, None),
            )
        })
    });

    view! {
        {banner}
        {confirm}
        {move || {
            let (counts, details, total, capacity) = stats.get();
            (!empty.get())
                .then(|| {
                    view! {
                        <Summary
                            counts
                            details
                            capacity
                            total
                            query=query.get()
                            path=path.get()
                        />
                    }
                })
        }}
        <LiveStatus live />
        {move || {
            view! {
                <ScalePanel
                    path=path.get()
                    query=query.get()
                    up_limit=Signal::derive(move || limits.with(|l| l.0))
                    removable=Signal::derive(move || limits.with(|l| l.1))
                    up_hint=Signal::derive(move || limits.with(|l| l.2.clone()))
                    denied=denied_panel.clone()
                />
            }
        }}
        {move || {
            if empty.get() {
                return view! {
                    <p class="empty" data-testid="no-workers">
                        "This app has no live workers. Scale it up to start some."
                    </p>
                }
                    .into_sync_any();
            }
            view! {
                {move || view! { <FilterBar query=url_query.get() path=path.get() on_search /> }}
                {move || {
                    let notes = parsed.with(|p| p.0.1.clone());
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

/// Counts by status, each a link that shows only that status, and where
/// the app stands against its `maxWorkers` when the platform gave it.
#[component]
fn Summary(
    counts: Vec<(WorkerStatus, usize)>,
    details: Vec<(DetailStatus, usize)>,
    /// Where the app stands against its `maxWorkers`, when the platform
    /// gave one (see [`capacity_note`]).
    capacity: Option<String>,
    total: usize,
    query: WorkerQuery,
    path: String,
) -> impl IntoView {
    let total = match capacity {
        Some(note) => format!("{total} listed; {note}"),
        None => format!("{total} listed."),
    };
    view! {
        <div class="summary" data-testid="summary">
            <span class="summary-total">{total}</span>
            <ul class="summary-counts">
                {counts
                    .into_iter()
                    .map(|(status, n)| {
                        let href = with_query(&path, &query.only_status(status.clone()).to_query_string());
                        let label = format!("Show only {} workers ({n})", status.label());
                        view! {
                            <li>
                                <a href=href class="summary-link" aria-label=label>
                                    <StatusBadge status />
                                    <span class="count">{n}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <ul class="summary-counts" aria-label="By detail status">
                {details
                    .into_iter()
                    .map(|(detail, n)| {
                        let href = with_query(&path, &query.only_detail(detail.clone()).to_query_string());
                        let label = format!("Show only {} workers ({n})", detail.label());
                        view! {
                            <li>
                                <a href=href class="summary-link" aria-label=label>
                                    <DetailBadge detail />
                                    <span class="count">{n}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
    .into_sync_any()
}
