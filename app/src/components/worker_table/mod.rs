//! The worker table. This file draws it; beside it are the rows near the
//! viewport that the browser draws ([`span`]), the selection and its form
//! ([`selection`]) and one row ([`row`]).

use leptos::prelude::*;

mod row;
mod selection;
mod span;

pub use selection::selection;

use row::{WorkerRow, fingerprint};
use selection::SelectionForm;
use span::{Span, follow_viewport};

use crate::{
    filters::{SortKey, WorkerQuery, with_query},
    snapshot::Snapshot,
    sync_view::IntoSyncAny,
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
    /// The page's path, for those links: one of an app's views
    /// (`…/apps/{app}/workers` or `…/history`), beside which each worker's
    /// own page is (`…/apps/{app}/workers/{id}`).
    path: String,
    /// The ticked workers; kept across reads.
    selected: RwSignal<Vec<String>>,
    /// Workers just added by a scale action, highlighted.
    highlight: Vec<String>,
    /// No selection: for workers that can no longer be acted on.
    #[prop(optional)]
    read_only: bool,
) -> impl IntoView {
    let worker_base: std::sync::Arc<str> = match path.rsplit_once('/') {
        Some((app_path, _)) => format!("{app_path}/workers/").into(),
        None => "".into(),
    };
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
        {(!read_only).then(|| view! { <SelectionForm path=path.get_value() query selected drawn snapshot /> })}
        <div class="table-wrap" tabindex="0" role="region" aria-label="Workers">
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
                            view! { <WorkerRow worker=w now_ms selected flash read_only row_index worker_base=worker_base.clone() /> }
                        }
                    />
                    {spacer(false)}
                </tbody>
            </table>
        </div>
    }
    .into_sync_any()
}
