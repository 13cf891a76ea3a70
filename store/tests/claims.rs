//! One-time keys and allowances shared by replicas: each test opens the
//! same database twice (two pools, as two console processes would) and
//! races them, on a SQLite file and on the PostgreSQL server that
//! `make test` starts (`CONSOLE_TEST_POSTGRES_URL`; under CI a missing one
//! is a failure, not a skip).

use std::time::{SystemTime, UNIX_EPOCH};

use console_store::{Action, Allowance, Attempt, Claim, Completion, Outcome, Store, Take};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Pairs of stores on one database: a SQLite file, and PostgreSQL when
/// `make test` started one.
async fn replica_pairs() -> Vec<(Store, Store)> {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("console-claims")));
    let url = format!("sqlite://{}", path.display());
    let mut urls = vec![url];
    if let Some(pg) = console_store::test_postgres_url("PostgreSQL not tested") {
        urls.push(pg);
    }
    let mut pairs = Vec::new();
    for url in urls {
        let a = Store::open(&url).await.expect("open the first");
        let b = Store::open(&url).await.expect("open the second");
        pairs.push((a, b));
    }
    pairs
}

fn attempt(replica: &str) -> Attempt {
    Attempt {
        started_ms: now_ms(),
        replica: replica.into(),
        actor: "ana".into(),
        role: "operator".into(),
        client_addr: "127.0.0.1".into(),
        namespace: "default".into(),
        app: "llm-chat".into(),
        action: Action::Up,
        count: Some(1),
        worker_ids: vec![],
    }
}

#[tokio::test]
async fn a_key_claimed_by_many_at_once_on_two_replicas_is_won_once() {
    for (a, b) in replica_pairs().await {
        let backend = a.backend();
        for round in 0..20 {
            let key = unique("key");
            let claims = (0..10).map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                let key = key.clone();
                tokio::spawn(async move { store.claim(&key, &attempt(&format!("r{i}"))).await })
            });
            let mut won = Vec::new();
            for claim in futures_join(claims).await {
                match claim
                    .expect("the claim ran")
                    .expect("the claim was answered")
                {
                    Claim::Won { id } => won.push(id),
                    Claim::Taken => {}
                }
            }
            assert_eq!(won.len(), 1, "{backend:?} round {round}: {won:?}");
            // Either replica reads the winner's record by the key.
            for store in [&a, &b] {
                let entry = store.by_key(&key).await.unwrap().expect("the record");
                assert_eq!(entry.id, won[0]);
                assert_eq!(entry.outcome, Outcome::Pending);
            }
            a.complete(
                &won[0],
                &Completion {
                    finished_ms: now_ms(),
                    outcome: Outcome::Done,
                    detail: String::new(),
                    new_ids: vec!["w-new".into()],
                    upstream_status: Some(200),
                    duration_ms: Some(3),
                },
            )
            .await
            .unwrap();
            let done = b.by_key(&key).await.unwrap().unwrap();
            assert_eq!(
                (done.outcome, done.new_ids),
                (Outcome::Done, vec!["w-new".to_string()])
            );
            // A key once claimed stays claimed, completed or not.
            assert_eq!(b.claim(&key, &attempt("late")).await.unwrap(), Claim::Taken);
        }
        assert_eq!(a.by_key(&unique("never")).await.unwrap(), None);
        // Records that claim no key may be many.
        a.begin(&attempt("x")).await.unwrap();
        b.begin(&attempt("x")).await.unwrap();
    }
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await);
    }
    out
}

#[tokio::test]
async fn an_allowance_taken_on_two_replicas_at_once_is_the_allowance_once() {
    for (a, b) in replica_pairs().await {
        let backend = a.backend();
        let bucket = unique("action:ana");
        let allowance = Allowance { per_minute: 5 };
        let now = now_ms() * 1000;
        let takes = (0..20).map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let bucket = bucket.clone();
            tokio::spawn(async move { store.take(&bucket, allowance, now).await })
        });
        let mut taken = 0;
        let mut waits = Vec::new();
        for take in futures_join(takes).await {
            match take.unwrap().unwrap() {
                Take::Taken => taken += 1,
                Take::Refused { wait_us } => waits.push(wait_us),
            }
        }
        assert_eq!(taken, 5, "{backend:?}: five a minute, whichever replica");
        assert_eq!(waits.len(), 15);
        assert!(
            waits.iter().all(|w| *w == 12_000_000),
            "{backend:?}: one more every 12 s: {waits:?}"
        );
        // 12 s on, exactly one more; someone else is not held up.
        let later = now + 12_000_000;
        assert_eq!(
            a.take(&bucket, allowance, later).await.unwrap(),
            Take::Taken
        );
        assert!(matches!(
            b.take(&bucket, allowance, later).await.unwrap(),
            Take::Refused { .. }
        ));
        let other = unique("action:bo");
        assert_eq!(b.take(&other, allowance, now).await.unwrap(), Take::Taken);
        // What is given back may be taken again.
        b.give_back(&bucket, allowance).await.unwrap();
        assert_eq!(
            a.take(&bucket, allowance, later).await.unwrap(),
            Take::Taken
        );
        // A long pause refills to the allowance, never beyond.
        let much_later = later + 3_600_000_000;
        for _ in 0..5 {
            assert_eq!(
                b.take(&bucket, allowance, much_later).await.unwrap(),
                Take::Taken
            );
        }
        assert!(matches!(
            a.take(&bucket, allowance, much_later).await.unwrap(),
            Take::Refused { .. }
        ));
        // Full buckets carry nothing and go; spent ones stay.
        let purged = a.purge_allowances(much_later).await.unwrap();
        assert!(purged >= 1, "{backend:?}: {purged}");
        assert!(matches!(
            b.take(&bucket, allowance, much_later).await.unwrap(),
            Take::Refused { .. }
        ));
    }
}
