//! What stands between the console and the EverAI API when many people use
//! it at once and the platform is having a bad day:
//!
//! - **Shared reads.** Identical reads (same token, app, endpoint and
//!   parameters: the worker list and its window, the app, its queue, its
//!   events) that overlap are made once and the answer is given to everyone
//!   waiting; a good answer is then kept for a short time
//!   ([`GatewayOptions::list_cache`]) and handed out with the time it was
//!   read, so "updated N s ago" stays true. An action on the app (scale,
//!   pause, resume) forgets the app's kept answers.
//! - **A circuit breaker per app and endpoint.** After several outage-like
//!   failures in a row (no answer, a broken or unreadable one, a 5xx),
//!   calls to that endpoint for that app fail at once for a while, then one
//!   trial call decides whether to resume. 4xx answers do not count: the
//!   platform answered. The worker list and the actions share one breaker;
//!   the app, queue, events and statistics reads each have their own, so a
//!   failing queue does not pause the worker list.
//! - **Bounded concurrency.** At most [`GatewayOptions::max_in_flight`] calls
//!   at a time, a bounded queue behind them, and a fast [`ApiError::Busy`]
//!   past it.
//!
//! Scale calls pass the breaker and the bound too, and are never shared,
//! kept or repeated.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};

use crate::{
    ApiError, AppDetail, AppName, AppSummary, Client, EventOrder, EventPage, Namespace,
    QueuedRequest, RequestStatistics, ScaleDown, StatInterval, Timestamp, WorkerList,
};

/// The gateway's limits.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// How long a good list answer is handed out again; zero shares only
    /// calls that overlap.
    pub list_cache: Duration,
    /// Most calls to the platform at once.
    pub max_in_flight: usize,
    /// Most calls waiting for a free slot; more fail at once.
    pub max_waiting: usize,
    /// Longest wait for a free slot.
    pub queue_wait: Duration,
    /// Outage-like failures in a row, for one app, that pause its calls;
    /// zero switches the breaker off.
    pub breaker_failures: u32,
    /// How long calls stay paused before a trial call.
    pub breaker_open: Duration,
    /// The clock kept lists and pauses are timed by.
    pub clock: Clock,
}

/// The monotonic clock the gateway times kept lists and pauses by: the
/// system's, plus however far [`Clock::advance`] has moved this one on
/// (tests pass a pause without waiting it out; nothing else moves it).
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<AtomicU64>);

impl Clock {
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }

    /// Moves this clock, and every copy of it, on by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(nanos))
            });
    }
}

impl Default for GatewayOptions {
    fn default() -> Self {
        GatewayOptions {
            // The worker page refreshes every 5 s: one read per interval
            // serves every viewer.
            list_cache: Duration::from_secs(5),
            max_in_flight: 32,
            max_waiting: 256,
            queue_wait: Duration::from_secs(2),
            breaker_failures: 5,
            breaker_open: Duration::from_secs(10),
            clock: Clock::default(),
        }
    }
}

/// A list of workers and when the platform gave it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Shared with every caller handed the same answer: not copied.
    pub list: Arc<WorkerList>,
    /// When the answer was read from the platform (not when it was handed
    /// out): the age a page shows counts from here.
    pub read_at: SystemTime,
    pub sharing: Sharing,
}

/// A shared read's answer and when the platform gave it (see [`Listed`]).
#[derive(Debug, Clone)]
pub struct Shared<T> {
    /// Shared with every caller handed the same answer: not copied.
    pub value: Arc<T>,
    pub read_at: SystemTime,
    pub sharing: Sharing,
}

/// How a list answer came to this caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// This caller's own call to the platform.
    Called,
    /// Another caller's call that was already under way.
    Joined,
    /// A recent answer that was kept.
    Kept,
}

/// Finished calls by (endpoint, outcome): how many, and their total seconds.
pub type CallCounts = BTreeMap<(&'static str, &'static str), (u64, f64)>;

/// Counters for metrics, read with [`Gateway::stats`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatewayStats {
    pub calls: CallCounts,
    /// List answers shared with a caller that did not call.
    pub joined: u64,
    pub kept: u64,
    /// Calls refused without sending: breaker open, or too busy.
    pub paused: u64,
    pub busy: u64,
    /// Apps whose calls are paused now, and calls in progress.
    pub open_circuits: usize,
    pub in_flight: usize,
    pub waiting: usize,
}

