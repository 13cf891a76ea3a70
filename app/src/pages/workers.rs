use std::collections::{BTreeMap, BTreeSet};

use everai_api::{DetailStatus, Worker, WorkerStatus};
use leptos::prelude::*;

use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    actions::{ScaleIntent, capacity_note, removable_by_count, scale_up_limit},
    components::{
        app_header::{AppView, AppViewHeader, app_title},
        badges::{DetailBadge, StatusBadge},
        error_banner::ErrorBanner,
        pager::Pager,
        scale::{ConfirmArgs, ScalePanel, action_banner_view, confirm_view},
        skeleton::WorkersSkeleton,
        worker_table::{WorkerTable, ticked_before_hydration},
    },
    error::ConsoleError,
    filters::{Paging, SearchIndex, SortKey, WorkerQuery, with_query},
    json,
    server_fns::workers::{ActionShown, WorkerPage, list_workers},
    sync_view::{IntoSyncAny, SyncHydrate},
    transport::{ROWS_ELEMENT, Workers},
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

/// How often the live view reads the workers again.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// How long typing pauses before the address takes the search text.
const ADDRESS_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// One read of the workers, and how it differs from the read before.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub workers: Workers,
    pub max_workers: u64,
    pub fetched_at_ms: i64,
    /// Workers that were not in the previous read.
    pub new_ids: BTreeSet<String>,
    /// Workers whose shown fields changed since the previous read.
    pub changed_ids: BTreeSet<String>,
}

impl Snapshot {
    /// The next read, compared with this one.
    pub fn next(&self, workers: Workers, max_workers: u64, fetched_at_ms: i64) -> Snapshot {
        let before: BTreeMap<&str, &Worker> =
            self.workers.iter().map(|w| (w.id.as_str(), w)).collect();
        let mut new_ids = BTreeSet::new();
        let mut changed_ids = BTreeSet::new();
        for w in workers.iter() {
            match before.get(w.id.as_str()) {
                None => {
                    new_ids.insert(w.id.clone());
                }
                Some(old) if *old != w => {
                    changed_ids.insert(w.id.clone());
                }
                Some(_) => {}
            }
        }
        Snapshot {
            workers,
            max_workers,
            fetched_at_ms,
            new_ids,
            changed_ids,
        }
    }
}

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

/// The state of live updates, shared by the status line and the timer.
#[derive(Clone, Copy)]
struct LiveRefresh {
    /// The person's choice: on unless paused.
    on: RwSignal<bool>,
    /// The browser's clock, ticking once a second after hydration.
    now_ms: RwSignal<i64>,
    /// The browser's clock when the last good read arrived. Ages and the
    /// period are measured on one clock: the browser's and the server's
    /// may disagree by any amount.
    received_ms: RwSignal<i64>,
    /// Why the last read failed, while the shown data is stale.
    error: RwSignal<Option<ConsoleError>>,
    /// True after hydration: the controls work.
    running: RwSignal<bool>,
    /// A confirmation is open: the list holds still under it.
    held: Signal<bool>,
}

