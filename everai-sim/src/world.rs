//! The simulated platform: namespaces, apps and their workers, living over
//! time.
//!
//! A worker's status is a function of its plan and the time asked about,
//! so the world only has to be stepped forward for what really moves on its
//! own: requests arriving at running workers, and failed launches being
//! replaced.
//!
//! Lifecycle of a worker started by a scale-up:
//! `CREATED` → `INITIALIZED` → `PENDING` (detail `IN_FLIGHT`, or `ROLLIN`
//! when it replaces a failed worker) → `RUNNING` (`FREE`, `BUSY` while
//! serving). Some launches fail to `ERROR` instead, and a replacement is
//! started. Removed workers go `TERMINATING` (`REMOVE`) → `TERMINATED`,
//! with `deletedAt`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use everai_api::{DetailStatus, WorkerStatus};

use crate::{
    clock::{DAY, HOUR, MINUTE, Nanos, SECOND},
    rng::Rng,
    scaler::{self, Autoscaler, Decision, Seen},
    stats::{Bucket, Interval, Tally, UserRequests, share_out},
};

/// How long a request waits in the queue before it gives up (and counts as
/// failed). The platform does not publish its own; this bounds the queue.
pub const QUEUE_TIMEOUT: Nanos = 60 * SECOND;
/// The most requests waiting for one worker; more fail at once.
const MAX_WAITING: usize = 200;
/// How often the builtin autoscaler decides.
pub const AUTOSCALE_EVERY: Nanos = 15 * SECOND;
/// How far back the autoscaler is replayed when the world is read after a
/// long pause: what it did before then would have settled long ago.
const AUTOSCALE_HORIZON: Nanos = HOUR;
/// The most events an app keeps of its own (scale actions, pause, resume);
/// the workers' own events are read from the workers.
const MAX_EVENTS: usize = 10_000;

/// Why a request waits, as the platform's `ListRequestQueuesResponseQueueReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueReason {
    /// No worker can take it: none running, or the app paused.
    NotDispatch,
    /// Every worker is busy.
    WorkerBusy,
    /// Its session's worker is busy.
    SessionWorkerBusy,
}

impl QueueReason {
    pub fn wire(self) -> &'static str {
        match self {
            QueueReason::NotDispatch => "QueueReasonNotDispatch",
            QueueReason::WorkerBusy => "QueueReasonWorkerBusy",
            QueueReason::SessionWorkerBusy => "QueueReasonSessionWorkerBusy",
        }
    }
}

/// One request waiting in an app's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub since: Nanos,
    pub reason: QueueReason,
}

/// What an event is about. The platform's models leave `type` a free
/// string, and its CLI strips an `EVENT_TYPE_` prefix; the names after it
/// are the simulator's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ScaleUp,
    ScaleDown,
    WorkerRunning,
    WorkerLaunchFailed,
    WorkerReplaced,
    WorkerTerminated,
    AppPaused,
    AppResumed,
}

impl EventKind {
    pub fn wire(self) -> &'static str {
        match self {
            EventKind::ScaleUp => "EVENT_TYPE_SCALE_UP",
            EventKind::ScaleDown => "EVENT_TYPE_SCALE_DOWN",
            EventKind::WorkerRunning => "EVENT_TYPE_WORKER_RUNNING",
            EventKind::WorkerLaunchFailed => "EVENT_TYPE_WORKER_LAUNCH_FAILED",
            EventKind::WorkerReplaced => "EVENT_TYPE_WORKER_REPLACED",
            EventKind::WorkerTerminated => "EVENT_TYPE_WORKER_TERMINATED",
            EventKind::AppPaused => "EVENT_TYPE_APP_PAUSED",
            EventKind::AppResumed => "EVENT_TYPE_APP_RESUMED",
        }
    }
}

/// One entry of an app's event feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub at: Nanos,
    pub kind: EventKind,
    /// Who acted: the user whose token asked, `autoscaler` or `scheduler`.
    pub from: String,
    pub message: String,
}

/// The app's lifecycle state, as `V1AppStatusV1Alpha1Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppState {
    #[default]
    Deployed,
    Paused,
}

/// How an app's workers behave.
#[derive(Debug, Clone)]
pub struct AppSpec {
    pub namespace: String,
    pub name: String,
    /// GPU model and count per worker; `None` for CPU-only apps.
    pub gpu: Option<(&'static str, u64)>,
    /// Whole CPUs: the platform's models have no fractional ones.
    pub cpus: u64,
    /// MiB.
    pub memory: u64,
    pub revision: String,
    pub max_workers: u64,
    /// Seconds from creation to running, drawn uniformly from this range.
    pub launch_secs: (f64, f64),
    /// Share of launches that fail.
    pub launch_failure: f64,
    /// Mean seconds between requests reaching one worker.
    pub request_every_secs: f64,
    /// Seconds one request keeps a worker busy, drawn uniformly.
    pub service_secs: (f64, f64),
    /// Share of requests that fail.
    pub request_failure: f64,
    /// Share of requests bound to a session: waiting, they wait for their
    /// session's worker.
    pub session_share: f64,
    pub autoscaler: Autoscaler,
}

/// Why a request to the simulated platform was refused (becomes a 4xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    NoSuchApp,
    NoSuchNamespace,
    BadRequest(String),
    /// The app is not in a state that allows it (gRPC `FAILED_PRECONDITION`).
    FailedPrecondition(String),
}

#[derive(Debug, Clone)]
enum Outcome {
    Runs { launch_at: Nanos },
    Fails { at: Nanos },
}

#[derive(Debug, Clone)]
struct Removal {
    requested_at: Nanos,
    deleted_at: Nanos,
}

/// One simulated worker.
#[derive(Debug, Clone)]
pub struct SimWorker {
    pub id: String,
    pub device_id: String,
    pub created_at: Nanos,
    initialized_at: Nanos,
    pending_at: Nanos,
    outcome: Outcome,
    removal: Option<Removal>,
    pub replace_worker_id: Option<String>,
    /// A failed worker's replacement has been started.
    replaced: bool,
    pub success_count: u64,
    pub failed_count: u64,
    pub last_serve_at: Option<Nanos>,
    busy_until: Nanos,
    next_request: Nanos,
    /// Requests that arrived while it was busy, oldest first.
    waiting: VecDeque<Queued>,
    rng: Rng,
    pub revision: String,
}

/// A worker as seen at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerView {
    pub id: String,
    pub device_id: String,
    pub status: WorkerStatus,
    pub detail_status: DetailStatus,
    pub created_at: Nanos,
    pub launch_at: Option<Nanos>,
    pub last_serve_at: Option<Nanos>,
    pub deleted_at: Option<Nanos>,
    pub success_count: u64,
    pub failed_count: u64,
    pub cpus: u64,
    pub memory: u64,
    pub gpu_name: Option<&'static str>,
    pub gpus: u64,
    pub app_id: String,
    pub revision: String,
    pub replace_worker_id: Option<String>,
}

impl SimWorker {
    fn launch_at(&self) -> Option<Nanos> {
        match self.outcome {
            Outcome::Runs { launch_at } => Some(launch_at),
            Outcome::Fails { .. } => None,
        }
    }

    /// Status and detail status at `t`.
    pub fn status_at(&self, t: Nanos) -> (WorkerStatus, DetailStatus) {
        if let Some(r) = &self.removal {
            if t >= r.deleted_at {
                return (WorkerStatus::Terminated, DetailStatus::Unspecified);
            }
            if t >= r.requested_at {
                return (WorkerStatus::Terminating, DetailStatus::Remove);
            }
        }
        let starting = if self.replace_worker_id.is_some() {
            DetailStatus::Rollin
        } else {
            DetailStatus::InFlight
        };
        match self.outcome {
            Outcome::Fails { at } if t >= at => (WorkerStatus::Error, DetailStatus::Unspecified),
            Outcome::Runs { launch_at } if t >= launch_at => {
                if t < self.busy_until {
                    (WorkerStatus::Running, DetailStatus::Busy)
                } else {
                    (WorkerStatus::Running, DetailStatus::Free)
                }
            }
            _ if t < self.initialized_at => (WorkerStatus::Created, starting),
            _ if t < self.pending_at => (WorkerStatus::Initialized, starting),
            _ => (WorkerStatus::Pending, starting),
        }
    }