/// The EverAI API behind the guards above; cheap to clone, one per process.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    options: GatewayOptions,
    slots: Semaphore,
    waiting: AtomicUsize,
    breakers: Mutex<HashMap<String, Breaker>>,
    lists: Reads<WorkerList>,
    apps: Reads<AppDetail>,
    queues: Reads<Vec<QueuedRequest>>,
    events: Reads<EventPage>,
    statistics: Reads<RequestStatistics>,
    overviews: Reads<Vec<AppSummary>>,
    calls: Mutex<CallCounts>,
    joined: AtomicU64,
    kept: AtomicU64,
    paused: AtomicU64,
    busy: AtomicU64,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("client", &self.inner.client)
            .field("options", &self.inner.options)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReadKey {
    /// SHA-256 of the token the call is made with: people with different
    /// tokens never share answers.
    who: [u8; 32],
    namespace: String,
    app: String,
    /// The endpoint's own parameters, e.g. `showAll` and `recentDays`.
    what: String,
}

type Answer<T> = Result<(Arc<T>, SystemTime, Instant), ApiError>;

struct Slot<T> {
    answer: OnceCell<Answer<T>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            answer: OnceCell::new(),
        }
    }
}

impl<T> Slot<T> {
    /// Whether a new caller may take this slot: the call is under way, or
    /// its good answer is young enough.
    fn usable(&self, keep: Duration, now: Instant) -> bool {
        match self.answer.get() {
            None => true,
            Some(Ok((_, _, at))) => now.saturating_duration_since(*at) < keep,
            Some(Err(_)) => false,
        }
    }
}

/// The reads of one endpoint under way or kept.
struct Reads<T>(Mutex<HashMap<ReadKey, Arc<Slot<T>>>>);

impl<T> Default for Reads<T> {
    fn default() -> Self {
        Reads(Mutex::default())
    }
}

impl<T> Reads<T> {
    fn forget(&self, namespace: &Namespace, app: &AppName) {
        lock(&self.0).retain(|k, _| !(k.namespace == namespace.as_str() && k.app == app.as_str()));
    }
}

impl Gateway {
    pub fn new(client: Client, options: GatewayOptions) -> Self {
        Gateway {
            inner: Arc::new(Inner {
                slots: Semaphore::new(options.max_in_flight.max(1)),
                client,
                options,
                waiting: AtomicUsize::new(0),
                breakers: Mutex::default(),
                lists: Reads::default(),
                apps: Reads::default(),
                queues: Reads::default(),
                events: Reads::default(),
                statistics: Reads::default(),
                overviews: Reads::default(),
                calls: Mutex::default(),
                joined: AtomicU64::new(0),
                kept: AtomicU64::new(0),
                paused: AtomicU64::new(0),
                busy: AtomicU64::new(0),
            }),
        }
    }

    /// The client with the console's own token.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The client for `token` (a signed-in person's), or the console's.
    fn client_for(&self, token: Option<&SecretString>) -> Result<Client, ApiError> {
        match token {
            Some(t) => self.inner.client.with_token(t.clone()),
            None => Ok(self.inner.client.clone()),
        }
    }

    /// [`Client::list_workers`], shared and kept as described above.
    pub async fn list_workers(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
        show_all: bool,
        recent_days: u32,
    ) -> Result<Listed, ApiError> {
        let what = format!("showAll={show_all}&recentDays={recent_days}");
        let read = self
            .shared(
                &self.inner.lists,
                token,
                (namespace.as_str(), app.as_str()),
                what,
                "list_workers",
                breaker_key(namespace, app),
                |client| async move {
                    client
                        .list_workers(namespace, app, show_all, recent_days)
                        .await
                },
            )
            .await?;
        Ok(Listed {
            list: read.value,
            read_at: read.read_at,
            sharing: read.sharing,
        })
    }

