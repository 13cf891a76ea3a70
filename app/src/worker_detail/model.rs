//! What one worker's page says, in plain Rust: where the worker was found,
//! its lifecycle and the figures that follow from it, the workers it
//! replaced or that replaced it, and the events that name it.

use everai_api::{AppEvent, Reading, Timestamp, Worker, WorkerList};

/// The history window a worker is looked for in when it is not live: the
/// widest the platform's list offers (the history page's longest).
pub const HISTORY_DAYS: u32 = 30;

/// Which of the platform's lists the worker was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundIn {
    /// Among the live workers (`showAll=false`).
    Live,
    /// Among the workers of the last `days` (`showAll=true`), not live.
    History { days: u32 },
}

impl FoundIn {
    /// Where the page looked, in words.
    pub fn words(self) -> String {
        match self {
            FoundIn::Live => "Found among the app's live workers.".into(),
            FoundIn::History { days } => format!(
                "Not among the live workers; found in the app's history of the last {days} days."
            ),
        }
    }
}

/// The worker with `id` in `list`, if it is there.
pub fn find<'a>(list: &'a WorkerList, id: &str) -> Option<&'a Worker> {
    list.workers.iter().find(|w| w.id == id)
}

/// The figures of a worker's life that follow from its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// `launchAt − createdAt`.
    pub cold_start_ms: Option<i64>,
    /// Since `lastServeAt`: until now for a live worker, until it was
    /// deleted for one that ended.
    pub idle_ms: Option<i64>,
    /// When it stopped (`stopAt`, as a time when the platform wrote one).
    pub stopped_at: Option<Timestamp>,
    /// `failedCount / (successCount + failedCount)`, when both are counts
    /// and at least one request was served.
    pub failure_rate: Option<f64>,
}

impl Lifecycle {
    pub fn of(w: &Worker, now_ms: i64) -> Lifecycle {
        let ended = crate::history::is_ended(w);
        let idle_until = match (ended, w.deleted_at) {
            (false, _) => Some(now_ms),
            (true, Some(d)) => Some(d.unix_millis()),
            (true, None) => None,
        };
        let idle_ms = match (w.last_serve_at, idle_until) {
            (Some(served), Some(until)) if until >= served.unix_millis() => {
                Some(until - served.unix_millis())
            }
            _ => None,
        };
        let failure_rate = match (&w.success_count, &w.failed_count) {
            (Reading::Value(ok), Reading::Value(failed)) if ok + failed > 0 => {
                Some(*failed as f64 / (*ok + *failed) as f64)
            }
            _ => None,
        };
        Lifecycle {
            cold_start_ms: w.cold_start().map(|d| d.whole_milliseconds() as i64),
            idle_ms,
            stopped_at: Timestamp::parse(w.stop_at.trim()),
            failure_rate,
        }
    }
}

/// The workers of `list` that name `id` as the worker they replaced.
pub fn replaced_by<'a>(list: &'a WorkerList, id: &str) -> Vec<&'a str> {
    list.workers
        .iter()
        .filter(|w| w.replace_worker_id == id && w.id != id)
        .map(|w| w.id.as_str())
        .collect()
}

/// The events whose message names `id` (as a whole word: an id that is
/// the start of a longer one does not match), in the order given (newest
/// first). The platform's events carry no worker field: the message is
/// where a worker is named.
pub fn naming<'a>(events: &'a [AppEvent], id: &str) -> Vec<&'a AppEvent> {
    if id.is_empty() {
        return Vec::new();
    }
    let part_of_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    events
        .iter()
        .filter(|e| {
            e.message.match_indices(id).any(|(at, _)| {
                let before = e.message[..at].chars().next_back();
                let after = e.message[at + id.len()..].chars().next();
                !before.is_some_and(part_of_id) && !after.is_some_and(part_of_id)
            })
        })
        .collect()
}

