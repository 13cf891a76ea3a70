//! The audit log against both databases: a fresh SQLite file per test, and
//! the PostgreSQL server that `make test` starts (`CONSOLE_TEST_POSTGRES_URL`;
//! the tests share it, so each works in a namespace of its own).

use std::time::{SystemTime, UNIX_EPOCH};

use console_store::{Action, Attempt, Backend, Completion, Filter, INTERRUPTED, Outcome, Store};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The stores to test: SQLite always; PostgreSQL when `make test` started
/// one. Under CI a missing PostgreSQL is a failure, not a skip.
async fn stores() -> Vec<Store> {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("console-store")));
    let mut stores = vec![
        Store::open(&format!("sqlite://{}", path.display()))
            .await
            .expect("open SQLite"),
    ];
    if let Some(url) = console_store::test_postgres_url("PostgreSQL not tested") {
        stores.push(Store::open(&url).await.expect("open PostgreSQL"));
    }
    stores
}

fn attempt(namespace: &str, replica: &str, action: Action) -> Attempt {
    Attempt {
        started_ms: now_ms(),
        replica: replica.into(),
        actor: "ana".into(),
        role: "operator".into(),
        client_addr: "127.0.0.1".into(),
        namespace: namespace.into(),
        app: "llm-chat".into(),
        action,
        count: match action {
            Action::Up => Some(2),
            _ => None,
        },
        worker_ids: match action {
            Action::Down => vec!["w1".into(), "w2".into()],
            _ => vec![],
        },
    }
}

fn in_ns(namespace: &str) -> Filter {
    Filter {
        namespace: Some(namespace.into()),
        limit: 1000,
        ..Filter::default()
    }
}

#[tokio::test]
async fn an_attempt_is_written_before_and_completed_after() {
    for store in stores().await {
        let ns = unique("ns");
        let a = attempt(&ns, "r1", Action::Up);
        let id = store.begin(&a).await.unwrap();
        let listed = store.list(&in_ns(&ns)).await.unwrap();
        assert_eq!(listed.len(), 1, "{:?}", store.backend());
        let e = &listed[0];
        assert_eq!(
            (e.id.as_str(), e.outcome, e.finished_ms),
            (id.as_str(), Outcome::Pending, None)
        );
        assert_eq!(
            (e.actor.as_str(), e.role.as_str(), e.count),
            ("ana", "operator", Some(2))
        );

        let c = Completion {
            finished_ms: a.started_ms + 420,
            outcome: Outcome::Done,
            detail: String::new(),
            new_ids: vec!["n1".into(), "n2".into()],
            upstream_status: Some(200),
            duration_ms: Some(417),
        };
        store.complete(&id, &c).await.unwrap();
        let e = store.list(&in_ns(&ns)).await.unwrap().remove(0);
        assert_eq!(e.outcome, Outcome::Done);
        assert_eq!(e.finished_ms, Some(a.started_ms + 420));
        assert_eq!(e.new_ids, vec!["n1", "n2"]);
        assert_eq!((e.upstream_status, e.duration_ms), (Some(200), Some(417)));
        assert_eq!(e.worker_ids, Vec::<String>::new());

        let down = attempt(&ns, "r1", Action::Down);
        store.begin(&down).await.unwrap();
        let e = store.list(&in_ns(&ns)).await.unwrap();
        assert_eq!(e.len(), 2);
        let down_entry = e.iter().find(|e| e.action == Action::Down).unwrap();
        assert_eq!(
            (down_entry.worker_ids.clone(), down_entry.count),
            (vec!["w1".to_string(), "w2".to_string()], None)
        );
    }
}

