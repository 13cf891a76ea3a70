//! The console as real processes: two replicas sharing one PostgreSQL and
//! one (simulated) platform, concurrent actions, and a replica killed with
//! SIGKILL in the middle of a scale call.
//!
//! Needs the PostgreSQL server that `make test-rust` starts
//! (`CONSOLE_TEST_POSTGRES_URL`); under CI its absence is a failure.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use console_store::{Filter, Outcome, Store};
use everai_sim::{SimConfig, Simulator, faults::Faults};

const TOKEN: &str = "replica-test-token";

/// A database of the test's own on the tests' PostgreSQL server: the
/// replicas of one test share it, and no other test's records or
/// allowances meet theirs.
async fn postgres_url() -> Option<String> {
    console_store::fresh_test_postgres("replica tests skipped").await
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A site for the replicas: these tests ask for pages and actions, never
/// for the browser's files, so the site holds only what the console checks
/// at start (its main wasm, carrying this build's id). The test and the
/// console are built together, so they share the id.
/// It is written once per run, in the target directory's own temporary
/// folder (which cargo keeps for integration tests).
fn site() -> String {
    static SITE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let dir = SITE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("replica-site");
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(
            dir.join("pkg/everai_console.wasm"),
            format!("\0asm{}", app::build_id::MARK),
        )
        .unwrap();
        dir
    });
    dir.to_str().unwrap().to_string()
}

/// One console process.
struct Console {
    child: Child,
    port: u16,
    replica: String,
}

impl Console {
    fn start(port: u16, replica: &str, upstream: &str, database: &str) -> Console {
        Console::start_with(
            port,
            replica,
            upstream,
            database,
            &[("CONSOLE_AUTH", "none")],
        )
    }

    fn start_with(
        port: u16,
        replica: &str,
        upstream: &str,
        database: &str,
        settings: &[(&str, &str)],
    ) -> Console {
        let log = Console::log_path(replica);
        let child = Command::new(env!("CARGO_BIN_EXE_everai-console"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LEPTOS_OUTPUT_NAME", "everai_console")
            .env("LEPTOS_SITE_ROOT", site())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("EVERAI_ENDPOINT", upstream)
            .env("EVERAI_TOKEN", TOKEN)
            .env("CONSOLE_DATABASE_URL", database)
            .env("CONSOLE_REPLICA_ID", replica)
            // Fifty actions by one (anonymous) person in a second.
            .env("CONSOLE_ACTIONS_PER_MINUTE", "1000")
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            // The log goes to standard output; panics to standard error.
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().append(true).open(&log).unwrap(),
            ))
            .spawn()
            .expect("start the console");
        Console {
            child,
            port,
            replica: replica.to_string(),
        }
    }

    fn log_path(replica: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("console-{replica}.log"))
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn ready(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = http.get(format!("{}/healthz", self.base())).send().await
                && res.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "console {} did not start; see its log in the temp dir",
                self.replica
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Posts a scale-up of one worker with a fresh confirmation key.
    fn scale_up(
        &self,
        http: &reqwest::Client,
        app: &str,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        self.scale_up_as(http, app, None)
    }

    /// [`Console::scale_up`], with a session cookie when given one.
    fn scale_up_as(
        &self,
        http: &reqwest::Client,
        app: &str,
        cookie: Option<&str>,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        self.post_scale_up(http, app, &new_key(), cookie)
    }

    /// Posts the scale-up confirmation of one worker whose key is `key`.
    fn post_scale_up(
        &self,
        http: &reqwest::Client,
        app: &str,
        key: &str,
        cookie: Option<&str>,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        let origin = self.base();
        let mut request = http
            .post(format!("{origin}/api/scale_up"))
            .header("Origin", origin)
            .header("Accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let request = request.form(&[
            ("namespace", "default"),
            ("app", app),
            ("count", "1"),
            ("key", key),
            ("view", ""),
        ]);
        request.send()
    }
}

