use everai_api::Worker;
use leptos::prelude::*;

use crate::{
    components::badges::{DetailBadge, StatusBadge},
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
    let rows = workers
        .into_iter()
        .map(|w| view! { <WorkerRow worker=w now_ms /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="workers">
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn WorkerRow(worker: Worker, now_ms: i64) -> impl IntoView {
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
    view! {
        <tr data-worker-id=worker.id.clone()>
            <td><StatusBadge status=worker.status.clone() /></td>
            <td><DetailBadge detail=worker.detail_status.clone() /></td>
            <td class="mono worker-id">{worker.id.clone()}</td>
            <td class="mono" title=worker.device_id.clone()>{device_short}</td>
            {time_cell(created)}
            {time_cell(launched)}
            <td>{cold_start.unwrap_or_default()}</td>
            {time_cell(served)}
            <td class="num">{worker.success_count}</td>
            <td class="num">{worker.failed_count}</td>
            <td class="num">{format::cpus(worker.cpus)}</td>
            <td class="num">{format::memory(worker.memory)}</td>
            <td>{gpu}</td>
            <td>{worker.app_revision.clone()}</td>
        </tr>
    }
}
