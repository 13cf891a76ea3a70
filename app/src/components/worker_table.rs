use everai_api::Worker;
use leptos::prelude::*;

use crate::{
    actions::removable,
    components::{
        badges::{DetailBadge, StatusBadge},
        scale::hidden_view,
    },
    filters::{SortKey, WorkerQuery, with_query},
    format,
};

/// The workers as a table, times relative to `now_ms` (exact UTC on hover).
/// Each column heading is a link that sorts by it, keeping the filters.
#[component]
pub fn WorkerTable(
    workers: Vec<Worker>,
    now_ms: i64,
    /// The view the rows were chosen by; headings link to its variants.
    query: WorkerQuery,
    /// The page's path, for those links.
    path: String,
    /// Workers whose checkbox starts ticked.
    selected: Vec<String>,
    /// Workers just added, highlighted.
    highlight: Vec<String>,
) -> impl IntoView {
    let headings = SortKey::ALL
        .into_iter()
        .map(|key| {
            let active = query.sort == key;
            let aria_sort = match (active, query.descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            };
            let arrow = match (active, query.descending) {
                (false, _) => "",
                (true, true) => " ▼",
                (true, false) => " ▲",
            };
            let href = with_query(&path, &query.sorted_by(key).to_query_string());
            let class = if key.is_numeric() { "num" } else { "" };
            view! {
                <th scope="col" class=class aria-sort=aria_sort>
                    <a href=href class="sort-link">
                        {key.label()}
                        <span aria-hidden="true">{arrow}</span>
                    </a>
                </th>
            }
        })
        .collect_view();
    let ticked = RwSignal::new(selected.len());
    let rows = workers
        .into_iter()
        .map(|w| {
            let checked = selected.contains(&w.id);
            let new = highlight.contains(&w.id);
            view! { <WorkerRow worker=w now_ms checked new ticked /> }
        })
        .collect_view();
    view! {
        // The row checkboxes belong to this form (by their `form`
        // attribute): it opens the confirmation for the ticked workers.
        <form id="selection" class="selection" method="get" action=path>
            {hidden_view(&query)}
            <input type="hidden" name="confirm" value="down" />
            <button type="submit" class="button">"Remove selected…"</button>
            <span class="muted hint" data-testid="selected-count">
                {move || match ticked.get() {
                    0 => "Tick workers in the table to remove exactly those.".to_string(),
                    1 => "1 worker selected.".to_string(),
                    n => format!("{n} workers selected."),
                }}
            </span>
        </form>
        <div class="table-wrap">
            <table class="workers">
                <thead>
                    <tr>
                        <th scope="col" class="select">
                            <span class="visually-hidden">"Select"</span>
                        </th>
                        {headings}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn WorkerRow(
    worker: Worker,
    now_ms: i64,
    checked: bool,
    new: bool,
    ticked: RwSignal<usize>,
) -> impl IntoView {
    let created = worker
        .created_at
        .map(|t| (format::ago(t, now_ms), format::exact(t)));
    let launched = worker
        .launch_at
        .map(|t| (format::ago(t, now_ms), format::exact(t)));
    let served = worker
        .last_serve_at
        .map(|t| (format::ago(t, now_ms), format::exact(t)));
    let cold_start = worker
        .cold_start()
        .map(|d| format::duration(d.whole_milliseconds() as i64));
    let device_short: String = worker.device_id.chars().take(8).collect();
    let gpu = match (worker.gpus, worker.gpu_name.as_str()) {
        (0, "") => String::new(),
        (0, name) => name.to_string(),
        (n, "") => format!("{n}×"),
        (n, name) => format!("{n}× {name}"),
    };
    let time_cell = |value: Option<(String, String)>| match value {
        Some((relative, exact)) => {
            view! { <td><time title=exact.clone() datetime=exact>{relative}</time></td> }.into_any()
        }
        None => view! { <td class="muted">"—"</td> }.into_any(),
    };
    let select = removable(&worker).then(|| {
        let label = format!("Select worker {}", worker.id);
        let on_change = move |ev| {
            ticked.update(|n| {
                *n = if event_target_checked(&ev) {
                    *n + 1
                } else {
                    n.saturating_sub(1)
                }
            })
        };
        view! {
            <input
                type="checkbox"
                name="worker"
                form="selection"
                value=worker.id.clone()
                checked=checked
                aria-label=label
                on:change=on_change
            />
        }
    });
    view! {
        <tr data-worker-id=worker.id.clone() class:row-new=new>
            <td class="select">{select}</td>
            <td class="status"><StatusBadge status=worker.status.clone() /></td>
            <td class="detail"><DetailBadge detail=worker.detail_status.clone() /></td>
            <td class="mono worker-id">{worker.id.clone()}</td>
            <td class="mono" title=worker.device_id.clone()>{device_short}</td>
            {time_cell(created)}
            {time_cell(launched)}
            <td>{cold_start.unwrap_or_default()}</td>
            {time_cell(served)}
            <td class="num success">{worker.success_count}</td>
            <td class="num failed">{worker.failed_count}</td>
            <td class="num">{format::cpus(worker.cpus)}</td>
            <td class="num">{format::memory(worker.memory)}</td>
            <td>{gpu}</td>
            <td>{worker.app_revision.clone()}</td>
        </tr>
    }
}