/// A fresh confirmation key, as a worker page would put in its form.
fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn simulator() -> (Simulator, String) {
    let sim = Simulator::demo(&SimConfig {
        token: TOKEN.into(),
        seed: 7,
        time_scale: 1.0,
        faults: Faults::default(),
    });
    let addr = sim.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sim, format!("http://{addr}"))
}

/// The newest records of `replica` (the store is shared with other tests).
async fn records(store: &Store, replica: &str) -> Vec<console_store::Entry> {
    let filter = Filter {
        limit: 5000,
        ..Filter::default()
    };
    store
        .list(&filter)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.replica == replica)
        .collect()
}

#[tokio::test]
async fn two_replicas_share_one_audit_log_and_fifty_concurrent_actions_are_all_recorded() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (_sim, upstream) = simulator().await;
    let (a, b) = two_replicas(&upstream, &database, &[]).await;
    let http = http();

    // One action through each replica.
    for console in [&a, &b] {
        let res = console.scale_up(&http, "empty-app").await.unwrap();
        assert_eq!(res.status(), 303, "{}", console.replica);
    }
    // Either replica's export shows both.
    let csv = http
        .get(format!("{}/audit.csv?app=default/empty-app", b.base()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for console in [&a, &b] {
        assert!(
            csv.lines()
                .any(|l| l.ends_with(&console.replica) && l.contains(",done,")),
            "{} missing from {csv}",
            console.replica
        );
    }

    // Fifty at once, spread over both replicas.
    let posts: Vec<_> = (0..50)
        .map(|i| {
            let console = if i % 2 == 0 { &a } else { &b };
            tokio::spawn(console.scale_up(&http, "image-resize"))
        })
        .collect();
    for post in posts {
        assert_eq!(post.await.unwrap().unwrap().status(), 303);
    }
    let store = Store::open(&database).await.unwrap();
    let mut total = 0;
    for console in [&a, &b] {
        let entries: Vec<_> = records(&store, &console.replica)
            .await
            .into_iter()
            .filter(|e| e.app == "image-resize")
            .collect();
        assert_eq!(entries.len(), 25, "{}", console.replica);
        assert!(
            entries
                .iter()
                .all(|e| e.outcome == Outcome::Done && e.new_ids.len() == 1)
        );
        total += entries.len();
    }
    assert_eq!(total, 50);
}

#[tokio::test]
async fn a_replica_killed_mid_call_finds_its_attempt_and_marks_it_unknown() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    let replica = format!("k-{}", uuid::Uuid::new_v4().simple());
    let port = free_port();
    let console = Console::start(port, &replica, &upstream, &database);
    let http = http();
    console.ready(&http).await;
    let store = Arc::new(Store::open(&database).await.unwrap());

    // The platform becomes slow: the scale call will be in flight for a while.
    sim.set_faults(Faults {
        latency_ms: 20_000,
        ..Faults::default()
    });
    let post = tokio::spawn(console.scale_up(&http, "tokenizer"));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let pending = records(&store, &replica).await;
        if pending.iter().any(|e| e.outcome == Outcome::Pending) {
            break;
        }
        assert!(Instant::now() < deadline, "no pending record appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SIGKILL: no chance to complete the record.
    drop(console);
    let _ = post.await;
    sim.set_faults(Faults::default());
    let entries = records(&store, &replica).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, Outcome::Pending);

    // The same replica starts again and accounts for it.
    let console = Console::start(port, &replica, &upstream, &database);
    console.ready(&http).await;
    let entries = records(&store, &replica).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, Outcome::Unknown);
    assert_eq!(entries[0].detail, console_store::INTERRUPTED);
    assert_eq!(entries[0].app, "tokenizer");
}

