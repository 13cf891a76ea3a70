//! The maths of the history view: worker lifetimes on a time axis,
//! cold-start percentiles and histograms, and churn per day. Pure, so the
//! server and the browser draw the same picture.

use std::collections::BTreeMap;

use everai_api::{Worker, WorkerStatus};

pub const DAY_MS: i64 = 86_400_000;
/// The platform's default window, and the one the history view opens with.
pub const DEFAULT_DAYS: u32 = 2;
pub const MAX_DAYS: u32 = 30;

/// `days` from the URL: 1 to 30, with a message when it had to be changed.
pub fn parse_days(raw: Option<&str>) -> (u32, Option<String>) {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return (DEFAULT_DAYS, None);
    };
    match raw.parse::<i64>() {
        Ok(n) if (1..=i64::from(MAX_DAYS)).contains(&n) => (n as u32, None),
        Ok(n) if n > i64::from(MAX_DAYS) => (
            MAX_DAYS,
            Some(format!(
                "The platform keeps at most {MAX_DAYS} days; showing {MAX_DAYS} instead of {n}."
            )),
        ),
        _ => (
            DEFAULT_DAYS,
            Some(format!(
                "days must be a whole number from 1 to {MAX_DAYS}; {raw:?} is not, so showing {DEFAULT_DAYS}."
            )),
        ),
    }
}

/// One worker's life on the time axis (ms since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub id: String,
    pub start_ms: i64,
    pub launch_ms: Option<i64>,
    pub end_ms: i64,
    /// False while the worker still lives: the bar runs to "now".
    pub ended: bool,
    pub status: WorkerStatus,
}

/// Worker lifetimes within `[from_ms, to_ms]`, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub from_ms: i64,
    pub to_ms: i64,
    pub bars: Vec<Bar>,
}

impl Timeline {
    /// The window of `days` up to `now_ms`. Workers that started before it
    /// (live ones can be older) are drawn from its left edge.
    pub fn build(workers: &[Worker], now_ms: i64, days: u32) -> Timeline {
        let mut bars: Vec<Bar> = workers
            .iter()
            .filter_map(|w| {
                let start_ms = w.created_at?.unix_millis();
                let deleted = w.deleted_at.map(|t| t.unix_millis());
                let ended = deleted.is_some() || !w.status.is_live();
                // An ended worker without a deletion time (a failed launch)
                // ends at its last sign of life, or where it began.
                let end_ms = match (deleted, ended) {
                    (Some(d), _) => d,
                    (None, true) => w
                        .last_serve_at
                        .or(w.launch_at)
                        .map_or(start_ms, |t| t.unix_millis()),
                    (None, false) => now_ms,
                }
                .clamp(start_ms, now_ms.max(start_ms));
                Some(Bar {
                    id: w.id.clone(),
                    start_ms,
                    launch_ms: w
                        .launch_at
                        .map(|t| t.unix_millis())
                        .filter(|l| *l >= start_ms),
                    end_ms,
                    ended,
                    status: w.status.clone(),
                })
            })
            .collect();
        bars.sort_by(|a, b| a.start_ms.cmp(&b.start_ms).then(a.id.cmp(&b.id)));
        let from_ms = now_ms - i64::from(days) * DAY_MS;
        Timeline {
            from_ms,
            to_ms: now_ms.max(from_ms + 1),
            bars,
        }
    }

    /// Where `t` falls across `width` units.
    pub fn x(&self, t: i64, width: f64) -> f64 {
        let span = (self.to_ms - self.from_ms).max(1) as f64;
        ((t - self.from_ms) as f64 / span * width).clamp(0.0, width)
    }
}

/// Nearest-rank percentile of sorted `values` (`q` from 0 to 1).
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Upper edges of the cold-start histogram's buckets, in seconds; the last
/// bucket takes everything above.
pub const BUCKET_EDGES_S: [i64; 8] = [10, 20, 30, 45, 60, 90, 120, 300];

/// Cold starts of one GPU kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStarts {
    /// GPU name, or "CPU only".
    pub kind: String,
    pub count: usize,
    pub p50_ms: i64,
    pub p90_ms: i64,
    pub p99_ms: i64,
    /// Counts per bucket of `BUCKET_EDGES_S`, plus one for the rest.
    pub buckets: Vec<usize>,
}