impl LiveRefresh {
    fn start(
        namespace: String,
        app: String,
        snapshot: RwSignal<Snapshot>,
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
                    match list_workers(namespace, app, None).await {
                        Ok(page) => {
                            snapshot.update(|s| {
                                *s = s.next(page.workers, page.max_workers, page.fetched_at_ms)
                            });
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
fn LiveStatus(live: LiveRefresh) -> impl IntoView {
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

/// How many workers have each value of `key`, most common first.
fn count_by<K: Ord + Clone>(
    workers: &[Worker],
    key: impl Fn(&Worker) -> Option<&K>,
) -> Vec<(K, usize)> {
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    for k in workers.iter().filter_map(key) {
        *counts.entry(k.clone()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// How many workers are in each status, most common first.
pub fn count_by_status(workers: &[Worker]) -> Vec<(WorkerStatus, usize)> {
    count_by(workers, |w| Some(&w.status))
}

/// How many workers are in each detail status, most common first; ended
/// workers without one are not counted.
pub fn count_by_detail(workers: &[Worker]) -> Vec<(DetailStatus, usize)> {
    count_by(workers, crate::history::detail_of)
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

/// The filters as a GET form: it works the same with JavaScript off, and the
/// resulting URL reproduces the view. With `on_search`, the search box also
/// reports every keystroke (the live view filters as you type).
#[component]
pub fn FilterBar(
    query: WorkerQuery,
    path: String,
    #[prop(optional, into)] on_search: Option<Callback<String>>,
) -> impl IntoView {
    let status_boxes = WorkerStatus::KNOWN
        .iter()
        .map(|s| {
            let checked = query.statuses.contains(s);
            view! {
                <label class="check">
                    <input type="checkbox" name="status" value=s.wire().to_string() checked=checked />
                    {s.label().to_string()}
                </label>
            }
        })
        .collect_view();
    let detail_boxes = DetailStatus::KNOWN
        .iter()
        .map(|d| {
            let checked = query.details.contains(d);
            view! {
                <label class="check">
                    <input type="checkbox" name="detail" value=d.wire().to_string() checked=checked />
                    {d.label().to_string()}
                </label>
            }
        })
        .collect_view();
    // Unknown values in the URL stay selected, as hidden fields.
    let unknown = query
        .statuses
        .iter()
        .filter(|s| !s.is_known())
        .map(|s| view! { <input type="hidden" name="status" value=s.wire().to_string() /> })
        .collect_view();
    let sort_options = SortKey::ALL
        .into_iter()
        .map(|k| {
            view! {
                <option value=k.param() selected={query.sort == k}>
                    {k.label()}
                </option>
            }
        })
        .collect_view();
    let clear_href = path.clone();
    let status_count = query.statuses.len();
    let detail_count = query.details.len();
    view! {
        <form class="filters" method="get" action=path role="search">
            <label class="search">
                <span class="visually-hidden">"Search worker or device id"</span>
                <input
                    type="search"
                    name="q"
                    value=query.search.clone()
                    placeholder="Search worker or device id"
                    maxlength="100"
                    autocomplete="off"
                    spellcheck="false"
                    on:input=move |ev| {
                        if let Some(report) = on_search {
                            report.run(event_target_value(&ev));
                        }
                    }
                />
            </label>
            <details class="pick">
                <summary>
                    {if status_count > 0 { format!("Status ({status_count})") } else { "Status".to_string() }}
                </summary>
                <fieldset>
                    <legend class="visually-hidden">"Status"</legend>
                    {status_boxes}
                    {unknown}
                </fieldset>
            </details>
            <details class="pick">
                <summary>
                    {if detail_count > 0 { format!("Detail ({detail_count})") } else { "Detail".to_string() }}
                </summary>
                <fieldset>
                    <legend class="visually-hidden">"Detail status"</legend>
                    {detail_boxes}
                </fieldset>
            </details>
            <label class="sort">
                "Sort by "
                <select name="sort">{sort_options}</select>
            </label>
            <label class="sort">
                <span class="visually-hidden">"Direction"</span>
                <select name="dir">
                    <option value="asc" selected=!query.descending>"Ascending"</option>
                    <option value="desc" selected=query.descending>"Descending"</option>
                </select>
            </label>
            <button type="submit" class="button">"Apply"</button>
            <a class="clear" href=clear_href>"Clear"</a>
        </form>
    }
    .into_sync_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(status: WorkerStatus) -> Worker {
        Worker {
            status,
            ..Worker::default()
        }
    }

    #[test]
    fn counts_are_most_common_first() {
        let workers = [
            worker(WorkerStatus::Pending),
            worker(WorkerStatus::Running),
            worker(WorkerStatus::Running),
            worker(WorkerStatus::Unknown("STATUS_NEW".into())),
            worker(WorkerStatus::Terminated),
        ];
        assert_eq!(
            count_by_status(&workers),
            vec![
                (WorkerStatus::Running, 2),
                (WorkerStatus::Pending, 1),
                (WorkerStatus::Terminated, 1),
                (WorkerStatus::Unknown("STATUS_NEW".into()), 1),
            ]
        );
        assert!(count_by_status(&[]).is_empty());
        // The ended worker has no detail: it is not one more "Abnormal".
        let details = count_by_detail(&workers);
        assert_eq!(details, vec![(DetailStatus::Unspecified, 4)]);
    }

    #[test]
    fn a_new_read_knows_which_workers_are_new_and_which_changed() {
        let w = |id: &str, status| Worker {
            id: id.into(),
            status,
            ..Worker::default()
        };
        let first = Snapshot {
            workers: vec![w("a", WorkerStatus::Running), w("b", WorkerStatus::Pending)].into(),
            max_workers: 0,
            fetched_at_ms: 1,
            new_ids: BTreeSet::new(),
            changed_ids: BTreeSet::new(),
        };
        let next = first.next(
            vec![
                w("a", WorkerStatus::Running),
                w("b", WorkerStatus::Running),
                w("c", WorkerStatus::Created),
            ]
            .into(),
            20,
            2,
        );
        assert_eq!(next.new_ids, BTreeSet::from(["c".to_string()]));
        assert_eq!(next.changed_ids, BTreeSet::from(["b".to_string()]));
        assert_eq!((next.max_workers, next.fetched_at_ms), (20, 2));
        let same = next.next(next.workers.clone(), 20, 3);
        assert!(same.new_ids.is_empty() && same.changed_ids.is_empty());
    }
}
