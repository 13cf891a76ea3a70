//! One confirmation, one action: every scale form carries a fresh random
//! key, and the first request with a key is the only one that reaches the
//! platform. A second request with the same key (a double click, a resent
//! form, a reload of the POST) waits for the first and gets its outcome.
//!
//! The platform call runs in its own task, so it finishes and is recorded
//! even when the browser gives up on the request that started it.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::sync::watch;
use tracing::Instrument;

use crate::actions::ActionOutcome;

/// How long outcomes are kept for the page that shows them.
const KEEP: Duration = Duration::from_secs(60 * 60);
/// Most outcomes kept; the oldest go first.
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    outcome: watch::Receiver<Option<ActionOutcome>>,
    started: Instant,
}

/// The outcomes of recent scale actions, by key.
#[derive(Clone, Default)]
pub struct ActionLog {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

impl std::fmt::Debug for ActionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map_or(0, |e| e.len());
        f.debug_struct("ActionLog").field("entries", &n).finish()
    }
}

impl ActionLog {
    /// A fresh key for a form: 128 random bits as hex.
    pub fn new_key() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// Runs `action` once for `key` and returns its outcome; later calls
    /// with the same key return the same outcome without running theirs.
    pub async fn run_once<F>(&self, key: &str, action: F) -> ActionOutcome
    where
        F: Future<Output = ActionOutcome> + Send + 'static,
    {
        let mut rx = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            match entries.get(key) {
                Some(entry) => entry.outcome.clone(),
                None => {
                    prune(&mut entries);
                    let (tx, rx) = watch::channel(None);
                    entries.insert(
                        key.to_string(),
                        Entry {
                            outcome: rx.clone(),
                            started: Instant::now(),
                        },
                    );
                    // In the request's span, so that what the action logs
                    // (a platform failure, say) carries the request id.
                    tokio::spawn(
                        async move {
                            let outcome = action.await;
                            let _ = tx.send(Some(outcome));
                        }
                        .in_current_span(),
                    );
                    rx
                }
            }
        };
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

    /// The outcome for `key`, if it has finished and is still kept.
    pub fn get(&self, key: &str) -> Option<ActionOutcome> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).and_then(|e| e.outcome.borrow().clone())
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

    #[tokio::test]
    async fn the_same_key_runs_once_even_when_sent_together() {
        let log = ActionLog::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let runs = runs.clone();
            log.run_once("k", async move {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                let _ = gate_rx.await;
                outcome(n)
            })
        };
        let second = {
            let runs = runs.clone();
            log.run_once(
                "k",
                async move { outcome(runs.fetch_add(1, Ordering::SeqCst)) },
            )
        };
        let release = async {
            tokio::task::yield_now().await;
            let _ = gate_tx.send(());
        };
        let (a, b, ()) = tokio::join!(first, second, release);
        assert_eq!(a, b);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(log.get("k"), Some(a.clone()));
        assert_eq!(log.get("other"), None);
    }

    #[tokio::test]
    async fn the_action_finishes_when_its_request_is_dropped() {
        let log = ActionLog::default();
        // The action waits at the gate (as a platform call would), so it is
        // still in progress when its request goes away.
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let started = log.run_once("k", async move {
            let _ = gate_rx.await;
            let _ = done_tx.send(());
            outcome(7)
        });
        // Poll once so the action starts, then give up on it.
        assert!(
            tokio::time::timeout(Duration::ZERO, started).await.is_err(),
            "the action was still waiting"
        );
        gate_tx
            .send(())
            .expect("the action is still there to be let through");
        tokio::time::timeout(Duration::from_secs(10), done_rx)
            .await
            .expect("the action finished within 10 s")
            .expect("the action ran to its end");
        let again = log.run_once("k", async { outcome(8) }).await;
        assert_eq!(again, outcome(7));
    }

    #[test]
    fn keys_are_fresh_and_well_formed() {
        let (a, b) = (ActionLog::new_key(), ActionLog::new_key());
        assert_ne!(a, b);
        assert!(crate::actions::is_action_key(&a), "{a}");
    }
}
