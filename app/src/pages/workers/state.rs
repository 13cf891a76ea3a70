//! What the worker page shows, derived from the latest read and the view:
//! the order, the filtered rows, the page of them, the counts and the
//! scale limits. Each is a memo, so a keystroke recomputes only what the
//! search text changes: the read is sorted once per read and sort order,
//! and each keystroke only filters that order.

use everai_api::{DetailStatus, WorkerStatus};
use leptos::prelude::*;

use crate::{
    actions::{capacity_note, removable_by_count, scale_up_limit},
    filters::{Paging, SearchIndex, WorkerQuery},
    snapshot::{Snapshot, count_by_detail, count_by_status},
    transport::WorkerRef,
};

/// The counts the summary shows, once per read.
#[derive(Clone, PartialEq)]
pub(super) struct Stats {
    pub(super) by_status: Vec<(WorkerStatus, usize)>,
    pub(super) by_detail: Vec<(DetailStatus, usize)>,
    pub(super) total: usize,
    /// Where the app stands against its `maxWorkers` (see [`capacity_note`]).
    pub(super) capacity: Option<String>,
}

/// What the scale panel may offer.
#[derive(Clone, PartialEq)]
pub(super) struct Limits {
    /// The most workers one scale-up may add.
    pub(super) up: u32,
    /// How many workers a scale-down by count could remove.
    pub(super) removable: usize,
    /// The scale-up field's hint.
    pub(super) up_hint: String,
}

/// The page's derived state, as memos.
#[derive(Clone, Copy)]
pub(super) struct ListState {
    /// Indices into the read, in the view's order, that pass its filters.
    pub(super) shown: Memo<Vec<usize>>,
    /// The page of rows the table draws.
    pub(super) rows: Memo<Vec<WorkerRef>>,
    pub(super) paging: Memo<Paging>,
    /// The read has no workers at all.
    pub(super) empty: Memo<bool>,
    pub(super) stats: Memo<Stats>,
    pub(super) limits: Memo<Limits>,
}

impl ListState {
    pub(super) fn derive(
        snapshot: RwSignal<Snapshot>,
        query: Memo<WorkerQuery>,
        max_scale_step: u32,
    ) -> ListState {
        let limits = Memo::new(move |_| {
            snapshot.with(|s| {
                let up = scale_up_limit(max_scale_step);
                let removable = s.workers.iter().filter(|w| removable_by_count(w)).count();
                // maxWorkers is information: the platform decides what a
                // scale-up past it does.
                let up_hint = match capacity_note(&s.workers, s.max_workers, None) {
                    Some(note) => format!("Up to {up} at a time. {note}"),
                    None => format!("Up to {up} at a time."),
                };
                Limits {
                    up,
                    removable,
                    up_hint,
                }
            })
        });
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
        // Only one page of rows is copied out.
        let rows = Memo::new(move |_| {
            let p = paging.get();
            snapshot.with(|s| {
                shown.with(|i| i[p.start..p.end].iter().map(|&i| s.workers.at(i)).collect())
            })
        });
        let empty = Memo::new(move |_| snapshot.with(|s| s.workers.is_empty()));
        // Counted once per read, not again for every keystroke.
        let stats = Memo::new(move |_| {
            snapshot.with(|s| Stats {
                by_status: count_by_status(&s.workers),
                by_detail: count_by_detail(&s.workers),
                total: s.workers.len(),
                capacity: capacity_note(&s.workers, s.max_workers, None),
            })
        });
        ListState {
            shown,
            rows,
            paging,
            empty,
            stats,
            limits,
        }
    }
}