    /// When the worker ended (deleted, or its launch failed), if it had by `t`.
    fn ended_at(&self, t: Nanos) -> Option<Nanos> {
        let deleted = self.removal.as_ref().map(|r| r.deleted_at);
        let failed = match self.outcome {
            Outcome::Fails { at } => Some(at),
            Outcome::Runs { .. } => None,
        };
        [deleted, failed]
            .into_iter()
            .flatten()
            .min()
            .filter(|&e| e <= t)
    }

    /// Neither terminated nor failed at `t`: listed without `showAll`.
    pub fn is_live_at(&self, t: Nanos) -> bool {
        self.status_at(t).0.is_live()
    }

    /// Live and not yet asked to go: counts against `maxWorkers`.
    fn is_active_at(&self, t: Nanos) -> bool {
        self.removal.is_none() && self.is_live_at(t)
    }

    /// Moves request handling forward to `t`.
    fn serve_until(&mut self, spec: &AppSpec, t: Nanos, tally: &mut Tally) {
        let Outcome::Runs { launch_at } = self.outcome else {
            return;
        };
        let end = self.removal.as_ref().map_or(t, |r| r.requested_at.min(t));
        if end < launch_at {
            return;
        }
        let mean = spec.request_every_secs.max(0.001);
        if self.next_request < launch_at {
            self.next_request = launch_at + secs(self.rng.exp(mean));
        }
        // After a long quiet stretch, account for the bulk of it at once so
        // that a jump of days costs no more than a jump of minutes.
        let horizon = 2 * HOUR;
        if end - self.next_request > horizon {
            let skipped = (end - horizon - self.next_request) as f64 / SECOND as f64;
            let service = (spec.service_secs.0 + spec.service_secs.1) / 2.0;
            let served = (skipped / (mean + service)).max(0.0) as u64;
            let failed = (served as f64 * spec.request_failure).round() as u64;
            self.count_spread(
                tally,
                self.next_request,
                end - horizon,
                served - failed,
                failed,
            );
            self.next_request = end - horizon;
            // Whatever waited then was served or gave up long ago.
            self.waiting.clear();
            if served > 0 {
                self.last_serve_at = Some(self.next_request);
            }
        }
        loop {
            // The worker frees up before the next arrival: it takes the
            // oldest waiting request, unless that one has given up.
            if let Some(head) = self.waiting.front().copied()
                && self.busy_until <= self.next_request
                && self.busy_until <= end
            {
                self.waiting.pop_front();
                let start = self.busy_until.max(head.since);
                if start - head.since > QUEUE_TIMEOUT {
                    self.count(tally, head.since + QUEUE_TIMEOUT, false);
                } else {
                    self.serve(spec, start, tally);
                }
                continue;
            }
            if self.next_request > end {
                break;
            }
            let arrival = self.next_request;
            if arrival >= self.busy_until && self.waiting.is_empty() {
                self.serve(spec, arrival, tally);
            } else if self.waiting.len() < MAX_WAITING {
                let reason = if self.rng.chance(spec.session_share) {
                    QueueReason::SessionWorkerBusy
                } else {
                    QueueReason::WorkerBusy
                };
                self.waiting.push_back(Queued {
                    since: arrival,
                    reason,
                });
            } else {
                self.count(tally, arrival, false);
            }
            self.next_request = arrival + secs(self.rng.exp(mean)).max(1);
        }
        // A worker asked to go takes nothing more: what waited for it fails.
        if let Some(at) = self.removal.as_ref().map(|r| r.requested_at)
            && at <= t
        {
            for _ in 0..self.waiting.len() {
                self.count(tally, at, false);
            }
            self.waiting.clear();
        }
    }

    /// Serves one request starting at `start`.
    fn serve(&mut self, spec: &AppSpec, start: Nanos, tally: &mut Tally) {
        let service = self.rng.range(spec.service_secs.0, spec.service_secs.1);
        self.busy_until = start + secs(service);
        self.last_serve_at = Some(start);
        let ok = !self.rng.chance(spec.request_failure);
        self.count(tally, start, ok);
    }

    /// One request that ended at `at`, served or failed.
    fn count(&mut self, tally: &mut Tally, at: Nanos, ok: bool) {
        if ok {
            self.success_count += 1;
        } else {
            self.failed_count += 1;
        }
        tally.add(at, u64::from(ok), u64::from(!ok));
    }

    /// `ok` and `failed` requests spread evenly over the hours from `from`
    /// to `to` (a quiet stretch accounted for at once).
    fn count_spread(&mut self, tally: &mut Tally, from: Nanos, to: Nanos, ok: u64, failed: u64) {
        self.success_count += ok;
        self.failed_count += failed;
        tally.spread(from, to, ok, failed);
    }

    /// The requests waiting for it at `t` (to which it has been moved
    /// forward) that have not given up.
    fn waiting_at(&self, t: Nanos) -> impl Iterator<Item = Queued> + '_ {
        self.waiting
            .iter()
            .copied()
            .filter(move |q| t - q.since <= QUEUE_TIMEOUT)
    }

    /// When the worker last did anything: for choosing the longest idle.
    fn idle_since(&self) -> Nanos {
        if self.busy_until > 0 {
            self.busy_until
        } else {
            self.launch_at().unwrap_or(self.created_at)
        }
    }
}

fn secs(s: f64) -> Nanos {
    (s * SECOND as f64) as Nanos
}

/// What a scale-up past the app's `maxWorkers` does. The platform does not
/// say (nor whether it counts TERMINATING or ERROR workers), so the
/// simulator can play each answer and the console must be right under all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PastMax {
    /// `400`, nothing started (the default).
    #[default]
    Refuse,
    /// `200` with only as many new ids as there was room for (maybe none).
    Cap,
    /// `200`, all started: `maxWorkers` is not enforced here.
    Accept,
}

/// One simulated app.
#[derive(Debug, Clone)]
pub struct SimApp {
    pub spec: AppSpec,
    /// What a scale-up past `maxWorkers` does.
    pub past_max: PastMax,
    pub app_id: String,
    pub created_at: Nanos,
    pub state: AppState,
    workers: Vec<SimWorker>,
    by_id: HashMap<String, usize>,
    rng: Rng,
    serial: u64,
    /// Scale actions, pause and resume, oldest first.
    events: VecDeque<SimEvent>,
    pub last_scale_up: Option<Nanos>,
    pub last_scale_down: Option<Nanos>,
    /// The time of the builtin autoscaler's last decision.
    autoscaled_to: Nanos,
    /// Seeds the requests that arrive while no worker can take them.
    arrivals_seed: u64,
    /// Every request its workers ended, by hour: what `request_statistic`
    /// reports. Its sums are the workers' success and failure counts.
    requests: Tally,
    /// Who sends its requests, with their shares (the platform reports
    /// requests by user); none means its namespace's own user alone.
    pub callers: Vec<(String, u64)>,
}

impl SimApp {
    fn new(spec: AppSpec, created_at: Nanos, rng: Rng) -> Self {
        let mut rng = rng;
        SimApp {
            app_id: rng.id(),
            // A fork, so the app's own draws stay as they were.
            arrivals_seed: rng.fork(u64::MAX).next_u64(),
            spec,
            past_max: PastMax::default(),
            created_at,
            state: AppState::Deployed,
            workers: Vec::new(),
            by_id: HashMap::new(),
            rng,
            serial: 0,
            events: VecDeque::new(),
            last_scale_up: None,
            last_scale_down: None,
            autoscaled_to: created_at,
            requests: Tally::default(),
            callers: Vec::new(),
        }
    }