    /// [`Client::get_app`], shared and kept like the worker list.
    pub async fn get_app(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<Shared<AppDetail>, ApiError> {
        let breaker = endpoint_breaker_key(namespace, app, "get_app");
        self.shared(
            &self.inner.apps,
            token,
            (namespace.as_str(), app.as_str()),
            String::new(),
            "get_app",
            breaker,
            |client| async move { client.get_app(namespace, app).await },
        )
        .await
    }

    /// [`Client::list_queue`], shared and kept like the worker list.
    pub async fn list_queue(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<Shared<Vec<QueuedRequest>>, ApiError> {
        let breaker = endpoint_breaker_key(namespace, app, "list_queue");
        self.shared(
            &self.inner.queues,
            token,
            (namespace.as_str(), app.as_str()),
            String::new(),
            "list_queue",
            breaker,
            |client| async move { client.list_queue(namespace, app).await },
        )
        .await
    }

    /// [`Client::list_events`], shared and kept like the worker list.
    pub async fn list_events(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
        page_size: u32,
        order: EventOrder,
    ) -> Result<Shared<EventPage>, ApiError> {
        let what = format!("pageSize={page_size}&orderBy={}", order.wire());
        let breaker = endpoint_breaker_key(namespace, app, "list_events");
        self.shared(
            &self.inner.events,
            token,
            (namespace.as_str(), app.as_str()),
            what,
            "list_events",
            breaker,
            |client| async move { client.list_events(namespace, app, page_size, order).await },
        )
        .await
    }

    /// [`Client::request_statistic`], shared and kept like the worker list:
    /// viewers asking for the same window and interval share one read, so
    /// callers round the window to the interval.
    pub async fn request_statistic(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
        (from, to): (Timestamp, Timestamp),
        interval: StatInterval,
    ) -> Result<Shared<RequestStatistics>, ApiError> {
        let what = format!(
            "startTime={}&endTime={}&interval={}",
            from.to_rfc3339(),
            to.to_rfc3339(),
            interval.wire()
        );
        let breaker = endpoint_breaker_key(namespace, app, "request_statistic");
        self.shared(
            &self.inner.statistics,
            token,
            (namespace.as_str(), app.as_str()),
            what,
            "request_statistic",
            breaker,
            |client| async move {
                client
                    .request_statistic(namespace, app, from, to, interval)
                    .await
            },
        )
        .await
    }

    /// One read of `reads`' endpoint: joined when an identical one is under
    /// way, kept while young, made (guarded) otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn shared<T, F, Fut>(
        &self,
        reads: &Reads<T>,
        token: Option<&SecretString>,
        (namespace, app): (&str, &str),
        what: String,
        endpoint: &'static str,
        breaker: String,
        call: F,
    ) -> Result<Shared<T>, ApiError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let key = ReadKey {
            who: digest(token),
            namespace: namespace.to_string(),
            app: app.to_string(),
            what,
        };
        let keep = self.inner.options.list_cache;
        let (slot, was_ready) = {
            let mut map = lock(&reads.0);
            let now = self.inner.options.clock.now();
            map.retain(|_, s| s.usable(keep, now));
            match map.get(&key) {
                Some(slot) => (slot.clone(), slot.answer.initialized()),
                None => {
                    let slot = Arc::new(Slot::default());
                    map.insert(key.clone(), slot.clone());
                    (slot, false)
                }
            }
        };
        let mut called = false;
        let answer = slot
            .answer
            .get_or_init(|| {
                called = true;
                async move {
                    // Only the caller that calls needs a client: joined and
                    // kept reads cost no token formatting.
                    let client = self.client_for(token)?;
                    let value = self.guarded(endpoint, &breaker, || call(client)).await?;
                    Ok((
                        Arc::new(value),
                        SystemTime::now(),
                        self.inner.options.clock.now(),
                    ))
                }
            })
            .await
            .clone();
        if answer.is_err() {
            // Failures are shared with whoever waited, never kept.
            let mut map = lock(&reads.0);
            if map.get(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                map.remove(&key);
            }
        }
        let sharing = if called {
            Sharing::Called
        } else if was_ready {
            self.inner.kept.fetch_add(1, Ordering::Relaxed);
            Sharing::Kept
        } else {
            self.inner.joined.fetch_add(1, Ordering::Relaxed);
            Sharing::Joined
        };
        answer.map(|(value, read_at, _)| Shared {
            value,
            read_at,
            sharing,
        })
    }

    /// [`Client::list_all_apps`], guarded but neither shared nor kept: a
    /// sign-in checks its token with it and must reach the platform.
    pub async fn list_all_apps(
        &self,
        token: Option<&SecretString>,
    ) -> Result<Vec<AppSummary>, ApiError> {
        let client = self.client_for(token)?;
        self.guarded("list_apps", "*apps", || client.list_all_apps())
            .await
    }

