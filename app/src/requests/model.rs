//! What the platform's request statistics say, in plain Rust: which buckets
//! the history page asks for, and the counts it draws from the answer.

use everai_api::{Reading, RequestStatistics, StatInterval, Timestamp};

pub const HOUR_MS: i64 = 60 * 60 * 1000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// The widest window shown by the hour: a week is 168 bars.
pub const MAX_HOURLY_DAYS: u32 = 7;

/// The buckets a window is shown in, and why when the address asked for
/// something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub interval: StatInterval,
    pub note: Option<String>,
}

/// By the hour for a window of two days or less, by the day past it; the
/// address's `interval=hour|day` chooses otherwise, within what is offered.
pub fn choose(days: u32, asked: Option<&str>) -> Choice {
    let natural = if days <= 2 {
        StatInterval::Hour
    } else {
        StatInterval::Day
    };
    let plain = |interval| Choice {
        interval,
        note: None,
    };
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        None => plain(natural),
        Some("day") => plain(StatInterval::Day),
        Some("hour") if days <= MAX_HOURLY_DAYS => plain(StatInterval::Hour),
        Some("hour") => Choice {
            interval: natural,
            note: Some(format!(
                "Requests are shown by the hour for windows of up to {MAX_HOURLY_DAYS} days; showing this {days}-day window by the day."
            )),
        },
        Some(other) => Choice {
            interval: natural,
            note: Some(format!(
                "interval must be \"hour\" or \"day\"; {:?} is not, so showing {}.",
                other.chars().take(40).collect::<String>(),
                per(natural)
            )),
        },
    }
}

/// "by the hour", "by the day".
pub fn per(interval: StatInterval) -> &'static str {
    match interval {
        StatInterval::Hour => "by the hour",
        StatInterval::Day => "by the day",
        StatInterval::Month => "by the month",
    }
}

fn step_ms(interval: StatInterval) -> i64 {
    match interval {
        StatInterval::Hour => HOUR_MS,
        // The page never asks by the month.
        StatInterval::Day | StatInterval::Month => DAY_MS,
    }
}

/// The window asked for: `days` of whole buckets (UTC) ending with the one
/// in progress at `now_ms`. Whole buckets make the same question for every
/// viewer in the same hour, so the gateway shares one read among them.
pub fn window(now_ms: i64, days: u32, interval: StatInterval) -> (i64, i64) {
    let step = step_ms(interval);
    let to = now_ms.div_euclid(step) * step + step;
    (to - i64::from(days) * DAY_MS, to)
}

/// Requests: all, succeeded, failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
}

impl Counts {
    /// The height of its bar: the platform's total, or more when its
    /// succeeded and failed add up to more.
    pub fn drawn(&self) -> u64 {
        self.total.max(self.succeeded.saturating_add(self.failed))
    }

    pub fn add(&mut self, other: Counts) {
        // The platform's numbers, whatever they are: never an overflow.
        self.total = self.total.saturating_add(other.total);
        self.succeeded = self.succeeded.saturating_add(other.succeeded);
        self.failed = self.failed.saturating_add(other.failed);
    }

    /// The failed share of all, when there were any.
    pub fn failure_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.failed as f64 / self.total as f64)
    }
}

/// One user's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCounts {
    pub user: String,
    pub counts: Counts,
}

/// One bucket of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// When the platform's key reads as a time; otherwise the key as sent.
    pub start_ms: Option<i64>,
    pub key: String,
    pub counts: Counts,
    pub users: Vec<UserCounts>,
}

/// The answer for one window.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub interval: StatInterval,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Oldest first: the buckets whose key reads as a time inside the window.
    pub rows: Vec<Row>,
    /// Buckets whose key is not a time, or a time outside the window: in
    /// the table, not on the chart.
    pub elsewhere: Vec<Row>,
    pub totals: Counts,
    /// The window's requests per user, most first.
    pub users: Vec<UserCounts>,
    /// Counts the platform sent that are not counts (left out of the sums).
    pub unreadable: usize,
}

impl Chart {
    /// Every bucket start of the window, oldest first: the chart's axis.
    pub fn slots(&self) -> impl Iterator<Item = i64> + '_ {
        let step = step_ms(self.interval);
        (0..(self.to_ms - self.from_ms) / step).map(move |i| self.from_ms + i * step)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.elsewhere.is_empty()
    }
}

/// What the answer says about `[from_ms, to_ms)`.
pub fn chart(
    stats: &RequestStatistics,
    interval: StatInterval,
    (from_ms, to_ms): (i64, i64),
) -> Chart {
    let mut unreadable = 0;
    let mut read = |r: &Reading<u64>| match r {
        Reading::Value(n) => Some(*n),
        Reading::Odd(_) => {
            unreadable += 1;
            None
        }
    };
    let mut rows = Vec::new();
    let mut elsewhere = Vec::new();
    let mut users: Vec<UserCounts> = Vec::new();
    let mut totals = Counts::default();
    for bucket in &stats.buckets {
        let mut row = Row {
            start_ms: bucket.start.map(|t| t.unix_millis()),
            key: bucket.key.clone(),
            counts: Counts::default(),
            users: Vec::new(),
        };
        for u in &bucket.users {
            let (succeeded, failed) = (read(&u.succeeded), read(&u.failed));
            let (succeeded, failed) = (succeeded.unwrap_or(0), failed.unwrap_or(0));
            // The platform's total where it is readable (it may count
            // requests that neither succeeded nor failed yet); else the sum.
            let total = read(&u.total)
                .filter(|t| *t > 0)
                .unwrap_or(succeeded.saturating_add(failed));
            let counts = Counts {
                total,
                succeeded,
                failed,
            };
            row.counts.add(counts);
            row.users.push(UserCounts {
                user: u.user.clone(),
                counts,
            });
        }
        row.users.sort_by(|a, b| {
            b.counts
                .total
                .cmp(&a.counts.total)
                .then(a.user.cmp(&b.user))
        });
        let inside = row.start_ms.is_some_and(|s| (from_ms..to_ms).contains(&s));
        if inside {
            totals.add(row.counts);
            for u in &row.users {
                match users.iter_mut().find(|t| t.user == u.user) {
                    Some(t) => t.counts.add(u.counts),
                    None => users.push(u.clone()),
                }
            }
            rows.push(row);
        } else {
            elsewhere.push(row);
        }
    }
    users.sort_by(|a, b| {
        b.counts
            .total
            .cmp(&a.counts.total)
            .then(a.user.cmp(&b.user))
    });
    Chart {
        interval,
        from_ms,
        to_ms,
        rows,
        elsewhere,
        totals,
        users,
        unreadable,
    }
}

