//! Scale actions: what a person asked for, the checks it must pass, which
//! workers a scale-down takes, and what came of it. Pure and shared: the
//! confirmation the browser shows and the check the server makes before
//! calling the platform are the same code.

use everai_api::{DetailStatus, Worker, WorkerStatus};
use serde::{Deserialize, Serialize};

/// Scale-up steps above this need a second action, even when the app has
/// room, unless the console is configured otherwise.
pub const DEFAULT_MAX_SCALE_STEP: u32 = 50;

/// Longest accepted worker id (the client's own limit).
pub const MAX_WORKER_ID_LEN: usize = 128;

/// At most this many workers can be picked for one scale-down.
pub const MAX_SELECTED: usize = 1_000;

/// An action that a person has started but not yet confirmed, as it
/// stands in the worker page's URL (`confirm=up&count=3`,
/// `confirm=down&count=2`, `confirm=down&worker=a&worker=b`,
/// `confirm=pause`, `confirm=resume`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleIntent {
    Up {
        count: u32,
    },
    DownCount {
        count: u32,
    },
    DownWorkers {
        ids: Vec<String>,
    },
    /// Stop every worker of the app: the emergency brake.
    Pause,
    Resume,
}

impl ScaleIntent {
    /// The intent in `pairs`, if any: `None` when the URL asks for no
    /// confirmation, `Some(Err(message))` when it asks for one with a bad
    /// count or selection.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Option<Result<ScaleIntent, String>> {
        let mut confirm = None;
        let mut count = None;
        let mut ids: Vec<String> = Vec::new();
        for (key, value) in pairs {
            match key {
                "confirm" => confirm = Some(value.trim().to_string()),
                "count" => count = Some(value.trim().to_string()),
                "worker" => {
                    let id = value.trim();
                    if !id.is_empty() && !ids.iter().any(|i| i == id) {
                        ids.push(id.to_string());
                    }
                }
                _ => {}
            }
        }
        let confirm = confirm?;
        Some(match confirm.as_str() {
            "up" => {
                parse_count(count.as_deref().unwrap_or("")).map(|count| ScaleIntent::Up { count })
            }
            "down" if !ids.is_empty() => check_ids(&ids).map(|()| ScaleIntent::DownWorkers { ids }),
            "down" => match count.as_deref() {
                None | Some("") => Err(
                    "Select the workers to remove in the table, or enter how many to remove."
                        .into(),
                ),
                Some(raw) => parse_count(raw).map(|count| ScaleIntent::DownCount { count }),
            },
            "pause" => Ok(ScaleIntent::Pause),
            "resume" => Ok(ScaleIntent::Resume),
            other => Err(format!(
                "There is no action {other:?}; the actions are up, down, pause and resume."
            )),
        })
    }
}

/// A count typed by a person: a whole number from 1 up.
pub fn parse_count(raw: &str) -> Result<u32, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter how many workers.".into());
    }
    if let Some(rest) = raw.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("The count must be at least 1; {raw} is negative."));
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "The count must be a whole number; {raw:?} is not one."
        ));
    }
    match raw.parse::<u32>() {
        Ok(0) => Err("The count must be at least 1.".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("The count {raw} is far too large.")),
    }
}

/// Worker ids as the platform writes them: letters, digits, `-` and `_`.
pub fn check_ids(ids: &[String]) -> Result<(), String> {
    if ids.len() > MAX_SELECTED {
        return Err(format!(
            "At most {MAX_SELECTED} workers can be removed at once; {} were selected.",
            ids.len()
        ));
    }
    ids.iter().try_for_each(|id| check_worker_id(id))
}

/// One worker id as the platform writes them: letters, digits, `-` and
/// `_`, at most [`MAX_WORKER_ID_LEN`] of them.
pub fn check_worker_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_WORKER_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        let shown: String = id.chars().take(40).collect();
        Err(format!("{shown:?} is not a worker id."))
    }
}

