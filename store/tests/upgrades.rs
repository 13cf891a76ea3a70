//! Upgrades with replicas of two releases on one database: the newer
//! release's migrations keep the older release working (it is still
//! serving while the rolling upgrade goes on), and an older console that
//! starts against a database a newer one has migrated refuses to, saying
//! so. On SQLite and on the PostgreSQL server `make test` starts.

use console_store::{Action, Attempt, Filter, Outcome, Store, StoreError};
use sqlx::{AnyPool, Row, any::AnyPoolOptions};

/// The release before the newest migration, as it wrote and read the
/// database: its statements, word for word (from before migration 0004,
/// `store/src/lib.rs` at the parent of commit 4ca2ba2).
///
/// When a migration is added, these become the statements of the release
/// before it (today's `store/src/db.rs`), and [`PREVIOUS_RELEASE_KNOWS`]
/// the count of migrations it knew.
mod previous_release {
    pub const BEGIN: &str = "INSERT INTO audit (id, started_ms, finished_ms, replica, actor, role, client_addr, \
         namespace, app, action, count, worker_ids, outcome, detail, new_ids, \
         upstream_status, duration_ms) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', '', '', NULL, NULL)";
    pub const COMPLETE: &str = "UPDATE audit SET finished_ms = $1, outcome = $2, detail = $3, new_ids = $4, \
         upstream_status = $5, duration_ms = $6 WHERE id = $7 AND outcome = 'pending'";
    pub const LIST: &str = "SELECT id, started_ms, finished_ms, replica, actor, role, client_addr, namespace, \
         app, action, count, worker_ids, outcome, detail, new_ids, upstream_status, \
         duration_ms FROM audit WHERE 1 = 1";
    pub const CREATE_SESSION: &str = "INSERT INTO sessions (id_hash, actor, token_sealed, created_ms, last_seen_ms) \
         VALUES ($1, $2, $3, $4, $5)";
}

/// How many migrations the previous release knew.
const PREVIOUS_RELEASE_KNOWS: usize = 3;

#[test]
fn the_previous_release_is_the_one_before_the_newest_migration() {
    assert_eq!(
        console_store::known_migrations(),
        PREVIOUS_RELEASE_KNOWS + 1,
        "a migration was added: make `previous_release` the statements of the release before it"
    );
}

/// One fresh database of each kind: a SQLite file, and a database of its
/// own on the tests' PostgreSQL server.
async fn databases() -> Vec<String> {
    let path = std::env::temp_dir().join(format!(
        "console-upgrade-{}.sqlite3",
        uuid::Uuid::new_v4().simple()
    ));
    let mut urls = vec![format!("sqlite://{}?mode=rwc", path.display())];
    if let Some(url) = console_store::fresh_test_postgres("PostgreSQL upgrades not tested").await {
        urls.push(url);
    }
    urls
}

/// Deletes a SQLite database's files once a test is done with it (the
/// PostgreSQL server goes with its temporary folder).
fn forget(url: &str) {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

async fn pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect")
}

/// A scale-up begun and completed as the previous release did it.
async fn previous_release_scales_up(db: &AnyPool, id: &str) {
    sqlx::query(previous_release::BEGIN)
        .bind(id)
        .bind(1_000_i64)
        .bind("old-replica")
        .bind("ana")
        .bind("operator")
        .bind("127.0.0.1")
        .bind("default")
        .bind("llm-chat")
        .bind("up")
        .bind(Some(2_i64))
        .bind("")
        .execute(db)
        .await
        .expect("the previous release's begin");
    let done = sqlx::query(previous_release::COMPLETE)
        .bind(2_000_i64)
        .bind("done")
        .bind("")
        .bind("w-1,w-2")
        .bind(Some(202_i64))
        .bind(Some(1_000_i64))
        .bind(id)
        .execute(db)
        .await
        .expect("the previous release's completion");
    assert_eq!(done.rows_affected(), 1);
}

/// Every audit record, as this release reads them (the tests write a few).
async fn all_records(store: &Store) -> Vec<console_store::Entry> {
    let filter = Filter {
        limit: 10,
        ..Filter::default()
    };
    store.list(&filter).await.unwrap()
}

