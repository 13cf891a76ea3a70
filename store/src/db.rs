//! The database: the store itself, its records and its queries.

use crate::{Action, Outcome};

use std::{str::FromStr, sync::Once, time::Duration};

use serde::{Deserialize, Serialize};
use sqlx::{
    AnyPool, Row,
    any::{AnyPoolOptions, AnyRow},
};

/// The PostgreSQL server the tests use, which `make test-rust` starts
/// (`scripts/with-postgres.sh` sets `CONSOLE_TEST_POSTGRES_URL`). Without
/// it, a plain `cargo test` skips the PostgreSQL half and says so on
/// stderr; under CI its absence is a failure.
#[doc(hidden)]
pub fn test_postgres_url(skipped: &str) -> Option<String> {
    match std::env::var("CONSOLE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CONSOLE_TEST_POSTGRES_URL is not set: run the tests through `make test-rust`")
        }
        _ => {
            // Straight to stderr: the test harness would swallow eprintln!.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: CONSOLE_TEST_POSTGRES_URL is not set; {skipped} (make test-rust starts a PostgreSQL)"
            );
            None
        }
    }
}

/// A database of its own on the tests' PostgreSQL server (see
/// [`test_postgres_url`]), for tests whose records must not meet another
/// test's: several console processes sharing one, say. `None` where
/// [`test_postgres_url`] skips.
#[doc(hidden)]
pub async fn fresh_test_postgres(skipped: &str) -> Option<String> {
    let server = test_postgres_url(skipped)?;
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    let name = format!("console_test_{}", uuid::Uuid::new_v4().simple());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&server)
        .await
        .expect("connect to the tests' PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let (base, _) = server.rsplit_once('/').expect("a database URL");
    Some(format!("{base}/{name}"))
}

/// sqlx's drivers, installed once for every pool.
static DRIVERS: Once = Once::new();

/// Which database a [`Store`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// What went wrong with the database. The texts never include the database
/// URL, which may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "CONSOLE_DATABASE_URL must start with sqlite: or postgres:// (e.g. sqlite://console.sqlite3 or postgres://user@host/db)"
    )]
    BadUrl,
    #[error("the console's {backend} database could not be opened: {reason}")]
    Open {
        backend: &'static str,
        reason: String,
    },
    #[error("the console's database migrations failed: {0}")]
    Migrate(String),
    #[error(
        "the console's database is newer than this console: a newer console applied its \
         migration {newest}, and this one knows migrations up to {known}; it does not start, so \
         as not to misread or undo what the newer one wrote (run the newer version)"
    )]
    Newer { newest: i64, known: i64 },
    #[error("the console's database failed: {0}")]
    Query(String),
    #[error("a record in the console's database is not readable: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Query(describe(&e))
    }
}

/// A database error in words, without connection strings.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "no database connection became free in time".into(),
        sqlx::Error::PoolClosed => "the connection pool is closed".into(),
        sqlx::Error::Tls(_) => "the TLS handshake failed".into(),
        sqlx::Error::Configuration(_) => "the database settings are not valid".into(),
        sqlx::Error::ColumnNotFound(c) => format!("no column {c}"),
        other => {
            // Other variants carry no URL; keep the first line only.
            other
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        }
    }
}

/// The console's migrations (`migrations/`). Each must keep the previous
/// release working on the database it leaves (docs/operations.md,
/// "Upgrades"): during a rolling upgrade the replicas not yet replaced run
/// on it.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How many migrations this console knows.
pub fn known_migrations() -> usize {
    MIGRATOR.migrations.len()
}