#[tokio::test]
async fn attempts_cut_short_are_marked_unknown_at_the_next_start() {
    for store in stores().await {
        let ns = unique("ns");
        let (me, other) = (unique("replica"), unique("replica"));
        let mine = store.begin(&attempt(&ns, &me, Action::Up)).await.unwrap();
        let theirs = store
            .begin(&attempt(&ns, &other, Action::Up))
            .await
            .unwrap();
        let old = Attempt {
            started_ms: now_ms() - 10 * 60_000,
            ..attempt(&ns, &other, Action::Down)
        };
        let abandoned = store.begin(&old).await.unwrap();

        let marked = store.recover(&me, now_ms(), 5 * 60_000).await.unwrap();
        assert!(marked >= 2, "{marked}");
        let by_id = |entries: &[console_store::Entry], id: &str| {
            entries.iter().find(|e| e.id == id).unwrap().clone()
        };
        let entries = store.list(&in_ns(&ns)).await.unwrap();
        // This replica's own call died with its previous life.
        assert_eq!(by_id(&entries, &mine).outcome, Outcome::Unknown);
        assert_eq!(by_id(&entries, &mine).detail, INTERRUPTED);
        // Another replica's call may still be running: left alone...
        assert_eq!(by_id(&entries, &theirs).outcome, Outcome::Pending);
        // ...unless it has been pending for longer than any call takes.
        assert_eq!(by_id(&entries, &abandoned).outcome, Outcome::Unknown);

        // A completion arriving after the mark does not hide it.
        store
            .complete(
                &mine,
                &Completion {
                    finished_ms: now_ms(),
                    outcome: Outcome::Done,
                    detail: String::new(),
                    new_ids: vec![],
                    upstream_status: Some(200),
                    duration_ms: Some(1),
                },
            )
            .await
            .unwrap();
        let entries = store.list(&in_ns(&ns)).await.unwrap();
        assert_eq!(by_id(&entries, &mine).outcome, Outcome::Unknown);
    }
}

