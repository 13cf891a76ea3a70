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

fn postgres_url() -> Option<String> {
    console_store::test_postgres_url("replica tests skipped")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
            .env("LEPTOS_SITE_ROOT", "target/site")
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
            if let Ok(res) = http.get(format!("{}/audit", self.base())).send().await
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
        let key = uuid::Uuid::new_v4().simple().to_string();
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
            ("key", key.as_str()),
            ("view", ""),
        ]);
        request.send()
    }
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
    let Some(database) = postgres_url() else {
        return;
    };
    let (_sim, upstream) = simulator().await;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let a = Console::start(free_port(), &format!("a-{run}"), &upstream, &database);
    let b = Console::start(free_port(), &format!("b-{run}"), &upstream, &database);
    let http = http();
    a.ready(&http).await;
    b.ready(&http).await;

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
    let Some(database) = postgres_url() else {
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

#[tokio::test]
async fn a_session_made_on_one_replica_works_on_the_other() {
    let Some(database) = postgres_url() else {
        return;
    };
    let (sim, upstream) = simulator().await;
    sim.add_user("ana", "tok-ana");
    let key = "5a".repeat(32);
    let settings = [
        ("CONSOLE_AUTH", "token"),
        ("CONSOLE_SESSION_KEY", key.as_str()),
    ];
    let run = uuid::Uuid::new_v4().simple().to_string();
    let a = Console::start_with(
        free_port(),
        &format!("sa-{run}"),
        &upstream,
        &database,
        &settings,
    );
    let b = Console::start_with(
        free_port(),
        &format!("sb-{run}"),
        &upstream,
        &database,
        &settings,
    );
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
