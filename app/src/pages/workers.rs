use std::collections::BTreeMap;

use everai_api::{DetailStatus, Worker, WorkerStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    components::{badges::StatusBadge, error_banner::ErrorBanner, worker_table::WorkerTable},
    filters::{SortKey, WorkerQuery, with_query},
    server_fns::workers::{WorkerPage, list_workers},
};

/// The live view of one app's workers.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = move || params.read().get("ns").unwrap_or_default();
    let app = move || params.read().get("app").unwrap_or_default();
    let workers = Resource::new(
        move || (namespace(), app()),
        |(namespace, app)| list_workers(namespace, app, false, 2),
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
                        Ok(page) => view! { <WorkerList page /> }.into_any(),
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
fn WorkerList(page: WorkerPage) -> impl IntoView {
    let WorkerPage {
        workers,
        max_workers,
        fetched_at_ms,
    } = page;
    if workers.is_empty() {
        return view! {
            <p class="empty" data-testid="no-workers">
                "This app has no live workers. Scale it up to start some."
            </p>
        }
        .into_any();
    }
    let query_map = use_query_map();
    let path = use_location().pathname;
    let parsed = Memo::new(move |_| {
        let map = query_map.read();
        WorkerQuery::parse((&*map).into_iter().map(|(k, v)| (k.as_ref(), v)))
    });
    let all = StoredValue::new(workers);

    let render = move || {
        let (query, notes) = parsed.get();
        let path = path.get();
        let (counts, shown) = all.with_value(|all| (count_by_status(all), query.apply(all)));
        let total = all.with_value(|all| all.len());
        let showing = shown.len();
        view! {
            <Summary counts max_workers total query=query.clone() path=path.clone() />
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
                view! { <WorkerTable workers=shown now_ms=fetched_at_ms query path /> }.into_any()
            }}
        }
    };
    render.into_any()
}

/// How many workers are in each status, most common first.
pub fn count_by_status(workers: &[Worker]) -> Vec<(WorkerStatus, usize)> {
    let mut counts: BTreeMap<WorkerStatus, usize> = BTreeMap::new();
    for w in workers {
        *counts.entry(w.status.clone()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// Counts by status, each a link that shows only that status, and the
/// app's capacity when the platform gave it.
#[component]
fn Summary(
    counts: Vec<(WorkerStatus, usize)>,
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
    }
}
