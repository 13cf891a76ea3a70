//! One confirmation, one action, across every replica: each scale form
//! carries a fresh random key, and the key is claimed in the console's
//! database (a unique index decides) before the platform is called. The
//! first claim is the only one that reaches the platform; every other post
//! with that key (a double click, a resent form, a proxy's retry, whichever
//! replica it reaches) waits, bounded, for the first one's outcome and
//! answers with it. The outcome is read back from the database, so the page
//! after the redirect shows it on any replica.
//!
//! The platform call runs in its own task, so it finishes and is recorded
//! even when the browser gives up on the request that started it. A replica
//! that dies between its claim and the outcome leaves the record "in
//! progress", which becomes "outcome unknown" as every record cut short
//! does ([`console_store::Store::recover`]); the key is never claimed again.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use console_store::{Attempt, Claim, Outcome, Store, StoreError};
use tokio::sync::watch;
use tracing::Instrument;

use crate::actions::{ActionOutcome, ScaleResult};

/// How long outcomes are kept in this replica's memory: the ones it is
/// making (for its own waiters, and in case the database cannot take the
/// outcome), and final ones it has read.
const KEEP: Duration = Duration::from_secs(60 * 60);
/// Most outcomes kept in memory; the oldest go first.
const MAX_ENTRIES: usize = 10_000;
/// How long a post of a key claimed elsewhere waits for its outcome, by
/// default: longer than a platform call may take (its time-out, retries
/// and the breaker's bound on calls at once), shorter than the request's
/// own 20 s time-out.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15);

struct Entry {
    outcome: watch::Receiver<Option<ActionOutcome>>,
    started: Instant,
}

/// What came of a post of a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Ran {
    /// This post claimed the key and made the action; its outcome.
    Acted(ActionOutcome),
    /// Another post had claimed the key: its outcome, or, if it did not
    /// finish within the wait, the record as it stands ("in progress").
    Joined(ActionOutcome),
}

impl Ran {
    pub fn outcome(&self) -> &ActionOutcome {
        match self {
            Ran::Acted(o) | Ran::Joined(o) => o,
        }
    }
}

/// Scale actions by key: claimed in the store, their outcomes read back
/// from it, and, in this replica's memory, the ones it is making.
#[derive(Clone)]
pub struct ActionLog {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    wait: Duration,
}

impl Default for ActionLog {
    fn default() -> Self {
        ActionLog::new(DEFAULT_WAIT)
    }
}

impl std::fmt::Debug for ActionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map_or(0, |e| e.len());
        f.debug_struct("ActionLog")
            .field("entries", &n)
            .field("wait", &self.wait)
            .finish()
    }
}

impl ActionLog {
    /// A log whose posts of a key claimed elsewhere wait at most `wait`.
    pub fn new(wait: Duration) -> Self {
        ActionLog {
            entries: Arc::default(),
            wait,
        }
    }

    /// A fresh key for a form: 128 random bits as hex.
    pub fn new_key() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// The outcome of `key` as it stands, from whichever replica acted: a
    /// pending record reads as "in progress". `None`: no post claimed it.
    /// A final outcome never changes, so once read it is kept here and
    /// costs the database nothing more (a page that shows it refreshes).
    pub async fn outcome(
        &self,
        store: &Store,
        key: &str,
    ) -> Result<Option<ActionOutcome>, StoreError> {
        if let Some(known) = self.finished_here(key) {
            return Ok(Some(known));
        }
        let Some(record) = store.by_key(key).await? else {
            return Ok(None);
        };
        let pending = record.outcome == Outcome::Pending;
        let outcome = crate::audit::AuditRecord::from(record).to_outcome();
        if !pending {
            self.keep(key, watch::channel(Some(outcome.clone())).1);
        }
        Ok(Some(outcome))
    }