/// The console's database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating it if need be) the database at `url` and brings its
    /// tables up to date: `sqlite://path` (`sqlite::memory:` for a private
    /// in-memory one) or `postgres://…`.
    ///
    /// A database that a newer console has migrated further is refused
    /// ([`StoreError::Newer`]) and left as it is.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, &MIGRATOR).await
    }

    /// [`Store::open`] as a console that knows only the first `known`
    /// migrations: an earlier release, for the upgrade tests.
    #[doc(hidden)]
    pub async fn open_as_release_with(url: &str, known: usize) -> Result<Store, StoreError> {
        let migrator = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(MIGRATOR.migrations[..known].to_vec()),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        Store::open_with(url, &migrator).await
    }

    async fn open_with(url: &str, migrator: &sqlx::migrate::Migrator) -> Result<Store, StoreError> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            // Create the file if it is missing.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") || rest.contains(":memory:") {
                url.to_string()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else {
            return Err(StoreError::BadUrl);
        };
        let open_err = |e: sqlx::Error| StoreError::Open {
            backend: backend.label(),
            reason: describe(&e),
        };
        // Checked before connecting, so a malformed URL is reported as such.
        sqlx::any::AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl)?;
        let mut options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            });
        if url.contains(":memory:") {
            // Each connection to :memory: would be a different database.
            options = options
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = options.connect(&url).await.map_err(open_err)?;
        if backend == Backend::Sqlite {
            // Readers do not wait for the writer; writers wait for each
            // other instead of failing at once.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(open_err)?;
        }
        // sqlx compares the applied migrations with the known ones before
        // it applies any: one it does not know is a newer console's.
        match migrator.run(&pool).await {
            Ok(()) => {}
            Err(sqlx::migrate::MigrateError::VersionMissing(missing)) => {
                let newest: Result<i64, _> =
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                        .fetch_one(&pool)
                        .await;
                pool.close().await;
                let known = migrator.migrations.iter().map(|m| m.version).max();
                let known = known.unwrap_or(0);
                // One this console skips between the ones it knows was
                // removed or renumbered, not added by a newer console.
                return Err(match newest {
                    Ok(newest) if missing > known => StoreError::Newer { newest, known },
                    Ok(_) => StoreError::Migrate(format!(
                        "the database has migration {missing}, which this console does not have \
                         though it knows later ones: a migration was removed or renumbered"
                    )),
                    Err(e) => StoreError::from(e),
                });
            }
            Err(e) => {
                pool.close().await;
                return Err(StoreError::Migrate(e.to_string()));
            }
        }
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; later calls fail. For shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Who asked for what, written before the platform is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub started_ms: i64,
    /// The console process making the call.
    pub replica: String,
    pub actor: String,
    pub role: String,
    pub client_addr: String,
    pub namespace: String,
    pub app: String,
    pub action: Action,
    pub count: Option<u32>,
    pub worker_ids: Vec<String>,
}

/// How it ended, written after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub finished_ms: i64,
    pub outcome: Outcome,
    /// Why (rejected, failed, unknown), in words.
    pub detail: String,
    /// Workers a scale-up added.
    pub new_ids: Vec<String>,
    /// The HTTP status of the platform's answer to the scale call.
    pub upstream_status: Option<u16>,
    /// How long the scale call took.
    pub duration_ms: Option<i64>,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub replica: String,
    pub actor: String,
    pub role: String,
    pub client_addr: String,
    pub namespace: String,
    pub app: String,
    pub action: Action,
    pub count: Option<u32>,
    pub worker_ids: Vec<String>,
    pub outcome: Outcome,
    pub detail: String,
    pub new_ids: Vec<String>,
    pub upstream_status: Option<u16>,
    pub duration_ms: Option<i64>,
}

/// Which records to list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub namespace: Option<String>,
    pub app: Option<String>,
    pub actor: Option<String>,
    pub outcome: Option<Outcome>,
    /// Started at or after (ms).
    pub from_ms: Option<i64>,
    /// Started before (ms).
    pub to_ms: Option<i64>,
    /// Most records returned, newest first.
    pub limit: u32,
}

/// What the console says of an attempt it lost track of.
pub const INTERRUPTED: &str =
    "The console stopped before the platform's answer arrived; check the app's workers.";

fn join(ids: &[String]) -> String {
    ids.join(",")
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The columns [`entry`] reads.
const COLUMNS: &str = "id, started_ms, finished_ms, replica, actor, role, client_addr, namespace, \
     app, action, count, worker_ids, outcome, detail, new_ids, upstream_status, duration_ms";

/// Whether a claim of a one-time key won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This claim was first: its record is `id`, and the caller acts.
    Won { id: String },
    /// Another claim of the key was first; its record says what happened.
    Taken,
}

/// A positional argument for a query built at run time.
enum Arg {
    Text(String),
    Int(i64),
}

impl Store {
    /// Records an attempt that claims no key (a refusal before anything
    /// is tried); returns its id.
    pub async fn begin(&self, a: &Attempt) -> Result<String, StoreError> {
        match self.insert(a, None).await? {
            Claim::Won { id } => Ok(id),
            // Only a key can be taken already.
            Claim::Taken => Err(StoreError::Query("the record was not written".into())),
        }
    }

    /// Claims the one-time key `key` for the attempt `a`, recording it
    /// before the platform is called: the first claim of a key wins,
    /// whichever replica makes it and however claims interleave (a unique
    /// index decides), and every later one is [`Claim::Taken`]. One round
    /// trip to the database.
    pub async fn claim(&self, key: &str, a: &Attempt) -> Result<Claim, StoreError> {
        self.insert(a, Some(key)).await
    }

