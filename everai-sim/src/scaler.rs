//! How a simulated app scales: the `autoscaler` of its spec, and the
//! builtin autoscalers' decisions.
//!
//! The rules follow the platform's published autoscaler package
//! (`everai-builtin-autoscaler`, which `everai` 0.2.41 depends on):
//!
//! - `simple` (scheduler `queue`): below `min_workers`, start the missing
//!   ones; otherwise, when nothing is starting and more than
//!   `max_queue_size` requests wait because every worker is busy, start
//!   `scale_up_step` more, up to `max_workers`; otherwise remove free
//!   workers idle for `max_idle_time` seconds, keeping `min_workers`.
//! - `free-worker`: the same, but it scales up while fewer than
//!   `min_free_workers` workers are free.
//! - The `time-match` argument decorator: while the time in its zone matches
//!   a `match(<cron>)` rule, arguments written with that rule's prefix
//!   replace the plain ones.
//!
//! A manual app changes only when someone scales it.

use std::collections::BTreeMap;

use time::{OffsetDateTime, UtcOffset};

use crate::clock::Nanos;

/// The five arguments every builtin autoscaler takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arguments {
    pub min_workers: u64,
    pub max_workers: u64,
    /// `max_queue_size` for `simple`, `min_free_workers` for `free-worker`.
    pub key: u64,
    /// Seconds.
    pub max_idle_time: u64,
    pub scale_up_step: u64,
}

/// Which builtin autoscaler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Simple,
    FreeWorker,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Simple => "simple",
            Builtin::FreeWorker => "free-worker",
        }
    }

    /// The argument that decides a scale-up.
    pub fn key_name(self) -> &'static str {
        match self {
            Builtin::Simple => "max_queue_size",
            Builtin::FreeWorker => "min_free_workers",
        }
    }

    /// The argument names in the order the platform's package lists them.
    pub fn argument_names(self) -> [&'static str; 5] {
        [
            "min_workers",
            "max_workers",
            self.key_name(),
            "max_idle_time",
            "scale_up_step",
        ]
    }
}

/// A `time-match` decorator: `timezone`, `match(<cron>): <prefix>` rules and
/// prefixed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeMatch {
    /// An IANA name the simulator knows (see [`zone_offset`]); UTC when absent.
    pub timezone: Option<String>,
    /// `(cron of five fields, prefix)`, in the order written.
    pub rules: Vec<(String, String)>,
    /// Prefixed arguments, e.g. `weekday_day_min_workers` → `5`.
    pub data: BTreeMap<String, String>,
}

/// The `autoscaler` of an app's spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Autoscaler {
    /// `manual`: the platform keeps what the last scale action left.
    Manual { default_workers: u64 },
    Builtin {
        kind: Builtin,
        arguments: Arguments,
        time_match: Option<TimeMatch>,
    },
}

impl Autoscaler {
    /// The arguments in force at `t`, after any time-match override.
    pub fn arguments_at(&self, t: Nanos) -> Option<Arguments> {
        let Autoscaler::Builtin {
            kind,
            arguments,
            time_match,
        } = self
        else {
            return None;
        };
        let mut args = *arguments;
        if let Some(tm) = time_match {
            tm.apply(*kind, &mut args, t);
        }
        Some(args)
    }
}

/// UTC offsets of the zones the simulator knows: zones without daylight
/// saving time, so a fixed offset is exact. The platform's package reads
/// any IANA zone; the simulator refuses the others rather than guess.
pub fn zone_offset(name: &str) -> Option<UtcOffset> {
    let hours = match name {
        "UTC" | "Etc/UTC" => 0,
        "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Singapore" | "Asia/Taipei" => 8,
        "Asia/Tokyo" | "Asia/Seoul" => 9,
        "Asia/Kolkata" => return UtcOffset::from_hms(5, 30, 0).ok(),
        _ => return None,
    };
    UtcOffset::from_hms(hours, 0, 0).ok()
}

impl TimeMatch {
    fn apply(&self, kind: Builtin, args: &mut Arguments, t: Nanos) {
        let offset = self
            .timezone
            .as_deref()
            .and_then(zone_offset)
            .unwrap_or(UtcOffset::UTC);
        let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(t as i128) else {
            return;
        };
        let at = at.to_offset(offset);
        for (cron, prefix) in &self.rules {
            if !cron_matches(cron, at) {
                continue;
            }
            for (key, value) in &self.data {
                let Some(name) = key.strip_prefix(prefix.as_str()) else {
                    continue;
                };
                // Like the platform's package, a value that is not a whole
                // number is not used; an unknown name changes nothing.
                let Ok(v) = value.trim().parse::<u64>() else {
                    continue;
                };
                match name {
                    "min_workers" => args.min_workers = v,
                    "max_workers" => args.max_workers = v,
                    "max_idle_time" => args.max_idle_time = v,
                    "scale_up_step" => args.scale_up_step = v,
                    n if n == kind.key_name() => args.key = v,
                    _ => {}
                }
            }
        }
    }
}