    fn keep(&self, key: &str, outcome: watch::Receiver<Option<ActionOutcome>>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut entries);
        entries.insert(
            key.to_string(),
            Entry {
                outcome,
                started: Instant::now(),
            },
        );
    }

    /// Claims `key` for `attempt` and, if this post is first, runs
    /// `action` (given the record's id) in its own task and returns its
    /// outcome; otherwise waits, at most the log's wait, for the first
    /// one's. A database that does not answer is an error: nothing was
    /// done.
    pub async fn run_once<A, F>(
        &self,
        store: &Store,
        key: &str,
        attempt: &Attempt,
        action: A,
    ) -> Result<Ran, StoreError>
    where
        A: FnOnce(String) -> F + Send + 'static,
        F: Future<Output = ActionOutcome> + Send + 'static,
    {
        if let Some(rx) = self.in_progress_here(key) {
            return Ok(Ran::Joined(wait_local(rx).await));
        }
        // The claim and the action run in a task of their own: once the
        // claim is written the action is made, even if the request that
        // asked for it is dropped in between (a browser that gave up, the
        // request's time-out). In the request's span, so that what the
        // action logs (a platform failure, say) carries the request id.
        let (claimed_tx, claimed_rx) = tokio::sync::oneshot::channel();
        {
            let (this, store, key, attempt) = (
                self.clone(),
                store.clone(),
                key.to_string(),
                attempt.clone(),
            );
            tokio::spawn(
                async move {
                    let id = match store.claim(&key, &attempt).await {
                        Ok(Claim::Won { id }) => id,
                        Ok(Claim::Taken) => {
                            let _ = claimed_tx.send(Ok(None));
                            return;
                        }
                        Err(e) => {
                            let _ = claimed_tx.send(Err(e));
                            return;
                        }
                    };
                    let (tx, rx) = watch::channel(None);
                    this.keep(&key, rx.clone());
                    let _ = claimed_tx.send(Ok(Some(rx)));
                    let outcome = action(id).await;
                    let _ = tx.send(Some(outcome));
                }
                .in_current_span(),
            );
        }
        match claimed_rx.await {
            Ok(Ok(Some(rx))) => Ok(Ran::Acted(wait_local(rx).await)),
            Ok(Ok(None)) => Ok(Ran::Joined(self.joined(store, key, attempt).await)),
            Ok(Err(e)) => Err(e),
            Err(_) => panic!("the scale action's claim ended without an answer"),
        }
    }

    /// The outcome of a key another post claimed: waits for it here if
    /// this replica is making it, else reads the store until it is final
    /// or the wait is over. The action may have happened, so a database
    /// that fails now is an outcome unknown, never "nothing was done".
    async fn joined(&self, store: &Store, key: &str, attempt: &Attempt) -> ActionOutcome {
        let deadline = tokio::time::Instant::now() + self.wait;
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(rx) = self.in_progress_here(key) {
                return wait_local(rx).await;
            }
            let outcome = match self.outcome(store, key).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the outcome of a scale action another request is making");
                    return unknown(attempt, UNREADABLE);
                }
            };
            let done = outcome
                .as_ref()
                .is_some_and(|o| !matches!(&o.result, ScaleResult::Unknown { reason } if reason == crate::audit::IN_PROGRESS));
            let now = tokio::time::Instant::now();
            match outcome {
                Some(o) if done || now >= deadline => return o,
                // A claim is written before anyone can see the key taken,
                // so the record is there; this is only a store that lost it.
                None if now >= deadline => return unknown(attempt, UNREADABLE),
                _ => {}
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    fn in_progress_here(&self, key: &str) -> Option<watch::Receiver<Option<ActionOutcome>>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            // Not one whose task ended without an outcome (it panicked):
            // its record says what is known.
            .filter(|e| e.outcome.borrow().is_none() && e.outcome.has_changed().is_ok())
            .map(|e| e.outcome.clone())
    }

    fn finished_here(&self, key: &str) -> Option<ActionOutcome> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).and_then(|e| e.outcome.borrow().clone())
    }
}

/// What a post says of an action another request is making when it
/// cannot read its outcome.
const UNREADABLE: &str = "Another request with this form is making this action, and the console could not read its outcome. It may have happened: check the app's workers before acting again.";