    async fn insert(&self, a: &Attempt, key: Option<&str>) -> Result<Claim, StoreError> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let done = sqlx::query(
            "INSERT INTO audit (id, started_ms, finished_ms, replica, actor, role, client_addr, \
             namespace, app, action, count, worker_ids, outcome, detail, new_ids, \
             upstream_status, duration_ms, action_key) \
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', '', '', NULL, NULL, $12) \
             ON CONFLICT (action_key) DO NOTHING",
        )
        .bind(&id)
        .bind(a.started_ms)
        .bind(&a.replica)
        .bind(&a.actor)
        .bind(&a.role)
        .bind(&a.client_addr)
        .bind(&a.namespace)
        .bind(&a.app)
        .bind(a.action.as_str())
        .bind(a.count.map(i64::from))
        .bind(join(&a.worker_ids))
        .bind(key.map(str::to_string))
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            Claim::Won { id }
        } else {
            Claim::Taken
        })
    }

    /// The record that claimed `key`, if one did.
    pub async fn by_key(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit WHERE action_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry).transpose()
    }

    /// Completes the attempt `id`. An attempt already marked unknown by
    /// [`Store::recover`] keeps that mark, but gains what finally happened.
    pub async fn complete(&self, id: &str, c: &Completion) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE audit SET finished_ms = $1, outcome = $2, detail = $3, new_ids = $4, \
             upstream_status = $5, duration_ms = $6 WHERE id = $7 AND outcome = 'pending'",
        )
        .bind(c.finished_ms)
        .bind(c.outcome.as_str())
        .bind(&c.detail)
        .bind(join(&c.new_ids))
        .bind(c.upstream_status.map(i64::from))
        .bind(c.duration_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            tracing::warn!(
                id,
                outcome = c.outcome.as_str(),
                "audit record was no longer pending"
            );
        }
        Ok(())
    }

    /// Marks as unknown the attempts that can no longer complete: every
    /// pending one of `replica` (run at its start: its previous life ended
    /// mid-call) and any replica's pending for longer than `stale_after_ms`
    /// (no call takes that long). Returns how many were marked.
    pub async fn recover(
        &self,
        replica: &str,
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE audit SET outcome = 'unknown', finished_ms = $1, detail = $2 \
             WHERE outcome = 'pending' AND (replica = $3 OR started_ms < $4)",
        )
        .bind(now_ms)
        .bind(INTERRUPTED)
        .bind(replica)
        .bind(now_ms - stale_after_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Marks as unknown the attempts pending for longer than
    /// `stale_after_ms`, whichever replica made them.
    pub async fn expire_pending(
        &self,
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE audit SET outcome = 'unknown', finished_ms = $1, detail = $2 \
             WHERE outcome = 'pending' AND started_ms < $3",
        )
        .bind(now_ms)
        .bind(INTERRUPTED)
        .bind(now_ms - stale_after_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The records that match, newest first.
    pub async fn list(&self, f: &Filter) -> Result<Vec<Entry>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit WHERE 1 = 1");
        let mut args: Vec<Arg> = Vec::new();
        let mut cond = |sql: &mut String, clause: &str, arg: Arg| {
            args.push(arg);
            sql.push_str(&format!(" AND {clause} ${}", args.len()));
        };
        if let Some(ns) = &f.namespace {
            cond(&mut sql, "namespace =", Arg::Text(ns.clone()));
        }
        if let Some(app) = &f.app {
            cond(&mut sql, "app =", Arg::Text(app.clone()));
        }
        if let Some(actor) = &f.actor {
            cond(&mut sql, "actor =", Arg::Text(actor.clone()));
        }
        if let Some(outcome) = f.outcome {
            cond(&mut sql, "outcome =", Arg::Text(outcome.as_str().into()));
        }
        if let Some(from) = f.from_ms {
            cond(&mut sql, "started_ms >=", Arg::Int(from));
        }
        if let Some(to) = f.to_ms {
            cond(&mut sql, "started_ms <", Arg::Int(to));
        }
        args.push(Arg::Int(i64::from(f.limit)));
        sql.push_str(&format!(
            " ORDER BY started_ms DESC, id DESC LIMIT ${}",
            args.len()
        ));
        let mut query = sqlx::query(&sql);
        for arg in args {
            query = match arg {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(entry).collect()
    }
}

/// Column `name` of `row`, or why it cannot be read.
fn column<T>(row: &AnyRow, name: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get::<T, _>(name)
        .map_err(|e| StoreError::Corrupt(describe(&e)))
}

fn entry(row: &AnyRow) -> Result<Entry, StoreError> {
    let text = |name: &str| column::<String>(row, name);
    let int = |name: &str| column::<Option<i64>>(row, name);
    let outcome = text("outcome")?;
    Ok(Entry {
        id: text("id")?,
        started_ms: int("started_ms")?.unwrap_or_default(),
        finished_ms: int("finished_ms")?,
        replica: text("replica")?,
        actor: text("actor")?,
        role: text("role")?,
        client_addr: text("client_addr")?,
        namespace: text("namespace")?,
        app: text("app")?,
        action: {
            let action = text("action")?;
            Action::parse(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("action {action:?}")))?
        },
        count: int("count")?.and_then(|c| u32::try_from(c).ok()),
        worker_ids: split(&text("worker_ids")?),
        outcome: Outcome::parse(&outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("outcome {outcome:?}")))?,
        detail: text("detail")?,
        new_ids: split(&text("new_ids")?),
        upstream_status: int("upstream_status")?.and_then(|s| u16::try_from(s).ok()),
        duration_ms: int("duration_ms")?,
    })
}