    fn new_worker(&mut self, created_at: Nanos, replaces: Option<String>) -> SimWorker {
        self.serial += 1;
        let mut rng = self.rng.fork(self.serial);
        let (lo, hi) = self.spec.launch_secs;
        let launch = rng.range(lo, hi);
        let initialized_at = created_at + secs(launch * 0.1);
        let pending_at = created_at + secs(launch * 0.3);
        let outcome = if rng.chance(self.spec.launch_failure) {
            Outcome::Fails {
                at: created_at + secs(launch * rng.range(0.4, 1.2)),
            }
        } else {
            Outcome::Runs {
                launch_at: created_at + secs(launch),
            }
        };
        SimWorker {
            id: rng.id(),
            device_id: rng.uuid(),
            // The platform keeps creation times to the millisecond.
            created_at: created_at / 1_000_000 * 1_000_000,
            initialized_at,
            pending_at,
            outcome,
            removal: None,
            replace_worker_id: replaces,
            replaced: false,
            success_count: 0,
            failed_count: 0,
            last_serve_at: None,
            busy_until: 0,
            next_request: 0,
            waiting: VecDeque::new(),
            rng,
            revision: self.spec.revision.clone(),
        }
    }

    fn push(&mut self, worker: SimWorker) -> String {
        let id = worker.id.clone();
        self.by_id.insert(id.clone(), self.workers.len());
        self.workers.push(worker);
        id
    }

    /// Steps the app forward to `t`: the builtin autoscaler's decisions,
    /// requests served, failed launches replaced (a replacement may fail in
    /// turn).
    fn advance(&mut self, t: Nanos) {
        if matches!(self.spec.autoscaler, Autoscaler::Builtin { .. })
            && self.state == AppState::Deployed
        {
            let from = self.autoscaled_to.max(t - AUTOSCALE_HORIZON);
            let mut tick = (from / AUTOSCALE_EVERY + 1) * AUTOSCALE_EVERY;
            while tick <= t {
                self.step_workers(tick);
                self.autoscale(tick);
                self.autoscaled_to = tick;
                tick += AUTOSCALE_EVERY;
            }
        }
        self.step_workers(t);
    }

    fn step_workers(&mut self, t: Nanos) {
        let spec = self.spec.clone();
        let mut i = 0;
        while i < self.workers.len() {
            let w = &mut self.workers[i];
            w.serve_until(&spec, t, &mut self.requests);
            if let Outcome::Fails { at } = w.outcome {
                let replace_at = at + 2 * SECOND;
                if !w.replaced && w.removal.is_none() && replace_at <= t {
                    w.replaced = true;
                    let failed_id = w.id.clone();
                    let replacement = self.new_worker(replace_at, Some(failed_id));
                    self.push(replacement);
                }
            }
            i += 1;
        }
    }

    /// One decision of the builtin autoscaler at `t`, acted on.
    fn autoscale(&mut self, t: Nanos) {
        let Autoscaler::Builtin { kind, .. } = self.spec.autoscaler else {
            return;
        };
        let Some(args) = self.spec.autoscaler.arguments_at(t) else {
            return;
        };
        let mut seen = Vec::new();
        let mut busy_queue = 0;
        for (index, w) in self.workers.iter().enumerate() {
            if !w.is_active_at(t) {
                continue;
            }
            let (status, detail) = w.status_at(t);
            busy_queue += w
                .waiting_at(t)
                .filter(|q| q.reason == QueueReason::WorkerBusy)
                .count() as u64;
            seen.push(Seen {
                index,
                starting: status != WorkerStatus::Running,
                free: status == WorkerStatus::Running && detail == DetailStatus::Free,
                busy: status == WorkerStatus::Running && detail == DetailStatus::Busy,
                last_service: w.idle_since(),
                created_at: w.created_at,
            });
        }
        match scaler::decide(kind, args, &seen, busy_queue, t) {
            Decision::Nothing => {}
            Decision::Up(count) => {
                let why = if (seen.len() as u64) < args.min_workers {
                    format!(
                        "{} workers, below min_workers {}",
                        seen.len(),
                        args.min_workers
                    )
                } else if kind == scaler::Builtin::Simple {
                    format!(
                        "{busy_queue} requests waiting for busy workers, over max_queue_size {}",
                        args.key
                    )
                } else {
                    format!("fewer free workers than min_free_workers {}", args.key)
                };
                let ids = self.start_workers(count, t);
                self.record(
                    t,
                    EventKind::ScaleUp,
                    "autoscaler",
                    format!("started {} (+{count}): {why}", ids.join(", ")),
                );
            }
            Decision::Down(indices) => {
                let ids: Vec<String> = indices
                    .iter()
                    .map(|&i| self.workers[i].id.clone())
                    .collect();
                for &i in &indices {
                    self.remove(i, t);
                }
                self.last_scale_down = Some(t);
                self.record(
                    t,
                    EventKind::ScaleDown,
                    "autoscaler",
                    format!(
                        "removed {} (-{}): idle for max_idle_time {} s",
                        ids.join(", "),
                        ids.len(),
                        args.max_idle_time
                    ),
                );
            }
        }
    }

    /// Starts `count` new workers at `t`; returns their ids.
    fn start_workers(&mut self, count: u64, t: Nanos) -> Vec<String> {
        if count > 0 {
            self.last_scale_up = Some(t);
        }
        (0..count)
            .map(|_| {
                let w = self.new_worker(t, None);
                self.push(w)
            })
            .collect()
    }

    fn record(&mut self, at: Nanos, kind: EventKind, from: &str, message: String) {
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(SimEvent {
            at,
            kind,
            from: from.to_string(),
            message,
        });
    }

    /// The `maxWorkers` in force at `t`: the builtin autoscaler's (after
    /// any time-match override), or the app's own.
    pub fn max_workers_at(&self, t: Nanos) -> u64 {
        self.spec
            .autoscaler
            .arguments_at(t)
            .map_or(self.spec.max_workers, |a| a.max_workers)
    }

    /// Its requests that ended in `[from, to)` (it has been moved forward
    /// past them), by `interval`, each bucket shared among its callers
    /// (users with none left out).
    pub fn request_statistic(
        &self,
        from: Nanos,
        to: Nanos,
        interval: Interval,
    ) -> Vec<(Bucket, Vec<UserRequests>)> {
        let own = [(self.spec.namespace.clone(), 1)];
        let callers: &[(String, u64)] = if self.callers.is_empty() {
            &own
        } else {
            &self.callers
        };
        let weights: Vec<u64> = callers.iter().map(|(_, w)| *w).collect();
        self.requests
            .buckets(from, to, interval)
            .into_iter()
            .map(|b| {
                let ok = share_out(b.succeeded, &weights);
                let failed = share_out(b.failed, &weights);
                let users = callers
                    .iter()
                    .zip(ok.into_iter().zip(failed))
                    .filter(|(_, (ok, failed))| ok + failed > 0)
                    .map(|((user, _), (succeeded, failed))| UserRequests {
                        user: user.clone(),
                        succeeded,
                        failed,
                    })
                    .collect();
                (b, users)
            })
            .collect()
    }

    /// Every request its workers ended: `[succeeded, failed]`.
    pub fn requests_counted(&self) -> [u64; 2] {
        self.requests.totals()
    }

    /// The requests waiting at `t` (to which the app has been moved
    /// forward), oldest first.
    pub fn queue_at(&self, t: Nanos) -> Vec<Queued> {
        let mut queue: Vec<Queued> = self
            .workers
            .iter()
            .filter(|w| w.is_active_at(t))
            .flat_map(|w| w.waiting_at(t))
            .collect();
        queue.extend(self.undispatched_at(t));
        queue.sort_by_key(|q| q.since);
        queue
    }

