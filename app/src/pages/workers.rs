use std::collections::BTreeMap;

use everai_api::{DetailStatus, Worker, WorkerStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    actions::{ScaleIntent, removable, scale_up_limit},
    components::{
        badges::{DetailBadge, StatusBadge},
        error_banner::ErrorBanner,
        scale::{ActionBanner, ConfirmPanel, ScalePanel},
        worker_table::WorkerTable,
    },
    filters::{SortKey, WorkerQuery, with_query},
    server_fns::workers::{ActionShown, WorkerPage, list_workers},
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
    let workers = Resource::new(
        move || (namespace(), app(), action()),
        |(namespace, app, action)| list_workers(namespace, app, false, 2, action),
    );

    view! {
        <Title text=move || format!("{} · {}", app(), namespace()) />
        <section class="page workers-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href="/">"Apps"</a>
                <span aria-hidden="true">" / "</span>
                <span>{namespace}</span>
                <span aria-hidden="true">" / "</span>
            </nav>
            <h1>{app}</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading workers…"</p> }>
                {move || Suspend::new(async move {
                    match workers.await {
                        Ok(page) => {
                            view! { <WorkerList page namespace=namespace() app=app() /> }.into_any()
                        }
                        Err(error) => view! { <ErrorBanner error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The summary, filters and table for one read of the workers; re-renders
/// when the URL query changes, without fetching again.
#[component]
fn WorkerList(page: WorkerPage, namespace: String, app: String) -> impl IntoView {
    let WorkerPage {
        workers,
        max_workers,
        fetched_at_ms,
        action_key,
        max_scale_step,
        action,
    } = page;
    let query_map = use_query_map();
    let path = use_location().pathname;
    let parsed = Memo::new(move |_| {
        let map = query_map.read();
        let pairs = || (&*map).into_iter().map(|(k, v)| (k.as_ref(), v));
        (WorkerQuery::parse(pairs()), ScaleIntent::parse(pairs()))
    });
    let highlight: Vec<String> = match &action {
        Some(ActionShown::Outcome(o)) => o.added_ids().to_vec(),
        _ => Vec::new(),
    };
    let banner = action.map(|shown| view! { <ActionBanner shown /> });
    let all = StoredValue::new(workers);

    let render = move || {
        let ((query, notes), intent) = parsed.get();
        let path = path.get();
        let confirm = intent.clone().map(|intent| {
            view! {
                <ConfirmPanel
                    intent
                    namespace=namespace.clone()
                    app=app.clone()
                    path=path.clone()
                    query=query.clone()
                    workers=all.get_value()
                    max_workers
                    max_step=max_scale_step
                    action_key=action_key.clone()
                    now_ms=fetched_at_ms
                />
            }
        });
        let (up_limit, removable_now, live) = all.with_value(|all| {
            (
                scale_up_limit(all, max_workers, max_scale_step),
                all.iter().filter(|w| removable(w)).count(),
                all.iter().filter(|w| w.status.is_live()).count(),
            )
        });
        let up_hint = match (max_workers, up_limit) {
            (0, n) => format!("Up to {n} at a time."),
            (max, 0) => format!("At its limit: {live} of at most {max} workers."),
            (max, n) => format!("Room for {n} more ({live} of at most {max})."),
        };
        let scale = view! {
            <ScalePanel
                path=path.clone()
                query=query.clone()
                up_limit
                removable=removable_now
                up_hint
            />
        };
        if all.with_value(|all| all.is_empty()) {
            return view! {
                {confirm}
                {scale}
                <p class="empty" data-testid="no-workers">
                    "This app has no live workers. Scale it up to start some."
                </p>
            }
            .into_any();
        }
        let selected: Vec<String> = match &intent {
            Some(Ok(ScaleIntent::DownWorkers { ids })) => ids.clone(),
            _ => Vec::new(),
        };
        let (counts, details, shown) =
            all.with_value(|all| (count_by_status(all), count_by_detail(all), query.apply(all)));
        let total = all.with_value(|all| all.len());
        let showing = shown.len();
        view! {
            {confirm}
            <Summary counts details max_workers total query=query.clone() path=path.clone() />
            {scale}
            <FilterBar query=query.clone() path=path.clone() />
            {(!notes.is_empty())
                .then(|| {
                    view! {
                        <ul class="notes" role="status">
                            {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                        </ul>
                    }
                })}
            <p class="showing muted" data-testid="showing">
                {if query.is_filtered() {
                    format!("Showing {showing} of {total} workers")
                } else {
                    format!("Showing all {total} workers")
                }}
            </p>
            {if shown.is_empty() {
                view! {
                    <p class="empty" data-testid="no-matches">
                        "No worker matches these filters. "
                        <a href=path.clone()>"Clear the filters"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <WorkerTable
                        workers=shown
                        now_ms=fetched_at_ms
                        query
                        path
                        selected
                        highlight=highlight.clone()
                    />
                }
                    .into_any()
            }}
        }
        .into_any()
    };
    view! {
        {banner}
        {render}
    }
    .into_any()
}

/// How many workers have each value of `key`, most common first.
fn count_by<K: Ord + Clone>(workers: &[Worker], key: impl Fn(&Worker) -> &K) -> Vec<(K, usize)> {
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    for w in workers {
        *counts.entry(key(w).clone()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// How many workers are in each status, most common first.
pub fn count_by_status(workers: &[Worker]) -> Vec<(WorkerStatus, usize)> {
    count_by(workers, |w| &w.status)
}

/// How many workers are in each detail status, most common first.
pub fn count_by_detail(workers: &[Worker]) -> Vec<(DetailStatus, usize)> {
    count_by(workers, |w| &w.detail_status)
}

/// Counts by status, each a link that shows only that status, and the
/// app's capacity when the platform gave it.
#[component]
fn Summary(
    counts: Vec<(WorkerStatus, usize)>,
    details: Vec<(DetailStatus, usize)>,
    max_workers: u64,
    total: usize,
    query: WorkerQuery,
    path: String,
) -> impl IntoView {
    let capacity = (max_workers > 0).then(|| format!("{total} of at most {max_workers} workers"));
    view! {
        <div class="summary" data-testid="summary">
            <span class="summary-total">
                {capacity.unwrap_or_else(|| format!("{total} workers"))}
            </span>
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
}

/// The filters as a GET form: it works the same with JavaScript off, and the
/// resulting URL reproduces the view.
#[component]
fn FilterBar(query: WorkerQuery, path: String) -> impl IntoView {
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
        ];
        assert_eq!(
            count_by_status(&workers),
            vec![
                (WorkerStatus::Running, 2),
                (WorkerStatus::Pending, 1),
                (WorkerStatus::Unknown("STATUS_NEW".into()), 1),
            ]
        );
        assert!(count_by_status(&[]).is_empty());
        let details = count_by_detail(&workers);
        assert_eq!(details, vec![(DetailStatus::Unspecified, 4)]);
    }
}
