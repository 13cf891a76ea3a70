//! `/namespaces/{ns}/apps/{app}/history?days=N`: what happened to an app's
//! workers over the last N days (`showAll=true&recentDays=N`).

use std::collections::BTreeSet;

use everai_api::{Timestamp, WorkerStatus};
use leptos::prelude::*;

use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    actions::ActionOutcome,
    components::filter_bar::FilterBar,
    components::{
        app_header::{AppView, AppViewHeader, app_title},
        error_banner::ErrorBanner,
        pager::Pager,
        skeleton::HistorySkeleton,
        worker_table::WorkerTable,
    },
    filters::{Paging, WorkerQuery, history_path, with_query},
    format,
    history::{BUCKET_EDGES_S, DAY_MS, Timeline, churn, cold_starts, is_ended, parse_days},
    json,
    server_fns::workers::{EventMark, WorkerPage, worker_history},
    snapshot::Snapshot,
    sync_view::IntoSyncAny,
};

/// Windows offered as one-click choices.
const WINDOWS: [u32; 5] = [1, 2, 7, 14, 30];

#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let namespace = move || params.read().get("ns").unwrap_or_default();
    let app = move || params.read().get("app").unwrap_or_default();
    let days = Memo::new(move |_| parse_days(query_map.read().get("days").as_deref()));
    let interval = Memo::new(move |_| query_map.read().get("interval"));
    let history = json::resource(
        move || (namespace(), app(), days.get().0, interval.get()),
        |(namespace, app, days, interval)| worker_history(namespace, app, days, interval),
    );
    let history_path = move || history_path(&namespace(), &app());

    view! {
        <Title text=app_title("History · ") />
        <section class="page history-page">
            <AppViewHeader current=AppView::History />
            <nav class="windows" aria-label="History window">
                <span class="muted">"Last "</span>
                {move || {
                    let current = days.get().0;
                    let path = history_path();
                    WINDOWS
                        .into_iter()
                        .map(|d| {
                            let href = with_query(&path, &format!("days={d}"));
                            let label = if d == 1 { "1 day".to_string() } else { format!("{d} days") };
                            view! {
                                <a
                                    href=href
                                    class="window"
                                    aria-current=(d == current).then_some("page")
                                >
                                    {label}
                                </a>
                            }
                        })
                        .collect_view()
                }}
            </nav>
            {move || {
                days.get()
                    .1
                    .map(|note| {
                        view! {
                            <p class="notes" role="status">
                                {note}
                            </p>
                        }
                    })
            }}
            <Transition fallback=|| view! { <HistorySkeleton /> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(page) => view! { <HistoryView page days=days.get_untracked().0 /> }.into_sync_any(),
                        Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn HistoryView(page: WorkerPage, days: u32) -> impl IntoView {
    let now = page.fetched_at_ms;
    let timeline = Timeline::build(&page.workers, now, days);
    let starts = cold_starts(&page.workers, timeline.from_ms);
    let per_day = churn(&page.workers, now, days);
    let ended: Vec<_> = page
        .workers
        .iter()
        .filter(|w| is_ended(w))
        .cloned()
        .collect();
    let ended_count = ended.len();
    let total = page.workers.len();
    let query_map = use_query_map();
    let path = use_location().pathname;
    let query = Memo::new(move |_| {
        let map = query_map.read();
        WorkerQuery::parse((&*map).into_iter().map(|(k, v)| (k.as_ref(), v))).0
    });
    let snapshot = RwSignal::new(Snapshot {
        workers: ended.into(),
        max_workers: page.max_workers,
        fetched_at_ms: now,
        new_ids: BTreeSet::new(),
        changed_ids: BTreeSet::new(),
    });
    let shown = Memo::new(move |_| {
        query.with(|q| snapshot.with(|s| crate::transport::Workers::from(q.apply(&s.workers))))
    });
    let paging = Memo::new(move |_| Paging::new(shown.with(|s| s.len()), query.with(|q| q.page)));
    let rows = Memo::new(move |_| {
        let p = paging.get();
        shown.with(|s| (p.start..p.end).map(|i| s.at(i)).collect::<Vec<_>>())
    });
    let selected = RwSignal::new(Vec::new());

    // Said on every page of a paused app.
    let paused = page.paused.then(|| {
        let params = use_params_map();
        let (ns, app) = params.with_untracked(|p| {
            (
                p.get("ns").unwrap_or_default(),
                p.get("app").unwrap_or_default(),
            )
        });
        let resume = with_query(&crate::filters::workers_path(&ns, &app), "confirm=resume");
        view! {
            <p class="banner banner-warn" role="status" data-testid="paused-banner">
                "This app is paused: no workers will start until it is resumed. "
                <a href=resume>"Resume app…"</a>
            </p>
        }
    });
    view! {
        {paused}
        <p class="lede" data-testid="history-summary">
            {format!(
                "{total} workers in the last {}, {ended_count} of them ended.",
                if days == 1 { "day".to_string() } else { format!("{days} days") },
            )}
        </p>
        <section class="card history-card" aria-labelledby="lifetimes">
            <h2 id="lifetimes">"Lifetimes"</h2>
            <TimelineChart timeline actions=page.recent_actions events=page.event_marks />
        </section>
        // The requests and events cards, drawn by the server like the worker
        // page's panels (decision record 0006).
        <div class="server-cards" inner_html=page.insight_html></div>
        <div class="history-grid">
            <section class="card history-card" aria-labelledby="cold-starts">
                <h2 id="cold-starts">"Cold starts"</h2>
                <p class="muted">"Of the workers launched in this window (launchAt − createdAt)."</p>
                <ColdStartTable starts />
            </section>
            <section class="card history-card" aria-labelledby="churn">
                <h2 id="churn">"Churn per day (UTC)"</h2>
                <ChurnTable per_day />
            </section>
        </div>
        <section class="history-card" aria-labelledby="ended">
            <h2 id="ended">"Ended workers"</h2>
            {move || {
                if snapshot.with(|s| s.workers.is_empty()) {
                    return view! {
                        <p class="empty" data-testid="no-ended">
                            "No worker ended in this window."
                        </p>
                    }
                        .into_sync_any();
                }
                view! {
                    <FilterBar query=query.get() path=path.get() />
                    <p class="showing muted" data-testid="showing">
                        {move || format!("Showing {} of {ended_count} ended workers", shown.with(|s| s.len()))}
                    </p>
                    <WorkerTable
                        shown=rows
                        snapshot
                        query=query.get()
                        path=path.get()
                        selected
                        highlight=Vec::new()
                        read_only=true
                    />
                    <Pager paging query=query.get() path=path.get() />
                }
                    .into_sync_any()
            }}
        </section>
    }
}

/// One bar per worker from created (pale) through launched to ended or now,
/// coloured by its status; scale actions and the platform's events as
/// marks on the same axis.
#[component]
fn TimelineChart(
    timeline: Timeline,
    actions: Vec<ActionOutcome>,
    events: Vec<EventMark>,
) -> impl IntoView {
    const W: f64 = 1000.0;
    const AXIS: f64 = 22.0;
    let n = timeline.bars.len();
    if n == 0 {
        return view! { <p class="empty">"No workers in this window."</p> }.into_sync_any();
    }
    let row = (480.0 / n as f64).clamp(2.0, 12.0);
    let height = AXIS + row * n as f64 + 4.0;
    let days = ((timeline.to_ms - timeline.from_ms) / DAY_MS).max(1);
    let label_every = (days / 10).max(1);
    let first_midnight = (timeline.from_ms.div_euclid(DAY_MS) + 1) * DAY_MS;
    let ticks = (0..=days)
        .map(|i| first_midnight + i * DAY_MS)
        .filter(|t| *t < timeline.to_ms)
        .enumerate()
        .map(|(i, t)| {
            let x = timeline.x(t, W);
            let label = Timestamp::from_unix_nanos(i128::from(t) * 1_000_000)
                .map(|ts| {
                    let d = ts.datetime();
                    format!("{:02}-{:02}", u8::from(d.month()), d.day())
                })
                .unwrap_or_default();
            let show = (i as i64) % label_every == 0;
            (x, show.then_some(label))
        })
        .collect::<Vec<_>>();
    // Labels are HTML over the chart: the SVG stretches to the width, which
    // would distort text drawn inside it.
    let labels = ticks
        .iter()
        .filter_map(|(x, label)| {
            let label = label.clone()?;
            Some(view! { <span class=format!("tick-label {}", pct_class("at", x / W))>{label}</span> })
        })
        .collect_view();
    let ticks = ticks
        .into_iter()
        .map(|(x, _)| view! { <line class="tick" x1=x x2=x y1=AXIS - 4.0 y2=height /> })
        .collect_view();
    let bars = timeline
        .bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = AXIS + i as f64 * row;
            let h = (row - if row > 4.0 { 1.5 } else { 0.5 }).max(1.0);
            let x0 = timeline.x(b.start_ms, W);
            let x1 = b.launch_ms.map_or(x0, |l| timeline.x(l, W));
            let x2 = timeline.x(b.end_ms, W);
            let class = match (&b.status, b.ended) {
                (
                    WorkerStatus::Error | WorkerStatus::Unavailable | WorkerStatus::Unspecified,
                    _,
                ) => "bar bar-bad",
                (_, true) => "bar bar-ended",
                (WorkerStatus::Running, false) => "bar bar-ok",
                _ => "bar bar-starting",
            };
            let title = format!(
                "{} · {} · created {}{}",
                b.id,
                b.status.label(),
                stamp(b.start_ms),
                if b.ended {
                    format!(" · ended {}", stamp(b.end_ms))
                } else {
                    " · still running".into()
                },
            );
            view! {
                <g>
                    <title>{title}</title>
                    {(x1 > x0).then(|| view! { <rect class="bar bar-boot" x=x0 y=y width=x1 - x0 height=h /> })}
                    <rect class=class x=x1 y=y width=(x2 - x1).max(2.0) height=h />
                </g>
            }
        })
        .collect_view();
    let marks = actions
        .into_iter()
        .filter(|a| a.at_ms >= timeline.from_ms)
        .map(|a| {
            let x = timeline.x(a.at_ms, W);
            let text = format!("{} {}", stamp(a.at_ms), a.message());
            view! {
                <g class="action-mark">
                    <title>{text}</title>
                    <line x1=x x2=x y1=AXIS - 6.0 y2=height />
                    <circle cx=x cy=AXIS - 6.0 r=4.0 />
                </g>
            }
        })
        .collect_view();
    let event_marks = events
        .into_iter()
        .filter(|e| e.at_ms >= timeline.from_ms && e.at_ms <= timeline.to_ms)
        .map(|e| {
            let x = timeline.x(e.at_ms, W);
            view! {
                <g class="event-mark">
                    <title>{e.text}</title>
                    <line x1=x x2=x y1=AXIS - 2.0 y2=height />
                    <rect x=x - 2.0 y=AXIS - 4.0 width=4.0 height=4.0 />
                </g>
            }
        })
        .collect_view();
    let label = format!(
        "Lifetimes of {n} workers from {} to {}",
        stamp(timeline.from_ms),
        stamp(timeline.to_ms)
    );
    view! {
        <div class="timeline-wrap">
            <div class="tick-labels" aria-hidden="true">{labels}</div>
            <svg
                class="timeline"
                viewBox=format!("0 0 {W} {height}")
                preserveAspectRatio="none"
                role="img"
                aria-label=label
                height=height.clamp(80.0, 640.0)
                data-testid="timeline"
            >
                {ticks}
                {bars}
                {event_marks}
                {marks}
            </svg>
        </div>
        <p class="legend muted">
            <span class="key key-boot"></span>
            "starting "
            <span class="key key-ok"></span>
            "running "
            <span class="key key-ended"></span>
            "ended "
            <span class="key key-bad"></span>
            "failed "
            <span class="key key-action"></span>
            "scale action (from the audit log) "
            <span class="key key-event"></span>
            "event (from the platform)"
        </p>
    }
    .into_sync_any()
}