    /// [`Client::scale_up`], guarded; the app's kept lists are forgotten.
    /// [`Client::list_all_apps`], shared and kept like the worker list: the
    /// start page's read, the same for everyone watching it.
    pub async fn overview(
        &self,
        token: Option<&SecretString>,
    ) -> Result<Shared<Vec<AppSummary>>, ApiError> {
        self.shared(
            &self.inner.overviews,
            token,
            ("", ""),
            String::new(),
            "list_apps",
            "*apps".to_string(),
            |client| async move { client.list_all_apps().await },
        )
        .await
    }

    pub async fn scale_up(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
        count: u32,
    ) -> Result<Vec<String>, ApiError> {
        let client = self.client_for(token)?;
        let result = self
            .guarded("scale_up", &breaker_key(namespace, app), || {
                client.scale_up(namespace, app, count)
            })
            .await;
        self.forget(namespace, app);
        result
    }

    /// [`Client::scale_down`], guarded; the app's kept lists are forgotten.
    pub async fn scale_down(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
        request: &ScaleDown,
    ) -> Result<(), ApiError> {
        let client = self.client_for(token)?;
        let result = self
            .guarded("scale_down", &breaker_key(namespace, app), || {
                client.scale_down(namespace, app, request)
            })
            .await;
        self.forget(namespace, app);
        result
    }

    /// [`Client::pause`], guarded; the app's kept answers are forgotten.
    pub async fn pause(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<(), ApiError> {
        let client = self.client_for(token)?;
        let result = self
            .guarded("pause", &breaker_key(namespace, app), || {
                client.pause(namespace, app)
            })
            .await;
        self.forget(namespace, app);
        result
    }

    /// [`Client::resume`], guarded; the app's kept answers are forgotten.
    pub async fn resume(
        &self,
        token: Option<&SecretString>,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<(), ApiError> {
        let client = self.client_for(token)?;
        let result = self
            .guarded("resume", &breaker_key(namespace, app), || {
                client.resume(namespace, app)
            })
            .await;
        self.forget(namespace, app);
        result
    }

    /// Drops every kept answer about `namespace`/`app` (for every token),
    /// so the next read shows what an action changed.
    pub fn forget(&self, namespace: &Namespace, app: &AppName) {
        self.inner.lists.forget(namespace, app);
        self.inner.apps.forget(namespace, app);
        self.inner.queues.forget(namespace, app);
        self.inner.events.forget(namespace, app);
        self.inner.statistics.forget(namespace, app);
        // The app's line in the overview changed too.
        lock(&self.inner.overviews.0).clear();
    }

    pub fn stats(&self) -> GatewayStats {
        let now = self.inner.options.clock.now();
        GatewayStats {
            calls: lock(&self.inner.calls).clone(),
            joined: self.inner.joined.load(Ordering::Relaxed),
            kept: self.inner.kept.load(Ordering::Relaxed),
            paused: self.inner.paused.load(Ordering::Relaxed),
            busy: self.inner.busy.load(Ordering::Relaxed),
            open_circuits: lock(&self.inner.breakers)
                .values()
                .filter(|b| b.open_until.is_some_and(|t| t > now))
                .count(),
            in_flight: self.inner.options.max_in_flight.max(1)
                - self.inner.slots.available_permits(),
            waiting: self.inner.waiting.load(Ordering::Relaxed),
        }
    }

    /// Runs `call` past the breaker for `breaker` and within the bound on
    /// calls at once, and counts its outcome.
    async fn guarded<T, F, Fut>(
        &self,
        endpoint: &'static str,
        breaker: &str,
        call: F,
    ) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let ticket = match self.admit(breaker) {
            Ok(ticket) => ticket,
            Err(retry_after) => {
                self.inner.paused.fetch_add(1, Ordering::Relaxed);
                return Err(ApiError::CircuitOpen { retry_after });
            }
        };
        let _slot = match self.slot().await {
            Some(slot) => slot,
            None => {
                self.inner.busy.fetch_add(1, Ordering::Relaxed);
                return Err(ApiError::Busy {
                    retry_after: Duration::from_secs(1),
                });
            }
        };
        let started = Instant::now();
        let result = call().await;
        let seconds = started.elapsed().as_secs_f64();
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.label(),
        };
        {
            let mut calls = lock(&self.inner.calls);
            let entry = calls.entry((endpoint, outcome)).or_default();
            entry.0 += 1;
            entry.1 += seconds;
        }
        ticket.finish(result.as_ref().err().is_some_and(ApiError::is_outage));
        result
    }