/// Cold-start figures of the launches at or after `from_ms` (the window's
/// start), by GPU model, most launches first, with "All" first when there
/// is more than one kind. A reply can hold workers launched before the
/// window (live ones always; ended ones when the platform lists those that
/// existed in it rather than those created in it): their cold starts are
/// not the window's.
pub fn cold_starts(workers: &[Worker], from_ms: i64) -> Vec<ColdStarts> {
    let mut by_kind: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for w in workers {
        let in_window = w.launch_at.is_some_and(|t| t.unix_millis() >= from_ms);
        if let Some(d) = w.cold_start().filter(|_| in_window) {
            let kind = match w.gpu() {
                "" => "CPU only".to_string(),
                gpu => gpu.to_string(),
            };
            by_kind
                .entry(kind)
                .or_default()
                .push(d.whole_milliseconds() as i64);
        }
    }
    let summarize = |kind: String, mut ms: Vec<i64>| {
        ms.sort_unstable();
        let mut buckets = vec![0; BUCKET_EDGES_S.len() + 1];
        for v in &ms {
            let i = BUCKET_EDGES_S
                .iter()
                .position(|edge| *v < edge * 1000)
                .unwrap_or(BUCKET_EDGES_S.len());
            buckets[i] += 1;
        }
        ColdStarts {
            kind,
            count: ms.len(),
            p50_ms: percentile(&ms, 0.5).unwrap_or(0),
            p90_ms: percentile(&ms, 0.9).unwrap_or(0),
            p99_ms: percentile(&ms, 0.99).unwrap_or(0),
            buckets,
        }
    };
    let all: Vec<i64> = by_kind.values().flatten().copied().collect();
    let several = by_kind.len() > 1;
    let mut out: Vec<ColdStarts> = by_kind
        .into_iter()
        .map(|(kind, ms)| summarize(kind, ms))
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
    if several {
        out.insert(0, summarize("All".to_string(), all));
    }
    out
}

/// Workers created and ended on one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayChurn {
    /// Midnight UTC, ms since the epoch.
    pub day_ms: i64,
    pub created: usize,
    pub ended: usize,
}

/// Created vs ended per UTC day over the last `days` days up to `now_ms`,
/// oldest first; days without either are kept, as zeros.
pub fn churn(workers: &[Worker], now_ms: i64, days: u32) -> Vec<DayChurn> {
    let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
    let first = today - i64::from(days.max(1) - 1) * DAY_MS;
    let mut out: Vec<DayChurn> = (0..i64::from(days.max(1)))
        .map(|i| DayChurn {
            day_ms: first + i * DAY_MS,
            created: 0,
            ended: 0,
        })
        .collect();
    let slot = |t: i64| -> Option<usize> {
        (t >= first && t < today + DAY_MS).then(|| ((t - first) / DAY_MS) as usize)
    };
    for w in workers {
        if let Some(i) = w.created_at.and_then(|t| slot(t.unix_millis())) {
            out[i].created += 1;
        }
        if let Some(i) = w.deleted_at.and_then(|t| slot(t.unix_millis())) {
            out[i].ended += 1;
        }
    }
    out
}

/// The workers that have ended: terminated or failed.
pub fn is_ended(w: &Worker) -> bool {
    !w.status.is_live() || w.deleted_at.is_some()
}