    /// Requests that reached the app while no worker was running (none
    /// started yet, all gone, or the app paused): they wait, undispatched,
    /// until a worker runs or they give up. They arrive at the app's
    /// request rate, at times drawn from the app's seed, so a read at any
    /// moment sees the same ones.
    fn undispatched_at(&self, t: Nanos) -> Vec<Queued> {
        // An app that never had a worker has had no traffic either.
        if self.workers.is_empty() {
            return Vec::new();
        }
        let mut last_running = self.created_at;
        for w in &self.workers {
            let Some(launch) = w.launch_at().filter(|&l| l <= t) else {
                continue;
            };
            match &w.removal {
                Some(r) if r.requested_at <= t => {
                    if r.requested_at > launch {
                        last_running = last_running.max(r.requested_at);
                    }
                }
                _ => return Vec::new(),
            }
        }
        let since = last_running.max(t - QUEUE_TIMEOUT);
        let every = secs(self.spec.request_every_secs.max(0.5));
        let mut queue = Vec::new();
        let mut slot = since / every;
        while slot * every <= t {
            let mut rng = Rng::new(self.arrivals_seed ^ slot as u64);
            let at = slot * every + (rng.unit() * every as f64) as Nanos;
            if at > since && at <= t {
                queue.push(Queued {
                    since: at,
                    reason: QueueReason::NotDispatch,
                });
            }
            slot += 1;
        }
        queue
    }

    /// The app's events up to `t`: its own (scale actions, pause, resume)
    /// and its workers' (running, failed launches, replacements,
    /// terminations), oldest first.
    pub fn events_at(&self, t: Nanos) -> Vec<SimEvent> {
        let mut all: Vec<SimEvent> = self.events.iter().filter(|e| e.at <= t).cloned().collect();
        let scheduler = |at, kind, message: String| SimEvent {
            at,
            kind,
            from: "scheduler".into(),
            message,
        };
        for w in &self.workers {
            match w.outcome {
                Outcome::Runs { launch_at } if launch_at <= t => all.push(scheduler(
                    launch_at,
                    EventKind::WorkerRunning,
                    format!("worker {} is running", w.id),
                )),
                Outcome::Fails { at } if at <= t => all.push(scheduler(
                    at,
                    EventKind::WorkerLaunchFailed,
                    format!("worker {} failed to launch", w.id),
                )),
                _ => {}
            }
            if let Some(old) = &w.replace_worker_id
                && w.created_at <= t
            {
                all.push(scheduler(
                    w.created_at,
                    EventKind::WorkerReplaced,
                    format!("worker {} replaces failed worker {old}", w.id),
                ));
            }
            if let Some(r) = &w.removal
                && r.deleted_at <= t
            {
                all.push(scheduler(
                    r.deleted_at,
                    EventKind::WorkerTerminated,
                    format!("worker {} was terminated", w.id),
                ));
            }
        }
        all.sort_by_key(|e| e.at);
        all
    }

    fn view(&self, w: &SimWorker, t: Nanos) -> WorkerView {
        let (status, detail_status) = w.status_at(t);
        WorkerView {
            id: w.id.clone(),
            device_id: w.device_id.clone(),
            status,
            detail_status,
            created_at: w.created_at,
            launch_at: w.launch_at().filter(|&l| l <= t),
            last_serve_at: w.last_serve_at.filter(|&l| l <= t),
            deleted_at: w.removal.as_ref().map(|r| r.deleted_at).filter(|&d| d <= t),
            success_count: w.success_count,
            failed_count: w.failed_count,
            cpus: self.spec.cpus,
            memory: self.spec.memory,
            gpu_name: self.spec.gpu.map(|g| g.0),
            gpus: self.spec.gpu.map_or(0, |g| g.1),
            app_id: self.app_id.clone(),
            revision: w.revision.clone(),
            replace_worker_id: w.replace_worker_id.clone(),
        }
    }

    /// Workers running or on their way, and not asked to go.
    pub fn active_count(&self, t: Nanos) -> u64 {
        self.workers.iter().filter(|w| w.is_active_at(t)).count() as u64
    }

    /// Workers running and not asked to go.
    pub fn ready_count(&self, t: Nanos) -> u64 {
        self.workers
            .iter()
            .filter(|w| w.removal.is_none() && w.status_at(t).0 == WorkerStatus::Running)
            .count() as u64
    }

    fn remove(&mut self, index: usize, t: Nanos) {
        let w = &mut self.workers[index];
        let grace = 2.0 + 4.0 * w.rng.unit();
        w.removal = Some(Removal {
            requested_at: t,
            deleted_at: t + secs(grace),
        });
    }
}

/// Every namespace and app of the simulated platform.
#[derive(Debug, Clone)]
pub struct World {
    apps: BTreeMap<(String, String), SimApp>,
}

impl World {
    /// An empty platform.
    pub fn empty() -> Self {
        World {
            apps: BTreeMap::new(),
        }
    }

    /// Adds an app created at `created_at`, its randomness drawn from `seed`.
    pub fn add_app(&mut self, spec: AppSpec, created_at: Nanos, seed: u64) -> &mut SimApp {
        let key = (spec.namespace.clone(), spec.name.clone());
        let app = SimApp::new(spec, created_at, Rng::new(seed));
        self.apps.entry(key).or_insert(app)
    }

    pub fn app_mut(&mut self, namespace: &str, name: &str) -> Result<&mut SimApp, SimError> {
        self.apps
            .get_mut(&(namespace.to_string(), name.to_string()))
            .ok_or(SimError::NoSuchApp)
    }

