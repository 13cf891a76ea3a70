use std::collections::BTreeMap;

use everai_api::{Worker, WorkerStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{badges::StatusBadge, error_banner::ErrorBanner, worker_table::WorkerTable},
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
    let counts = count_by_status(&workers);
    let total = workers.len();
    view! {
        <Summary counts max_workers total />
        <WorkerTable workers now_ms=fetched_at_ms />
    }
    .into_any()
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

/// Counts by status, and the app's capacity when the platform gave it.
#[component]
fn Summary(counts: Vec<(WorkerStatus, usize)>, max_workers: u64, total: usize) -> impl IntoView {
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
                        view! {
                            <li>
                                <StatusBadge status />
                                <span class="count">{n}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
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
