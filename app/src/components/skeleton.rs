//! What a page shows while its data is on the way: grey shapes where the
//! summary, controls and table will be, in the same boxes with the same
//! margins, so nothing jumps when the data arrives. Server-rendered pages
//! never show them (they arrive complete); navigations inside the hydrated
//! app do.

use leptos::prelude::*;

use crate::sync_view::IntoSyncAny;

/// A grey bar the height of a line of text; `class` picks its width.
#[component]
fn Bar(#[prop(default = "sk-m")] class: &'static str) -> impl IntoView {
    view! { <span class=format!("sk {class}") aria-hidden="true"></span> }
}

/// A table of `rows` grey rows under grey headings.
#[component]
pub fn SkeletonTable(
    #[prop(default = 8)] rows: usize,
    #[prop(default = 8)] cols: usize,
) -> impl IntoView {
    let widths = [
        "sk-s", "sk-m", "sk-l", "sk-m", "sk-s", "sk-m", "sk-s", "sk-l",
    ];
    let cell = move |i: usize| widths[i % widths.len()];
    view! {
        <div class="table-wrap" aria-hidden="true">
            <table class="workers skeleton-table">
                <thead>
                    <tr>{(0..cols).map(|_| view! { <th><Bar class="sk-s" /></th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {(0..rows)
                        .map(|r| {
                            view! {
                                <tr>
                                    {(0..cols)
                                        .map(|c| view! { <td><Bar class=cell(r + c) /></td> })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_sync_any()
}

/// The live view while the workers load: summary, live line, scale
/// controls, filters, table.
#[component]
pub fn WorkersSkeleton() -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" data-testid="skeleton">
            <p class="visually-hidden">"Loading workers…"</p>
            <div class="summary" aria-hidden="true">
                <Bar class="sk-l" />
                <Bar class="sk-badge" />
                <Bar class="sk-badge" />
                <Bar class="sk-badge" />
            </div>
            <div class="live" aria-hidden="true">
                <Bar class="sk-l" />
                <span class="sk sk-button"></span>
            </div>
            <div class="scale" aria-hidden="true">
                <span class="scale-form">
                    <span class="sk sk-input"></span>
                    <span class="sk sk-button"></span>
                </span>
                <span class="scale-form">
                    <span class="sk sk-input"></span>
                    <span class="sk sk-button"></span>
                </span>
            </div>
            <div class="filters" aria-hidden="true">
                <span class="sk sk-search"></span>
                <span class="sk sk-button"></span>
                <span class="sk sk-button"></span>
            </div>
            <p class="showing" aria-hidden="true">
                <Bar class="sk-m" />
            </p>
            <div class="selection" aria-hidden="true">
                <span class="sk sk-button"></span>
                <Bar class="sk-xl" />
            </div>
            <SkeletonTable rows=8 cols=10 />
        </div>
    }
    .into_sync_any()
}

/// The history view while it loads: summary line, chart, two tables.
#[component]
pub fn HistorySkeleton() -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" data-testid="skeleton">
            <p class="visually-hidden">"Loading history…"</p>
            <p class="lede" aria-hidden="true">
                <Bar class="sk-xl" />
            </p>
            <div class="card history-card" aria-hidden="true">
                <Bar class="sk-m" />
                <span class="sk sk-chart"></span>
            </div>
            <div class="history-grid" aria-hidden="true">
                <div class="card history-card">
                    <Bar class="sk-m" />
                    <SkeletonTable rows=3 cols=5 />
                </div>
                <div class="card history-card">
                    <Bar class="sk-m" />
                    <SkeletonTable rows=3 cols=3 />
                </div>
            </div>
        </div>
    }
}

/// The start page's app list while it loads.
#[component]
pub fn AppsSkeleton() -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" data-testid="skeleton">
            <p class="visually-hidden">"Loading apps…"</p>
            <p class="lede" aria-hidden="true">
                <Bar class="sk-l" />
            </p>
            <SkeletonTable rows=7 cols=5 />
        </div>
    }
}

/// One worker's page while it loads.
#[component]
pub fn WorkerSkeleton() -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" data-testid="skeleton">
            <p class="visually-hidden">"Loading the worker…"</p>
            <p class="lede" aria-hidden="true">
                <Bar class="sk-xl" />
            </p>
            <div class="insight-cards" aria-hidden="true">
                <div class="card insight-card">
                    <Bar class="sk-m" />
                    <SkeletonTable rows=4 cols=2 />
                </div>
                <div class="card insight-card">
                    <Bar class="sk-m" />
                </div>
            </div>
        </div>
    }
}