    /// One app, moved forward to `t`.
    pub fn app_at(&mut self, namespace: &str, name: &str, t: Nanos) -> Result<&SimApp, SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        Ok(app)
    }

    pub fn has_namespace(&self, namespace: &str) -> bool {
        self.apps.keys().any(|(ns, _)| ns == namespace)
    }

    /// The apps of `namespace` (all namespaces when `None`), at `t`.
    pub fn apps(&mut self, namespace: Option<&str>, t: Nanos) -> Result<Vec<&SimApp>, SimError> {
        if let Some(ns) = namespace
            && !self.has_namespace(ns)
        {
            return Err(SimError::NoSuchNamespace);
        }
        for ((ns, _), app) in self.apps.iter_mut() {
            if namespace.is_none_or(|want| want == ns) {
                app.advance(t);
            }
        }
        Ok(self
            .apps
            .iter()
            .filter(|((ns, _), _)| namespace.is_none_or(|want| want == ns))
            .map(|(_, app)| app)
            .collect())
    }

    /// The platform's list semantics: live workers; with `show_all`, also
    /// the terminated and failed ones that existed within `recent_days` of
    /// `t` (the API reference's words; the CLI's help says "created" within
    /// them, which would leave out a worker created before the window that
    /// ended inside it: the console reads either correctly).
    pub fn list(
        &mut self,
        namespace: &str,
        name: &str,
        show_all: bool,
        recent_days: u32,
        t: Nanos,
    ) -> Result<(Vec<WorkerView>, &SimApp), SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        let since = t - recent_days as Nanos * DAY;
        let views = app
            .workers
            .iter()
            .filter(|w| w.is_live_at(t) || (show_all && w.ended_at(t).is_none_or(|e| e >= since)))
            .map(|w| app.view(w, t))
            .collect();
        Ok((views, app))
    }

    /// Changes how the app's launches after `t` go (duration range in
    /// seconds, share that fail); returns the settings now in force.
    pub fn tune_launch(
        &mut self,
        namespace: &str,
        name: &str,
        secs: Option<(f64, f64)>,
        failure: Option<f64>,
        t: Nanos,
    ) -> Result<((f64, f64), f64), SimError> {
        let app = self.app_mut(namespace, name)?;
        // What happened before `t` happened under the old settings.
        app.advance(t);
        if let Some(secs) = secs {
            app.spec.launch_secs = secs;
        }
        if let Some(failure) = failure {
            app.spec.launch_failure = failure;
        }
        Ok((app.spec.launch_secs, app.spec.launch_failure))
    }

    /// Starts `count` workers; past the app's `maxWorkers` (counting the
    /// workers running or on their way and not asked to go), does what its
    /// [`PastMax`] says.
    pub fn scale_up(
        &mut self,
        namespace: &str,
        name: &str,
        count: u64,
        by: &str,
        t: Nanos,
    ) -> Result<Vec<String>, SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        if count == 0 {
            return Err(SimError::BadRequest(
                "scaleUpWorkersNum must be at least 1".into(),
            ));
        }
        if app.state == AppState::Paused {
            return Err(SimError::FailedPrecondition(
                "the app is paused: resume it before scaling up".into(),
            ));
        }
        let active = app.active_count(t);
        let max = app.max_workers_at(t);
        let room = max.saturating_sub(active);
        let count = match app.past_max {
            PastMax::Refuse if count > room => {
                return Err(SimError::BadRequest(format!(
                    "scaleUpWorkersNum {count} exceeds the app's capacity: {active} of maxWorkers {max} in use, room for {room}"
                )));
            }
            PastMax::Cap => count.min(room),
            _ => count,
        };
        let ids = app.start_workers(count, t);
        if !ids.is_empty() {
            app.record(
                t,
                EventKind::ScaleUp,
                by,
                format!("started {} (+{count})", ids.join(", ")),
            );
        }
        Ok(ids)
    }

    /// Pauses the app: every worker is asked to go, and none starts until
    /// it is resumed.
    pub fn pause(
        &mut self,
        namespace: &str,
        name: &str,
        by: &str,
        t: Nanos,
    ) -> Result<u64, SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        if app.state == AppState::Paused {
            return Err(SimError::FailedPrecondition(
                "the app is already paused".into(),
            ));
        }
        let going: Vec<usize> = (0..app.workers.len())
            .filter(|&i| app.workers[i].is_active_at(t))
            .collect();
        for &i in &going {
            app.remove(i, t);
        }
        if !going.is_empty() {
            app.last_scale_down = Some(t);
        }
        app.state = AppState::Paused;
        app.record(
            t,
            EventKind::AppPaused,
            by,
            format!("app paused: {} workers stopping", going.len()),
        );
        Ok(going.len() as u64)
    }

    /// Resumes a paused app: its autoscaler's `min_workers` (or a manual
    /// app's default worker count) start again.
    pub fn resume(
        &mut self,
        namespace: &str,
        name: &str,
        by: &str,
        t: Nanos,
    ) -> Result<u64, SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        if app.state != AppState::Paused {
            return Err(SimError::FailedPrecondition("the app is not paused".into()));
        }
        app.state = AppState::Deployed;
        app.autoscaled_to = t;
        let count = match &app.spec.autoscaler {
            Autoscaler::Manual { default_workers } => *default_workers,
            Autoscaler::Builtin { .. } => app
                .spec
                .autoscaler
                .arguments_at(t)
                .map_or(0, |a| a.min_workers),
        };
        let ids = app.start_workers(count, t);
        app.record(
            t,
            EventKind::AppResumed,
            by,
            format!("app resumed: {} workers starting", ids.len()),
        );
        Ok(count)
    }

    /// Removes the workers named in `ids`, then more chosen by the platform
    /// until `count` are going (when `count` is larger): free workers first,
    /// longest idle first; then starting ones, newest first; busy ones last.
    /// Returns the ids removed.
    pub fn scale_down(
        &mut self,
        namespace: &str,
        name: &str,
        count: Option<u64>,
        ids: &[String],
        by: &str,
        t: Nanos,
    ) -> Result<Vec<String>, SimError> {
        let app = self.app_mut(namespace, name)?;
        app.advance(t);
        if count.is_none() && ids.is_empty() {
            return Err(SimError::BadRequest(
                "give scaleDownWorkersNum, workerIds, or both".into(),
            ));
        }
        if count == Some(0) {
            return Err(SimError::BadRequest(
                "scaleDownWorkersNum must be at least 1".into(),
            ));
        }
        let mut chosen: Vec<usize> = Vec::new();
        let mut unknown: Vec<&str> = Vec::new();
        for id in ids {
            match app.by_id.get(id) {
                Some(&i) if app.workers[i].is_active_at(t) => {
                    if !chosen.contains(&i) {
                        chosen.push(i);
                    }
                }
                _ => unknown.push(id),
            }
        }
        if !unknown.is_empty() {
            return Err(SimError::BadRequest(format!(
                "unknown or already removed worker ids: {}",
                unknown.join(", ")
            )));
        }
        let want = count.unwrap_or(0).max(chosen.len() as u64);
        let mut rest: Vec<usize> = (0..app.workers.len())
            .filter(|i| !chosen.contains(i) && app.workers[*i].is_active_at(t))
            .collect();
        if want > (chosen.len() + rest.len()) as u64 {
            return Err(SimError::BadRequest(format!(
                "scaleDownWorkersNum {want} exceeds the {} workers that can be removed",
                chosen.len() + rest.len()
            )));
        }
        rest.sort_by_key(|&i| {
            let w = &app.workers[i];
            match w.status_at(t).1 {
                DetailStatus::Free => (0, w.idle_since()),
                DetailStatus::Busy => (2, w.idle_since()),
                _ => (1, -w.created_at),
            }
        });
        chosen.extend(rest.into_iter().take(want as usize - chosen.len()));
        for &i in &chosen {
            app.remove(i, t);
        }
        let removed: Vec<String> = chosen.iter().map(|&i| app.workers[i].id.clone()).collect();
        app.last_scale_down = Some(t);
        app.record(
            t,
            EventKind::ScaleDown,
            by,
            format!("removed {} (-{})", removed.join(", "), removed.len()),
        );
        Ok(removed)
    }
}