fn stamp(ms: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
        .map(format::exact)
        .unwrap_or_default()
}

#[component]
fn ColdStartTable(starts: Vec<crate::history::ColdStarts>) -> impl IntoView {
    if starts.is_empty() {
        return view! { <p class="empty">"No worker launched in this window."</p> }.into_sync_any();
    }
    let mut edges: Vec<String> = Vec::new();
    let mut lo = 0;
    for e in BUCKET_EDGES_S {
        edges.push(format!("{lo}–{e} s"));
        lo = e;
    }
    edges.push(format!("> {lo} s"));
    let rows = starts
        .into_iter()
        .map(|c| {
            let max = c.buckets.iter().copied().max().unwrap_or(1).max(1);
            let hist = c
                .buckets
                .iter()
                .zip(edges.iter())
                .map(|(n, edge)| {
                    view! {
                        <span
                            class=format!("hist-bar {}", pct_class("h", *n as f64 / max as f64))
                            title=format!("{edge}: {n}")
                        ></span>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{c.kind}</th>
                    <td class="num">{c.count}</td>
                    <td class="num">{format::duration(c.p50_ms)}</td>
                    <td class="num">{format::duration(c.p90_ms)}</td>
                    <td class="num">{format::duration(c.p99_ms)}</td>
                    <td>
                        <span class="hist" role="img" aria-label="Histogram of cold starts">
                            {hist}
                        </span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Cold starts by GPU">
            <table class="compact" data-testid="cold-starts">
                <thead>
                    <tr>
                        <th scope="col">"GPU"</th>
                        <th scope="col" class="num">"Launches"</th>
                        <th scope="col" class="num">"p50"</th>
                        <th scope="col" class="num">"p90"</th>
                        <th scope="col" class="num">"p99"</th>
                        <th scope="col">"0 s → 300 s+"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_sync_any()
}

#[component]
fn ChurnTable(per_day: Vec<crate::history::DayChurn>) -> impl IntoView {
    let max = per_day
        .iter()
        .map(|d| d.created.max(d.ended))
        .max()
        .unwrap_or(1)
        .max(1);
    let rows = per_day
        .into_iter()
        .rev()
        .map(|d| {
            let day = Timestamp::from_unix_nanos(i128::from(d.day_ms) * 1_000_000)
                .map(|t| {
                    let dt = t.datetime();
                    format!(
                        "{:04}-{:02}-{:02}",
                        dt.year(),
                        u8::from(dt.month()),
                        dt.day()
                    )
                })
                .unwrap_or_default();
            let w = |n: usize| pct_class("w", n as f64 / max as f64);
            view! {
                <tr>
                    <th scope="row">{day}</th>
                    <td class="num">{d.created}</td>
                    <td class="num">{d.ended}</td>
                    <td class="churn-bars" aria-hidden="true">
                        <span class=format!("churn churn-created {}", w(d.created))></span>
                        <span class=format!("churn churn-ended {}", w(d.ended))></span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Churn per day">
            <table class="compact" data-testid="churn">
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        <th scope="col" class="num">"Created"</th>
                        <th scope="col" class="num">"Ended"</th>
                        <th scope="col"><span class="visually-hidden">"Created and ended"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The class that places or sizes an element at `share` (0 to 1) of its
/// container, in whole percent: `pct-at-37` (left), `pct-h-37` (height),
/// `pct-w-37` (width), defined in the stylesheet. Classes, not `style=`
/// attributes: the Content-Security-Policy allows no inline styles.
fn pct_class(kind: &str, share: f64) -> String {
    let pct = if share.is_finite() {
        (share * 100.0).round().clamp(0.0, 100.0) as u32
    } else {
        0
    };
    format!("pct-{kind}-{pct}")
}