fn attempt() -> Attempt {
    Attempt {
        started_ms: 3_000,
        replica: "new-replica".into(),
        actor: "bo".into(),
        role: "operator".into(),
        client_addr: "127.0.0.2".into(),
        namespace: "default".into(),
        app: "llm-chat".into(),
        action: Action::Down,
        count: None,
        worker_ids: vec!["w-1".into()],
    }
}

#[tokio::test]
async fn the_previous_release_keeps_working_on_the_database_this_one_migrated() {
    for url in databases().await {
        // The previous release's database, with a record of its own.
        Store::open_as_release_with(&url, PREVIOUS_RELEASE_KNOWS)
            .await
            .expect("the previous release opens a fresh database");
        let db = pool(&url).await;
        previous_release_scales_up(&db, "before-upgrade").await;

        // This release takes it over: the record is read as it was written.
        let store = Store::open(&url).await.expect("this release migrates it");
        let entries = all_records(&store).await;
        assert_eq!(entries.len(), 1, "{url}");
        let old = &entries[0];
        assert_eq!(
            (old.id.as_str(), old.action, old.outcome),
            ("before-upgrade", Action::Up, Outcome::Done)
        );
        assert_eq!((old.count, old.upstream_status), (Some(2), Some(202)));
        assert_eq!(old.new_ids, ["w-1", "w-2"]);

        // A replica of the previous release still serving during the
        // upgrade writes and reads as before, beside this release's records.
        previous_release_scales_up(&db, "during-upgrade").await;
        let console_store::Claim::Won { id } = store.claim("key-1", &attempt()).await.unwrap()
        else {
            panic!("a fresh key is won");
        };
        sqlx::query(previous_release::CREATE_SESSION)
            .bind("hash")
            .bind("ana")
            .bind("sealed")
            .bind(1_i64)
            .bind(1_i64)
            .execute(&db)
            .await
            .expect("the previous release's sign-in");
        let rows = sqlx::query(&format!("{} ORDER BY started_ms", previous_release::LIST))
            .fetch_all(&db)
            .await
            .expect("the previous release's audit page");
        let ids: Vec<String> = rows.iter().map(|r| r.get::<String, _>("id")).collect();
        assert_eq!(
            ids,
            ["before-upgrade", "during-upgrade", id.as_str()],
            "{url}"
        );
        let outcomes: Vec<String> = rows.iter().map(|r| r.get::<String, _>("outcome")).collect();
        assert_eq!(outcomes, ["done", "done", "pending"]);
        let entries = all_records(&store).await;
        assert_eq!(entries.len(), 3, "{url}");
        assert!(store.session("hash").await.unwrap().is_some(), "{url}");
        db.close().await;
        store.close().await;
        forget(&url);
    }
}

#[tokio::test]
async fn a_console_refuses_a_database_a_newer_console_migrated() {
    for url in databases().await {
        let store = Store::open(&url).await.expect("this release opens it");
        store.claim("key-1", &attempt()).await.unwrap();
        store.close().await;

        let err = Store::open_as_release_with(&url, PREVIOUS_RELEASE_KNOWS)
            .await
            .expect_err("the previous release must not start on it");
        // Migrations are numbered from 1 (their files' names).
        let (newest, known) = (
            PREVIOUS_RELEASE_KNOWS as i64 + 1,
            PREVIOUS_RELEASE_KNOWS as i64,
        );
        assert!(
            matches!(err, StoreError::Newer { newest: n, known: k } if (n, k) == (newest, known)),
            "{url}: {err:?}"
        );
        let said = err.to_string();
        assert!(
            said.contains(&format!("newer console applied its migration {newest}")),
            "{said}"
        );
        assert!(
            said.contains(&format!("knows migrations up to {known}")),
            "{said}"
        );
        assert!(!said.contains(&url), "no database address: {said}");

        // Nothing was undone or applied: this release still finds its record.
        let store = Store::open(&url)
            .await
            .expect("this release opens it again");
        assert!(store.by_key("key-1").await.unwrap().is_some(), "{url}");
        store.close().await;
        forget(&url);
    }
}
