//! One row of the worker table.

use everai_api::{Reading, Timestamp, Worker};
use leptos::prelude::*;

use crate::{
    actions::removable,
    components::badges::{DetailBadge, StatusBadge},
    format,
    sync_view::IntoSyncAny,
    transport::WorkerRef,
};

/// Everything a row shows, so that a row is redrawn exactly when it would
/// look different.
pub(super) fn fingerprint(w: &Worker) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    w.status.wire().hash(&mut h);
    w.detail_status.wire().hash(&mut h);
    w.device_id.hash(&mut h);
    // deletedAt too: it makes a worker ended whatever its status says.
    for t in [w.created_at, w.launch_at, w.last_serve_at, w.deleted_at] {
        t.map(|t| t.unix_nanos()).hash(&mut h);
    }
    (&w.success_count, &w.failed_count, &w.memory, &w.gpu_count()).hash(&mut h);
    w.cpus.value().map(f64::to_bits).hash(&mut h);
    w.cpus.odd().hash(&mut h);
    w.gpu().hash(&mut h);
    w.app_revision.hash(&mut h);
    h.finish()
}

/// The title of a cell whose value the platform sent in a form that is not
/// a number.
fn odd_title(raw: &str) -> String {
    format!("The platform sent “{raw}” here, which is not a number the console can read")
}

/// A number's cell: the value as `show` writes it, or, when the platform
/// sent something that is not a number, a marked "?" whose title says what
/// it sent and whose name says it is unreadable (a table cell's
/// `aria-label` is read). The rest of the row is shown as usual. One shape
/// of cell for both, so the browser build holds one view, not two.
fn number_cell<T: Copy>(
    reading: &Reading<T>,
    class: &'static str,
    show: fn(T) -> String,
) -> impl IntoView + use<T> {
    let (text, title) = match reading {
        Reading::Value(v) => (show(*v), None),
        Reading::Odd(raw) => ("?".to_string(), Some(odd_title(raw))),
    };
    cell(class, text, title)
}

/// [`number_cell`]'s view, the same for every kind of number.
fn cell(class: &'static str, text: String, odd_title: Option<String>) -> impl IntoView {
    let odd = odd_title.is_some();
    view! {
        <td class=class class:odd=odd title=odd_title aria-label=odd.then_some("Unreadable value")>
            {text}
        </td>
    }
}

#[component]
pub(super) fn WorkerRow(
    worker: WorkerRef,
    /// The clock of the read, for relative times.
    now_ms: Signal<i64>,
    selected: RwSignal<Vec<String>>,
    /// `row-new`, `row-changed` or nothing.
    flash: &'static str,
    read_only: bool,
    /// `aria-rowindex`: the row's place in the whole table.
    row_index: Signal<usize>,
    /// The path each worker's own page is under, ending in `/`.
    worker_base: std::sync::Arc<str>,
) -> impl IntoView {
    let cold_start = worker
        .cold_start()
        .map(|d| format::duration(d.whole_milliseconds() as i64));
    let device_short: String = worker.device_id.chars().take(8).collect();
    let gpus = worker.gpu_count();
    let gpu = match (gpus.value(), worker.gpu()) {
        (Some(0), "") => String::new(),
        (Some(0), name) => name.to_string(),
        (Some(n), "") => format!("{n}×"),
        (Some(n), name) => format!("{n}× {name}"),
        (None, "") => "?×".to_string(),
        (None, name) => format!("?× {name}"),
    };
    let gpu_title = gpus.odd().map(odd_title);
    let time_cell = |value: Option<Timestamp>| match value {
        Some(t) => view! {
            <td>
                <time title=format::exact(t) datetime=format::machine(t)>
                    {move || format::ago(t, now_ms.get())}
                </time>
            </td>
        }
        .into_sync_any(),
        None => view! { <td class="muted">"—"</td> }.into_sync_any(),
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
        <tr data-worker-id=worker.id.clone() class=flash aria-rowindex=row_index>
            {(!read_only).then(|| view! { <td class="select">{select}</td> })}
            <td class="status"><StatusBadge status=worker.status.clone() /></td>
            <td class="detail">
                <DetailBadge detail=worker.detail_status.clone() ended=crate::history::is_ended(&worker) />
            </td>
            <td class="mono worker-id">
                <a href=format!("{worker_base}{}", crate::filters::encode(&worker.id))>{worker.id.clone()}</a>
            </td>
            <td class="mono" title=worker.device_id.clone()>{device_short}</td>
            {time_cell(worker.created_at)}
            {time_cell(worker.launch_at)}
            <td>{cold_start.unwrap_or_default()}</td>
            {time_cell(worker.last_serve_at)}
            {number_cell(&worker.success_count, "num success", |n| n.to_string())}
            {number_cell(&worker.failed_count, "num failed", |n| n.to_string())}
            {number_cell(&worker.cpus, "num", format::cpus)}
            {number_cell(&worker.memory, "num", format::memory)}
            <td class:odd=gpu_title.is_some() title=gpu_title>{gpu}</td>
            <td>{worker.app_revision.clone()}</td>
        </tr>
    }
}