/// The worker as the console read it, in the platform's field names and
/// pretty-printed: every field of the platform's `V1Worker` model, with a
/// value that is not what the model says written back as it was sent.
pub fn as_json(w: &Worker) -> String {
    serde_json::to_string_pretty(w).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::WorkerStatus;

    fn at(ms: i64) -> Option<Timestamp> {
        Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
    }

    fn worker(id: &str) -> Worker {
        Worker {
            id: id.into(),
            status: WorkerStatus::Running,
            ..Default::default()
        }
    }

    fn event(message: &str) -> AppEvent {
        AppEvent {
            kind: "EVENT_TYPE_WORKER_RUNNING".into(),
            message: message.into(),
            from: "scheduler".into(),
            created_at: at(0),
        }
    }

    #[test]
    fn a_live_workers_idle_time_runs_to_now_and_an_ended_ones_to_its_deletion() {
        let mut w = worker("a");
        w.created_at = at(1_000);
        w.launch_at = at(4_500);
        w.last_serve_at = at(10_000);
        let live = Lifecycle::of(&w, 70_000);
        assert_eq!(live.cold_start_ms, Some(3_500));
        assert_eq!(live.idle_ms, Some(60_000));

        w.status = WorkerStatus::Terminated;
        w.deleted_at = at(25_000);
        assert_eq!(Lifecycle::of(&w, 70_000).idle_ms, Some(15_000));
        w.deleted_at = None;
        assert_eq!(
            Lifecycle::of(&w, 70_000).idle_ms,
            None,
            "ended, but when is unknown"
        );
        w.last_serve_at = None;
        w.status = WorkerStatus::Running;
        assert_eq!(Lifecycle::of(&w, 70_000).idle_ms, None, "never served");
    }

    #[test]
    fn the_failure_rate_needs_two_counts_and_a_request() {
        let mut w = worker("a");
        assert_eq!(Lifecycle::of(&w, 0).failure_rate, None, "nothing served");
        w.success_count = Reading::Value(3);
        w.failed_count = Reading::Value(1);
        assert_eq!(Lifecycle::of(&w, 0).failure_rate, Some(0.25));
        w.failed_count = Reading::Odd("lots".into());
        assert_eq!(Lifecycle::of(&w, 0).failure_rate, None, "an odd count");
    }

    #[test]
    fn stop_at_is_a_time_only_when_it_reads_as_one() {
        let mut w = worker("a");
        w.stop_at = "2024-09-29T09:35:18Z".into();
        let stopped = Lifecycle::of(&w, 0).stopped_at.expect("a time");
        assert_eq!(stopped.unix_millis(), 1_727_602_518_000);
        w.stop_at = "soon".into();
        assert_eq!(Lifecycle::of(&w, 0).stopped_at, None);
    }

    #[test]
    fn replacements_are_found_both_ways() {
        let mut list = WorkerList::default();
        let mut new = worker("new");
        new.replace_worker_id = "old".into();
        list.workers = vec![worker("old"), new, worker("other")];
        assert_eq!(replaced_by(&list, "old"), vec!["new"]);
        assert!(replaced_by(&list, "other").is_empty());
        assert_eq!(find(&list, "new").unwrap().replace_worker_id, "old");
        assert!(find(&list, "gone").is_none());
    }

    #[test]
    fn an_event_names_a_worker_by_its_whole_id() {
        let events = vec![
            event("worker abc is running"),
            event("worker abcd is running"),
            event("worker xabc was terminated"),
            event("worker new replaces failed worker abc"),
            event("abc"),
        ];
        let named: Vec<&str> = naming(&events, "abc")
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(
            named,
            vec![
                "worker abc is running",
                "worker new replaces failed worker abc",
                "abc"
            ]
        );
        assert!(naming(&events, "").is_empty());
    }

    #[test]
    fn the_json_keeps_the_platforms_field_names_and_odd_values() {
        let mut w = worker("a");
        w.cpus = Reading::Odd("two".into());
        w.memory = Reading::Value(2048);
        let json: serde_json::Value = serde_json::from_str(&as_json(&w)).unwrap();
        assert_eq!(json["id"], "a");
        assert_eq!(json["status"], "STATUS_RUNNING");
        assert_eq!(json["CPUs"], "two");
        assert_eq!(json["memory"], 2048);
        assert!(json.get("replaceWorkerId").is_some());
    }
}
