use everai_api::{Reading, Timestamp, Worker};
use leptos::prelude::*;

use crate::{
    actions::removable,
    components::{
        badges::{DetailBadge, StatusBadge},
        scale::hidden_view,
    },
    filters::{SortKey, WorkerQuery, with_query},
    format,
    snapshot::Snapshot,
    sync_view::{IntoSyncAny, hydrating},
    transport::WorkerRef,
};

/// The workers as a table, times relative to the read they came from
/// (exact UTC on hover). Each column heading is a link that sorts by it,
/// keeping the filters. Rows are keyed by worker and content: a new read
/// redraws only the rows that changed, and highlights them briefly.
///
/// The server writes every row of the page (readable without script).
/// Once hydrated, the browser draws only the rows near the viewport, with
/// spacers of the same height for the rest, and follows scrolling: a
/// keystroke in the search box then costs a screenful of rows, not a page.
/// Every row carries its place in the page (`aria-rowindex`, against the
/// table's `aria-rowcount`), so a screen reader counts the drawn rows right.
#[component]
pub fn WorkerTable(
    /// The rows to show, in order (one page of them), shared with the
    /// page rather than copied for every row drawn.
    shown: Memo<Vec<WorkerRef>>,
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
    let body = NodeRef::<leptos::html::Tbody>::new();
    let span = RwSignal::new(Span::first());
    follow_viewport(body, span, snapshot);
    // The rows drawn, and the spacers standing for the rest.
    let drawn = Memo::new(move |_| {
        let s = span.get();
        shown.with(|rows| {
            let (start, end) = s.clamp(rows.len());
            rows[start..end].to_vec()
        })
    });
    let first_drawn = Memo::new(move |_| {
        let s = span.get();
        shown.with(|rows| s.clamp(rows.len()).0)
    });
    let spacer_px = move |above: bool| {
        let s = span.get();
        let n = shown.with(Vec::len);
        let (start, end) = s.clamp(n);
        let rows = if above { start } else { n - end };
        rows as f64 * s.row_px
    };
    let columns = SortKey::ALL.len() + usize::from(!read_only);
    let spacer = move |above: bool| {
        move || {
            let px = spacer_px(above);
            let row_px = span.with(|s| s.row_px);
            (px > 0.0).then(|| {
                view! {
                    <tr class="spacer" aria-hidden="true">
                        <td
                            colspan=columns
                            style:height=format!("{px}px")
                            style:background-size=format!("100% {row_px}px")
                        ></td>
                    </tr>
                }
            })
        }
    };
    view! {
        {(!read_only)
            .then(|| {
                view! {
                    // The row checkboxes belong to this form (by their `form`
                    // attribute): it opens the confirmation for the ticked workers.
                    <form id="selection" class="selection" method="get" action=path.get_value()>
                        {move || query.with(hidden_view)}
                        <input type="hidden" name="confirm" value="down" />
                        // Ticked workers not drawn (on other pages of the
                        // table, or scrolled away) go too.
                        {move || {
                            let off_page: Vec<String> = selected
                                .with(|sel| {
                                    drawn
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
            <table class="workers" aria-rowcount=move || shown.with(Vec::len) + 1>
                <thead>
                    <tr aria-rowindex="1">
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
                <tbody node_ref=body>
                    {spacer(true)}
                    <ForEnumerate
                        each=move || drawn.get()
                        key=|w| (w.id.clone(), fingerprint(w))
                        children=move |at, w| {
                            // Its place among the page's rows for assistive
                            // technology, which sees only the drawn ones
                            // (the heading row is 1).
                            let row_index = Signal::derive(move || first_drawn.get() + at.get() + 2);
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
                            view! { <WorkerRow worker=w now_ms selected flash read_only row_index /> }
                        }
                    />
                    {spacer(false)}
                </tbody>
            </table>
        </div>
    }
    .into_sync_any()
}

/// Which rows of the page the browser draws: `start..end`, unclamped (the
/// rows near the viewport, whatever the page's length), and the height of
/// one row for the spacers.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Span {
    start: usize,
    end: usize,
    row_px: f64,
}

/// Rows drawn beyond each edge of the viewport, so that ordinary scrolling
/// never shows a gap before the next scroll event draws more.
const OVERSCAN: usize = 10;
/// Spans move in steps of this many rows, so that small scrolls redraw
/// nothing.
const STEP: usize = 10;
/// Rows drawn when a table appears before it could be measured.
const FIRST_ROWS: usize = 30;

impl Span {
    /// Every row, as the server writes them (and as hydration must find
    /// them); a table that appears later, in the browser, starts with the
    /// top rows until it is measured.
    fn first() -> Span {
        let all = cfg!(not(target_arch = "wasm32")) || hydrating();
        Span {
            start: 0,
            end: if all { usize::MAX } else { FIRST_ROWS },
            row_px: 0.0,
        }
    }

    /// The rows to draw when the table body's top is `top` pixels from the
    /// viewport's top (negative once scrolled past), in a viewport `height`
    /// pixels high, with rows `row_px` high.
    fn near_viewport(top: f64, height: f64, row_px: f64) -> Span {
        let row_px = if row_px.is_finite() && row_px >= 1.0 {
            row_px
        } else {
            1.0
        };
        let from = (-top).max(0.0) / row_px;
        let to = (height - top).max(0.0) / row_px;
        let start = (from as usize).saturating_sub(OVERSCAN) / STEP * STEP;
        let end = (to.ceil() as usize + OVERSCAN).div_ceil(STEP) * STEP;
        Span {
            start,
            end: end.max(start),
            row_px,
        }
    }

    /// The rows drawn of a page of `len`.
    fn clamp(self, len: usize) -> (usize, usize) {
        let end = self.end.min(len);
        (self.start.min(end), end)
    }
}

/// Keeps `span` on the rows near the viewport: measured once the table is
/// in the page, then on every scroll, resize and new read. Browser only.
fn follow_viewport(
    body: NodeRef<leptos::html::Tbody>,
    span: RwSignal<Span>,
    snapshot: RwSignal<Snapshot>,
) {
    let measure = move || {
        let Some(body) = body.get_untracked() else {
            return;
        };
        let window = window();
        let height = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let row_px = body
            .query_selector("tr[data-worker-id]")
            .ok()
            .flatten()
            .map(|row| row.get_bounding_client_rect().height())
            .filter(|&h| h >= 1.0)
            .unwrap_or_else(|| span.with_untracked(|s| s.row_px));
        if row_px < 1.0 {
            return; // nothing drawn yet to measure
        }
        let next = Span::near_viewport(body.get_bounding_client_rect().top(), height, row_px);
        if span.with_untracked(|s| *s != next) {
            span.set(next);
        }
    };
    Effect::new(move |_| {
        snapshot.track();
        measure();
    });
    Effect::new(move |_| {
        let scroll = window_event_listener(leptos::ev::scroll, move |_| measure());
        let resize = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || {
            scroll.remove();
            resize.remove();
        });
    });
}

/// The workers whose boxes were ticked in the server's page before it
/// hydrated. The browser keeps a box's state, but the page's selection
/// starts as the server's, so without these the box stays ticked and is not
/// counted (nor kept when scrolled away). Empty on the server and once
/// hydrated.
pub fn ticked_before_hydration() -> Vec<String> {
    use leptos::wasm_bindgen::JsCast;
    if cfg!(not(target_arch = "wasm32")) || !hydrating() {
        return Vec::new();
    }
    let Ok(boxes) = document()
        .query_selector_all(r#"input[type="checkbox"][name="worker"][form="selection"]:checked"#)
    else {
        return Vec::new();
    };
    (0..boxes.length())
        .filter_map(|i| boxes.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .collect()
}

/// Everything a row shows, so that a row is redrawn exactly when it would
/// look different.
fn fingerprint(w: &Worker) -> u64 {
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
fn WorkerRow(
    worker: WorkerRef,
    /// The clock of the read, for relative times.
    now_ms: Signal<i64>,
    selected: RwSignal<Vec<String>>,
    /// `row-new`, `row-changed` or nothing.
    flash: &'static str,
    read_only: bool,
    /// `aria-rowindex`: the row's place in the whole table.
    row_index: Signal<usize>,
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
            <td class="mono worker-id">{worker.id.clone()}</td>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_below_the_fold_draws_from_its_first_row() {
        // Body starts 400 px down a 720 px viewport, rows 33 px: 10 rows
        // visible, 10 more below.
        let s = Span::near_viewport(400.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 20));
        assert_eq!(s.clamp(100), (0, 20));
        // Part of a row: up to the next step.
        let s = Span::near_viewport(380.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 30));
        assert_eq!(s.clamp(12), (0, 12));
        assert_eq!(s.clamp(0), (0, 0));
    }

    #[test]
    fn scrolled_into_the_table_draws_around_the_viewport() {
        // 2,000 px of the body above the viewport: rows 60.6.. are at the top.
        let s = Span::near_viewport(-2000.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (50, 100));
        assert!(s.start <= 60 - OVERSCAN && s.end >= (2720.0f64 / 33.0).ceil() as usize + OVERSCAN);
        // A page shorter than where the viewport is: nothing past its end.
        assert_eq!(s.clamp(40), (40, 40));
        assert_eq!(s.clamp(70), (50, 70));
    }

    #[test]
    fn small_scrolls_keep_the_span() {
        let a = Span::near_viewport(-2000.0, 720.0, 33.0);
        let b = Span::near_viewport(-2030.0, 720.0, 33.0);
        assert_eq!(a, b);
        let c = Span::near_viewport(-2400.0, 720.0, 33.0);
        assert_ne!((a.start, a.end), (c.start, c.end));
    }

    #[test]
    fn a_table_below_the_viewport_draws_nothing_beyond_the_overscan() {
        let s = Span::near_viewport(5000.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 10));
    }

    #[test]
    fn unmeasurable_rows_are_taken_as_one_pixel() {
        let s = Span::near_viewport(0.0, 50.0, 0.0);
        assert_eq!(s.row_px, 1.0);
        assert_eq!((s.start, s.end), (0, 60));
        let s = Span::near_viewport(0.0, 50.0, f64::NAN);
        assert_eq!(s.row_px, 1.0);
    }

    #[test]
    fn the_server_writes_every_row() {
        assert_eq!(Span::first().clamp(100), (0, 100));
    }
}