    /// A free call slot, waiting in the bounded queue; `None` when the
    /// queue is full or did not move in time.
    async fn slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        if let Ok(permit) = self.inner.slots.try_acquire() {
            return Some(permit);
        }
        let waiting = self.inner.waiting.fetch_add(1, Ordering::SeqCst);
        let permit = if waiting >= self.inner.options.max_waiting {
            None
        } else {
            tokio::time::timeout(self.inner.options.queue_wait, self.inner.slots.acquire())
                .await
                .ok()
                .and_then(Result::ok)
        };
        self.inner.waiting.fetch_sub(1, Ordering::SeqCst);
        permit
    }

    fn admit(&self, key: &str) -> Result<Ticket<'_>, Duration> {
        let options = &self.inner.options;
        if options.breaker_failures == 0 {
            return Ok(Ticket {
                gateway: self,
                key: None,
                trial: false,
            });
        }
        let now = options.clock.now();
        let mut breakers = lock(&self.inner.breakers);
        let trial = match breakers.get_mut(key) {
            Some(b) => b.admit(now)?,
            None => false,
        };
        Ok(Ticket {
            gateway: self,
            key: Some(key.to_string()),
            trial,
        })
    }
}

/// One app's run of failures.
#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
    /// A trial call is under way; others wait for its verdict.
    trial: bool,
}

impl Breaker {
    /// Ok(true) for the trial call after a pause, Ok(false) for a normal
    /// call, Err(how long to wait) while paused.
    fn admit(&mut self, now: Instant) -> Result<bool, Duration> {
        match self.open_until {
            None => Ok(false),
            Some(until) if now < until => Err(until - now),
            Some(_) if self.trial => Err(Duration::from_secs(1)),
            Some(_) => {
                self.trial = true;
                Ok(true)
            }
        }
    }
}

/// Permission to make one call; reports how it went to the breaker.
struct Ticket<'a> {
    gateway: &'a Gateway,
    key: Option<String>,
    trial: bool,
}

impl Ticket<'_> {
    fn finish(mut self, outage: bool) {
        let Some(key) = self.key.take() else { return };
        let options = &self.gateway.inner.options;
        let mut breakers = lock(&self.gateway.inner.breakers);
        if !outage {
            // The platform answered: the run of failures is over.
            breakers.remove(&key);
            return;
        }
        let breaker = breakers.entry(key.clone()).or_default();
        breaker.failures += 1;
        if self.trial {
            breaker.trial = false;
        }
        if self.trial || breaker.failures >= options.breaker_failures {
            let first = breaker.open_until.is_none();
            breaker.open_until = Some(options.clock.now() + options.breaker_open);
            if first {
                tracing::warn!(
                    app = %key,
                    failures = breaker.failures,
                    pause_secs = options.breaker_open.as_secs(),
                    "EverAI API failing for this app; pausing its calls"
                );
            }
        }
    }
}

impl Drop for Ticket<'_> {
    /// A trial call abandoned half-way (its caller went away) decides
    /// nothing: the next caller makes the trial.
    fn drop(&mut self) {
        if let Some(key) = self.key.take()
            && self.trial
            && let Some(b) = lock(&self.gateway.inner.breakers).get_mut(&key)
        {
            b.trial = false;
        }
    }
}

fn breaker_key(namespace: &Namespace, app: &AppName) -> String {
    format!("{}/{}", namespace.as_str(), app.as_str())
}

/// The breaker of one of the app's other reads: their failures pause only
/// that read.
fn endpoint_breaker_key(namespace: &Namespace, app: &AppName, endpoint: &str) -> String {
    format!("{}/{} {endpoint}", namespace.as_str(), app.as_str())
}

fn digest(token: Option<&SecretString>) -> [u8; 32] {
    match token {
        Some(t) => Sha256::digest(t.expose_secret().as_bytes()).into(),
        None => [0; 32],
    }
}

/// The maps hold plain data; a panic elsewhere cannot leave them half
/// changed, so a poisoned lock is used as is.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