/// Two replicas of one console on `database`, each with `settings`.
async fn two_replicas(
    upstream: &str,
    database: &str,
    settings: &[(&str, &str)],
) -> (Console, Console) {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut all = vec![("CONSOLE_AUTH", "none")];
    all.extend_from_slice(settings);
    let a = Console::start_with(free_port(), &format!("a-{run}"), upstream, database, &all);
    let b = Console::start_with(free_port(), &format!("b-{run}"), upstream, database, &all);
    let http = http();
    a.ready(&http).await;
    b.ready(&http).await;
    (a, b)
}

/// Where a redirect sends the browser.
fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

fn scale_ups(sim: &Simulator) -> u64 {
    sim.calls().get("scale_up").copied().unwrap_or(0)
}

/// The outcome banner of the worker page at `location` (a redirect's
/// target), as `console` serves it.
async fn banner(http: &reqwest::Client, console: &Console, location: &str) -> String {
    let page = http
        .get(format!("{}{location}", console.base()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page
        .find(r#"data-testid="action-result""#)
        .unwrap_or_else(|| {
            let body = page.find("<body").map_or(&page[..], |i| &page[i..]);
            panic!("{}: no outcome banner in {body}", console.replica)
        });
    let start = page[..start].rfind('<').unwrap();
    let end = start + page[start..].find("</div>").unwrap();
    page[start..end].to_string()
}

#[tokio::test]
async fn one_confirmation_posted_to_two_replicas_at_once_reaches_the_platform_once() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    let (a, b) = two_replicas(&upstream, &database, &[]).await;
    let http = http();
    for round in 0..10 {
        let before = scale_ups(&sim);
        // A double click the balancer spreads, a proxy that retries: five
        // posts of one form to each replica at the same moment.
        let key = new_key();
        let posts: Vec<_> = (0..10)
            .map(|i| {
                let console = if i % 2 == 0 { &a } else { &b };
                tokio::spawn(console.post_scale_up(&http, "image-resize", &key, None))
            })
            .collect();
        let mut locations = Vec::new();
        for post in posts {
            let res = post.await.unwrap().unwrap();
            assert_eq!(res.status(), 303, "round {round}");
            locations.push(location(&res));
        }
        assert_eq!(scale_ups(&sim) - before, 1, "round {round}: one call");
        assert!(
            locations.iter().all(|l| *l == locations[0]),
            "{locations:?}"
        );
        assert!(
            locations[0].contains(&format!("action={key}")),
            "{locations:?}"
        );
        // The page after the redirect says the same on either replica.
        let (on_a, on_b) = (
            banner(&http, &a, &locations[0]).await,
            banner(&http, &b, &locations[0]).await,
        );
        assert_eq!(on_a, on_b, "round {round}");
        assert!(on_a.contains("banner-ok"), "round {round}: {on_a}");
    }
}

#[tokio::test]
async fn the_outcome_after_the_redirect_is_read_on_the_replica_that_did_not_act() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (_sim, upstream) = simulator().await;
    let (a, b) = two_replicas(&upstream, &database, &[]).await;
    let http = http();
    let res = a.scale_up(&http, "image-resize").await.unwrap();
    assert_eq!(res.status(), 303);
    let location = location(&res);
    let on_b = banner(&http, &b, &location).await;
    assert!(on_b.contains("banner-ok"), "{on_b}");
    assert_eq!(on_b, banner(&http, &a, &location).await);
    // A key no replica claimed is no outcome at all.
    let unknown = format!("{}{}", &location[..location.len() - 32], new_key());
    let gone = banner(&http, &b, &unknown).await;
    assert!(gone.contains("no record of this action"), "{gone}");
}

#[tokio::test]
async fn a_persons_allowance_of_scale_actions_counts_across_replicas() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    let (a, b) = two_replicas(&upstream, &database, &[("CONSOLE_ACTIONS_PER_MINUTE", "4")]).await;
    let http = http();
    let posts: Vec<_> = (0..10)
        .map(|i| {
            let console = if i % 2 == 0 { &a } else { &b };
            tokio::spawn(console.scale_up(&http, "image-resize"))
        })
        .collect();
    let mut statuses = Vec::new();
    for post in posts {
        statuses.push(post.await.unwrap().unwrap().status().as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 303, 303, 303, 429, 429, 429, 429, 429, 429]);
    assert_eq!(scale_ups(&sim), 4, "four a minute, not four per replica");
}