/// The demo world: several namespaces, GPU and CPU apps, weeks of history,
/// one app with over a thousand workers in its history and one with none.
/// The same `seed` and `now` give the same world.
pub fn demo_world(seed: u64, now: Nanos) -> World {
    let mut world = World::empty();
    let root = Rng::new(seed);
    let spec = |ns: &str, name: &str| AppSpec {
        namespace: ns.into(),
        name: name.into(),
        gpu: None,
        cpus: 1,
        memory: 1024,
        revision: "v1".into(),
        max_workers: 10,
        launch_secs: (3.0, 8.0),
        launch_failure: 0.03,
        request_every_secs: 20.0,
        service_secs: (0.3, 2.0),
        request_failure: 0.02,
        session_share: 0.0,
        // Set to the live count below.
        autoscaler: Autoscaler::Manual { default_workers: 0 },
    };
    // (spec, live workers now, workers in the last three weeks' history)
    let apps = [
        (
            AppSpec {
                gpu: Some(("A100", 1)),
                cpus: 8,
                memory: 32_768,
                revision: "v14".into(),
                max_workers: 20,
                launch_secs: (20.0, 60.0),
                launch_failure: 0.08,
                request_every_secs: 15.0,
                service_secs: (2.0, 12.0),
                ..spec("default", "stable-diffusion")
            },
            6,
            180,
        ),
        (
            AppSpec {
                gpu: Some(("H100", 2)),
                cpus: 16,
                memory: 65_536,
                revision: "2024-09-29.1".into(),
                max_workers: 12,
                launch_secs: (30.0, 90.0),
                launch_failure: 0.1,
                request_every_secs: 10.0,
                service_secs: (3.0, 20.0),
                ..spec("default", "llm-chat")
            },
            4,
            90,
        ),
        (
            AppSpec {
                cpus: 2,
                memory: 2048,
                revision: "v3".into(),
                max_workers: 200,
                launch_secs: (3.0, 8.0),
                request_every_secs: 4.0,
                service_secs: (0.1, 0.8),
                ..spec("default", "image-resize")
            },
            40,
            1_200,
        ),
        (spec("default", "empty-app"), 0, 0),
        (
            AppSpec {
                gpu: Some(("RTX4090", 1)),
                cpus: 4,
                memory: 16_384,
                revision: "v7".into(),
                max_workers: 8,
                launch_secs: (15.0, 45.0),
                launch_failure: 0.05,
                request_every_secs: 30.0,
                service_secs: (5.0, 30.0),
                ..spec("research", "whisper-large")
            },
            3,
            60,
        ),
        (
            AppSpec {
                revision: "v2".into(),
                max_workers: 5,
                ..spec("research", "tokenizer")
            },
            1,
            25,
        ),
        (
            AppSpec {
                gpu: Some(("A10", 1)),
                cpus: 4,
                memory: 8192,
                revision: "rc-5".into(),
                max_workers: 4,
                launch_secs: (10.0, 30.0),
                launch_failure: 0.25,
                ..spec("staging", "sdxl-canary")
            },
            2,
            40,
        ),
        // Busier than its workers can keep up with, so requests queue and
        // the builtin autoscaler acts; more workers on weekday daytime in
        // Shanghai.
        (
            AppSpec {
                cpus: 2,
                memory: 4096,
                revision: "v9".into(),
                max_workers: 6,
                request_every_secs: 3.0,
                service_secs: (1.0, 6.0),
                session_share: 0.3,
                autoscaler: Autoscaler::Builtin {
                    kind: scaler::Builtin::Simple,
                    arguments: scaler::Arguments {
                        min_workers: 1,
                        max_workers: 6,
                        key: 2,
                        max_idle_time: 120,
                        scale_up_step: 2,
                    },
                    time_match: Some(scaler::TimeMatch {
                        timezone: Some("Asia/Shanghai".into()),
                        rules: vec![("* 9-22 * * 1-5".into(), "weekday_day_".into())],
                        data: [
                            ("weekday_day_min_workers".to_string(), "2".to_string()),
                            ("weekday_day_max_workers".to_string(), "8".to_string()),
                        ]
                        .into(),
                    }),
                },
                ..spec("staging", "autoscaled-api")
            },
            2,
            30,
        ),
        // Paused three hours ago; requests keep arriving.
        (
            AppSpec {
                revision: "v4".into(),
                max_workers: 4,
                ..spec("staging", "batch-nightly")
            },
            0,
            20,
        ),
    ];
    for (n, (mut spec, live, past)) in apps.into_iter().enumerate() {
        let mut rng = root.fork(1_000 + n as u64);
        let created = now - 30 * DAY - (rng.below(5 * DAY as u64) as Nanos);
        let app_seed = rng.next_u64();
        let paused = spec.name == "batch-nightly";
        if let Autoscaler::Manual { default_workers } = &mut spec.autoscaler {
            *default_workers = if paused { 2 } else { live };
        }
        let split = spec.name == "stable-diffusion";
        let app = world.add_app(spec, created, app_seed);
        if split {
            // Two teams call this one: the platform reports requests by user.
            app.callers = vec![("studio-web".into(), 3), ("batch-render".into(), 1)];
        }
        seed_history(app, past, now, &mut rng);
        seed_live(app, live, now, &mut rng);
        if paused {
            app.state = AppState::Paused;
            app.record(
                now - 3 * HOUR,
                EventKind::AppPaused,
                "ops-oncall",
                "app paused: 0 workers stopping".into(),
            );
        }
        app.advance(now);
    }
    world
}

/// The most live workers a fleet app may be given (see [`World::add_fleet`]).
pub const MAX_FLEET: u64 = 20_000;

impl World {
    /// Adds a CPU app with `live` workers already running, for measuring
    /// the console with big apps. An app of that name is replaced.
    pub fn add_fleet(
        &mut self,
        namespace: &str,
        name: &str,
        live: u64,
        max_workers: u64,
        now: Nanos,
    ) -> Result<&SimApp, SimError> {
        if live > MAX_FLEET {
            return Err(SimError::BadRequest(format!(
                "live must be at most {MAX_FLEET}"
            )));
        }
        if max_workers < live {
            return Err(SimError::BadRequest(
                "maxWorkers must be at least live".into(),
            ));
        }
        let spec = AppSpec {
            namespace: namespace.into(),
            name: name.into(),
            gpu: None,
            cpus: 2,
            memory: 4096,
            revision: "v1".into(),
            max_workers,
            launch_secs: (3.0, 8.0),
            launch_failure: 0.02,
            request_every_secs: 30.0,
            service_secs: (0.1, 1.0),
            request_failure: 0.01,
            session_share: 0.0,
            autoscaler: Autoscaler::Manual {
                default_workers: live,
            },
        };
        self.apps.remove(&(namespace.to_string(), name.to_string()));
        let mut rng = Rng::new(live ^ max_workers.rotate_left(32));
        let app = self.add_app(spec, now - 30 * DAY, rng.next_u64());
        seed_live(app, live, now, &mut rng);
        app.advance(now);
        Ok(app)
    }
}

/// Adds `count` live workers started within the few hours before `now`,
/// all of them running or on their way.
fn seed_live(app: &mut SimApp, count: u64, now: Nanos, rng: &mut Rng) {
    for _ in 0..count {
        let started = now - MINUTE - rng.below(6 * HOUR as u64) as Nanos;
        let mut w = app.new_worker(started, None);
        if let Outcome::Fails { .. } = w.outcome {
            w.outcome = Outcome::Runs {
                launch_at: w.pending_at + 5 * SECOND,
            };
        }
        app.push(w);
    }
}

