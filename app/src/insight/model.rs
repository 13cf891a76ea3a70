//! What the worker page says about why the app is doing what it does: its
//! state and limits, its request queue and its latest events, worked out
//! from the platform's answers. Plain Rust, no Leptos: the rendering
//! ([`super::render`]) only lays it out.

use everai_api::{
    ApiError, AppDetail, AppEvent, AppStatus, ArgValue, EventPage, QueueReason, QueuedRequest,
    ScalerSpec, Timestamp, WorkerList,
};

use crate::{actions::running_or_starting, error::ConsoleError, format};

/// How many events the worker page lists (of the type asked for, or all).
pub const EVENTS_SHOWN: usize = 5;
/// How many events the history page's read asks for: the platform's most.
pub const EVENTS_READ: u32 = everai_api::MAX_EVENTS_PAGE;
/// How many the worker page's read asks for, every refresh: enough for its
/// latest few and its type filter. A thousand cost the platform and the
/// console about twice a 1,000-worker list on every read (`make bench`,
/// 2026-12-04); the history page reads them all, once per visit.
pub const EVENTS_LIVE: u32 = 100;

/// One panel's content, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Part<T> {
    Shown(T),
    /// The read failed: a banner names what failed; the rest of the page
    /// is as usual.
    Failed(String),
    /// The platform does not serve this endpoint (404 on the path of an app
    /// whose workers it listed): one line says so.
    NotServed(String),
}

impl<T> Part<T> {
    pub fn shown(&self) -> Option<&T> {
        match self {
            Part::Shown(t) => Some(t),
            _ => None,
        }
    }
}

/// A panel read that failed, in words, naming what failed (and logged with
/// the request's id). The app's worker list answered, so a 404 here means
/// the platform does not serve the path.
pub fn failed<T>(what: &str, err: ApiError, namespace: &str, app: &str) -> Part<T> {
    let request_id = crate::error::RequestId::current().unwrap_or_default();
    tracing::warn!(%request_id, %namespace, %app, error = %err, "reading {what} failed");
    if matches!(err, ApiError::NotFound) {
        return Part::NotServed(format!(
            "The platform does not serve {what} for this app (404), so it is not shown."
        ));
    }
    let err = ConsoleError::from_api(err, namespace, app);
    Part::Failed(format!("{} could not be read: {err}", capitalised(what)))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The app's state, its autoscaler and what follows from them.
#[derive(Debug, Clone, PartialEq)]
pub struct StateView {
    pub status: String,
    /// The platform's value, e.g. `STATUS_PAUSED`.
    pub status_raw: String,
    pub paused: bool,
    pub ready: u64,
    pub desired: u64,
    /// One line: which autoscaler.
    pub scaler: String,
    /// The autoscaler's arguments (name, value, meaning).
    pub arguments: Vec<(String, String, &'static str)>,
    /// Each time-based override in words.
    pub overrides: Vec<String>,
}

/// Facts from the worker list's reply (always there when the page is).
#[derive(Debug, Clone, PartialEq)]
pub struct ListFacts {
    /// `maxWorkers`, when the platform said.
    pub max_workers: Option<u64>,
    pub queue_size: Option<u64>,
    pub last_scale_up: Option<Timestamp>,
    pub last_scale_down: Option<Timestamp>,
    /// Workers running or starting, not being removed.
    pub active: u64,
}

impl ListFacts {
    pub fn of(list: &WorkerList) -> Self {
        ListFacts {
            max_workers: list.max_workers.value().filter(|&m| m > 0),
            queue_size: list.queue_size.value(),
            last_scale_up: list.last_scale_up_time,
            last_scale_down: list.last_scale_down_delete_time,
            active: list
                .workers
                .iter()
                .filter(|w| running_or_starting(w))
                .count() as u64,
        }
    }
}

/// The queue at the time it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    pub waiting: usize,
    /// How long the oldest request has waited, when its arrival is known.
    pub oldest: Option<String>,
    /// Reason label, raw value, count and what to do, most common first.
    pub reasons: Vec<ReasonCount>,
    /// Those waiting because every worker is busy: what `simple` compares
    /// with `max_queue_size`.
    pub worker_busy: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReasonCount {
    pub label: String,
    pub raw: String,
    pub count: usize,
    pub advice: &'static str,
}

/// The latest events, newest first, filtered by type if the address asks.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsView {
    pub rows: Vec<AppEvent>,
    /// Events of the type asked for (or all), of which `rows` are the newest.
    pub matching: usize,
    /// Types in the feed with their counts, in order of first appearance.
    pub kinds: Vec<(String, usize)>,
    /// The type the address asks for, if it is a well-formed one.
    pub filter: Option<String>,
    /// The address asked for a type that is not well formed: it was ignored.
    pub bad_filter: Option<String>,
    /// The feed was cut at this many events (the platform returns one page).
    pub cut_at: Option<u32>,
}

/// Everything the page says about the app besides its workers.
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    pub state: Part<StateView>,
    pub facts: ListFacts,
    pub queue: Part<QueueView>,
    pub events: Part<EventsView>,
    /// Plain sentences about what follows, for the person deciding what to
    /// do. Information, never a refusal.
    pub notes: Vec<String>,
}