#[tokio::test]
async fn a_key_held_by_a_killed_replica_is_never_claimed_again() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    let (a, b) = two_replicas(&upstream, &database, &[]).await;
    let (port, replica) = (a.port, a.replica.clone());
    let http = http();
    let store = Store::open(&database).await.unwrap();

    // The platform becomes slow: a's call is in flight when it dies.
    sim.set_faults(Faults {
        latency_ms: 20_000,
        ..Faults::default()
    });
    let key = new_key();
    let first = tokio::spawn(a.post_scale_up(&http, "image-resize", &key, None));
    let deadline = Instant::now() + Duration::from_secs(15);
    while !records(&store, &replica)
        .await
        .iter()
        .any(|e| e.outcome == Outcome::Pending)
    {
        assert!(Instant::now() < deadline, "no pending record appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(a);
    let _ = first.await;
    sim.set_faults(Faults::default());
    let calls = scale_ups(&sim);

    // The same form posted to the other replica waits for the claim's
    // outcome rather than acting; the dead replica, back, accounts for it.
    let again = tokio::spawn(b.post_scale_up(&http, "image-resize", &key, None));
    let a = Console::start_with(
        port,
        &replica,
        &upstream,
        &database,
        &[("CONSOLE_AUTH", "none")],
    );
    a.ready(&http).await;
    let res = again.await.unwrap().unwrap();
    assert_eq!(res.status(), 303);
    let location = location(&res);
    for console in [&a, &b] {
        let said = banner(&http, console, &location).await;
        assert!(said.contains("banner-warn"), "{}: {said}", console.replica);
        assert!(
            said.contains("The console stopped before"),
            "{}: {said}",
            console.replica
        );
        // And posted once more, to either, it is still no second call.
        let res = console
            .post_scale_up(&http, "image-resize", &key, None)
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    assert_eq!(scale_ups(&sim), calls, "the key was never claimed twice");
    let held = records(&store, &replica).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].outcome, Outcome::Unknown);
    assert!(records(&store, &b.replica).await.is_empty());
}

#[tokio::test]
async fn sign_ins_from_one_address_count_across_replicas() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    // A real token, so that each check reaches the platform and is counted.
    sim.add_user("eve", "tok-eve");
    let key = "5a".repeat(32);
    let (a, b) = two_replicas(
        &upstream,
        &database,
        &[
            ("CONSOLE_AUTH", "token"),
            ("CONSOLE_SESSION_KEY", key.as_str()),
        ],
    )
    .await;
    let http = http();
    let mut statuses = Vec::new();
    for i in 0..10 {
        let console = if i % 2 == 0 { &a } else { &b };
        let res = http
            .post(format!("{}/api/sign_in", console.base()))
            .header("Origin", console.base())
            .header("Accept", "text/html")
            .form(&[("name", "Eve"), ("token", "tok-eve"), ("next", "/")])
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    statuses.sort_unstable();
    // Five a minute from one address (see limits.rs), whichever replica.
    assert_eq!(statuses, [303, 303, 303, 303, 303, 429, 429, 429, 429, 429]);
    assert_eq!(
        sim.calls().get("list_apps").copied(),
        Some(5),
        "{:?}",
        sim.calls()
    );
}