/// Checks a cron of five fields (minute, hour, day of month, month, day of
/// week with 0 and 7 both Sunday) as written in a `match(…)` rule.
pub fn parse_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split(' ').collect();
    if fields.len() != 5 {
        return Err(format!("`{cron}` must have five fields"));
    }
    for (field, (lo, hi)) in fields.iter().zip(CRON_RANGES) {
        field_matches(field, lo, lo, hi).map_err(|e| format!("`{cron}`: {e}"))?;
    }
    Ok(())
}

const CRON_RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];

fn cron_matches(cron: &str, at: OffsetDateTime) -> bool {
    let fields: Vec<&str> = cron.split(' ').collect();
    if fields.len() != 5 {
        return false;
    }
    let weekday = at.weekday().number_days_from_sunday() as u32;
    let values = [
        at.minute() as u32,
        at.hour() as u32,
        at.day() as u32,
        at.month() as u32,
        weekday,
    ];
    let ok = |i: usize, v: u32| {
        let (lo, hi) = CRON_RANGES[i];
        field_matches(fields[i], v, lo, hi).unwrap_or(false)
    };
    (0..4).all(|i| ok(i, values[i])) && (ok(4, weekday) || (weekday == 0 && ok(4, 7)))
}

/// Whether `value` is in a cron field of `*`, numbers, ranges and steps.
fn field_matches(field: &str, value: u32, lo: u32, hi: u32) -> Result<bool, String> {
    let mut hit = false;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step in `{part}`"))?,
            ),
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a, lo, hi)?, number(b, lo, hi)?)
        } else {
            let n = number(range, lo, hi)?;
            (n, if step > 1 { hi } else { n })
        };
        if from > to {
            return Err(format!("`{part}` runs backwards"));
        }
        if (from..=to).contains(&value) && (value - from).is_multiple_of(step) {
            hit = true;
        }
    }
    Ok(hit)
}

fn number(text: &str, lo: u32, hi: u32) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| format!("`{text}` is not a number from {lo} to {hi}"))
}

/// What the autoscaler sees of one worker.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub index: usize,
    pub starting: bool,
    pub free: bool,
    pub busy: bool,
    /// When it last served, or launched when it never has.
    pub last_service: Nanos,
    pub created_at: Nanos,
}

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Nothing,
    Up(u64),
    /// Indices of the workers to remove.
    Down(Vec<usize>),
}