impl Insight {
    pub fn paused(&self) -> bool {
        self.state.shown().is_some_and(|s| s.paused)
    }
}

/// What a builtin autoscaler's argument means.
fn meaning(name: &str) -> &'static str {
    match name {
        "min_workers" => "kept even when idle",
        "max_workers" => "the autoscaler adds no more",
        "max_queue_size" => "requests waiting for busy workers before it adds workers",
        "min_free_workers" => "free workers it keeps ready",
        "max_idle_time" => "seconds idle before a worker is removed",
        "scale_up_step" => "workers added at a time",
        _ => "",
    }
}

/// The names a builtin autoscaler reads; an override of another name
/// changes nothing.
const KNOWN_ARGUMENTS: [&str; 6] = [
    "min_workers",
    "max_workers",
    "max_queue_size",
    "min_free_workers",
    "max_idle_time",
    "scale_up_step",
];

fn arg_text(v: &ArgValue) -> String {
    match v {
        ArgValue::Text(t) => t.clone(),
        ArgValue::From(from) => format!("from {from}"),
    }
}

pub fn state_view(app: &AppDetail) -> StateView {
    let (scaler, arguments, overrides) = match &app.autoscaler {
        ScalerSpec::Manual { default_workers } => (
            format!(
                "Manual: workers change only when someone scales the app (default {default_workers} {}).",
                plural(*default_workers, "worker", "workers")
            ),
            Vec::new(),
            Vec::new(),
        ),
        ScalerSpec::Builtin {
            name,
            scheduler,
            arguments,
            overrides,
            other_decorators,
        } => {
            let mut line = format!("Builtin autoscaler “{name}”");
            if !scheduler.is_empty() {
                line.push_str(&format!(", scheduler “{scheduler}”"));
            }
            line.push('.');
            if !other_decorators.is_empty() {
                line.push_str(&format!(
                    " Also decorated by: {}.",
                    other_decorators.join(", ")
                ));
            }
            let args = arguments
                .iter()
                .map(|(k, v)| (k.clone(), arg_text(v), meaning(k)))
                .collect();
            let overrides = overrides
                .iter()
                .flat_map(|o| {
                    let zone = o.timezone.clone().unwrap_or_else(|| "UTC".into());
                    o.rules.iter().map(move |(cron, prefix)| {
                        let (mut known, unknown): (Vec<_>, Vec<_>) = o
                            .arguments_of(prefix)
                            .partition(|(name, _)| KNOWN_ARGUMENTS.contains(name));
                        // In the order the autoscaler lists its arguments.
                        known.sort_by_key(|(name, _)| {
                            KNOWN_ARGUMENTS.iter().position(|k| k == name)
                        });
                        let set = if known.is_empty() {
                            "nothing".to_string()
                        } else {
                            known
                                .iter()
                                .map(|(k, v)| format!("{k} {}", arg_text(v)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        let mut s = format!("While “{cron}” matches ({zone}): {set}.");
                        if !unknown.is_empty() {
                            let names: Vec<String> = unknown
                                .iter()
                                .map(|(k, _)| format!("{prefix}{k}"))
                                .collect();
                            s.push_str(&format!(
                                " {} not an argument of this autoscaler and changes nothing.",
                                names.join(", ") + if names.len() == 1 { " is" } else { " are" }
                            ));
                        }
                        s
                    })
                })
                .collect();
            (line, args, overrides)
        }
        ScalerSpec::ThirdParty { library, arguments } => (
            format!("Third-party autoscaler “{library}”."),
            arguments
                .iter()
                .map(|(k, v)| (k.clone(), arg_text(v), ""))
                .collect(),
            Vec::new(),
        ),
        ScalerSpec::Container { image } => (
            format!("An autoscaler of the app's own, in the container “{image}”."),
            Vec::new(),
            Vec::new(),
        ),
        ScalerSpec::Unknown => (
            "The platform did not say how this app scales.".to_string(),
            Vec::new(),
            Vec::new(),
        ),
    };
    StateView {
        status: app.status.label().to_string(),
        status_raw: app.status.wire().to_string(),
        paused: app.status == AppStatus::Paused,
        ready: app.ready_workers,
        desired: app.desired_workers,
        scaler,
        arguments,
        overrides,
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// What a person acts on, for each reason a request waits.
fn advice(reason: &QueueReason) -> &'static str {
    match reason {
        QueueReason::WorkerBusy => {
            "Every worker was busy. More workers (scale up) or quicker requests drain it."
        }
        QueueReason::NotDispatch => {
            "No worker could take it: none is running yet, or the app is paused. Check that workers are starting (failed launches?) or resume the app."
        }
        QueueReason::SessionWorkerBusy => {
            "It belongs to a session whose worker is busy. More workers do not help it; that worker finishing does."
        }
        QueueReason::Unspecified => "The platform gave no reason.",
        QueueReason::Unknown(_) => {
            "A reason this console does not know, shown as the platform sent it."
        }
    }
}

pub fn queue_view(queue: &[QueuedRequest], now_ms: i64) -> QueueView {
    let mut reasons: Vec<ReasonCount> = Vec::new();
    for q in queue {
        match reasons.iter_mut().find(|r| r.raw == q.reason.wire()) {
            Some(r) => r.count += 1,
            None => reasons.push(ReasonCount {
                label: q.reason.label().to_string(),
                raw: q.reason.wire().to_string(),
                count: 1,
                advice: advice(&q.reason),
            }),
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
    let oldest = queue
        .iter()
        .filter_map(|q| q.create_at)
        .min()
        .map(|t| format::duration(now_ms - t.unix_millis()));
    QueueView {
        waiting: queue.len(),
        oldest,
        reasons,
        worker_busy: queue
            .iter()
            .filter(|q| q.reason == QueueReason::WorkerBusy)
            .count(),
    }
}

/// Checks the address's event type: the platform's own form, letters,
/// digits and `_`, at most 64; `EVENT_TYPE_` may be left off.
pub fn parse_event_filter(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let ok = raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        let shown: String = raw.chars().take(40).collect();
        return Err(shown);
    }
    Ok(Some(
        raw.strip_prefix("EVENT_TYPE_").unwrap_or(raw).to_string(),
    ))
}

pub fn events_view(page: &EventPage, filter: Result<Option<String>, String>) -> EventsView {
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for e in &page.events {
        match kinds.iter_mut().find(|(k, _)| k == e.short_kind()) {
            Some((_, n)) => *n += 1,
            None => kinds.push((e.short_kind().to_string(), 1)),
        }
    }
    let (filter, bad_filter) = match filter {
        Ok(f) => (f, None),
        Err(bad) => (None, Some(bad)),
    };
    let matching: Vec<&AppEvent> = page
        .events
        .iter()
        .filter(|e| filter.as_deref().is_none_or(|f| e.short_kind() == f))
        .collect();
    EventsView {
        rows: matching
            .iter()
            .take(EVENTS_SHOWN)
            .map(|e| (*e).clone())
            .collect(),
        matching: matching.len(),
        kinds,
        filter,
        bad_filter,
        cut_at: page.cut.then_some(page.events.len() as u32),
    }
}

/// The events of a history window, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEvents {
    pub events: Vec<AppEvent>,
    /// The platform's one page was full and reaches back no further than
    /// the window's start: older events of the window may be missing.
    pub cut_at: Option<u32>,
}

/// The events of the read that fall in the window since `since_ms`.
pub fn window_events(
    read: Result<std::sync::Arc<EventPage>, ApiError>,
    since_ms: i64,
    namespace: &str,
    app: &str,
) -> Part<WindowEvents> {
    match read {
        Ok(page) => {
            let events: Vec<AppEvent> = page
                .events
                .iter()
                .filter(|e| e.created_at.is_none_or(|t| t.unix_millis() >= since_ms))
                .cloned()
                .collect();
            // Cut within the window: the page's oldest is still inside it.
            let cut = page.cut && events.len() == page.events.len();
            Part::Shown(WindowEvents {
                events,
                cut_at: cut.then_some(page.events.len() as u32),
            })
        }
        Err(e) => failed("the events", e, namespace, app),
    }
}

/// One event in one line: type, source and message (for a mark's title).
pub fn event_line(e: &AppEvent) -> String {
    let at = e.created_at.map(format::exact).unwrap_or_default();
    let from = if e.from.is_empty() {
        String::new()
    } else {
        format!(" from {}", e.from)
    };
    format!("{at} {}{from}: {}", e.short_kind(), e.message)
}

/// Plain sentences about what follows from the app's state, limits and
/// queue.
pub fn notes(
    state: Option<&StateView>,
    app: Option<&AppDetail>,
    facts: &ListFacts,
    queue: Option<&QueueView>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if state.is_some_and(|s| s.paused) {
        notes.push("Paused: no workers will start until the app is resumed.".to_string());
    }
    if let Some(max) = facts.max_workers
        && facts.active >= max
    {
        notes.push(format!(
            "At maxWorkers ({} of {max} running or starting): a scale-up may not add workers. The platform does not publish what it does past maxWorkers.",
            facts.active
        ));
    }
    let scaler = app.map(|a| &a.autoscaler);
    match scaler {
        Some(ScalerSpec::Manual { .. }) => notes.push(
            "Manual scaling: no autoscaler adds or removes workers; they change only when someone scales the app."
                .to_string(),
        ),
        Some(s @ ScalerSpec::Builtin { name, overrides, .. }) => {
            let min = s.argument("min_workers");
            if let Some(idle) = s.argument("max_idle_time") {
                let keep = min.map_or(String::new(), |m| format!(", keeping min_workers ({m})"));
                notes.push(format!(
                    "The autoscaler removes workers idle for {idle} s (max_idle_time){keep}."
                ));
            }
            if overrides.iter().any(|o| !o.rules.is_empty()) {
                notes.push(
                    "Time-based overrides (below) replace these arguments while their schedule matches."
                        .to_string(),
                );
            }
            if let Some(min) = min
                && facts.active < min
                && !state.is_some_and(|s| s.paused)
            {
                notes.push(format!(
                    "Fewer workers than min_workers ({} of {min}): the autoscaler will start more.",
                    facts.active
                ));
            }
            if let Some(min) = min.filter(|&m| m > 0) {
                notes.push(format!(
                    "A scale-down below min_workers ({min}) is undone: the autoscaler starts workers again."
                ));
            }
            if name == "simple"
                && let (Some(size), Some(q)) = (s.argument("max_queue_size"), queue)
                && q.worker_busy as u64 > size
            {
                let step = s.argument("scale_up_step").unwrap_or(1);
                notes.push(format!(
                    "{} requests wait for busy workers, over max_queue_size ({size}): the autoscaler adds up to {step} (scale_up_step) once no worker is starting, up to max_workers.",
                    q.worker_busy
                ));
            }
        }
        _ => {}
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::TimeOverride;

    fn builtin() -> AppDetail {
        let text = |s: &str| ArgValue::Text(s.into());
        AppDetail {
            name: "api".into(),
            namespace: "staging".into(),
            status: AppStatus::Deployed,
            desired_workers: 2,
            ready_workers: 1,
            autoscaler: ScalerSpec::Builtin {
                name: "simple".into(),
                scheduler: "queue".into(),
                arguments: vec![
                    ("min_workers".into(), text("2")),
                    ("max_workers".into(), text("6")),
                    ("max_queue_size".into(), text("2")),
                    ("max_idle_time".into(), text("120")),
                    ("scale_up_step".into(), text("2")),
                ],
                overrides: vec![TimeOverride {
                    timezone: Some("Asia/Shanghai".into()),
                    rules: vec![("* 9-22 * * 1-5".into(), "day_".into())],
                    arguments: vec![
                        ("day_max_workers".into(), text("8")),
                        ("day_min_worker".into(), text("3")),
                        ("day_min_workers".into(), text("2")),
                    ],
                }],
                other_decorators: vec![],
            },
            ..Default::default()
        }
    }

    fn facts(active: u64, max: Option<u64>) -> ListFacts {
        ListFacts {
            max_workers: max,
            queue_size: None,
            last_scale_up: None,
            last_scale_down: None,
            active,
        }
    }

    #[test]
    fn a_builtin_autoscaler_is_said_with_its_arguments_and_overrides() {
        let v = state_view(&builtin());
        assert_eq!(v.scaler, "Builtin autoscaler “simple”, scheduler “queue”.");
        assert_eq!(
            v.arguments[3],
            (
                "max_idle_time".into(),
                "120".into(),
                "seconds idle before a worker is removed"
            )
        );
        assert_eq!(
            v.overrides,
            [
                "While “* 9-22 * * 1-5” matches (Asia/Shanghai): min_workers 2, max_workers 8. day_min_worker is not an argument of this autoscaler and changes nothing."
            ]
        );
    }

    #[test]
    fn what_follows_is_said_as_information() {
        let app = builtin();
        let state = state_view(&app);
        let busy = QueueView {
            waiting: 5,
            oldest: None,
            reasons: vec![],
            worker_busy: 5,
        };
        let said = notes(Some(&state), Some(&app), &facts(6, Some(6)), Some(&busy));
        let all = said.join("\n");
        assert!(
            all.contains(
                "At maxWorkers (6 of 6 running or starting): a scale-up may not add workers."
            ),
            "{all}"
        );
        assert!(all.contains("The autoscaler removes workers idle for 120 s (max_idle_time), keeping min_workers (2)."), "{all}");
        assert!(
            all.contains("5 requests wait for busy workers, over max_queue_size (2)"),
            "{all}"
        );
        assert!(!all.contains("Fewer workers"), "{all}");
        let few = notes_of(&app, &facts(1, Some(6)));
        assert!(
            few.iter()
                .any(|n| n.starts_with("Fewer workers than min_workers (1 of 2)")),
            "{few:?}"
        );
        // Paused: said first; no promise of more workers.
        let paused = AppDetail {
            status: AppStatus::Paused,
            ..builtin()
        };
        let state = state_view(&paused);
        let said = notes(Some(&state), Some(&paused), &facts(0, Some(6)), None);
        assert_eq!(
            said[0],
            "Paused: no workers will start until the app is resumed."
        );
        assert!(!said.iter().any(|n| n.starts_with("Fewer")));
    }

    fn notes_of(app: &AppDetail, f: &ListFacts) -> Vec<String> {
        notes(Some(&state_view(app)), Some(app), f, None)
    }

    #[test]
    fn a_manual_app_says_nothing_scales_it_but_people() {
        let app = AppDetail {
            autoscaler: ScalerSpec::Manual { default_workers: 1 },
            ..Default::default()
        };
        assert_eq!(
            state_view(&app).scaler,
            "Manual: workers change only when someone scales the app (default 1 worker)."
        );
        assert!(notes_of(&app, &facts(0, None))[0].starts_with("Manual scaling"));
    }

    #[test]
    fn the_queue_is_counted_by_reason_with_its_oldest_wait() {
        let t = |ms: i64| Timestamp::from_unix_nanos(ms as i128 * 1_000_000);
        let q = |reason, at: i64| QueuedRequest {
            index: 0,
            reason,
            create_at: t(at),
        };
        let queue = [
            q(QueueReason::WorkerBusy, 10_000),
            q(QueueReason::NotDispatch, 5_000),
            q(QueueReason::WorkerBusy, 20_000),
            q(QueueReason::Unknown("QueueReasonNew".into()), 30_000),
        ];
        let v = queue_view(&queue, 130_000);
        assert_eq!(v.waiting, 4);
        assert_eq!(v.worker_busy, 2);
        assert_eq!(v.oldest.as_deref(), Some("2 min 5 s"));
        assert_eq!(
            (v.reasons[0].label.as_str(), v.reasons[0].count),
            ("Worker busy", 2)
        );
        assert!(
            v.reasons
                .iter()
                .any(|r| r.raw == "QueueReasonNew" && r.label == "QueueReasonNew")
        );
        let empty = queue_view(&[], 0);
        assert_eq!((empty.waiting, empty.oldest), (0, None));
    }

    #[test]
    fn events_filter_by_a_checked_type_and_say_when_the_feed_was_cut() {
        let e = |kind: &str| AppEvent {
            kind: format!("EVENT_TYPE_{kind}"),
            ..Default::default()
        };
        let page = EventPage {
            events: (0..12)
                .map(|i| {
                    e(if i % 3 == 0 {
                        "SCALE_UP"
                    } else {
                        "WORKER_RUNNING"
                    })
                })
                .collect(),
            cut: true,
        };
        let all = events_view(&page, Ok(None));
        assert_eq!(
            (all.rows.len(), all.matching, all.cut_at),
            (EVENTS_SHOWN, 12, Some(12))
        );
        assert_eq!(
            all.kinds,
            [
                ("SCALE_UP".to_string(), 4),
                ("WORKER_RUNNING".to_string(), 8)
            ]
        );
        let ups = events_view(&page, parse_event_filter(Some("EVENT_TYPE_SCALE_UP")));
        assert_eq!((ups.rows.len(), ups.matching), (4, 4));
        assert_eq!(ups.filter.as_deref(), Some("SCALE_UP"));
        for bad in ["<script>", "a b", &"X".repeat(65)] {
            let v = events_view(&page, parse_event_filter(Some(bad)));
            assert!(v.bad_filter.is_some(), "{bad}");
            assert_eq!(v.matching, 12);
        }
        assert_eq!(parse_event_filter(Some("  ")), Ok(None));
    }

    #[test]
    fn a_history_window_keeps_its_events_and_says_when_the_page_stops_inside_it() {
        let at = |s: i64| AppEvent {
            kind: "EVENT_TYPE_X".into(),
            created_at: Timestamp::from_unix_nanos(i128::from(s) * 1_000_000_000),
            ..Default::default()
        };
        let page = |secs: &[i64], cut| {
            Ok(std::sync::Arc::new(EventPage {
                events: secs.iter().map(|&s| at(s)).collect(),
                cut,
            }))
        };
        // A full page that reaches back before the window: nothing missing.
        let Part::Shown(w) = window_events(page(&[300, 200, 100], true), 150_000, "ns", "a") else {
            panic!()
        };
        assert_eq!((w.events.len(), w.cut_at), (2, None));
        // A full page whose oldest is inside the window: older ones missing.
        let Part::Shown(w) = window_events(page(&[300, 200], true), 150_000, "ns", "a") else {
            panic!()
        };
        assert_eq!((w.events.len(), w.cut_at), (2, Some(2)));
        let Part::Shown(w) = window_events(page(&[300], false), 150_000, "ns", "a") else {
            panic!()
        };
        assert_eq!(w.cut_at, None);
        assert_eq!(event_line(&at(0)), "1970-01-01 00:00:00.000 UTC X: ");
    }

    #[test]
    fn a_404_on_an_endpoint_hides_its_panel_and_other_failures_name_it() {
        let p: Part<()> = failed("the request queue", ApiError::NotFound, "ns", "app");
        assert!(
            matches!(p, Part::NotServed(ref m) if m.contains("does not serve the request queue"))
        );
        let p: Part<()> = failed("the request queue", ApiError::Timeout, "ns", "app");
        let Part::Failed(m) = p else { panic!() };
        assert!(
            m.starts_with("The request queue could not be read: "),
            "{m}"
        );
    }
}