/// An outcome unknown for `attempt`.
fn unknown(attempt: &Attempt, reason: &str) -> ActionOutcome {
    use crate::actions::ScaleRequest;
    ActionOutcome {
        namespace: attempt.namespace.clone(),
        app: attempt.app.clone(),
        request: match attempt.action {
            console_store::Action::Up => ScaleRequest::Up {
                count: attempt.count.unwrap_or_default(),
            },
            console_store::Action::Down => ScaleRequest::Down {
                worker_ids: attempt.worker_ids.clone(),
            },
            console_store::Action::Pause => ScaleRequest::Pause,
            console_store::Action::Resume => ScaleRequest::Resume,
        },
        result: ScaleResult::Unknown {
            reason: reason.to_string(),
        },
        at_ms: crate::state::now_ms(),
    }
}

/// The outcome of an action this replica is making.
async fn wait_local(mut rx: watch::Receiver<Option<ActionOutcome>>) -> ActionOutcome {
    loop {
        if let Some(outcome) = rx.borrow_and_update().clone() {
            return outcome;
        }
        if rx.changed().await.is_err() {
            // The task ended without an outcome: it panicked.
            if let Some(outcome) = rx.borrow().clone() {
                return outcome;
            }
            panic!("scale action task ended without an outcome");
        }
    }
}

