use everai_api::{Timestamp, Worker};
use leptos::prelude::*;

use crate::{
    actions::removable,
    components::{
        badges::{DetailBadge, StatusBadge},
        scale::hidden_view,
    },
    filters::{SortKey, WorkerQuery, with_query},
    format,
    pages::workers::Snapshot,
};

/// The workers as a table, times relative to the read they came from
/// (exact UTC on hover). Each column heading is a link that sorts by it,
/// keeping the filters. Rows are keyed by worker and content: a new read
/// redraws only the rows that changed, and highlights them briefly.
#[component]
pub fn WorkerTable(
    /// The rows to show, in order (one page of them).
    shown: Memo<Vec<Worker>>,
    /// The read they come from: its clock and what changed in it.
    snapshot: RwSignal<Snapshot>,
    /// The view the rows were chosen by; headings link to its variants.
    /// Followed as it changes: the table stays and only its rows change.
    #[prop(into)]
    query: Signal<WorkerQuery>,
    /// The page's path, for those links.
    path: String,
    /// The ticked workers; kept across reads.
    selected: RwSignal<Vec<String>>,
    /// Workers just added by a scale action, highlighted.
    highlight: Vec<String>,
    /// No selection: for workers that can no longer be acted on.
    #[prop(optional)]
    read_only: bool,
) -> impl IntoView {
    let path = StoredValue::new(path);
    let headings = move || {
        let query = query.get();
        let path = path.get_value();
        SortKey::ALL
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
            .collect_view()
    };
    let now_ms = Signal::derive(move || snapshot.with(|s| s.fetched_at_ms));
    let highlight = StoredValue::new(highlight);
    view! {
        {(!read_only)
            .then(|| {
                view! {
                    // The row checkboxes belong to this form (by their `form`
                    // attribute): it opens the confirmation for the ticked workers.
                    <form id="selection" class="selection" method="get" action=path.get_value()>
                        {move || query.with(hidden_view)}
                        <input type="hidden" name="confirm" value="down" />
                        // Ticked workers on other pages of the table go too.
                        {move || {
                            let off_page: Vec<String> = selected
                                .with(|sel| {
                                    shown
                                        .with(|rows| {
                                            snapshot
                                                .with(|snap| {
                                                    sel.iter()
                                                        .filter(|id| !rows.iter().any(|w| &w.id == *id))
                                                        .filter(|id| {
                                                            snap.workers
                                                                .iter()
                                                                .any(|w| &w.id == *id && removable(w))
                                                        })
                                                        .cloned()
                                                        .collect()
                                                })
                                        })
                                });
                            off_page
                                .into_iter()
                                .map(|id| view! { <input type="hidden" name="worker" value=id /> })
                                .collect_view()
                        }}
                        <button type="submit" class="button">"Remove selected…"</button>
                        <span class="muted hint" data-testid="selected-count">
                            {move || match selected.with(Vec::len) {
                                0 => "Tick workers in the table to remove exactly those.".to_string(),
                                1 => "1 worker selected.".to_string(),
                                n => format!("{n} workers selected."),
                            }}
                        </span>
                    </form>
                }
            })}
        <div class="table-wrap">
            <table class="workers">
                <thead>
                    <tr>
                        {(!read_only)
                            .then(|| {
                                view! {
                                    <th scope="col" class="select">
                                        <span class="visually-hidden">"Select"</span>
                                    </th>
                                }
                            })}
                        {headings}
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || shown.get()
                        key=|w| (w.id.clone(), fingerprint(w))
                        children=move |w| {
                            let flash = snapshot
                                .with_untracked(|s| {
                                    if s.new_ids.contains(&w.id) {
                                        "row-new"
                                    } else if s.changed_ids.contains(&w.id) {
                                        "row-changed"
                                    } else {
                                        ""
                                    }
                                });
                            let flash = if highlight.with_value(|h| h.contains(&w.id)) {
                                "row-new"
                            } else {
                                flash
                            };
                            view! { <WorkerRow worker=w now_ms selected flash read_only /> }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}

/// Everything a row shows, so that a row is redrawn exactly when it would
/// look different.
fn fingerprint(w: &Worker) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    w.status.wire().hash(&mut h);
    w.detail_status.wire().hash(&mut h);
    w.device_id.hash(&mut h);
    for t in [w.created_at, w.launch_at, w.last_serve_at] {
        t.map(|t| t.unix_nanos()).hash(&mut h);
    }
    (w.success_count, w.failed_count, w.memory, w.gpus).hash(&mut h);
    w.cpus.to_bits().hash(&mut h);
    w.gpu_name.hash(&mut h);
    w.app_revision.hash(&mut h);
    h.finish()
}

#[component]
fn WorkerRow(
    worker: Worker,
    /// The clock of the read, for relative times.
    now_ms: Signal<i64>,
    selected: RwSignal<Vec<String>>,
    /// `row-new`, `row-changed` or nothing.
    flash: &'static str,
    read_only: bool,
) -> impl IntoView {
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
    let time_cell = |value: Option<Timestamp>| match value {
        Some(t) => {
            let exact = format::exact(t);
            view! {
                <td>
                    <time title=exact.clone() datetime=exact>
                        {move || format::ago(t, now_ms.get())}
                    </time>
                </td>
            }
            .into_any()
        }
        None => view! { <td class="muted">"—"</td> }.into_any(),
    };
    let select = (!read_only && removable(&worker)).then(|| {
        let id = worker.id.clone();
        let label = format!("Select worker {id}");
        let is_ticked = {
            let id = id.clone();
            move || selected.with(|s| s.contains(&id))
        };
        let on_change = move |ev| {
            let tick = event_target_checked(&ev);
            selected.update(|s| {
                s.retain(|x| x != &id);
                if tick {
                    s.push(id.clone());
                }
            })
        };
        view! {
            <input
                type="checkbox"
                name="worker"
                form="selection"
                value=worker.id.clone()
                checked=is_ticked.clone()
                prop:checked=is_ticked
                aria-label=label
                on:change=on_change
            />
        }
    });
    view! {
        <tr data-worker-id=worker.id.clone() class=flash>
            {(!read_only).then(|| view! { <td class="select">{select}</td> })}
            <td class="status"><StatusBadge status=worker.status.clone() /></td>
            <td class="detail"><DetailBadge detail=worker.detail_status.clone() /></td>
            <td class="mono worker-id">{worker.id.clone()}</td>
            <td class="mono" title=worker.device_id.clone()>{device_short}</td>
            {time_cell(worker.created_at)}
            {time_cell(worker.launch_at)}
            <td>{cold_start.unwrap_or_default()}</td>
            {time_cell(worker.last_serve_at)}
            <td class="num success">{worker.success_count}</td>
            <td class="num failed">{worker.failed_count}</td>
            <td class="num">{format::cpus(worker.cpus)}</td>
            <td class="num">{format::memory(worker.memory)}</td>
            <td>{gpu}</td>
            <td>{worker.app_revision.clone()}</td>
        </tr>
    }
}
