//! Request statistics: every request the simulated workers end, counted by
//! the hour it ended in, and grouped into the buckets the platform's
//! `request_statistic` endpoint reports (hour, day or month, in UTC).
//!
//! The counts are the same requests as the workers' `successCount` and
//! `failedCount`: a test holds the two to each other.

use std::collections::BTreeMap;

use time::{OffsetDateTime, Time};

use crate::clock::{HOUR, Nanos};

/// The bucket sizes the platform's models name
/// (`ListAppRequestStatisticRequestInterval`; "MOUTH" is their spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hour,
    Day,
    Month,
}

impl Interval {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "INTERVAL_HOUR" => Some(Interval::Hour),
            "INTERVAL_DAY" => Some(Interval::Day),
            "INTERVAL_MOUTH" => Some(Interval::Month),
            _ => None,
        }
    }

    /// The start (UTC) of the bucket that holds `t`.
    pub fn start_of(self, t: Nanos) -> Nanos {
        match self {
            Interval::Hour => t.div_euclid(HOUR) * HOUR,
            Interval::Day => t.div_euclid(24 * HOUR) * 24 * HOUR,
            Interval::Month => OffsetDateTime::from_unix_timestamp_nanos(i128::from(t))
                .ok()
                .and_then(|at| at.replace_day(1).ok())
                .map_or(t, |first| {
                    first.replace_time(Time::MIDNIGHT).unix_timestamp_nanos() as Nanos
                }),
        }
    }
}

/// Requests by the hour they ended in (hours since the epoch):
/// `[succeeded, failed]`.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    hours: BTreeMap<i64, [u64; 2]>,
}

/// One bucket of a reply: its start, succeeded and failed requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: Nanos,
    pub succeeded: u64,
    pub failed: u64,
}

impl Tally {
    /// `ok` succeeded and `failed` failed requests that ended at `at`.
    pub fn add(&mut self, at: Nanos, ok: u64, failed: u64) {
        if ok + failed == 0 {
            return;
        }
        let hour = self.hours.entry(at.div_euclid(HOUR)).or_default();
        hour[0] += ok;
        hour[1] += failed;
    }

    /// `ok` and `failed` requests spread evenly over the hours from `from`
    /// to `to`; the remainders go to the first hours, so the sums are exact.
    pub fn spread(&mut self, from: Nanos, to: Nanos, ok: u64, failed: u64) {
        let (first, last) = (from.div_euclid(HOUR), to.max(from).div_euclid(HOUR));
        let hours = (last - first + 1) as u64;
        for (i, hour) in (first..=last).enumerate() {
            let i = i as u64;
            let share = |n: u64| n / hours + u64::from(i < n % hours);
            self.add(hour * HOUR, share(ok), share(failed));
        }
    }

    /// Every request counted: `[succeeded, failed]`.
    pub fn totals(&self) -> [u64; 2] {
        self.hours
            .values()
            .fold([0, 0], |[a, b], [ok, failed]| [a + ok, b + failed])
    }

    /// The requests of the hours that overlap `[from, to)`, grouped by
    /// `interval`, oldest first; buckets with no requests are left out.
    pub fn buckets(&self, from: Nanos, to: Nanos, interval: Interval) -> Vec<Bucket> {
        let mut out: Vec<Bucket> = Vec::new();
        if to <= from {
            return out;
        }
        let (first, end) = (from.div_euclid(HOUR), (to - 1).div_euclid(HOUR) + 1);
        for (&hour, &[ok, failed]) in self.hours.range(first..end) {
            let start = interval.start_of(hour * HOUR);
            match out.last_mut() {
                Some(b) if b.start == start => {
                    b.succeeded += ok;
                    b.failed += failed;
                }
                _ => out.push(Bucket {
                    start,
                    succeeded: ok,
                    failed,
                }),
            }
        }
        out
    }
}

/// One user's share of a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRequests {
    pub user: String,
    pub succeeded: u64,
    pub failed: u64,
}

/// `n` shared by `weights`, the remainders to the first shares, so the
/// shares add up to `n` exactly.
pub fn share_out(n: u64, weights: &[u64]) -> Vec<u64> {
    let total: u64 = weights.iter().sum();
    if total == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<u64> = weights
        .iter()
        .map(|w| (u128::from(n) * u128::from(*w) / u128::from(total)) as u64)
        .collect();
    let mut left = n - shares.iter().sum::<u64>();
    for (share, w) in shares.iter_mut().zip(weights) {
        if left == 0 {
            break;
        }
        if *w > 0 {
            *share += 1;
            left -= 1;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DAY;

    // 2026-12-06T00:00:00Z
    const T: Nanos = 1_796_515_200 * 1_000_000_000;

    #[test]
    fn a_spread_keeps_every_request_and_groups_by_the_interval() {
        let mut tally = Tally::default();
        tally.spread(T, T + 5 * HOUR, 11, 3);
        tally.add(T + DAY + 30 * 60 * 1_000_000_000, 2, 1);
        assert_eq!(tally.totals(), [13, 4]);
        let hours = tally.buckets(T, T + 2 * DAY, Interval::Hour);
        assert_eq!(hours.len(), 7);
        assert_eq!(
            hours[0],
            Bucket {
                start: T,
                succeeded: 2,
                failed: 1
            }
        );
        assert_eq!(hours[6].start, T + DAY);
        let days = tally.buckets(T, T + 2 * DAY, Interval::Day);
        assert_eq!(
            days,
            vec![
                Bucket {
                    start: T,
                    succeeded: 11,
                    failed: 3
                },
                Bucket {
                    start: T + DAY,
                    succeeded: 2,
                    failed: 1
                },
            ]
        );
        // An hour that only begins inside the window's last nanosecond is in it;
        // one that ends at its start is not.
        assert_eq!(
            tally.buckets(T + HOUR, T + 2 * HOUR, Interval::Hour).len(),
            1
        );
        assert!(
            tally
                .buckets(T + 2 * DAY, T + 3 * DAY, Interval::Day)
                .is_empty()
        );
    }

    #[test]
    fn months_start_on_the_first_of_the_month_in_utc() {
        // 2026-12-01T00:00:00Z
        let december = 1_796_083_200 * 1_000_000_000;
        assert_eq!(Interval::Month.start_of(T), december);
        assert_eq!(Interval::Month.start_of(december), december);
        assert_eq!(Interval::parse("INTERVAL_MOUTH"), Some(Interval::Month));
        assert_eq!(Interval::parse("INTERVAL_MONTH"), None);
    }

    #[test]
    fn shares_add_up() {
        assert_eq!(share_out(10, &[7, 3]), vec![7, 3]);
        assert_eq!(share_out(11, &[1, 1, 1]), vec![4, 4, 3]);
        assert_eq!(share_out(5, &[0, 2]), vec![0, 5]);
        assert_eq!(share_out(5, &[]), Vec::<u64>::new());
    }
}
