//! The history page's requests card as HTML, drawn on the server like the
//! worker page's panels (decision record 0006): an SVG chart readable
//! without JavaScript, a sentence that says what it shows (the chart's
//! text alternative), and the table of the same numbers beneath.

// Rendered to text on the server only: `into_any`'s cost in the wasm
// (decision record 0002) does not arise here.
#![allow(clippy::disallowed_methods)]

use everai_api::StatInterval;
use leptos::prelude::*;

use super::model::{self, Chart, Counts, MAX_HOURLY_DAYS, bucket_label, percent};
use crate::insight::model::Part;

const W: f64 = 1000.0;
const H: f64 = 160.0;

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rate(c: &Counts) -> String {
    c.failure_rate().map_or_else(|| "—".into(), percent)
}

/// What the chart shows, in one sentence: its text alternative.
pub fn summary(chart: &Chart, days: u32) -> String {
    let window = if days == 1 {
        "the last day".to_string()
    } else {
        format!("the last {days} days")
    };
    let t = &chart.totals;
    if t.total == 0 && !chart.elsewhere.is_empty() {
        return format!(
            "None of the platform's buckets could be placed in {window}: they are listed below as sent."
        );
    }
    if t.total == 0 {
        return format!("No requests in {window}.");
    }
    let peak = chart
        .rows
        .iter()
        .max_by_key(|r| (r.counts.total, std::cmp::Reverse(r.start_ms)))
        .and_then(|r| r.start_ms.map(|s| (s, r.counts.total)));
    let peak = peak.map_or_else(String::new, |(start, n)| {
        format!(
            " The busiest {} was {} with {}.",
            if chart.interval == StatInterval::Hour {
                "hour"
            } else {
                "day"
            },
            bucket_label(start, chart.interval),
            thousands(n)
        )
    });
    let users = match chart.users.len() {
        0 | 1 => String::new(),
        n => format!(" From {n} users."),
    };
    format!(
        "{} requests in {window}, {} succeeded and {} failed ({} failed).{peak}{users}",
        thousands(t.total),
        thousands(t.succeeded),
        thousands(t.failed),
        rate(t),
    )
}

/// Each slot of the window with the counts of every bucket in it (a key
/// inside the window that is not on a slot's start goes in the slot that
/// holds it; two keys in one slot add up).
fn slot_counts(chart: &Chart) -> Vec<(i64, Option<Counts>)> {
    let mut slots: Vec<(i64, Option<Counts>)> = chart.slots().map(|s| (s, None)).collect();
    for r in &chart.rows {
        let Some(start) = r.start_ms else { continue };
        if let Some(i) = slots.iter().rposition(|(s, _)| *s <= start) {
            slots[i].1.get_or_insert_with(Counts::default).add(r.counts);
        }
    }
    slots
}

/// The tallest bar of the slots.
fn tallest(slots: &[(i64, Option<Counts>)]) -> u64 {
    slots
        .iter()
        .filter_map(|(_, c)| c.map(|c| c.drawn()))
        .max()
        .unwrap_or(0)
}

fn svg(chart: &Chart, slots: &[(i64, Option<Counts>)]) -> impl IntoView + use<> {
    let n = slots.len().max(1) as f64;
    let peak = tallest(slots).max(1) as f64;
    let slot_w = W / n;
    let gap = if slot_w > 6.0 { slot_w * 0.15 } else { 0.0 };
    let bars = slots
        .iter()
        .enumerate()
        .filter_map(|(i, (start, c))| {
            let c = (*c)?;
            let x = i as f64 * slot_w + gap / 2.0;
            let w = (slot_w - gap).max(1.0);
            let ok_h = c.succeeded as f64 / peak * (H - 4.0);
            let failed_h = c.failed as f64 / peak * (H - 4.0);
            // What neither succeeded nor failed (yet), when the platform's
            // total says there is some.
            let other = c.total.saturating_sub(c.succeeded.saturating_add(c.failed));
            let other_h = other as f64 / peak * (H - 4.0);
            let title = format!(
                "{}: {} requests, {} succeeded, {} failed ({} failed)",
                bucket_label(*start, chart.interval),
                thousands(c.total),
                thousands(c.succeeded),
                thousands(c.failed),
                rate(&c)
            );
            let ok_y = H - ok_h;
            let failed_y = ok_y - failed_h;
            Some(view! {
                <g>
                    <title>{title}</title>
                    <rect class="req-ok" x=x y=ok_y width=w height=ok_h />
                    {(c.failed > 0).then(|| view! { <rect class="req-failed" x=x y=failed_y width=w height=failed_h.max(1.0) /> })}
                    {(other > 0).then(|| view! { <rect class="req-other" x=x y=failed_y - other_h width=w height=other_h /> })}
                </g>
            })
        })
        .collect_view();
    view! {
        <svg
            class="requests-chart"
            viewBox=format!("0 0 {W} {H}")
            preserveAspectRatio="none"
            role="img"
            aria-labelledby="requests-summary"
            data-testid="requests-chart"
        >
            <line class="baseline" x1="0" x2=W y1=H y2=H />
            {bars}
        </svg>
    }
}