/// Workers the console knows to be running or on their way: the only
/// ones it counts when it speaks of the app's size. TERMINATING, ERROR,
/// UNAVAILABLE, unspecified and unknown statuses are left out: nobody
/// outside the platform knows whether it counts them against `maxWorkers`.
pub fn running_or_starting(w: &Worker) -> bool {
    matches!(
        w.status,
        WorkerStatus::Created
            | WorkerStatus::Initialized
            | WorkerStatus::Pending
            | WorkerStatus::Running
    ) && w.detail_status != DetailStatus::Remove
}

/// How many workers one scale-up may add: the console's own step limit.
/// The app's `maxWorkers` is information, not a limit the console applies
/// (see [`capacity_note`]): the platform decides what a scale-up past it
/// does, and says so.
pub fn scale_up_limit(max_step: u32) -> u32 {
    max_step
}

/// Checks a scale-up of `count`: a whole number from 1 (already parsed) to
/// the console's step limit. Nothing else is the console's to refuse.
pub fn check_scale_up(count: u32, max_step: u32) -> Result<u32, String> {
    if count > max_step {
        return Err(format!(
            "At most {max_step} workers can be added in one step (the console's CONSOLE_MAX_SCALE_STEP); {count} were asked for."
        ));
    }
    Ok(count)
}

/// What the app's `maxWorkers` means for adding `adding` workers, in words:
/// information for the confirmation, never a refusal. `None` when the
/// platform gave no `maxWorkers`.
pub fn capacity_note(workers: &[Worker], max_workers: u64, adding: Option<u32>) -> Option<String> {
    if max_workers == 0 {
        return None;
    }
    let n = workers.iter().filter(|w| running_or_starting(w)).count() as u64;
    let verb = if n == 1 { "is" } else { "are" };
    let noun = if max_workers == 1 {
        "worker"
    } else {
        "workers"
    };
    let mut note = format!("{n} of at most {max_workers} {noun} {verb} running or starting");
    match adding {
        Some(k) if n + u64::from(k) > max_workers => {
            note.push_str("; the platform may refuse or cap this.")
        }
        _ => note.push('.'),
    }
    Some(note)
}

/// Why removing `w` needs a second look, if it does.
pub fn removal_warning(w: &Worker) -> Option<&'static str> {
    match (&w.status, &w.detail_status) {
        (_, DetailStatus::Busy) => Some("busy: serving a request now"),
        (_, DetailStatus::InFlight) => Some("still starting (in flight)"),
        (WorkerStatus::Created | WorkerStatus::Initialized | WorkerStatus::Pending, _) => {
            Some("still starting")
        }
        _ => None,
    }
}

/// Order of preference for removal: idle workers first (longest idle
/// first), then ones not yet serving, busy ones last.
fn removal_rank(w: &Worker) -> (u8, i128) {
    let class = match (&w.status, &w.detail_status) {
        (WorkerStatus::Running, DetailStatus::Free) => 0,
        (_, DetailStatus::Busy) => 3,
        (WorkerStatus::Running, _) => 1,
        _ => 2,
    };
    // Idle since the last request, or since launch, or since creation.
    let since = w
        .last_serve_at
        .or(w.launch_at)
        .or(w.created_at)
        .map_or(i128::MIN, |t| t.unix_nanos());
    (class, since)
}

/// Workers a person may choose to remove: not already ended (TERMINATED or
/// ERROR) and not already going. A status the console does not know is
/// not a reason to refuse: the platform decides.
pub fn removable(w: &Worker) -> bool {
    w.status.is_live()
        && w.status != WorkerStatus::Terminating
        && w.detail_status != DetailStatus::Remove
}

/// Workers a scale-down by count may take: removable, and in a status the
/// console knows. One whose status is unspecified or unknown is removed
/// only when a person picks it.
pub fn removable_by_count(w: &Worker) -> bool {
    removable(w) && w.status.is_known() && w.status != WorkerStatus::Unspecified
}

/// Why the console cannot vouch for `w`'s state, if so: its status is
/// unspecified or one the console does not know.
pub fn status_unknown(w: &Worker) -> Option<String> {
    match &w.status {
        WorkerStatus::Unspecified => Some("status unspecified (STATUS_UNSPECIFIED)".into()),
        WorkerStatus::Unknown(raw) => Some(format!("status unknown to the console ({raw})")),
        _ => None,
    }
}