#[tokio::test]
async fn a_session_made_on_one_replica_works_on_the_other() {
    let Some(database) = postgres_url().await else {
        return;
    };
    let (sim, upstream) = simulator().await;
    sim.add_user("ana", "tok-ana");
    let key = "5a".repeat(32);
    let settings = [
        ("CONSOLE_AUTH", "token"),
        ("CONSOLE_SESSION_KEY", key.as_str()),
    ];
    let (a, b) = two_replicas(&upstream, &database, &settings).await;
    let http = http();
    let audit = |console: &Console| format!("{}/audit", console.base());
    for console in [&a, &b] {
        // Up, and asking for a sign-in.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = http.get(audit(console)).send().await {
                assert_eq!(res.status(), 303);
                assert_eq!(res.headers()["location"], "/login?next=%2Faudit");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "console {} did not start",
                console.replica
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let res = http
        .post(format!("{}/api/sign_in", a.base()))
        .header("Origin", a.base())
        .header("Accept", "text/html")
        .form(&[("name", "Ana"), ("token", "tok-ana"), ("next", "/audit")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    for console in [&a, &b] {
        let res = http
            .get(audit(console))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", console.replica);
    }
}

#[tokio::test]
async fn no_token_reaches_the_log_even_at_trace_level_and_json_lines_carry_request_ids() {
    // No PostgreSQL needed: a private SQLite file.
    let dir = std::env::temp_dir().join(format!("logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}/audit.sqlite3", dir.display());
    let (sim, upstream) = simulator().await;
    let personal = "tok-personal-5f0c9e7d";
    sim.add_user("ana", personal);
    let replica = format!("logs-{}", uuid::Uuid::new_v4().simple());
    let console = Console::start_with(
        free_port(),
        &replica,
        &upstream,
        &database,
        &[
            ("CONSOLE_AUTH", "token"),
            ("CONSOLE_LOG_FORMAT", "json"),
            ("RUST_LOG", "trace"),
        ],
    );
    let http = http();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{}/healthz", console.base()))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the console did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A refused sign-in, a good one, a page, a scale action, a failing
    // platform: every path a token travels.
    let sign_in = |token: &str| {
        http.post(format!("{}/api/sign_in", console.base()))
            .header("Origin", console.base())
            .header("Accept", "text/html")
            .form(&[("name", "Ana"), ("token", token), ("next", "/")])
            .send()
    };
    let refused = sign_in("tok-wrong-91d2").await.unwrap();
    assert_eq!(refused.headers()["location"], "/login?error=rejected");
    let res = sign_in(personal).await.unwrap();
    assert_eq!(res.headers()["location"], "/");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = format!(
        "{}/namespaces/default/apps/empty-app/workers",
        console.base()
    );
    let res = http
        .get(&page)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = console.scale_up(&http, "empty-app").await.unwrap();
    assert_eq!(res.status(), 401, "no session, no action");
    let res = console
        .scale_up_as(&http, "empty-app", Some(&cookie))
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: 502,
        ..Faults::default()
    });
    let res = http
        .get(&page)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(
        res.text().await.unwrap().contains(&request_id),
        "the banner names the request"
    );
    // A scale action against the failing platform: its call runs in a task
    // of its own, whose log lines still name the post that started it.
    let res = console
        .scale_up_as(&http, "empty-app", Some(&cookie))
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let action_id = res.headers()["x-request-id"].to_str().unwrap().to_string();

    drop(console);
    let log = std::fs::read_to_string(Console::log_path(&replica)).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(log.lines().count() > 50, "trace logging was on:\n{log}");
    for secret in [TOKEN, personal, "tok-wrong-91d2"] {
        assert!(!log.contains(secret), "{secret} is in the log");
    }
    // Every line is JSON; the failed page's lines carry its request id.
    let mut tagged = 0;
    for line in log.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if line.contains(&request_id) {
            tagged += 1;
            assert!(
                value.get("timestamp").is_some() && value.get("level").is_some(),
                "{line}"
            );
        }
    }
    assert!(
        tagged >= 2,
        "the access line and the failure line: {tagged}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("upstream_message") && l.contains(&action_id)),
        "the platform failure logged by the scale action names its request {action_id}:\n{log}"
    );
}