/// The scale, above the bars.
fn peak(chart: &Chart, slots: &[(i64, Option<Counts>)]) -> impl IntoView + use<> {
    let peak = tallest(slots);
    view! {
        <p class="requests-peak muted" aria-hidden="true">
            {format!("Tallest bar: {} requests {}", thousands(peak), if chart.interval == StatInterval::Hour { "in an hour" } else { "in a day" })}
        </p>
    }
}

/// The first and last bucket, under the bars.
fn axis(chart: &Chart) -> impl IntoView + use<> {
    let slots: Vec<i64> = chart.slots().collect();
    let label = |i: usize| slots.get(i).map(|s| bucket_label(*s, chart.interval));
    let (first, last) = (label(0), label(slots.len().saturating_sub(1)));
    view! {
        <div class="requests-axis muted" aria-hidden="true">
            <span>{first}</span>
            <span>{last}</span>
        </div>
    }
}

/// The four columns every requests table has, headed and filled alike.
fn count_headers() -> impl IntoView + use<> {
    view! {
        <th scope="col" class="num">"Requests"</th>
        <th scope="col" class="num">"Succeeded"</th>
        <th scope="col" class="num">"Failed"</th>
        <th scope="col" class="num">"Failure rate"</th>
    }
}

fn count_cells(c: &Counts) -> impl IntoView + use<> {
    view! {
        <td class="num">{thousands(c.total)}</td>
        <td class="num">{thousands(c.succeeded)}</td>
        <td class="num">{thousands(c.failed)}</td>
        <td class="num">{rate(c)}</td>
    }
}