fn prune(entries: &mut HashMap<String, Entry>) {
    entries.retain(|_, e| e.started.elapsed() < KEEP);
    while entries.len() >= MAX_ENTRIES {
        let Some(oldest) = entries
            .iter()
            .min_by_key(|(_, e)| e.started)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        entries.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use console_store::{Action, Completion};

    use super::*;
    use crate::actions::{ScaleRequest, ScaleResult};

    fn outcome(n: usize) -> ActionOutcome {
        ActionOutcome {
            namespace: "default".into(),
            app: "a".into(),
            request: ScaleRequest::Up { count: 1 },
            result: ScaleResult::Added {
                worker_ids: vec![format!("w{n}")],
            },
            at_ms: 0,
        }
    }

    fn attempt() -> Attempt {
        Attempt {
            started_ms: 0,
            replica: "test".into(),
            actor: "ana".into(),
            role: "operator".into(),
            client_addr: "127.0.0.1".into(),
            namespace: "default".into(),
            app: "a".into(),
            action: Action::Up,
            count: Some(1),
            worker_ids: vec![],
        }
    }

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    /// What an action does with its record: completes it as `outcome` says.
    async fn complete(store: &Store, id: &str, n: usize) -> ActionOutcome {
        store
            .complete(
                id,
                &Completion {
                    finished_ms: 0,
                    outcome: Outcome::Done,
                    detail: String::new(),
                    new_ids: vec![format!("w{n}")],
                    upstream_status: Some(200),
                    duration_ms: Some(1),
                },
            )
            .await
            .unwrap();
        outcome(n)
    }

    #[tokio::test]
    async fn the_same_key_runs_once_even_when_sent_together() {
        let (log, store, att) = (ActionLog::default(), store().await, attempt());
        let runs = Arc::new(AtomicUsize::new(0));
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let (runs, mine) = (runs.clone(), store.clone());
            log.run_once(&store, "k", &att, move |id| async move {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                let _ = gate_rx.await;
                complete(&mine, &id, n).await
            })
        };
        let second = {
            let (runs, mine) = (runs.clone(), store.clone());
            log.run_once(&store, "k", &att, move |id| async move {
                complete(&mine, &id, runs.fetch_add(1, Ordering::SeqCst)).await
            })
        };
        let release = async {
            tokio::task::yield_now().await;
            let _ = gate_tx.send(());
        };
        let (a, b, ()) = tokio::join!(first, second, release);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.outcome(), b.outcome());
        assert!(matches!(a, Ran::Acted(_)) != matches!(b, Ran::Acted(_)));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let read = log.outcome(&store, "k").await.unwrap().unwrap();
        assert_eq!(read.result, a.outcome().result);
        assert_eq!(log.outcome(&store, "other").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_key_claimed_elsewhere_is_answered_from_the_store() {
        // Another replica: its own memory, the same database.
        let (here, there, store) = (ActionLog::default(), ActionLog::default(), store().await);
        let att = attempt();
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let mine = store.clone();
            there.run_once(&store, "k", &att, move |id| async move {
                let _ = gate_rx.await;
                complete(&mine, &id, 1).await
            })
        };
        let second = async {
            // Only once the other has claimed the key.
            while store.by_key("k").await.unwrap().is_none() {
                tokio::task::yield_now().await;
            }
            here.run_once(&store, "k", &attempt(), |_| async { outcome(2) })
                .await
        };
        let release = async {
            while store.by_key("k").await.unwrap().is_none() {
                tokio::task::yield_now().await;
            }
            let _ = gate_tx.send(());
        };
        let (a, b, ()) = tokio::join!(first, second, release);
        assert!(matches!(a.unwrap(), Ran::Acted(_)));
        let b = b.unwrap();
        assert!(matches!(b, Ran::Joined(_)), "{b:?}");
        assert_eq!(
            b.outcome().result,
            ScaleResult::Added {
                worker_ids: vec!["w1".into()]
            }
        );
    }

    #[tokio::test]
    async fn a_claim_nobody_completes_is_in_progress_after_the_wait() {
        let (log, store) = (ActionLog::new(Duration::from_millis(50)), store().await);
        // Claimed by a replica that then died.
        assert!(matches!(
            store.claim("k", &attempt()).await.unwrap(),
            Claim::Won { .. }
        ));
        let ran = log
            .run_once(&store, "k", &attempt(), |_| async { outcome(9) })
            .await
            .unwrap();
        match ran {
            Ran::Joined(o) => assert_eq!(
                o.result,
                ScaleResult::Unknown {
                    reason: crate::audit::IN_PROGRESS.into()
                }
            ),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn the_action_finishes_when_its_request_is_dropped() {
        let (log, store, att) = (ActionLog::default(), store().await, attempt());
        // The action waits at the gate (as a platform call would), so it is
        // still in progress when its request goes away.
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let started = {
            let mine = store.clone();
            log.run_once(&store, "k", &att, move |id| async move {
                let _ = gate_rx.await;
                let o = complete(&mine, &id, 7).await;
                let _ = done_tx.send(());
                o
            })
        };
        // Poll until the action starts, then give up on it.
        let mut started = Box::pin(started);
        while log.in_progress_here("k").is_none() {
            assert!(
                tokio::time::timeout(Duration::ZERO, &mut started)
                    .await
                    .is_err(),
                "the action was still waiting"
            );
            // The claim runs in a task of its own.
            tokio::task::yield_now().await;
        }
        drop(started);
        gate_tx
            .send(())
            .expect("the action is still there to be let through");
        tokio::time::timeout(Duration::from_secs(10), done_rx)
            .await
            .expect("the action finished within 10 s")
            .expect("the action ran to its end");
        let again = log
            .run_once(&store, "k", &attempt(), |_| async { outcome(8) })
            .await
            .unwrap();
        assert_eq!(again.outcome().result, outcome(7).result);
    }

    #[tokio::test]
    async fn a_post_dropped_as_soon_as_it_starts_still_makes_its_claimed_action() {
        let (log, store, att) = (ActionLog::default(), store().await, attempt());
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let mine = store.clone();
        let mut post = Box::pin(log.run_once(&store, "k", &att, move |id| async move {
            let o = complete(&mine, &id, 3).await;
            let _ = done_tx.send(());
            o
        }));
        // One poll starts it (the claim is on its way); then the request
        // goes, as a browser that gave up or a time-out would take it.
        std::future::poll_fn(|cx| {
            let _ = post.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        drop(post);
        tokio::time::timeout(Duration::from_secs(10), done_rx)
            .await
            .expect("the action ran within 10 s")
            .expect("the action ran to its end");
        let read = log.outcome(&store, "k").await.unwrap().unwrap();
        assert_eq!(
            read.result,
            ScaleResult::Added {
                worker_ids: vec!["w3".into()]
            }
        );
    }

    #[test]
    fn keys_are_fresh_and_well_formed() {
        let (a, b) = (ActionLog::new_key(), ActionLog::new_key());
        assert_ne!(a, b);
        assert!(crate::actions::is_action_key(&a), "{a}");
    }
}