/// The `count` workers a scale-down by count removes: the longest-idle free
/// ones first, busy ones only when nothing else is left.
pub fn pick_for_removal(workers: &[Worker], count: u32) -> Result<Vec<Worker>, String> {
    let mut candidates: Vec<&Worker> = workers.iter().filter(|w| removable_by_count(w)).collect();
    // Workers a person may still pick by hand: their status is not one the
    // console knows, so a count never takes them.
    let unvouched = workers
        .iter()
        .filter(|w| removable(w) && status_unknown(w).is_some())
        .count();
    let by_hand = match unvouched {
        0 => String::new(),
        1 => " 1 more has a status the console does not know: select it in the table to remove it."
            .into(),
        n => format!(
            " {n} more have a status the console does not know: select them in the table to remove them."
        ),
    };
    if candidates.is_empty() {
        return Err(format!(
            "The app has no workers that can be removed by count.{by_hand}"
        ));
    }
    if count as usize > candidates.len() {
        return Err(format!(
            "The app has {} that can be removed by count; {count} were asked for.{by_hand}",
            workers_word(candidates.len())
        ));
    }
    candidates.sort_by(|a, b| removal_rank(a).cmp(&removal_rank(b)).then(a.id.cmp(&b.id)));
    Ok(candidates
        .into_iter()
        .take(count as usize)
        .cloned()
        .collect())
}

/// The longest-idle FREE workers, at most `count`: the one-click choice.
pub fn longest_idle_free(workers: &[Worker], count: usize) -> Vec<Worker> {
    let mut free: Vec<&Worker> = workers
        .iter()
        .filter(|w| {
            removable_by_count(w)
                && w.status == WorkerStatus::Running
                && w.detail_status == DetailStatus::Free
        })
        .collect();
    free.sort_by(|a, b| removal_rank(a).cmp(&removal_rank(b)).then(a.id.cmp(&b.id)));
    free.into_iter().take(count).cloned().collect()
}

/// The chosen workers, in the order given; an error names every id that is
/// not a worker of the app that has not ended.
pub fn pick_by_ids(workers: &[Worker], ids: &[String]) -> Result<Vec<Worker>, String> {
    check_ids(ids)?;
    let mut picked = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    let mut going = Vec::new();
    for id in ids {
        match workers.iter().find(|w| &w.id == id) {
            Some(w) if removable(w) => picked.push(w.clone()),
            Some(_) => going.push(id.as_str()),
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} of this app: {}.",
            if missing.len() == 1 {
                "Not a live worker"
            } else {
                "Not live workers"
            },
            missing.join(", ")
        ));
    }
    if !going.is_empty() {
        return Err(format!("Already being removed: {}.", going.join(", ")));
    }
    Ok(picked)
}

/// A key that makes one confirmation one action: 32 lowercase hex digits.
pub fn is_action_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleRequest {
    Up {
        count: u32,
    },
    Down {
        worker_ids: Vec<String>,
    },
    /// Pause the app: every worker stops.
    Pause,
    Resume,
}

/// What came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleResult {
    /// The platform added workers with these ids.
    Added { worker_ids: Vec<String> },
    /// The platform accepted the removal.
    Removed,
    /// The platform accepted the pause or the resume.
    Applied,
    /// The console refused before calling the platform.
    Rejected { reason: String },
    /// The platform refused or could not be reached: nothing happened.
    Failed { reason: String },
    /// No complete answer: it may or may not have happened.
    Unknown { reason: String },
}

/// One scale action and its outcome, as shown after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub namespace: String,
    pub app: String,
    pub request: ScaleRequest,
    pub result: ScaleResult,
    /// When it finished, ms since the epoch.
    pub at_ms: i64,
}

impl ActionOutcome {
    /// True when it went through.
    pub fn succeeded(&self) -> bool {
        matches!(
            self.result,
            ScaleResult::Added { .. } | ScaleResult::Removed | ScaleResult::Applied
        )
    }