/// Fills in `count` finished workers over the three weeks before `now`.
fn seed_history(app: &mut SimApp, count: u64, now: Nanos, rng: &mut Rng) {
    let span = 21 * DAY;
    let mut starts: Vec<Nanos> = (0..count)
        .map(|_| now - span + rng.below((span - HOUR) as u64) as Nanos)
        .collect();
    starts.sort_unstable();
    for start in starts {
        let mut w = app.new_worker(start, None);
        match w.outcome {
            Outcome::Fails { .. } => {
                // A failed launch stays in history as an ERROR worker; its
                // replacement is not part of the record.
                w.replaced = true;
            }
            Outcome::Runs { launch_at } => {
                let lifetime = MINUTE + rng.below(8 * HOUR as u64) as Nanos;
                let requested = (launch_at + lifetime).min(now - 10 * MINUTE);
                w.removal = Some(Removal {
                    requested_at: requested,
                    deleted_at: requested + 2 * SECOND + rng.below(4 * SECOND as u64) as Nanos,
                });
            }
        }
        let spec = app.spec.clone();
        w.serve_until(&spec, now, &mut app.requests);
        app.push(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Nanos = 1_790_000_000 * SECOND;

    fn app_spec(launch_failure: f64) -> AppSpec {
        AppSpec {
            namespace: "ns".into(),
            name: "app".into(),
            gpu: None,
            cpus: 2,
            memory: 1024,
            revision: "v1".into(),
            max_workers: 5,
            launch_secs: (10.0, 10.0),
            launch_failure,
            request_every_secs: 5.0,
            // Fixed, so "longest idle" is also "served longest ago".
            service_secs: (2.0, 2.0),
            request_failure: 0.0,
            session_share: 0.0,
            autoscaler: Autoscaler::Manual { default_workers: 0 },
        }
    }

    fn world(launch_failure: f64) -> World {
        let mut w = World::empty();
        w.add_app(app_spec(launch_failure), T0 - DAY, 42);
        w
    }

    fn status_of(world: &mut World, id: &str, t: Nanos) -> (WorkerStatus, DetailStatus) {
        let (views, _) = world.list("ns", "app", true, 30, t).unwrap();
        let v = views.iter().find(|v| v.id == id).expect("worker listed");
        (v.status.clone(), v.detail_status.clone())
    }

    #[test]
    fn a_scaled_up_worker_starts_and_runs() {
        let mut w = world(0.0);
        let ids = w.scale_up("ns", "app", 1, "tester", T0).unwrap();
        let id = &ids[0];
        assert_eq!(
            status_of(&mut w, id, T0),
            (WorkerStatus::Created, DetailStatus::InFlight)
        );
        assert_eq!(
            status_of(&mut w, id, T0 + 2 * SECOND),
            (WorkerStatus::Initialized, DetailStatus::InFlight)
        );
        assert_eq!(
            status_of(&mut w, id, T0 + 5 * SECOND),
            (WorkerStatus::Pending, DetailStatus::InFlight)
        );
        let (status, _) = status_of(&mut w, id, T0 + 11 * SECOND);
        assert_eq!(status, WorkerStatus::Running);
        let (views, _) = w.list("ns", "app", false, 2, T0 + 11 * SECOND).unwrap();
        assert_eq!(views[0].launch_at, Some(T0 + 10 * SECOND));
    }

    #[test]
    fn running_workers_serve_requests_and_turn_busy_and_free() {
        let mut w = world(0.0);
        let id = w.scale_up("ns", "app", 1, "tester", T0).unwrap().remove(0);
        let mut seen_busy = false;
        let mut seen_free = false;
        for s in 11..400 {
            match status_of(&mut w, &id, T0 + s * SECOND).1 {
                DetailStatus::Busy => seen_busy = true,
                DetailStatus::Free => seen_free = true,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(seen_busy && seen_free);
        let (views, _) = w.list("ns", "app", false, 2, T0 + 400 * SECOND).unwrap();
        assert!(views[0].success_count > 20, "{}", views[0].success_count);
        assert!(views[0].last_serve_at.unwrap() > T0 + 300 * SECOND);
    }

    #[test]
    fn max_workers_caps_scale_up() {
        let mut w = world(0.0);
        w.scale_up("ns", "app", 4, "tester", T0).unwrap();
        let err = w.scale_up("ns", "app", 2, "tester", T0).unwrap_err();
        assert!(
            matches!(err, SimError::BadRequest(ref m) if m.contains("room for 1")),
            "{err:?}"
        );
        assert_eq!(w.scale_up("ns", "app", 1, "tester", T0).unwrap().len(), 1);
        assert!(matches!(
            w.scale_up("ns", "app", 0, "tester", T0),
            Err(SimError::BadRequest(_))
        ));
        assert_eq!(
            w.scale_up("ns", "nope", 1, "tester", T0),
            Err(SimError::NoSuchApp)
        );
    }

    #[test]
    fn past_max_workers_the_app_refuses_caps_or_accepts_as_told() {
        let mut w = world(0.0);
        w.scale_up("ns", "app", 4, "tester", T0).unwrap();
        w.app_mut("ns", "app").unwrap().past_max = PastMax::Cap;
        assert_eq!(w.scale_up("ns", "app", 3, "tester", T0).unwrap().len(), 1);
        assert_eq!(
            w.scale_up("ns", "app", 3, "tester", T0).unwrap(),
            Vec::<String>::new()
        );
        w.app_mut("ns", "app").unwrap().past_max = PastMax::Accept;
        assert_eq!(w.scale_up("ns", "app", 3, "tester", T0).unwrap().len(), 3);
        assert_eq!(w.app_mut("ns", "app").unwrap().active_count(T0), 8);
    }

    #[test]
    fn scale_down_by_count_takes_the_longest_idle_free_workers() {
        let mut w = world(0.0);
        let ids = w.scale_up("ns", "app", 3, "tester", T0).unwrap();
        let t = T0 + 600 * SECOND;
        let (views, _) = w.list("ns", "app", false, 2, t).unwrap();
        let mut free: Vec<_> = views
            .iter()
            .filter(|v| v.detail_status == DetailStatus::Free)
            .map(|v| (v.last_serve_at, v.id.clone()))
            .collect();
        free.sort();
        let removed = w
            .scale_down("ns", "app", Some(1), &[], "tester", t)
            .unwrap();
        assert_eq!(removed.len(), 1);
        if let Some((_, longest_idle)) = free.first() {
            assert_eq!(&removed[0], longest_idle);
        }
        assert!(ids.contains(&removed[0]));
        assert_eq!(
            status_of(&mut w, &removed[0], t),
            (WorkerStatus::Terminating, DetailStatus::Remove)
        );
        let later = t + 10 * SECOND;
        assert_eq!(
            status_of(&mut w, &removed[0], later).0,
            WorkerStatus::Terminated
        );
        let (live, _) = w.list("ns", "app", false, 2, later).unwrap();
        assert_eq!(live.len(), 2);
        let (all, _) = w.list("ns", "app", true, 2, later).unwrap();
        let gone = all.iter().find(|v| v.id == removed[0]).unwrap();
        assert!(gone.deleted_at.is_some());
    }

    #[test]
    fn scale_down_by_ids_takes_exactly_those() {
        let mut w = world(0.0);
        let ids = w.scale_up("ns", "app", 4, "tester", T0).unwrap();
        let t = T0 + 60 * SECOND;
        let pick = vec![ids[1].clone(), ids[3].clone()];
        let removed = w.scale_down("ns", "app", None, &pick, "tester", t).unwrap();
        assert_eq!(removed, pick);
        let err = w
            .scale_down("ns", "app", None, &["nope".into()], "tester", t)
            .unwrap_err();
        assert!(matches!(err, SimError::BadRequest(ref m) if m.contains("nope")));
        // Already going: refused, like an unknown id.
        assert!(
            w.scale_down("ns", "app", None, &pick[..1], "tester", t)
                .is_err()
        );
        let err = w
            .scale_down("ns", "app", Some(3), &[], "tester", t)
            .unwrap_err();
        assert!(matches!(err, SimError::BadRequest(ref m) if m.contains("exceeds")));
        assert!(w.scale_down("ns", "app", None, &[], "tester", t).is_err());
        assert!(
            w.scale_down("ns", "app", Some(0), &[], "tester", t)
                .is_err()
        );
    }

    #[test]
    fn failed_launches_end_in_error_and_are_replaced_rolling_in() {
        let mut w = world(1.0);
        let id = w.scale_up("ns", "app", 1, "tester", T0).unwrap().remove(0);
        let t = T0 + 20 * SECOND;
        assert_eq!(status_of(&mut w, &id, t).0, WorkerStatus::Error);
        let (live, _) = w.list("ns", "app", false, 2, t).unwrap();
        assert!(
            live.iter().all(|v| v.id != id),
            "failed workers are not live"
        );
        let replacement = live
            .iter()
            .find(|v| v.replace_worker_id.as_deref() == Some(id.as_str()))
            .expect("a replacement");
        assert_eq!(replacement.detail_status, DetailStatus::Rollin);
    }

    #[test]
    fn history_depends_on_show_all_and_recent_days() {
        let mut w = world(0.0);
        let old = w
            .scale_up("ns", "app", 1, "tester", T0 - 5 * DAY)
            .unwrap()
            .remove(0);
        w.scale_down(
            "ns",
            "app",
            None,
            std::slice::from_ref(&old),
            "tester",
            T0 - 5 * DAY + HOUR,
        )
        .unwrap();
        // Created before a two-day window, ended inside it: it existed
        // within the window, so the window lists it.
        let spanning = w
            .scale_up("ns", "app", 1, "tester", T0 - 3 * DAY)
            .unwrap()
            .remove(0);
        w.scale_down(
            "ns",
            "app",
            None,
            std::slice::from_ref(&spanning),
            "tester",
            T0 - DAY - HOUR,
        )
        .unwrap();
        let recent = w
            .scale_up("ns", "app", 1, "tester", T0 - DAY)
            .unwrap()
            .remove(0);
        w.scale_down(
            "ns",
            "app",
            None,
            std::slice::from_ref(&recent),
            "tester",
            T0 - DAY + HOUR,
        )
        .unwrap();
        let live = w.scale_up("ns", "app", 1, "tester", T0).unwrap().remove(0);
        let ids = |v: Vec<WorkerView>| v.into_iter().map(|v| v.id).collect::<Vec<_>>();
        assert_eq!(
            ids(w.list("ns", "app", false, 30, T0).unwrap().0),
            std::slice::from_ref(&live)
        );
        assert_eq!(
            ids(w.list("ns", "app", true, 2, T0).unwrap().0),
            [spanning.clone(), recent.clone(), live.clone()]
        );
        assert_eq!(
            ids(w.list("ns", "app", true, 1, T0).unwrap().0),
            [recent.clone(), live.clone()],
            "the spanning worker ended before a one-day window"
        );
        assert_eq!(
            ids(w.list("ns", "app", true, 7, T0).unwrap().0),
            [old, spanning, recent, live]
        );
    }

    #[test]
    fn requests_wait_behind_a_busy_worker_and_give_up_after_the_timeout() {
        let mut w = World::empty();
        let spec = AppSpec {
            request_every_secs: 1.0,
            service_secs: (30.0, 30.0),
            ..app_spec(0.0)
        };
        w.add_app(spec, T0 - DAY, 5);
        w.scale_up("ns", "app", 1, "tester", T0).unwrap();
        let at = |w: &mut World, t| {
            let app = w.app_at("ns", "app", t).unwrap();
            (
                app.queue_at(t),
                app.workers[0].success_count,
                app.workers[0].failed_count,
            )
        };
        // Launched at +10 s; by +40 s it has served one and ~29 wait.
        let (queue, served, failed) = at(&mut w, T0 + 40 * SECOND);
        assert_eq!((served, failed), (1, 0));
        assert!(queue.len() > 20, "{}", queue.len());
        assert!(queue.iter().all(|q| q.reason == QueueReason::WorkerBusy));
        assert!(queue.windows(2).all(|p| p[0].since <= p[1].since));
        // Later, those that waited over the timeout have given up: none
        // listed is older than it, and they count as failed.
        let t = T0 + 10 * MINUTE;
        let (queue, _, failed) = at(&mut w, t);
        assert!(queue.iter().all(|q| t - q.since <= QUEUE_TIMEOUT));
        assert!(failed > 100, "{failed}");
        // Removing the worker fails what waited for it.
        let app = w.app_mut("ns", "app").unwrap();
        let before = app.workers[0].failed_count + app.workers[0].waiting.len() as u64;
        w.scale_down("ns", "app", Some(1), &[], "tester", t)
            .unwrap();
        let (queue, _, failed) = at(&mut w, t + SECOND);
        assert!(queue.iter().all(|q| q.reason == QueueReason::NotDispatch));
        assert!(failed >= before);
    }

    #[test]
    fn a_paused_app_queues_undispatched_requests_the_same_at_every_read() {
        let mut w = world(0.0);
        w.scale_up("ns", "app", 2, "tester", T0).unwrap();
        assert_eq!(w.pause("ns", "app", "tester", T0 + MINUTE).unwrap(), 2);
        assert!(w.pause("ns", "app", "tester", T0 + MINUTE).is_err());
        let t = T0 + 10 * MINUTE;
        let first = w.app_at("ns", "app", t).unwrap().queue_at(t);
        let again = w.app_at("ns", "app", t).unwrap().queue_at(t);
        assert_eq!(first, again);
        // At one request every 5 s, about 12 in the last minute.
        assert!((6..=18).contains(&first.len()), "{}", first.len());
        assert!(
            first
                .iter()
                .all(|q| q.reason == QueueReason::NotDispatch && t - q.since <= QUEUE_TIMEOUT)
        );
        let err = w.scale_up("ns", "app", 1, "tester", t).unwrap_err();
        assert!(matches!(err, SimError::FailedPrecondition(_)));
        // A manual app resumes with its default worker count.
        w.app_mut("ns", "app").unwrap().spec.autoscaler = Autoscaler::Manual { default_workers: 3 };
        assert_eq!(w.resume("ns", "app", "tester", t).unwrap(), 3);
        assert!(w.resume("ns", "app", "tester", t).is_err());
        assert_eq!(
            w.app_at("ns", "app", t + MINUTE)
                .unwrap()
                .ready_count(t + MINUTE),
            3
        );
        let queue = w
            .app_at("ns", "app", t + MINUTE)
            .unwrap()
            .queue_at(t + MINUTE);
        assert!(queue.iter().all(|q| q.reason != QueueReason::NotDispatch));
    }

    #[test]
    fn the_demo_world_is_deterministic_and_rich() {
        let now = T0;
        let mut a = demo_world(7, now);
        let mut b = demo_world(7, now);
        let (va, _) = a.list("default", "image-resize", true, 30, now).unwrap();
        let (vb, _) = b.list("default", "image-resize", true, 30, now).unwrap();
        assert_eq!(va, vb);
        assert!(va.len() > 1_000, "{}", va.len());
        let (empty, _) = a.list("default", "empty-app", true, 30, now).unwrap();
        assert!(empty.is_empty());
        let (sd, _) = a
            .list("default", "stable-diffusion", true, 30, now)
            .unwrap();
        assert!(sd.iter().any(|v| v.status == WorkerStatus::Error));
        assert!(sd.iter().any(|v| v.status == WorkerStatus::Terminated));
        assert!(sd.iter().any(|v| v.status == WorkerStatus::Running));
        assert!(sd.iter().all(|v| v.gpu_name == Some("A100")));
        assert!(a.apps(Some("research"), now).unwrap().len() == 2);
        assert_eq!(
            a.apps(Some("nope"), now).err(),
            Some(SimError::NoSuchNamespace)
        );
        let (other, _) = demo_world(8, now)
            .list("default", "image-resize", true, 30, now)
            .unwrap();
        assert_ne!(va[0].id, other[0].id);
        // A busy autoscaled app and a paused one, each with requests waiting.
        let busy = a.app_at("staging", "autoscaled-api", now).unwrap();
        assert!(
            busy.queue_at(now)
                .iter()
                .any(|q| q.reason == QueueReason::WorkerBusy)
        );
        assert!(matches!(busy.spec.autoscaler, Autoscaler::Builtin { .. }));
        let paused = a.app_at("staging", "batch-nightly", now).unwrap();
        assert_eq!(paused.state, AppState::Paused);
        assert_eq!(paused.active_count(now), 0);
        assert!(!paused.queue_at(now).is_empty());
        assert_eq!(
            paused.events_at(now).last().unwrap().kind,
            EventKind::AppPaused
        );
    }

    #[test]
    fn a_jump_of_days_is_cheap_and_keeps_counting() {
        let mut w = world(0.0);
        let id = w.scale_up("ns", "app", 1, "tester", T0).unwrap().remove(0);
        let t = T0 + 10 * DAY;
        let (views, _) = w.list("ns", "app", false, 2, t).unwrap();
        let v = views.iter().find(|v| v.id == id).unwrap();
        // Roughly one request per (5 s between + 2 s service) over 10 days.
        assert!(
            v.success_count > 80_000 && v.success_count < 160_000,
            "{}",
            v.success_count
        );
    }
}