fn table(chart: &Chart) -> impl IntoView + use<> {
    let split = chart.users.len() > 1;
    let unit = if chart.interval == StatInterval::Hour {
        "Hour (UTC)"
    } else {
        "Day (UTC)"
    };
    let row = |label: String, r: &model::Row| {
        let c = r.counts;
        let by_user = split.then(|| {
            let text = r
                .users
                .iter()
                .map(|u| format!("{} {}", u.user, thousands(u.counts.total)))
                .collect::<Vec<_>>()
                .join(" · ");
            view! { <td class="by-user">{text}</td> }
        });
        view! {
            <tr>
                <td class="mono">{label}</td>
                {count_cells(&c)}
                {by_user}
            </tr>
        }
    };
    let rows = chart
        .rows
        .iter()
        .rev()
        .map(|r| {
            row(
                r.start_ms
                    .map_or_else(|| r.key.clone(), |s| bucket_label(s, chart.interval)),
                r,
            )
        })
        .collect_view();
    let elsewhere = chart
        .elsewhere
        .iter()
        .map(|r| row(r.key.clone(), r))
        .collect_view();
    let t = chart.totals;
    view! {
        <div class="requests-scroll" tabindex="0" role="region" aria-label="Requests table">
            <table class="compact requests-table" data-testid="requests-table">
                <thead>
                    <tr>
                        <th scope="col">{unit}</th>
                        {count_headers()}
                        {split.then(|| view! { <th scope="col">"By user"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}{elsewhere}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">"All"</th>
                        {count_cells(&t)}
                        {split.then(|| view! { <td></td> })}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

fn users_table(chart: &Chart) -> Option<impl IntoView + use<>> {
    (chart.users.len() > 1).then(|| {
        let rows = chart
            .users
            .iter()
            .map(|u| {
                let c = u.counts;
                view! {
                    <tr>
                        <td>{u.user.clone()}</td>
                        {count_cells(&c)}
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="requests-scroll" tabindex="0" role="region" aria-label="Requests by user">
                <table class="compact requests-users" data-testid="requests-users">
                    <caption>"By user, over the window"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"User"</th>
                            {count_headers()}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    })
}

/// "By the hour · By the day": links to the same window in the other
/// interval, where it is offered.
fn switch(path: &str, days: u32, interval: StatInterval) -> impl IntoView + use<> {
    let link = |label: &'static str, value: &str, this: StatInterval| {
        let href = format!("{path}?days={days}&interval={value}");
        view! { <a href=href class="window" aria-current=(interval == this).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="windows requests-intervals" aria-label="Requests interval">
            {(days <= MAX_HOURLY_DAYS).then(|| link("By the hour", "hour", StatInterval::Hour))}
            {link("By the day", "day", StatInterval::Day)}
        </nav>
    }
}

/// The card's body: the address's note, then the chart and the table, or
/// what went wrong reading them (the rest of the page is unaffected).
pub fn html(
    part: &Part<Chart>,
    note: Option<&str>,
    path: &str,
    days: u32,
    interval: StatInterval,
) -> String {
    let note = note.map(|n| view! { <p class="notes" role="status" data-testid="requests-note">{n.to_string()}</p> });
    let body = match part {
        Part::Shown(chart) if chart.is_empty() => view! {
            <p data-testid="requests-empty">{summary(chart, days)}</p>
        }
        .into_any(),
        Part::Shown(chart) => {
            let unreadable = (chart.unreadable > 0).then(|| {
                view! {
                    <p class="muted" data-testid="requests-unreadable">
                        {format!("{} of the platform's counts could not be read as numbers and are left out of the sums.", chart.unreadable)}
                    </p>
                }
            });
            let elsewhere = (!chart.elsewhere.is_empty()).then(|| {
                view! {
                    <p class="muted" data-testid="requests-elsewhere">
                        {format!("{} of the platform's buckets are not times in this window; they are listed at the end of the table and not drawn.", chart.elsewhere.len())}
                    </p>
                }
            });
            let slots = slot_counts(chart);
            // The platform's total may count requests that neither
            // succeeded nor failed: drawn grey, and named only then.
            let other = chart
                .rows
                .iter()
                .any(|r| r.counts.total > r.counts.succeeded.saturating_add(r.counts.failed));
            view! {
                <p id="requests-summary" data-testid="requests-summary">{summary(chart, days)}</p>
                <div class="requests-wrap">
                    {peak(chart, &slots)}
                    {svg(chart, &slots)}
                    {axis(chart)}
                </div>
                <p class="requests-legend muted">
                    <span class="key key-ok"></span>
                    "succeeded "
                    <span class="key key-bad"></span>
                    "failed"
                    {other.then(|| view! { <span class="key key-other"></span> "neither (yet)" })}
                </p>
                {unreadable}
                {elsewhere}
                {users_table(chart)}
                {table(chart)}
            }
            .into_any()
        }
        Part::Failed(m) => view! {
            <p class="banner banner-warn" role="alert" data-testid="requests-failed">{m.clone()}</p>
        }
        .into_any(),
        Part::NotServed(m) => {
            view! { <p class="muted" data-testid="requests-not-served">{m.clone()}</p> }.into_any()
        }
    };
    view! {
        {switch(path, days, interval)}
        {note}
        {body}
    }
    .to_html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::RequestStatistics;
    use serde_json::json;

    const NOW: i64 = 1_796_593_020_000;

    fn chart_of(reply: serde_json::Value, days: u32, interval: StatInterval) -> Chart {
        let stats = RequestStatistics::from_reply(reply).unwrap();
        model::chart(&stats, interval, model::window(NOW, days, interval))
    }

    #[test]
    fn the_chart_its_words_and_its_table_say_the_same_numbers() {
        let c = chart_of(
            json!({"requestStatistic": {
                "2026-12-06T20:00:00Z": {"requestStatistics": [
                    {"userName": "web", "totalRequest": 1200, "successRequest": 1190, "failedRequest": 10},
                    {"userName": "batch", "totalRequest": 300, "successRequest": 300}
                ]}
            }}),
            2,
            StatInterval::Hour,
        );
        let html = html(
            &Part::Shown(c),
            None,
            "/namespaces/default/apps/a/history",
            2,
            StatInterval::Hour,
        );
        assert!(
            html.contains(
                "1,500 requests in the last 2 days, 1,490 succeeded and 10 failed (0.7% failed)."
            ),
            "{html}"
        );
        assert!(
            html.contains("The busiest hour was 2026-12-06 20:00 UTC with 1,500."),
            "{html}"
        );
        assert_eq!(html.matches("class=\"req-ok\"").count(), 1);
        assert_eq!(html.matches("class=\"req-failed\"").count(), 1);
        assert!(html.contains("aria-labelledby=\"requests-summary\""));
        assert!(html.contains("web 1,200 · batch 300"), "{html}");
        assert!(html.contains("data-testid=\"requests-users\""));
        assert!(
            html.contains("href=\"/namespaces/default/apps/a/history?days=2&amp;interval=day\""),
            "{html}"
        );
    }

    #[test]
    fn empty_failed_and_hostile_answers() {
        let empty = chart_of(json!({}), 7, StatInterval::Day);
        let html_empty = html(
            &Part::Shown(empty),
            Some("a <b>note</b>"),
            "/p",
            7,
            StatInterval::Day,
        );
        assert!(html_empty.contains("No requests in the last 7 days."));
        assert!(!html_empty.contains("<svg"));
        assert!(
            html_empty.contains("a &lt;b&gt;note&lt;/b&gt;"),
            "{html_empty}"
        );
        let failed: Part<Chart> =
            Part::Failed("The request statistics could not be read: 503".into());
        assert!(
            html(&failed, None, "/p", 7, StatInterval::Day)
                .contains("data-testid=\"requests-failed\"")
        );
        let hostile = chart_of(
            json!({"requestStatistic": {
                "<script>alert(1)</script>": {"requestStatistics": [{"userName": "\"><img src=x onerror=alert(1)>", "totalRequest": 1}]},
                "2026-12-06T00:00:00Z": {"requestStatistics": [
                    {"userName": "<b>u</b>", "totalRequest": 1},
                    {"userName": "v", "totalRequest": 1}
                ]}
            }}),
            7,
            StatInterval::Day,
        );
        let out = html(&Part::Shown(hostile), None, "/p", 7, StatInterval::Day);
        assert!(
            !out.contains("<script>") && !out.contains("<img") && !out.contains("<b>u"),
            "{out}"
        );
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn requests_neither_succeeded_nor_failed_are_drawn_grey_and_named() {
        let reply = |total: u64| {
            json!({"requestStatistic": {"2026-12-06T20:00:00Z": {"requestStatistics": [
                {"userName": "web", "totalRequest": total, "successRequest": 5, "failedRequest": 1}
            ]}}})
        };
        let path = "/namespaces/default/apps/a/history";
        let open = html(
            &Part::Shown(chart_of(reply(10), 2, StatInterval::Hour)),
            None,
            path,
            2,
            StatInterval::Hour,
        );
        assert_eq!(open.matches("class=\"req-other\"").count(), 1, "{open}");
        assert!(open.contains("neither (yet)"), "{open}");
        assert!(
            open.contains("10 requests in the last 2 days, 5 succeeded and 1 failed"),
            "{open}"
        );
        let done = html(
            &Part::Shown(chart_of(reply(6), 2, StatInterval::Hour)),
            None,
            path,
            2,
            StatInterval::Hour,
        );
        assert!(
            !done.contains("req-other") && !done.contains("neither (yet)"),
            "{done}"
        );
    }

    #[test]
    fn two_keys_in_one_slot_add_up_to_one_bar_no_taller_than_the_chart() {
        // The same hour twice (seconds and RFC 3339), and a total below
        // succeeded + failed.
        let c = chart_of(
            json!({"requestStatistic": {
                "1796590800": {"requestStatistics": [{"userName": "a", "successRequest": 30, "failedRequest": 10, "totalRequest": 5}]},
                "2026-12-06T21:00:00Z": {"requestStatistics": [{"userName": "b", "totalRequest": 10, "successRequest": 10}]}
            }}),
            2,
            StatInterval::Hour,
        );
        let out = html(&Part::Shown(c), None, "/p", 2, StatInterval::Hour);
        assert_eq!(out.matches("<g>").count(), 1, "{out}");
        assert!(out.contains("Tallest bar: 50 requests in an hour"), "{out}");
        // Every bar stays inside the chart's 160 units.
        for y in out.split(" y=\"").skip(1) {
            let y: f64 = y.split('"').next().unwrap().parse().unwrap();
            assert!(y >= 0.0, "{out}");
        }
    }

    #[test]
    fn buckets_that_are_not_times_in_the_window_are_not_said_to_be_no_requests() {
        let c = chart_of(
            json!({"requestStatistic": {"week 49": {"requestStatistics": [{"userName": "a", "totalRequest": 7}]}}}),
            2,
            StatInterval::Hour,
        );
        let out = html(&Part::Shown(c), None, "/p", 2, StatInterval::Hour);
        assert!(!out.contains("No requests"), "{out}");
        assert!(
            out.contains("None of the platform&#x27;s buckets could be placed")
                || out.contains("None of the platform's buckets could be placed"),
            "{out}"
        );
        assert!(out.contains("week 49"), "{out}");
    }

    #[test]
    fn counts_at_the_edge_of_u64_do_not_overflow() {
        let c = chart_of(
            json!({"requestStatistic": {"2026-12-06T20:00:00Z": {"requestStatistics": [
                {"userName": "a", "totalRequest": u64::MAX, "successRequest": u64::MAX, "failedRequest": u64::MAX},
                {"userName": "b", "totalRequest": u64::MAX, "successRequest": u64::MAX}
            ]}}}),
            2,
            StatInterval::Hour,
        );
        assert_eq!(c.totals.total, u64::MAX);
        assert!(html(&Part::Shown(c), None, "/p", 2, StatInterval::Hour).contains("<svg"));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