/// The worker's detail status, if it has one: an ended worker comes
/// without one (protobuf leaves out the zero value), and that is none, not
/// the "Abnormal" an unspecified detail of a live worker means.
pub fn detail_of(w: &Worker) -> Option<&everai_api::DetailStatus> {
    (!(is_ended(w) && w.detail_status == everai_api::DetailStatus::Unspecified))
        .then_some(&w.detail_status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::Timestamp;

    fn at(ms: i64) -> Option<Timestamp> {
        Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
    }

    fn worker(
        id: &str,
        created: i64,
        launch: Option<i64>,
        deleted: Option<i64>,
        gpu: &str,
    ) -> Worker {
        Worker {
            id: id.into(),
            status: if deleted.is_some() {
                WorkerStatus::Terminated
            } else {
                WorkerStatus::Running
            },
            created_at: at(created),
            launch_at: launch.and_then(at),
            deleted_at: deleted.and_then(at),
            gpu_name: gpu.into(),
            ..Worker::default()
        }
    }

    #[test]
    fn days_are_checked() {
        assert_eq!(parse_days(None), (2, None));
        assert_eq!(parse_days(Some("7")), (7, None));
        let (d, note) = parse_days(Some("90"));
        assert_eq!(d, 30);
        assert!(note.unwrap().contains("at most 30"));
        for bad in ["0", "-1", "two", "1.5"] {
            let (d, note) = parse_days(Some(bad));
            assert_eq!(d, 2, "{bad}");
            assert!(note.unwrap().contains("whole number"), "{bad}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.9), Some(90));
        assert_eq!(percentile(&v, 0.99), Some(99));
        assert_eq!(percentile(&[7], 0.99), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 0.0), Some(1));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn cold_starts_are_grouped_by_gpu_and_bucketed() {
        let ws = vec![
            worker("a", 0, Some(5_000), None, "A100"),
            worker("b", 0, Some(35_000), None, "A100"),
            worker("c", 0, Some(400_000), None, ""),
            worker("d", 0, None, None, "A100"),
        ];
        let cs = cold_starts(&ws, 0);
        let kinds: Vec<&str> = cs.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["All", "A100", "CPU only"]);
        assert_eq!(cs[0].count, 3);
        assert_eq!((cs[1].p50_ms, cs[1].p99_ms), (5_000, 35_000));
        assert_eq!(cs[1].buckets[0], 1, "5 s is under 10 s");
        assert_eq!(cs[1].buckets[3], 1, "35 s is in 30–45 s");
        assert_eq!(*cs[2].buckets.last().unwrap(), 1, "400 s is above 300 s");
        assert_eq!(cold_starts(&ws[..1], 0).len(), 1, "no 'All' for one kind");
    }

    #[test]
    fn cold_starts_are_the_windows_launches_under_either_reading_of_recent_days() {
        let now = 10 * DAY_MS;
        let from = now - 2 * DAY_MS;
        // In the reply under either reading: created and launched inside.
        let inside = worker(
            "inside",
            from + 1_000,
            Some(from + 21_000),
            Some(now - 1),
            "",
        );
        // Only when the platform lists the workers that existed in the
        // window: created and launched before it, ended inside it.
        let spanning = worker(
            "spanning",
            from - DAY_MS,
            Some(from - DAY_MS + 90_000),
            Some(from + 5),
            "",
        );
        // Live workers are listed whatever their age.
        let old_live = worker(
            "old-live",
            from - 3 * DAY_MS,
            Some(from - 3 * DAY_MS + 200_000),
            None,
            "",
        );
        let created_reading = cold_starts(&[inside.clone(), old_live.clone()], from);
        let existed_reading = cold_starts(&[inside, spanning, old_live], from);
        assert_eq!(created_reading, existed_reading);
        assert_eq!(existed_reading[0].count, 1);
        assert_eq!(existed_reading[0].p99_ms, 20_000);
    }

    #[test]
    fn churn_is_the_same_under_either_reading_of_recent_days() {
        let now = 10 * DAY_MS + 3_600_000;
        let inside = worker("inside", 9 * DAY_MS + 5, None, Some(10 * DAY_MS + 10), "");
        // Created before the window, ended on its first day: its end is
        // the window's, its creation is not.
        let spanning = worker("spanning", 7 * DAY_MS, None, Some(9 * DAY_MS + 60_000), "");
        let existed = churn(&[inside.clone(), spanning], now, 2);
        let created = churn(&[inside], now, 2);
        assert_eq!(existed.iter().map(|d| d.created).sum::<usize>(), 1);
        assert_eq!(
            created.iter().map(|d| d.created).collect::<Vec<_>>(),
            existed.iter().map(|d| d.created).collect::<Vec<_>>()
        );
        assert_eq!(existed[0].ended, 1, "the spanning worker ended on day one");
        assert_eq!(existed[1].ended, 1);
    }

    #[test]
    fn a_worker_that_spans_the_windows_start_is_drawn_from_its_left_edge() {
        let now = 10 * DAY_MS;
        let spanning = worker(
            "spanning",
            now - 3 * DAY_MS,
            Some(now - 3 * DAY_MS + 1),
            Some(now - DAY_MS),
            "",
        );
        let t = Timeline::build(&[spanning], now, 2);
        let bar = &t.bars[0];
        assert_eq!(t.x(bar.start_ms, 300.0), 0.0);
        assert!((t.x(bar.end_ms, 300.0) - 150.0).abs() < 1e-9);
        assert!(bar.ended);
    }

    #[test]
    fn the_timeline_spans_the_window_and_each_life() {
        let now = 10 * DAY_MS;
        let ws = vec![
            worker(
                "old",
                now - 3 * DAY_MS,
                Some(now - 3 * DAY_MS + 60_000),
                Some(now - DAY_MS),
                "",
            ),
            worker("live", now - 1_000, None, None, ""),
            Worker {
                status: WorkerStatus::Error,
                ..worker("failed", now - 5_000, None, None, "")
            },
        ];
        let t = Timeline::build(&ws, now, 2);
        assert_eq!(t.from_ms, now - 2 * DAY_MS);
        assert_eq!(
            t.x(t.bars[0].start_ms, 300.0),
            0.0,
            "older lives start at the edge"
        );
        assert_eq!(t.to_ms, now);
        assert_eq!(t.bars[0].id, "old");
        assert!(t.bars[0].ended && t.bars[0].end_ms == now - DAY_MS);
        assert!(!t.bars[2].ended && t.bars[2].end_ms == now);
        let failed = &t.bars[1];
        assert!(
            failed.ended && failed.end_ms == failed.start_ms,
            "{failed:?}"
        );
        assert_eq!(t.x(now, 300.0), 300.0);
        assert!((t.x(now - DAY_MS, 300.0) - 150.0).abs() < 1e-9);
    }

    #[test]
    fn churn_counts_per_utc_day() {
        let now = 10 * DAY_MS + 3_600_000;
        let ws = vec![
            worker("a", 9 * DAY_MS + 5, None, Some(10 * DAY_MS + 10), ""),
            worker("b", 10 * DAY_MS + 1, None, None, ""),
            worker("too-old", 2 * DAY_MS, None, Some(3 * DAY_MS), ""),
        ];
        let c = churn(&ws, now, 2);
        assert_eq!(
            c,
            vec![
                DayChurn {
                    day_ms: 9 * DAY_MS,
                    created: 1,
                    ended: 0
                },
                DayChurn {
                    day_ms: 10 * DAY_MS,
                    created: 1,
                    ended: 1
                },
            ]
        );
    }
}