    /// One sentence saying exactly what happened.
    pub fn message(&self) -> String {
        let target = format!("{}/{}", self.namespace, self.app);
        let asked = match &self.request {
            ScaleRequest::Up { count } => format!("adding {}", workers_word(*count as usize)),
            ScaleRequest::Down { worker_ids } => {
                format!("removing {}", workers_word(worker_ids.len()))
            }
            ScaleRequest::Pause => "pausing the app".to_string(),
            ScaleRequest::Resume => "resuming the app".to_string(),
        };
        match &self.result {
            ScaleResult::Added { worker_ids } => match &self.request {
                ScaleRequest::Up { count } if *count as usize != worker_ids.len() => {
                    // Said as the platform said it: not "added 0 workers".
                    let returned = match worker_ids.len() {
                        0 => "no worker ids".to_string(),
                        1 => format!("1 worker id: {}", worker_ids[0]),
                        n => format!("{n} worker ids: {}", worker_ids.join(", ")),
                    };
                    format!(
                        "The platform accepted {asked} to {target} and returned {returned}. The table shows new workers as they appear."
                    )
                }
                _ => format!(
                    "Added {} to {target}: {}.",
                    workers_word(worker_ids.len()),
                    worker_ids.join(", ")
                ),
            },
            ScaleResult::Removed => match &self.request {
                ScaleRequest::Down { worker_ids } => format!(
                    "Removing {} from {target}: {}. They go Terminating, then Terminated.",
                    workers_word(worker_ids.len()),
                    worker_ids.join(", ")
                ),
                _ => format!("Scaled {target}."),
            },
            ScaleResult::Applied => match &self.request {
                ScaleRequest::Pause => format!(
                    "Paused {target}: its workers stop, and none starts until it is resumed."
                ),
                ScaleRequest::Resume => {
                    format!("Resumed {target}: its workers start again.")
                }
                _ => format!("Scaled {target}."),
            },
            ScaleResult::Rejected { reason } => {
                format!("Nothing was changed: {reason}")
            }
            ScaleResult::Failed { reason } => {
                format!("The platform did not carry out {asked} on {target}: {reason}")
            }
            ScaleResult::Unknown { reason } => format!(
                "{reason} It is not known whether {asked} on {target} happened: check the table before trying again."
            ),
        }
    }

    /// The ids of workers this action added, to highlight.
    pub fn added_ids(&self) -> &[String] {
        match &self.result {
            ScaleResult::Added { worker_ids } => worker_ids,
            _ => &[],
        }
    }
}