/// A signed-in person's session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the id in the browser's cookie.
    pub id_hash: String,
    pub actor: String,
    /// Their EverAI token, sealed by the caller.
    pub token_sealed: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
}

impl Store {
    /// Stores a new session.
    pub async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, actor, token_sealed, created_ms, last_seen_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(&s.actor)
        .bind(&s.token_sealed)
        .bind(s.created_ms)
        .bind(s.last_seen_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this id hash, if there is one.
    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT id_hash, actor, token_sealed, created_ms, last_seen_ms FROM sessions \
             WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let text = |n: &str| column::<String>(&row, n);
            let int = |n: &str| column::<i64>(&row, n);
            Ok(Session {
                id_hash: text("id_hash")?,
                actor: text("actor")?,
                token_sealed: text("token_sealed")?,
                created_ms: int("created_ms")?,
                last_seen_ms: int("last_seen_ms")?,
            })
        })
        .transpose()
    }

    /// Records that the session was used at `now_ms`.
    pub async fn touch_session(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE id_hash = $2")
            .bind(now_ms)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session (sign-out).
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions idle since before `idle_before_ms` or created before
    /// `created_before_ms`; returns how many.
    pub async fn purge_sessions(
        &self,
        idle_before_ms: i64,
        created_before_ms: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_ms < $1 OR created_ms < $2")
            .bind(idle_before_ms)
            .bind(created_before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// What one take from an allowance found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Taken,
    /// Spent: the next one is allowed in this many microseconds.
    Refused {
        wait_us: i64,
    },
}

/// An allowance: `per_minute` takes a minute, any of them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub per_minute: u32,
}

impl Allowance {
    /// Microseconds between takes when the allowance is spent.
    fn interval_us(self) -> i64 {
        60_000_000 / i64::from(self.per_minute.max(1))
    }

    /// How far ahead of now a bucket may be full again: the whole allowance.
    fn span_us(self) -> i64 {
        self.interval_us() * i64::from(self.per_minute.max(1))
    }
}

impl Store {
    /// Takes one from `bucket`'s `allowance` at `now_us` (microseconds since
    /// the Unix epoch), for every replica at once: one statement, which
    /// both databases apply to the bucket's row one at a time.
    pub async fn take(
        &self,
        bucket: &str,
        allowance: Allowance,
        now_us: i64,
    ) -> Result<Take, StoreError> {
        let (interval, span) = (allowance.interval_us(), allowance.span_us());
        let done = sqlx::query(
            "INSERT INTO allowances (bucket, full_at_us) VALUES ($1, $2 + $3) \
             ON CONFLICT (bucket) DO UPDATE SET full_at_us = \
             (CASE WHEN allowances.full_at_us > $2 THEN allowances.full_at_us ELSE $2 END) + $3 \
             WHERE (CASE WHEN allowances.full_at_us > $2 THEN allowances.full_at_us ELSE $2 END) + $3 <= $2 + $4",
        )
        .bind(bucket)
        .bind(now_us)
        .bind(interval)
        .bind(span)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Take::Taken);
        }
        let row = sqlx::query("SELECT full_at_us FROM allowances WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(&self.pool)
            .await?;
        let full_at: i64 = match row {
            Some(row) => row
                .try_get("full_at_us")
                .map_err(|e| StoreError::Corrupt(describe(&e)))?,
            // Purged in between by a replica whose clock is ahead: the
            // bucket was spent a moment ago; the next take is one interval
            // from now.
            None => now_us + span,
        };
        Ok(Take::Refused {
            wait_us: (full_at.max(now_us) + interval - now_us - span).max(1),
        })
    }

    /// Gives back to `bucket` the one just taken (what it was taken for
    /// did not happen).
    pub async fn give_back(&self, bucket: &str, allowance: Allowance) -> Result<(), StoreError> {
        sqlx::query("UPDATE allowances SET full_at_us = full_at_us - $1 WHERE bucket = $2")
            .bind(allowance.interval_us())
            .bind(bucket)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the buckets that are full again by `now_us`: they carry no
    /// information. Returns how many.
    pub async fn purge_allowances(&self, now_us: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM allowances WHERE full_at_us < $1")
            .bind(now_us)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