/// The builtin autoscaler's decision at `now` over the app's live workers
/// (not asked to go) and the requests waiting because workers are busy.
pub fn decide(
    kind: Builtin,
    args: Arguments,
    workers: &[Seen],
    busy_queue: u64,
    now: Nanos,
) -> Decision {
    let n = workers.len() as u64;
    if n < args.min_workers {
        return Decision::Up(args.min_workers - n);
    }
    let in_flight = workers.iter().any(|w| w.starting);
    let wants_more = !in_flight
        && match kind {
            Builtin::Simple => busy_queue > args.key,
            Builtin::FreeWorker => (workers.iter().filter(|w| w.free).count() as u64) < args.key,
        };
    let room = args.max_workers.saturating_sub(n);
    if wants_more && room > 0 && args.scale_up_step > 0 {
        return Decision::Up(room.min(args.scale_up_step));
    }
    let idle = crate::clock::SECOND * args.max_idle_time as Nanos;
    let mut candidates: Vec<&Seen> = workers
        .iter()
        .filter(|w| w.free && now - w.last_service >= idle)
        .collect();
    // Newest first, as the platform's package orders them.
    candidates.sort_by_key(|w| std::cmp::Reverse(w.created_at));
    let running = workers.iter().filter(|w| w.free || w.busy).count() as u64;
    let count = running
        .saturating_sub(args.min_workers)
        .min(candidates.len() as u64);
    if count == 0 {
        return Decision::Nothing;
    }
    Decision::Down(
        candidates
            .into_iter()
            .take(count as usize)
            .map(|w| w.index)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{HOUR, SECOND};

    // Monday 2026-11-30 00:00 UTC.
    const MONDAY: Nanos = 1_795_996_800 * SECOND;

    fn args() -> Arguments {
        Arguments {
            min_workers: 1,
            max_workers: 4,
            key: 2,
            max_idle_time: 120,
            scale_up_step: 2,
        }
    }

    fn free(index: usize, last_service: Nanos) -> Seen {
        Seen {
            index,
            starting: false,
            free: true,
            busy: false,
            last_service,
            created_at: index as Nanos,
        }
    }

    #[test]
    fn the_monday_constant_is_a_monday() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(MONDAY as i128).unwrap();
        assert_eq!(at.weekday(), time::Weekday::Monday);
        assert_eq!((at.hour(), at.minute()), (0, 0));
    }

    #[test]
    fn below_min_workers_the_missing_ones_start() {
        assert_eq!(
            decide(Builtin::Simple, args(), &[], 0, MONDAY),
            Decision::Up(1)
        );
    }

    #[test]
    fn a_queue_past_its_size_adds_a_step_up_to_max_workers() {
        let now = MONDAY;
        let busy = |i| Seen {
            free: false,
            busy: true,
            ..free(i, now)
        };
        let three = [busy(0), busy(1), busy(2)];
        assert_eq!(
            decide(Builtin::Simple, args(), &three, 3, now),
            Decision::Up(1)
        );
        assert_eq!(
            decide(Builtin::Simple, args(), &three[..1], 3, now),
            Decision::Up(2)
        );
        // At the queue size, or while one is starting: nothing.
        assert_eq!(
            decide(Builtin::Simple, args(), &three, 2, now),
            Decision::Nothing
        );
        let starting = [
            busy(0),
            Seen {
                starting: true,
                busy: false,
                ..busy(1)
            },
        ];
        assert_eq!(
            decide(Builtin::Simple, args(), &starting, 9, now),
            Decision::Nothing
        );
    }

    #[test]
    fn idle_workers_go_after_max_idle_time_keeping_min_workers() {
        let now = MONDAY;
        let workers = [
            free(0, now - 200 * SECOND),
            free(1, now - 150 * SECOND),
            free(2, now - 10 * SECOND),
        ];
        // Two are idle long enough; min_workers 1 of 3 running allows both.
        assert_eq!(
            decide(Builtin::Simple, args(), &workers, 0, now),
            Decision::Down(vec![1, 0])
        );
        let keep_two = Arguments {
            min_workers: 2,
            ..args()
        };
        assert_eq!(
            decide(Builtin::Simple, keep_two, &workers, 0, now),
            Decision::Down(vec![1])
        );
    }

    #[test]
    fn the_free_worker_autoscaler_keeps_free_workers() {
        let now = MONDAY;
        let busy = Seen {
            free: false,
            busy: true,
            ..free(0, now)
        };
        assert_eq!(
            decide(Builtin::FreeWorker, args(), &[busy], 0, now),
            Decision::Up(2)
        );
    }

    #[test]
    fn a_time_match_rule_overrides_arguments_in_its_zone() {
        let scaler = Autoscaler::Builtin {
            kind: Builtin::Simple,
            arguments: args(),
            time_match: Some(TimeMatch {
                timezone: Some("Asia/Shanghai".into()),
                rules: vec![("* 9-22 * * 1-5".into(), "day_".into())],
                data: [
                    ("day_min_workers".to_string(), "3".to_string()),
                    ("day_max_queue_size".to_string(), "5".to_string()),
                    ("day_min_worker".to_string(), "9".to_string()),
                ]
                .into(),
            }),
        };
        // Monday 00:00 UTC is 08:00 in Shanghai: not yet.
        assert_eq!(scaler.arguments_at(MONDAY), Some(args()));
        // 01:00 UTC is 09:00 there.
        let day = scaler.arguments_at(MONDAY + HOUR).unwrap();
        assert_eq!((day.min_workers, day.key, day.max_workers), (3, 5, 4));
        // Sunday (the day before) at 10:00 there: the weekday rule is off.
        assert_eq!(scaler.arguments_at(MONDAY - 22 * HOUR), Some(args()));
    }

    #[test]
    fn cron_fields_read_lists_ranges_steps_and_sunday_as_seven() {
        let at = |t| OffsetDateTime::from_unix_timestamp_nanos(t as i128).unwrap();
        let sunday_noon = at(MONDAY - 12 * HOUR);
        assert!(cron_matches("* * * * 6,7", sunday_noon));
        assert!(cron_matches("* * * * 0", sunday_noon));
        assert!(cron_matches("*/15 12 * * *", sunday_noon));
        assert!(cron_matches("* 23,0-12 * * *", sunday_noon));
        assert!(!cron_matches("* 13-23 * * *", sunday_noon));
        assert!(parse_cron("* 9-22 * * 1-5").is_ok());
        for bad in [
            "* * * *",
            "* 25 * * *",
            "* 9-x * * *",
            "*/0 * * * *",
            "* 5-2 * * *",
        ] {
            assert!(parse_cron(bad).is_err(), "{bad}");
        }
    }
}