#[tokio::test]
async fn fifty_concurrent_attempts_make_fifty_complete_records() {
    for store in stores().await {
        let ns = unique("ns");
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                let ns = ns.clone();
                tokio::spawn(async move {
                    let a = Attempt {
                        actor: format!("user{i}"),
                        ..attempt(&ns, "r", Action::Up)
                    };
                    let id = store.begin(&a).await.unwrap();
                    store
                        .complete(
                            &id,
                            &Completion {
                                finished_ms: now_ms(),
                                outcome: Outcome::Done,
                                detail: String::new(),
                                new_ids: vec![format!("new{i}")],
                                upstream_status: Some(200),
                                duration_ms: Some(3),
                            },
                        )
                        .await
                        .unwrap();
                    id
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        let entries = store.list(&in_ns(&ns)).await.unwrap();
        assert_eq!(entries.len(), 50, "{:?}", store.backend());
        let mut seen: Vec<_> = entries.iter().map(|e| e.actor.clone()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 50);
        assert!(entries.iter().all(|e| e.outcome == Outcome::Done));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50);
    }
}

#[tokio::test]
async fn the_log_filters_by_app_actor_outcome_and_time() {
    for store in stores().await {
        let ns = unique("ns");
        let t0 = now_ms() - 60_000;
        for (i, (actor, app)) in [("ana", "a1"), ("bo", "a1"), ("ana", "a2")]
            .into_iter()
            .enumerate()
        {
            let a = Attempt {
                started_ms: t0 + i as i64 * 1000,
                actor: actor.into(),
                app: app.into(),
                ..attempt(&ns, "r", Action::Up)
            };
            let id = store.begin(&a).await.unwrap();
            if actor == "bo" {
                store
                    .complete(
                        &id,
                        &Completion {
                            finished_ms: t0,
                            outcome: Outcome::Rejected,
                            detail: "the count must be at least 1".into(),
                            new_ids: vec![],
                            upstream_status: None,
                            duration_ms: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        let count = |f: Filter| {
            let store = store.clone();
            async move { store.list(&f).await.unwrap().len() }
        };
        assert_eq!(count(in_ns(&ns)).await, 3);
        assert_eq!(
            count(Filter {
                actor: Some("ana".into()),
                ..in_ns(&ns)
            })
            .await,
            2
        );
        assert_eq!(
            count(Filter {
                app: Some("a1".into()),
                ..in_ns(&ns)
            })
            .await,
            2
        );
        assert_eq!(
            count(Filter {
                outcome: Some(Outcome::Rejected),
                ..in_ns(&ns)
            })
            .await,
            1
        );
        assert_eq!(
            count(Filter {
                from_ms: Some(t0 + 1000),
                ..in_ns(&ns)
            })
            .await,
            2
        );
        assert_eq!(
            count(Filter {
                to_ms: Some(t0 + 1000),
                ..in_ns(&ns)
            })
            .await,
            1
        );
        assert_eq!(
            count(Filter {
                limit: 2,
                ..in_ns(&ns)
            })
            .await,
            2
        );
        // Newest first.
        let entries = store.list(&in_ns(&ns)).await.unwrap();
        assert!(
            entries
                .windows(2)
                .all(|w| w[0].started_ms >= w[1].started_ms)
        );
        assert_eq!(entries[0].app, "a2");
    }
}

#[tokio::test]
async fn bad_urls_are_refused_without_echoing_them() {
    let err = Store::open("mysql://u:hunter2@db/x").await.unwrap_err();
    assert!(err.to_string().contains("CONSOLE_DATABASE_URL"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    // Nothing listens on port 1.
    let err = Store::open("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(err.to_string().contains("PostgreSQL"), "{err}");
}

#[tokio::test]
async fn an_in_memory_store_works_for_demos() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.ping().await.unwrap();
    let id = store
        .begin(&attempt("default", "r", Action::Up))
        .await
        .unwrap();
    assert_eq!(store.list(&in_ns("default")).await.unwrap()[0].id, id);
}

#[tokio::test]
async fn records_of_platform_failures_written_before_keep_no_platform_text() {
    // A database as the console before this version left it: the first two
    // migrations only, and a failed scale-up that kept the platform's own
    // 5xx message next to one refused in words (a 4xx, kept as it is).
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("console-old")));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    sqlx::any::install_default_drivers();
    let old = tempdir_with_migrations(&["0001_audit.sql", "0002_sessions.sql"]);
    {
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for (id, status, detail) in [
            (
                "a-5xx",
                502,
                "The EverAI API answered with an error (502): internal: db at 10.0.0.5 down",
            ),
            (
                "a-4xx",
                409,
                "The EverAI API refused this (409): maxWorkers reached",
            ),
        ] {
            sqlx::query(
                "INSERT INTO audit (id, started_ms, finished_ms, replica, actor, role, client_addr, namespace, app, action, count, worker_ids, outcome, detail, new_ids, upstream_status, duration_ms) VALUES ($1, 1, 2, 'r', 'ana', 'operator', '127.0.0.1', 'old-ns', 'llm-chat', 'up', 1, '', 'failed', $2, '', $3, 5)",
            )
            .bind(id)
            .bind(detail)
            .bind(status as i64)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    std::fs::remove_dir_all(&old).ok();
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let entries = store.list(&in_ns("old-ns")).await.unwrap();
    let detail = |id: &str| {
        entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.detail.clone())
            .unwrap()
    };
    assert_eq!(
        detail("a-5xx"),
        "The EverAI API failed on its side (502). Its own message was not kept."
    );
    assert_eq!(
        detail("a-4xx"),
        "The EverAI API refused this (409): maxWorkers reached"
    );
    std::fs::remove_file(&path).ok();
}

/// A directory holding copies of the named migrations of this crate.
fn tempdir_with_migrations(names: &[&str]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique("migrations"));
    std::fs::create_dir_all(&dir).unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in names {
        std::fs::copy(from.join(name), dir.join(name)).unwrap();
    }
    dir
}