/// The bucket's start as the table writes it: "2026-12-06 14:00 UTC" by
/// the hour, "2026-12-06" by the day.
pub fn bucket_label(start_ms: i64, interval: StatInterval) -> String {
    let Some(t) = Timestamp::from_unix_nanos(i128::from(start_ms) * 1_000_000) else {
        return start_ms.to_string();
    };
    let exact = crate::format::exact(t);
    match interval {
        StatInterval::Hour => format!("{} UTC", &exact[..16]),
        StatInterval::Day | StatInterval::Month => exact[..10].to_string(),
    }
}

/// "2.4%", "0.05%", "0%".
pub fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if p < 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // 2026-12-06T21:37:00Z
    const NOW: i64 = 1_796_593_020_000;

    #[test]
    fn the_interval_follows_the_window_and_the_address_within_what_is_offered() {
        assert_eq!(choose(1, None).interval, StatInterval::Hour);
        assert_eq!(choose(2, None).interval, StatInterval::Hour);
        assert_eq!(choose(7, None).interval, StatInterval::Day);
        assert_eq!(
            choose(7, Some("hour")),
            Choice {
                interval: StatInterval::Hour,
                note: None
            }
        );
        assert_eq!(choose(1, Some("day")).interval, StatInterval::Day);
        let wide = choose(30, Some("hour"));
        assert_eq!(wide.interval, StatInterval::Day);
        assert!(wide.note.unwrap().contains("up to 7 days"));
        let odd = choose(2, Some("<week>"));
        assert_eq!(odd.interval, StatInterval::Hour);
        assert!(odd.note.unwrap().contains("\"<week>\" is not"));
    }

    #[test]
    fn the_window_is_whole_buckets_ending_with_the_current_one() {
        let (from, to) = window(NOW, 2, StatInterval::Hour);
        assert_eq!(
            to, 1_796_594_400_000,
            "22:00, the end of the hour in progress"
        );
        assert_eq!(to - from, 2 * DAY_MS);
        let (from, to) = window(NOW, 7, StatInterval::Day);
        assert_eq!(to, 1_796_601_600_000, "midnight after today");
        assert_eq!(to - from, 7 * DAY_MS);
        // The same question all hour long.
        assert_eq!(
            window(NOW - 30 * 60 * 1000, 2, StatInterval::Hour),
            window(NOW, 2, StatInterval::Hour)
        );
    }

    #[test]
    fn counts_add_up_per_bucket_and_user_and_odd_ones_are_counted_apart() {
        let (from, to) = window(NOW, 2, StatInterval::Hour);
        let stats = RequestStatistics::from_reply(json!({"requestStatistic": {
            "2026-12-06T20:00:00Z": {"requestStatistics": [
                {"userName": "web", "totalRequest": 10, "successRequest": 9, "failedRequest": 1},
                {"userName": "batch", "totalRequest": 30, "successRequest": 30}
            ]},
            "2026-12-06T21:00:00Z": {"requestStatistics": [
                {"userName": "web", "successRequest": 4, "failedRequest": "many"}
            ]},
            "2026-11-01T00:00:00Z": {"requestStatistics": [{"userName": "web", "totalRequest": 99}]},
            "week 49": {"requestStatistics": [{"userName": "web", "totalRequest": 5}]}
        }}))
        .unwrap();
        let c = chart(&stats, StatInterval::Hour, (from, to));
        assert_eq!(c.rows.len(), 2);
        assert_eq!(
            c.rows[0].counts,
            Counts {
                total: 40,
                succeeded: 39,
                failed: 1
            }
        );
        assert_eq!(c.rows[0].users[0].user, "batch", "most requests first");
        assert_eq!(
            c.rows[1].counts,
            Counts {
                total: 4,
                succeeded: 4,
                failed: 0
            }
        );
        assert_eq!(c.unreadable, 1);
        assert_eq!(
            c.totals,
            Counts {
                total: 44,
                succeeded: 43,
                failed: 1
            }
        );
        assert_eq!(
            c.users[0],
            UserCounts {
                user: "batch".into(),
                counts: Counts {
                    total: 30,
                    succeeded: 30,
                    failed: 0
                }
            }
        );
        assert_eq!(c.users[1].counts.total, 14);
        let keys: Vec<&str> = c.elsewhere.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["2026-11-01T00:00:00Z", "week 49"]);
        assert_eq!(c.slots().count(), 48);
        assert_eq!(percent(c.totals.failure_rate().unwrap()), "2.3%");
        assert_eq!(
            bucket_label(c.rows[0].start_ms.unwrap(), StatInterval::Hour),
            "2026-12-06 20:00 UTC"
        );
        assert_eq!(
            bucket_label(c.rows[0].start_ms.unwrap(), StatInterval::Day),
            "2026-12-06"
        );
    }
}