/// "1 worker", "3 workers".
pub fn workers_word(n: usize) -> String {
    if n == 1 {
        "1 worker".to_string()
    } else {
        format!("{n} workers")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::Timestamp;

    fn worker(id: &str, status: WorkerStatus, detail: DetailStatus, served_s: i64) -> Worker {
        Worker {
            id: id.into(),
            status,
            detail_status: detail,
            created_at: Timestamp::from_unix_nanos(1_000_000_000_000_000_000),
            last_serve_at: (served_s > 0)
                .then(|| Timestamp::from_unix_nanos(i128::from(served_s) * 1_000_000_000))
                .flatten(),
            ..Worker::default()
        }
    }

    fn intent(q: &[(&str, &str)]) -> Option<Result<ScaleIntent, String>> {
        ScaleIntent::parse(q.iter().copied())
    }

    #[test]
    fn intents_come_from_the_query() {
        assert_eq!(intent(&[("status", "x")]), None);
        assert_eq!(
            intent(&[("confirm", "up"), ("count", "3")]),
            Some(Ok(ScaleIntent::Up { count: 3 }))
        );
        assert_eq!(
            intent(&[("confirm", "down"), ("count", "2")]),
            Some(Ok(ScaleIntent::DownCount { count: 2 }))
        );
        assert_eq!(
            intent(&[
                ("confirm", "down"),
                ("worker", "a"),
                ("worker", "b"),
                ("worker", "a")
            ]),
            Some(Ok(ScaleIntent::DownWorkers {
                ids: vec!["a".into(), "b".into()]
            }))
        );
        assert!(matches!(intent(&[("confirm", "down")]), Some(Err(m)) if m.contains("Select")));
        assert!(
            matches!(intent(&[("confirm", "sideways")]), Some(Err(m)) if m.contains("sideways"))
        );
        assert!(matches!(
            intent(&[("confirm", "down"), ("worker", "../x")]),
            Some(Err(m)) if m.contains("not a worker id")
        ));
    }

    #[test]
    fn counts_are_checked_with_specific_messages() {
        assert_eq!(parse_count(" 7 "), Ok(7));
        assert!(parse_count("").unwrap_err().contains("Enter"));
        assert!(parse_count("0").unwrap_err().contains("at least 1"));
        assert!(parse_count("-2").unwrap_err().contains("negative"));
        assert!(parse_count("2.5").unwrap_err().contains("whole number"));
        assert!(parse_count("abc").unwrap_err().contains("whole number"));
        assert!(
            parse_count("99999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn scale_up_is_refused_only_past_the_consoles_own_step() {
        assert_eq!(check_scale_up(50, 50), Ok(50));
        assert_eq!(check_scale_up(1, 50), Ok(1));
        let err = check_scale_up(51, 50).unwrap_err();
        assert!(
            err.contains("At most 50") && err.contains("CONSOLE_MAX_SCALE_STEP"),
            "{err}"
        );
        assert_eq!(scale_up_limit(7), 7);
    }

    #[test]
    fn max_workers_is_information_counted_over_known_running_or_starting_workers() {
        let ws: Vec<Worker> = [
            ("run", WorkerStatus::Running, DetailStatus::Free),
            ("busy", WorkerStatus::Running, DetailStatus::Busy),
            ("new", WorkerStatus::Created, DetailStatus::InFlight),
            ("init", WorkerStatus::Initialized, DetailStatus::InFlight),
            ("pend", WorkerStatus::Pending, DetailStatus::Rollin),
            // None of these is counted: the platform may or may not.
            ("going", WorkerStatus::Terminating, DetailStatus::Remove),
            ("removing", WorkerStatus::Running, DetailStatus::Remove),
            ("failed", WorkerStatus::Error, DetailStatus::Unspecified),
            (
                "unavailable",
                WorkerStatus::Unavailable,
                DetailStatus::Unspecified,
            ),
            ("odd", WorkerStatus::Unspecified, DetailStatus::Unspecified),
            (
                "new-kind",
                WorkerStatus::Unknown("STATUS_NAPPING".into()),
                DetailStatus::Free,
            ),
        ]
        .into_iter()
        .map(|(id, s, d)| worker(id, s, d, 0))
        .collect();
        assert_eq!(
            capacity_note(&ws, 10, Some(5)).as_deref(),
            Some("5 of at most 10 workers are running or starting.")
        );
        assert_eq!(
            capacity_note(&ws, 10, Some(6)).as_deref(),
            Some(
                "5 of at most 10 workers are running or starting; the platform may refuse or cap this."
            )
        );
        assert_eq!(
            capacity_note(&ws[..1], 1, Some(1)).as_deref(),
            Some(
                "1 of at most 1 worker is running or starting; the platform may refuse or cap this."
            )
        );
        assert_eq!(
            capacity_note(&ws, 0, Some(100)),
            None,
            "no maxWorkers given"
        );
        // Past maxWorkers is still only information: the console asks the
        // platform, which decides.
        assert_eq!(check_scale_up(6, 50), Ok(6));
    }

    #[test]
    fn unknown_and_unspecified_statuses_are_never_picked_by_count() {
        let ws = vec![
            worker("odd", WorkerStatus::Unspecified, DetailStatus::Free, 1),
            worker(
                "new-kind",
                WorkerStatus::Unknown("STATUS_NAPPING".into()),
                DetailStatus::Free,
                2,
            ),
            worker("free", WorkerStatus::Running, DetailStatus::Free, 500),
        ];
        let ids = |v: Vec<Worker>| v.into_iter().map(|w| w.id).collect::<Vec<_>>();
        assert_eq!(ids(pick_for_removal(&ws, 1).unwrap()), ["free"]);
        let refused = pick_for_removal(&ws, 2).unwrap_err();
        assert!(refused.contains("1 worker that"), "{refused}");
        assert!(
            refused.contains("2 more have a status the console does not know"),
            "{refused}"
        );
        // Nothing but unknown statuses: the count has nothing to take, and
        // the person hears why and what to do.
        let refused = pick_for_removal(&ws[..1], 1).unwrap_err();
        assert_eq!(
            refused,
            "The app has no workers that can be removed by count. 1 more has a status the console does not know: select it in the table to remove it."
        );
        assert_eq!(ids(longest_idle_free(&ws, 3)), ["free"]);
        // A person may still pick them, and is told what the console
        // cannot vouch for.
        assert_eq!(
            ids(pick_by_ids(&ws, &["odd".into(), "new-kind".into()]).unwrap()),
            ["odd", "new-kind"]
        );
        assert_eq!(
            status_unknown(&ws[1]).as_deref(),
            Some("status unknown to the console (STATUS_NAPPING)")
        );
        assert!(
            status_unknown(&ws[0])
                .unwrap()
                .contains("STATUS_UNSPECIFIED")
        );
        assert_eq!(status_unknown(&ws[2]), None);
    }

    #[test]
    fn scale_down_takes_the_longest_idle_free_workers_first() {
        let ws = vec![
            worker("busy", WorkerStatus::Running, DetailStatus::Busy, 10),
            worker("recent", WorkerStatus::Running, DetailStatus::Free, 500),
            worker("oldest", WorkerStatus::Running, DetailStatus::Free, 100),
            worker("starting", WorkerStatus::Pending, DetailStatus::InFlight, 0),
            worker("going", WorkerStatus::Terminating, DetailStatus::Remove, 0),
        ];
        let ids = |v: Vec<Worker>| v.into_iter().map(|w| w.id).collect::<Vec<_>>();
        assert_eq!(ids(pick_for_removal(&ws, 2).unwrap()), ["oldest", "recent"]);
        assert_eq!(
            ids(pick_for_removal(&ws, 4).unwrap()),
            ["oldest", "recent", "starting", "busy"]
        );
        assert!(pick_for_removal(&ws, 5).unwrap_err().contains("4 workers"));
        assert_eq!(ids(longest_idle_free(&ws, 5)), ["oldest", "recent"]);
        assert_eq!(removal_warning(&ws[0]), Some("busy: serving a request now"));
        assert_eq!(removal_warning(&ws[1]), None);
        assert!(removal_warning(&ws[3]).is_some());
    }

    #[test]
    fn chosen_workers_must_be_live_workers_of_the_app() {
        let ws = vec![
            worker("a", WorkerStatus::Running, DetailStatus::Free, 0),
            worker("going", WorkerStatus::Terminating, DetailStatus::Remove, 0),
        ];
        assert_eq!(pick_by_ids(&ws, &["a".into()]).unwrap().len(), 1);
        let err = pick_by_ids(&ws, &["a".into(), "nope".into()]).unwrap_err();
        assert!(err.contains("nope") && !err.contains("a,"), "{err}");
        assert!(
            pick_by_ids(&ws, &["going".into()])
                .unwrap_err()
                .contains("Already")
        );
    }

    #[test]
    fn outcomes_say_exactly_what_happened() {
        let mut o = ActionOutcome {
            namespace: "default".into(),
            app: "sd".into(),
            request: ScaleRequest::Up { count: 2 },
            result: ScaleResult::Added {
                worker_ids: vec!["x".into(), "y".into()],
            },
            at_ms: 0,
        };
        assert_eq!(o.message(), "Added 2 workers to default/sd: x, y.");
        assert_eq!(o.added_ids(), ["x", "y"]);
        o.request = ScaleRequest::Up { count: 3 };
        assert_eq!(
            o.message(),
            "The platform accepted adding 3 workers to default/sd and returned 2 worker ids: x, y. The table shows new workers as they appear."
        );
        o.result = ScaleResult::Added { worker_ids: vec![] };
        assert_eq!(
            o.message(),
            "The platform accepted adding 3 workers to default/sd and returned no worker ids. The table shows new workers as they appear."
        );
        o.request = ScaleRequest::Up { count: 2 };
        o.result = ScaleResult::Unknown {
            reason: "The EverAI API did not answer in time.".into(),
        };
        assert!(o.message().contains("not known whether adding 2 workers"));
        assert!(!o.succeeded());
        assert!(is_action_key("0123456789abcdef0123456789abcdef"));
        assert!(!is_action_key("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_action_key("short"));
    }
}
