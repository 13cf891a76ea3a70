//! The summary line of the worker page: counts by status and by detail
//! status, each a link to the list showing only those workers.

use leptos::prelude::*;

use super::state::Stats;
use crate::{
    components::badges::{DetailBadge, StatusBadge},
    filters::{WorkerQuery, with_query},
    sync_view::IntoSyncAny,
};

/// Counts by status, each a link that shows only that status, and where
/// the app stands against its `maxWorkers` when the platform gave it
/// (see [`crate::actions::capacity_note`]).
#[component]
pub(super) fn Summary(stats: Stats, query: WorkerQuery, path: String) -> impl IntoView {
    let Stats {
        by_status: counts,
        by_detail: details,
        total,
        capacity,
    } = stats;
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
