//! The real router under load, against a failing platform, and given
//! hostile input: what a person sees, and how many calls the simulated
//! platform received (counted by the simulator itself).

use std::time::Duration;

use app::state::AppState;
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use everai_api::{Gateway, GatewayOptions};
use everai_sim::{SimConfig, Simulator, faults::Faults};
use futures::future::join_all;
use http_body_util::BodyExt;
use server::guard::Guard;
use tower::ServiceExt;

mod support;
use support::{Reply, get, send, server_fn};

const TOKEN: &str = "pressure-token";

/// A gateway to the platform (simulator or double) at `addr`, with a 2 s
/// deadline per call to keep the failure tests short.
fn platform_at(addr: std::net::SocketAddr, options: GatewayOptions) -> Gateway {
    Gateway::new(
        support::client(&format!("http://{addr}"), TOKEN, Duration::from_secs(2)),
        options,
    )
}

/// The audit log's newest records.
async fn audit_log(w: &World) -> Vec<console_store::Entry> {
    w.state
        .store
        .list(&console_store::Filter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
}
const PAGE: &str = "/namespaces/default/apps/image-resize/workers";

struct World {
    sim: Simulator,
    state: AppState,
}

async fn world(options: GatewayOptions) -> World {
    let sim = Simulator::demo(&SimConfig {
        token: TOKEN.into(),
        seed: 3,
        time_scale: 1.0,
        faults: Faults::default(),
    });
    let addr = sim.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let state = support::app_state(platform_at(addr, options)).await;
    World { sim, state }
}

/// A world whose platform answers every worker list with `body` (JSON).
async fn world_serving(body: String) -> World {
    use axum::routing::get as route_get;
    let double = double(Router::new().route(
        "/api/apps/v1/namespaces/{ns}/apps/{app}/workers",
        route_get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    ))
    .await;
    let mut w = world(GatewayOptions::default()).await;
    w.state.gateway = platform_at(double, GatewayOptions::default());
    w
}

impl World {
    fn router(&self) -> Router {
        server::router(self.state.clone())
    }

    fn list_calls(&self) -> u64 {
        self.sim.calls().get("list_workers").copied().unwrap_or(0)
    }

    fn fail(&self, app: &str, faults: Faults) {
        self.sim.set_faults(Faults {
            apps: vec![format!("default/{app}")],
            ..faults
        });
    }
}

/// A scale-up form post of `count` workers to `default/empty-app`, as the
/// console's own confirmation sends it.
fn scale_up_post(count: &str, key: &str) -> Request<Body> {
    support::form_post(
        "/api/scale_up",
        &[
            ("namespace", "default"),
            ("app", "empty-app"),
            ("count", count),
            ("key", key),
            ("view", ""),
        ],
        support::OWN_ORIGIN,
    )
}

#[tokio::test]
async fn a_hundred_viewers_of_one_app_cost_the_platform_one_list_call() {
    let w = world(GatewayOptions::default()).await;
    // One router: one set of metrics.
    let router = w.router();
    // Each on its own task, as the server runs each request.
    let replies: Vec<Reply> =
        join_all((0..100).map(|_| tokio::spawn(send(router.clone(), get(PAGE)))))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert!(replies.iter().all(|r| r.body.contains("<table")));
    assert_eq!(w.list_calls(), 1);
    // Later viewers within the keeping time get the same read.
    let again = send(router.clone(), get(PAGE)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(w.list_calls(), 1);
    // And the metrics say so.
    let metrics = send(router.clone(), get("/metrics")).await.body;
    // One call per endpoint: the list, and the app, queue and events read
    // beside it.
    for endpoint in ["list_workers", "get_app", "list_queue", "list_events"] {
        let line =
            format!(r#"console_upstream_calls_total{{endpoint="{endpoint}",outcome="ok"}} 1"#);
        assert!(metrics.contains(&line), "{line} in {metrics}");
        assert_eq!(w.sim.calls().get(endpoint).copied(), Some(1), "{endpoint}");
    }
    let shared: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("console_upstream_shared_reads_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    // 100 later viewers, each sharing four reads.
    assert_eq!(shared, 400);
    assert!(
        metrics.contains(
            r#"console_http_requests_total{method="GET",route="/namespaces/{ns}/apps/{app}/workers",status="200"} 101"#
        ),
        "{metrics}"
    );
    assert!(!metrics.contains("image-resize"), "no app names in metrics");
}

#[tokio::test]
async fn a_hundred_worker_pages_of_one_app_cost_the_platform_one_read_of_each_list() {
    let w = world(GatewayOptions::default()).await;
    let ns = everai_api::Namespace::parse("default").unwrap();
    let app = everai_api::AppName::parse("image-resize").unwrap();
    // Read past the console: the pages' reads are counted from here.
    let client = w.state.gateway.client();
    let live = client.list_workers(&ns, &app, false, 2).await.unwrap();
    let all = client.list_workers(&ns, &app, true, 30).await.unwrap();
    let ended: Vec<String> = all
        .workers
        .iter()
        .filter(|a| !live.workers.iter().any(|l| l.id == a.id))
        .map(|a| a.id.clone())
        .collect();
    assert!(!ended.is_empty() && !live.workers.is_empty());
    let before = w.list_calls();
    let router = w.router();
    // Half of them on live workers, half on ended ones (found in history).
    let paths: Vec<String> = (0..100)
        .map(|i| {
            let id = if i % 2 == 0 {
                &live.workers[i % live.workers.len()].id
            } else {
                &ended[i % ended.len()]
            };
            format!("{PAGE}/{id}")
        })
        .collect();
    let replies: Vec<Reply> = join_all(
        paths
            .iter()
            .map(|p| tokio::spawn(send(router.clone(), get(p)))),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    let found_in = |where_: &str| {
        replies
            .iter()
            .filter(|r| r.body.contains(&format!(r#"data-found-in="{where_}""#)))
            .count()
    };
    assert_eq!((found_in("live"), found_in("history")), (50, 50));
    // One live list and one history list, one app and one events read.
    assert_eq!(w.list_calls() - before, 2);
    for endpoint in ["get_app", "list_events"] {
        assert_eq!(w.sim.calls().get(endpoint).copied(), Some(1), "{endpoint}");
    }
}

#[tokio::test]
async fn a_hundred_history_pages_of_one_app_cost_the_platform_one_read_of_each_endpoint() {
    // The statistics window is whole hours (days): pages that straddle
    // the turn of an hour (a UTC day) ask two questions, honestly two reads.
    let bucket = |size: u64| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / size
    };
    let (hour, day) = (bucket(3600), bucket(86_400));
    let w = world(GatewayOptions::default()).await;
    let router = w.router();
    let history = "/namespaces/default/apps/stable-diffusion/history?days=2";
    let replies: Vec<Reply> =
        join_all((0..100).map(|_| tokio::spawn(send(router.clone(), get(history)))))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    // Every page has the requests card, drawn from the one read.
    let cards = replies
        .iter()
        .filter(|r| r.body.contains(r#"data-testid="requests-summary""#))
        .count();
    assert_eq!(cards, 100);
    let calls = w.sim.calls();
    for endpoint in ["list_workers", "list_events"] {
        assert_eq!(calls.get(endpoint).copied(), Some(1), "{endpoint}");
    }
    let by_hour = 1 + (bucket(3600) - hour);
    assert_eq!(calls.get("request_statistic").copied(), Some(by_hour));
    // By the day is another question: one more read, shared in its turn.
    for _ in 0..3 {
        let r = send(router.clone(), get(&format!("{history}&interval=day"))).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let by_day = 1 + (bucket(86_400) - day);
    assert_eq!(
        w.sim.calls().get("request_statistic").copied(),
        Some(by_hour + by_day)
    );
}

#[tokio::test]
async fn with_keeping_off_each_refresh_reads_the_platform_again() {
    let w = world(GatewayOptions {
        list_cache: Duration::ZERO,
        ..Default::default()
    })
    .await;
    for n in 1..=3 {
        assert_eq!(send(w.router(), get(PAGE)).await.status, StatusCode::OK);
        assert_eq!(w.list_calls(), n);
    }
}

#[tokio::test]
async fn an_app_failing_again_and_again_is_paused_with_a_banner_and_recovers() {
    let clock = everai_api::Clock::default();
    let w = world(GatewayOptions {
        list_cache: Duration::ZERO,
        breaker_failures: 3,
        // Passed by moving the gateway's clock on, not waited for.
        breaker_open: Duration::from_secs(90),
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    w.fail(
        "image-resize",
        Faults {
            error_rate: 1.0,
            error_status: 502,
            ..Faults::default()
        },
    );
    for _ in 0..3 {
        let r = send(w.router(), get(PAGE)).await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY);
        assert!(
            r.body.contains("The EverAI API failed on its side (502)"),
            "{}",
            r.body
        );
    }
    assert_eq!(w.list_calls(), 3);
    // Paused: a fast 503 that says why and when, and no call.
    let started = std::time::Instant::now();
    let r = send(w.router(), get(PAGE)).await;
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers[header::RETRY_AFTER], "90");
    assert!(
        r.body.contains("failed several times in a row for this app, so the console is not calling it for the next 90 s"),
        "{}",
        r.body
    );
    assert_eq!(w.list_calls(), 3);
    // Other apps are served meanwhile.
    let other = send(
        w.router(),
        get("/namespaces/default/apps/empty-app/workers"),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    let metrics = send(w.router(), get("/metrics")).await.body;
    // The list's breaker and those of the three reads beside it.
    assert!(
        metrics.contains("console_upstream_open_circuits 4"),
        "{metrics}"
    );

    // The platform recovers; after the pause the page is back by itself.
    w.sim.set_faults(Faults::default());
    let r = send(w.router(), get(PAGE)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "still paused");
    clock.advance(Duration::from_secs(90));
    let r = send(w.router(), get(PAGE)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let metrics = send(w.router(), get("/metrics")).await.body;
    assert!(
        metrics.contains("console_upstream_open_circuits 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn past_its_bounds_the_console_answers_503_with_retry_after_at_once() {
    // One platform call at a time and no queue: a second page at the same
    // time gets the busy banner at once.
    let w = world(GatewayOptions {
        max_in_flight: 1,
        max_waiting: 0,
        ..Default::default()
    })
    .await;
    w.fail(
        "image-resize",
        Faults {
            latency_ms: 700,
            ..Faults::default()
        },
    );
    let slow = tokio::spawn(send(w.router(), get(PAGE)));
    within_ten_seconds(
        || w.list_calls() > 0,
        || "no list call reached the platform".into(),
    )
    .await;
    let started = std::time::Instant::now();
    let busy = send(
        w.router(),
        get("/namespaces/default/apps/empty-app/workers"),
    )
    .await;
    assert!(started.elapsed() < Duration::from_millis(500), "not queued");
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers[header::RETRY_AFTER], "1");
    assert!(busy.body.contains("The console is busy"), "{}", busy.body);
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    assert_eq!(w.list_calls(), 1);

    // Requests at once: past the bound, a plain 503 before any work.
    w.fail(
        "empty-app",
        Faults {
            latency_ms: 700,
            ..Faults::default()
        },
    );
    let guarded = server::router_with(w.state.clone(), Guard::new(vec!["127.0.0.1".into()], 1));
    let slow = tokio::spawn(send(
        guarded.clone(),
        get("/namespaces/default/apps/empty-app/workers"),
    ));
    within_ten_seconds(
        || w.list_calls() >= 2,
        || format!("{} of 2 list calls reached the platform", w.list_calls()),
    )
    .await;
    let shed = send(guarded.clone(), get("/healthz")).await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.headers[header::RETRY_AFTER], "1");
    assert!(shed.body.contains("serving as many requests as it allows"));
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    assert_eq!(send(guarded, get("/healthz")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unexpected_host_headers_are_refused_before_any_call() {
    let w = world(GatewayOptions::default()).await;
    for host in [
        "evil.example",
        "127.0.0.1.evil.example:3000",
        "localhost@evil",
        "[::2]:3000",
    ] {
        let r = send(
            w.router(),
            Request::get(PAGE)
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{host}");
        assert!(
            r.body.contains("does not answer to that Host name"),
            "{host}"
        );
        assert!(r.headers.contains_key("x-request-id"));
    }
    assert_eq!(w.list_calls(), 0);
    for host in ["localhost:3000", "127.0.0.1", "[::1]:8080"] {
        let r = send(
            w.router(),
            Request::get("/healthz")
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let w = world(GatewayOptions::default()).await;
    let huge = "workers=".to_string() + &"w".repeat(server::MAX_BODY_BYTES + 1);
    // Said up front, and not said (a chunked body): both refused.
    for declared in [true, false] {
        let mut request = Request::post("/api/scale_down")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if declared {
            request = request.header(header::CONTENT_LENGTH, huge.len());
        }
        let r = send(w.router(), request.body(Body::from(huge.clone())).unwrap()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{declared}");
        assert!(r.body.contains("larger than the 256 KiB"), "{}", r.body);
    }
    assert!(w.sim.calls().is_empty(), "{:?}", w.sim.calls());
}

#[tokio::test]
async fn each_person_gets_a_bounded_number_of_scale_actions_per_minute() {
    let mut w = world(GatewayOptions::default()).await;
    w.state.action_limit = std::sync::Arc::new(app::limits::ActionLimiter::new(2));
    let key = |i: u8| format!("{i:032x}");
    for i in 0..2 {
        assert_eq!(
            send(w.router(), scale_up_post("1", &key(i))).await.status,
            StatusCode::SEE_OTHER
        );
    }
    // A repeated post of a form already sent costs nothing.
    assert_eq!(
        send(w.router(), scale_up_post("1", &key(1))).await.status,
        StatusCode::SEE_OTHER
    );
    let r = send(w.router(), scale_up_post("1", &key(9))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(w.sim.calls().get("scale_up").copied(), Some(2));
    let log = audit_log(&w).await;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .any(|e| e.outcome == console_store::Outcome::Rejected
                && e.detail.starts_with("rate limited")),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_brake_draws_on_the_same_allowance_and_a_refused_pause_is_on_record() {
    let mut w = world(GatewayOptions::default()).await;
    w.state.action_limit = std::sync::Arc::new(app::limits::ActionLimiter::new(1));
    let key = |i: u8| format!("{i:032x}");
    assert_eq!(
        send(w.router(), scale_up_post("1", &key(1))).await.status,
        StatusCode::SEE_OTHER
    );
    // The allowance is spent on a scale-up: a pause must wait its turn too,
    // or the brake would be a way around the limit.
    let pause_key = key(2);
    let pause = support::form_post(
        "/api/pause_app",
        &[
            ("namespace", "default"),
            ("app", "empty-app"),
            ("confirm_name", "empty-app"),
            ("key", &pause_key),
            ("view", ""),
        ],
        support::OWN_ORIGIN,
    );
    let r = send(w.router(), pause).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(w.sim.calls().get("pause"), None, "{:?}", w.sim.calls());
    let log = audit_log(&w).await;
    assert!(
        log.iter().any(|e| e.action == console_store::Action::Pause
            && e.outcome == console_store::Outcome::Rejected
            && e.detail.starts_with("rate limited")),
        "{log:?}"
    );
}

#[tokio::test]
async fn every_reply_carries_a_request_id_and_metrics_need_no_sign_in() {
    let mut w = world(GatewayOptions::default()).await;
    w.state.auth = std::sync::Arc::new(app::auth::AuthConfig {
        mode: app::auth::AuthMode::Proxy {
            header: header::HeaderName::from_static("x-forwarded-user"),
            trusted: vec!["10.0.0.1/32".parse().unwrap()],
            operators: Default::default(),
        },
        read_only: false,
        proxies: Vec::new(),
    });
    let a = send(w.router(), get("/metrics")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let b = send(w.router(), get(PAGE)).await;
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
    let ids: Vec<&str> = [&a, &b]
        .iter()
        .map(|r| r.headers["x-request-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter()
            .all(|id| id.len() == 16 && id.bytes().all(|c| c.is_ascii_hexdigit()))
    );
    assert_ne!(ids[0], ids[1]);
}

/// Serves `router` on a loopback port with `options`; the sender stops it.
async fn serving(
    router: Router,
    options: server::serve::ServeOptions,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve::serve(
        listener,
        router,
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, task)
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = world(GatewayOptions::default()).await;
    let (addr, _stop, _task) = serving(
        w.router(),
        server::serve::ServeOptions {
            header_read_timeout: Duration::from_millis(300),
            ..Default::default()
        },
    )
    .await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    // The rest of the headers never comes: the server closes the
    // connection (possibly after a 408) well before this test gives up.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection was held open");
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // A well-behaved client on another connection is served.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    ok.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test]
async fn an_oversized_request_head_is_refused_with_431() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = world(GatewayOptions::default()).await;
    let (addr, _stop, _task) = serving(w.router(), server::serve::ServeOptions::default()).await;
    let exchange = |head: String| async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        // The server may answer and close before it has read it all.
        let _ = stream.write_all(head.as_bytes()).await;
        let mut reply = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
        assert!(read.is_ok(), "no answer within 10 s");
        String::from_utf8_lossy(&reply).into_owned()
    };
    let request = |cookie: usize, extra: usize| {
        let mut head = format!(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: a={}\r\n",
            "x".repeat(cookie)
        );
        for i in 0..extra {
            head.push_str(&format!("X-Extra-{i}: 1\r\n"));
        }
        head + "\r\n"
    };
    // A 200 KB cookie, and a head of 110 header lines.
    let reply = exchange(request(200 << 10, 0)).await;
    assert!(reply.starts_with("HTTP/1.1 431"), "{:.80}", reply);
    let reply = exchange(request(10, 110)).await;
    assert!(reply.starts_with("HTTP/1.1 431"), "{:.80}", reply);
    // What a browser sends is served: a 16 KB cookie and 40 headers.
    let reply = exchange(request(16 << 10, 40)).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{:.80}", reply);
}

#[tokio::test]
async fn a_stop_lets_the_requests_in_progress_finish() {
    let w = world(GatewayOptions::default()).await;
    w.fail(
        "image-resize",
        Faults {
            latency_ms: 600,
            ..Faults::default()
        },
    );
    let (addr, stop, task) = serving(w.router(), Default::default()).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}{PAGE}");
    let in_progress = tokio::spawn({
        let http = http.clone();
        async move { http.get(url).send().await }
    });
    within_ten_seconds(
        || w.list_calls() > 0,
        || "no list call reached the platform".into(),
    )
    .await;
    stop.send(()).unwrap();
    let reply = in_progress
        .await
        .unwrap()
        .expect("the request in progress was answered");
    assert_eq!(reply.status(), 200);
    assert!(reply.text().await.unwrap().contains("<table"));
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server stopped once the request was done")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after the stop"
    );
}

#[tokio::test]
async fn hostile_paths_and_queries_get_a_specific_400_and_no_call() {
    let w = world(GatewayOptions::default()).await;
    let long = format!("/namespaces/default/apps/{}/workers", "a".repeat(64));
    let cases = [
        // Dots, encoded slashes, NUL, control characters, non-UTF-8 bytes,
        // malformed percent-encoding: refused before any page.
        (
            "/namespaces/default/apps/..%2F..%2Fetc/workers",
            "encoded '/'",
        ),
        ("/namespaces/default/apps/%2E%2E/workers", "'..' segment"),
        ("/namespaces/..%2Fadmin/apps/x/workers", "encoded '/'"),
        (
            "/namespaces/default/apps/a%00b/workers",
            "control characters",
        ),
        (
            "/namespaces/default/apps/a%0Ab/workers",
            "control characters",
        ),
        ("/namespaces/default/apps/%FF%FE/workers", "not valid UTF-8"),
        (
            "/namespaces/default/apps/%E0%A4%A/workers",
            "malformed percent-encoding",
        ),
        (
            "/namespaces/default/apps/%zz/workers",
            "malformed percent-encoding",
        ),
        (
            "/namespaces/default/apps/x/workers?q=%00",
            "control characters",
        ),
        // Well-formed, but not a name: the page's own banner says why.
        (
            "/namespaces/default/apps/-lead/workers",
            "start and end with a letter or digit",
        ),
        (long.as_str(), "at most 63 are allowed"),
    ];
    for (path, why) in cases {
        let r = send(w.router(), get(path)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(
            r.body.contains(why),
            "{path}: expected {why:?} in {}",
            r.body
        );
    }
    assert!(w.sim.calls().is_empty(), "{:?}", w.sim.calls());
    // A bad history window is corrected, and the page says so.
    for q in [
        "?days=0",
        "?days=99999999999999999999999",
        "?days=abc",
        "?days=-3",
    ] {
        let path = format!("/namespaces/default/apps/image-resize/history{q}");
        let r = send(w.router(), get(&path)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.body.contains("days must be a whole number from 1 to 30")
                || r.body.contains("The platform keeps at most 30 days"),
            "{path}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn whatever_the_platform_sends_is_shown_as_text_never_markup() {
    // A platform (double) whose answer carries markup in every text field
    // the console shows: the ids, the GPU, the revision, and statuses it
    // does not know (shown as they came).
    let evil = r#"<img src=x onerror="alert(1)">"#;
    let closer = "</script><script>alert(2)</script>";
    let worker = |n: u32, gpu_field: &str| {
        let mut w = serde_json::json!({
            "id": format!("w{n}{evil}"),
            "deviceId": format!("{evil}{closer}"),
            "status": format!("STATUS_{evil}"),
            "detailStatus": format!("DETAIL_{closer}"),
            "createdAt": "2026-11-26T09:35:18.362Z",
            "appRevision": format!("v1{closer}"),
            "GPUs": 1,
        });
        w[gpu_field] = serde_json::Value::String(format!("A100{evil}"));
        w
    };
    // Ended: the history page's table shows it.
    let mut ended = worker(3, "GPUName");
    ended["status"] = "STATUS_TERMINATED".into();
    ended["deletedAt"] = "2026-11-26T10:35:18.362Z".into();
    let body = serde_json::json!({
        "workers": [worker(1, "GPUName"), worker(2, "gpuModel"), ended],
        "maxWorkers": "5"
    })
    .to_string();
    let w = world_serving(body).await;
    for page in [
        PAGE.to_string(),
        format!("{PAGE}?sort=gpu"),
        "/namespaces/default/apps/image-resize/history?days=2".to_string(),
    ] {
        let r = send(w.router(), get(&page)).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        assert!(r.body.contains("&lt;img src=x"), "{page}: {}", r.body);
        assert!(
            !r.body.contains(evil),
            "{page}: markup from the platform reached the page"
        );
        assert!(!r.body.contains("<script>alert(2)"), "{page}: {}", r.body);
    }
}

#[tokio::test]
async fn an_odd_value_blanks_and_marks_its_own_cell_and_the_list_stays() {
    let body = serde_json::json!({
        "workers": [
            {
                "id": "odd-1",
                "status": {"phase": "up"},
                "detailStatus": "DETAIL_STATUS_FREE",
                "createdAt": "2026-11-26T09:35:18.362Z",
                "successCount": -1,
                "failedCount": 2.5,
                "CPUs": "lots",
                "memory": true,
                "GPUName": "A100",
                "GPUs": {"n": 1},
                "appRevision": "v7",
            },
            {
                "id": "plain-1",
                "status": "STATUS_RUNNING",
                "detailStatus": "DETAIL_STATUS_FREE",
                "createdAt": "2026-11-26T09:35:19.362Z",
                "successCount": "41",
                "CPUs": 2,
                "memory": "4096",
            },
        ],
        "maxWorkers": "five",
        "queueSize": -3,
    })
    .to_string();
    let w = world_serving(body).await;
    for sort in ["", "?sort=success", "?sort=cpus&dir=desc", "?sort=gpu"] {
        let r = send(w.router(), get(&format!("{PAGE}{sort}"))).await;
        assert_eq!(r.status, StatusCode::OK, "{sort}: {}", r.body);
        assert_eq!(r.body.matches("data-worker-id=").count(), 2, "{sort}");
        // Four odd numbers in the odd worker's row, each marked and named;
        // the GPU count is marked on its cell.
        assert_eq!(
            r.body.matches("Unreadable value").count(),
            4,
            "{sort}: {}",
            r.body
        );
        for raw in ["-1", "2.5", "lots", "true"] {
            assert!(
                r.body.contains(&format!("The platform sent “{raw}” here")),
                "{sort}: {raw}: {}",
                r.body
            );
        }
        assert!(r.body.contains("?× A100"), "{sort}");
        // The status of the wrong kind is an unknown status, shown as sent.
        assert!(r.body.contains("phase"), "{sort}");
        // The readable worker and the rest of the odd one are as usual.
        assert!(r.body.contains(">41<"), "{sort}");
        assert!(r.body.contains("4 GiB"), "{sort}");
        assert!(r.body.contains(">v7<"), "{sort}");
        // An odd maxWorkers is no note, not a wrong one.
        assert!(!r.body.contains("of at most"), "{sort}");
    }
}

#[tokio::test]
async fn workers_of_unknown_status_are_removed_only_by_hand_and_flagged_when_picked() {
    let worker = |id: &str, status: &str| {
        serde_json::json!({
            "id": id,
            "status": status,
            "detailStatus": "DETAIL_STATUS_FREE",
            "createdAt": "2026-11-26T09:35:18.362Z",
        })
    };
    let body = serde_json::json!({
        "workers": [
            worker("napping-1", "STATUS_NAPPING"),
            worker("blank-1", "STATUS_UNSPECIFIED"),
        ],
        "maxWorkers": "5"
    })
    .to_string();
    let w = world_serving(body).await;
    // By count: nothing the console can vouch for, and it says what to do.
    let r = send(w.router(), get(&format!("{PAGE}?confirm=down&count=1"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("no workers that can be removed by count. 2 more have a status the console does not know: select them in the table"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(r#"action="/api/scale_down""#),
        "{}",
        r.body
    );
    // Picked by hand: allowed, and the confirmation counts them apart from
    // the busy or starting ones.
    let r = send(
        w.router(),
        get(&format!(
            "{PAGE}?confirm=down&worker=napping-1&worker=blank-1"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(r#"action="/api/scale_down""#), "{}", r.body);
    assert!(
        r.body
            .contains("2 of these have a status the console does not know"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("busy or still starting"),
        "free workers of unknown status are not busy: {}",
        r.body
    );
}

/// Serves `router` as a stand-in for the platform; returns its address.
async fn double(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

#[tokio::test]
async fn a_platform_server_errors_text_stays_in_the_log_never_the_page() {
    use axum::routing::get as route_get;
    let inside = "internal: db at 10.0.0.5 down";
    let double = double(Router::new().route(
        "/api/apps/v1/namespaces/{ns}/apps/{app}/workers",
        route_get(move || async move {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "code": 13, "message": inside, "details": [] }).to_string(),
            )
        }),
    ))
    .await;
    let mut w = world(GatewayOptions::default()).await;
    w.state.gateway = platform_at(double, GatewayOptions::default());
    let r = send(w.router(), get(PAGE)).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert!(r.body.contains("failed on its side (500)"), "{}", r.body);
    assert!(
        !r.body.contains("10.0.0.5"),
        "the platform's insides reached the page"
    );
    assert!(!r.body.contains("internal:"), "{}", r.body);
    // The same read by the browser's refresh (the server function's JSON).
    let refresh = server_fn(
        "/api/list_workers",
        &[("namespace", "default"), ("app", "image-resize")],
    );
    let r = send(w.router(), refresh).await;
    // The error as the page's script gets it, to show as above.
    assert!(
        r.body
            .contains(r#"{"Upstream":{"status":500,"message":null}}"#),
        "{}",
        r.body
    );
    assert!(!r.body.contains("10.0.0.5"), "{}", r.body);
}

#[tokio::test]
async fn a_scale_up_the_platform_caps_says_how_many_ids_it_returned() {
    let w = world(GatewayOptions::default()).await;
    // empty-app may have at most 10 workers; this platform starts as many
    // as there is room for and answers 200.
    w.sim
        .set_past_max("default", "empty-app", everai_sim::world::PastMax::Cap)
        .unwrap();
    for (count, key, said) in [
        (
            "12",
            "1",
            "accepted adding 12 workers to default/empty-app and returned 10 worker ids",
        ),
        (
            "2",
            "2",
            "accepted adding 2 workers to default/empty-app and returned no worker ids",
        ),
    ] {
        let key = format!("{key:0>32}");
        let r = send(w.router(), scale_up_post(count, &key)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let location = r.headers[header::LOCATION].to_str().unwrap().to_string();
        let page = send(w.router(), get(&location)).await;
        assert!(page.body.contains(said), "{said}: {}", page.body);
        assert!(!page.body.contains("Added 0 workers"), "{}", page.body);
    }
    assert_eq!(w.sim.calls().get("scale_up").copied(), Some(2));
}

#[tokio::test]
async fn no_action_happens_on_a_get() {
    let w = world(GatewayOptions::default()).await;
    let query =
        "?namespace=default&app=empty-app&count=1&key=0123456789abcdef0123456789abcdef&view=";
    for endpoint in ["/api/scale_up", "/api/scale_down", "/api/sign_out"] {
        let r = send(w.router(), get(&format!("{endpoint}{query}"))).await;
        assert!(
            r.status.is_client_error(),
            "{endpoint}: {} {}",
            r.status,
            r.body
        );
    }
    assert!(w.sim.calls().is_empty(), "{:?}", w.sim.calls());
    let log = audit_log(&w).await;
    assert!(log.is_empty(), "{log:?}");
}

#[tokio::test]
async fn pages_past_the_render_bound_wait_their_turn_instead_of_failing() {
    let w = world(GatewayOptions {
        list_cache: Duration::ZERO,
        ..Default::default()
    })
    .await;
    w.fail(
        "image-resize",
        Faults {
            latency_ms: 600,
            ..Faults::default()
        },
    );
    let guard = Guard::new(vec!["127.0.0.1".into()], 100).with_renders(1);
    let router = server::router_with(w.state.clone(), guard);
    let started = tokio::time::Instant::now();
    let first = tokio::spawn(send(router.clone(), get(PAGE)));
    within_ten_seconds(
        || w.list_calls() > 0,
        || "the first page never reached the platform".into(),
    )
    .await;
    let second = tokio::spawn({
        let router = router.clone();
        async move {
            let reply = send(router, get("/namespaces/default/apps/empty-app/workers")).await;
            (reply.status, tokio::time::Instant::now())
        }
    });
    // Health checks do not queue behind pages.
    assert_eq!(
        send(router.clone(), get("/healthz")).await.status,
        StatusCode::OK
    );
    assert_eq!(first.await.unwrap().status, StatusCode::OK);
    let (status, second_done) = second.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    // The first page's read takes 600 ms from after `started`; the second
    // page (whose own read is quick) could end only after it.
    assert!(
        second_done >= started + Duration::from_millis(600),
        "the second page did not wait for the first: done after {:?}",
        second_done - started
    );
    assert_eq!(w.list_calls(), 2);
}

/// A platform (double) that misbehaves in one way per app name.
async fn misbehaving_platform() -> std::net::SocketAddr {
    use axum::{extract::Path, response::IntoResponse, routing::get as route_get};
    async fn workers(Path((_ns, app)): Path<(String, String)>) -> axum::response::Response {
        let json = |status: u16, body: String| {
            (
                StatusCode::from_u16(status).unwrap(),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        };
        match app.as_str() {
            "forbidden" => json(403, r#"{"code":7,"message":"denied"}"#.into()),
            "server-error" => json(500, r#"{"code":13,"message":"internal"}"#.into()),
            "html-502" => (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>Service temporarily unavailable</body></html>",
            )
                .into_response(),
            "rate-limited" => (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "17")],
                "{}",
            )
                .into_response(),
            "truncated" => json(200, r#"{"workers":[{"id":"w1","stat"#.into()),
            // Not a worker list (odd fields of a worker are the cell's
            // problem only: see an_odd_value_blanks_and_marks_its_own_cell…).
            "wrong-types" => json(200, r#"{"workers":[7,"w1"]}"#.into()),
            "huge" => json(
                200,
                format!(r#"{{"workers":[],"pad":"{}"}}"#, "x".repeat(9 << 20)),
            ),
            "redirect" => (
                StatusCode::FOUND,
                [(header::LOCATION, "https://elsewhere.invalid/")],
                "",
            )
                .into_response(),
            "slow-headers" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                json(200, "{}".into())
            }
            "stalled-body" => {
                // The headers and the first bytes, then nothing.
                let start = futures::stream::once(async {
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"workers\":["))
                });
                let stall = futures::stream::pending();
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    axum::body::Body::from_stream(futures::StreamExt::chain(start, stall)),
                )
                    .into_response()
            }
            _ => json(404, r#"{"code":5,"message":"app not found"}"#.into()),
        }
    }
    let double = Router::new().route(
        "/api/apps/v1/namespaces/{ns}/apps/{app}/workers",
        route_get(workers),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, double).await });
    addr
}

#[tokio::test]
async fn each_kind_of_platform_failure_is_a_bounded_page_with_its_own_banner() {
    let addr = misbehaving_platform().await;
    let mut w = world(GatewayOptions::default()).await;
    // The same limits as in production, but a 2 s deadline keeps the test short.
    w.state.gateway = platform_at(
        addr,
        GatewayOptions {
            list_cache: Duration::ZERO,
            ..Default::default()
        },
    );
    let cases = [
        ("forbidden", 502, "not allowed to do this (403)"),
        ("missing", 404, "There is no app \"missing\""),
        ("server-error", 502, "failed on its side (500)"),
        ("html-502", 502, "failed on its side (502)"),
        (
            "rate-limited",
            502,
            "rate limiting the console (429). Try again in 17 s.",
        ),
        ("truncated", 502, "cannot read"),
        ("wrong-types", 502, "cannot read"),
        ("huge", 502, "cannot read"),
        ("redirect", 502, "cannot read"),
        ("slow-headers", 504, "did not answer in time"),
        ("stalled-body", 504, "did not answer in time"),
    ];
    let pages = cases.iter().map(|(app, _, _)| {
        let router = w.router();
        async move {
            let started = std::time::Instant::now();
            let reply = send(
                router,
                get(&format!("/namespaces/default/apps/{app}/workers")),
            )
            .await;
            (reply, started.elapsed())
        }
    });
    let replies = join_all(pages).await;
    for ((app, status, text), (reply, took)) in cases.iter().zip(replies) {
        assert_eq!(reply.status.as_u16(), *status, "{app}: {}", reply.body);
        assert!(reply.body.contains(text), "{app}: expected {text:?}");
        assert!(reply.body.contains("role=\"alert\""), "{app}");
        assert!(took < Duration::from_secs(5), "{app} took {took:?}");
        for raw in [
            "Service temporarily unavailable",
            "elsewhere.invalid",
            "xxxxxxxx",
            "\"code\":",
        ] {
            assert!(
                !reply.body.contains(raw),
                "{app}: the platform's own body leaked"
            );
        }
    }
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_ask() {
    use std::io::Read;
    let w = world(GatewayOptions::default()).await;
    let plain = send(w.router(), get(PAGE)).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());

    let mut request = get(PAGE);
    request.headers_mut().insert(
        header::ACCEPT_ENCODING,
        header::HeaderValue::from_static("gzip"),
    );
    let res = w.router().oneshot(request).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let vary = res.headers()[header::VARY]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(vary.contains("accept-encoding"), "{vary}");
    let sent = res.into_body().collect().await.unwrap().to_bytes();
    let mut html = String::new();
    flate2::read::GzDecoder::new(&sent[..])
        .read_to_string(&mut html)
        .unwrap();
    // The same page (its workers' table), in a fraction of the bytes.
    assert!(
        html.contains("class=\"workers\"") && html.contains("data-worker-id="),
        "{html}"
    );
    assert!(html.len().abs_diff(plain.body.len()) < 1_000);
    assert!(
        sent.len() * 3 < html.len(),
        "{} bytes for {}",
        sent.len(),
        html.len()
    );
}

/// A page whose browser goes away while the platform is still answering
/// is run to its end, and then keeps nothing: the list it read is held
/// only by the gateway that keeps it (and this test). Leptos ends a page's
/// reactive work when the page is read to its end; a page dropped before
/// that left tasks waiting for ever, each holding its list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_the_browser_left_keeps_nothing_once_its_read_is_done() {
    let w = world(GatewayOptions {
        list_cache: Duration::from_secs(60),
        ..Default::default()
    })
    .await;
    w.fail(
        "image-resize",
        Faults {
            latency_ms: 300,
            ..Faults::default()
        },
    );
    let gateway = w.state.gateway.clone();
    let page = tokio::spawn(send(w.router(), get(PAGE)));
    // Gone while its platform call is under way.
    within_ten_seconds(
        || gateway.stats().in_flight > 0,
        || "the page never called".into(),
    )
    .await;
    page.abort();
    assert!(page.await.is_err_and(|e| e.is_cancelled()));
    // The same read, shared (joined while under way, or kept after).
    let listed = gateway
        .list_workers(
            None,
            &everai_api::Namespace::parse("default").unwrap(),
            &everai_api::AppName::parse("image-resize").unwrap(),
            false,
            2,
        )
        .await
        .unwrap();
    assert_eq!(w.list_calls(), 1);
    // Holders of the list besides `listed`: the gateway's slot alone, once
    // nothing else keeps it.
    let others = || std::sync::Arc::strong_count(&listed.list) - 1;
    let held_by_gateway_alone = |when: &'static str| {
        within_ten_seconds(
            move || others() <= 1,
            move || format!("{} holders of the list 10 s after {when}", others()),
        )
    };
    held_by_gateway_alone("the page was left while its call was under way").await;
    // A page (of the kept list) whose answer began but was never read.
    let response = w.router().oneshot(get(PAGE)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    held_by_gateway_alone("the page's answer was dropped unread").await;
    assert_eq!(w.list_calls(), 1);
}

/// Waits (looking every 10 ms) until `done`, failing with `failure` after
/// 10 s.
async fn within_ten_seconds(done: impl Fn() -> bool, failure: impl Fn() -> String) {
    let start = tokio::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "{}", failure());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_history_read_outside_1_to_30_days_is_refused_in_words_before_any_call() {
    let w = world(GatewayOptions::default()).await;
    // Out of the window, or not a number of days at all: a 400 in words
    // each, not a 500.
    for (days, words) in [
        ("0", "from 1 to 30 days"),
        ("31", "from 1 to 30 days"),
        ("-1", "could not be read"),
        ("x", "could not be read"),
        ("", "could not be read"),
    ] {
        let before = w.list_calls();
        let read = server_fn(
            "/api/worker_history",
            &[
                ("namespace", "default"),
                ("app", "image-resize"),
                ("days", days),
            ],
        );
        let r = send(w.router(), read).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{days}: {}", r.body);
        assert!(r.body.contains(words), "{days}: {}", r.body);
        assert_eq!(
            w.list_calls(),
            before,
            "{days}: nothing asked of the platform"
        );
    }
    let r = send(
        w.router(),
        server_fn("/api/worker_history", &[("namespace", "default")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Within the window, the read reaches the platform.
    let read = server_fn(
        "/api/worker_history",
        &[
            ("namespace", "default"),
            ("app", "image-resize"),
            ("days", "7"),
        ],
    );
    let r = send(w.router(), read).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The apps' names in the order the start page lists them.
fn listed_apps(body: &str) -> Vec<&str> {
    body.split(r#"<tr data-app=""#)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

/// The start page's row of `app`, as HTML.
fn app_row<'a>(body: &'a str, app: &str) -> &'a str {
    let start = body
        .find(&format!(r#"<tr data-app="{app}""#))
        .unwrap_or_else(|| panic!("no row for {app} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_start_page_puts_apps_in_trouble_first_for_one_read_per_app_however_many_watch() {
    let w = world(GatewayOptions::default()).await;
    let router = w.router();
    let replies: Vec<Reply> =
        join_all((0..50).map(|_| tokio::spawn(send(router.clone(), get("/")))))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    let body = &replies[0].body;
    let order = listed_apps(body);
    assert_eq!(order.len(), 9, "{order:?}");
    // The busy app's queue is the most pressing; the paused app is listed
    // before the apps that are fine, which come last.
    assert_eq!(order[0], "autoscaled-api", "{order:?}");
    let at = |app: &str| order.iter().position(|a| *a == app).unwrap();
    assert!(at("batch-nightly") < at("empty-app"), "{order:?}");
    assert!(app_row(body, "autoscaled-api").contains("requests waiting, the oldest for"));
    let paused = app_row(body, "batch-nightly");
    assert!(paused.contains("Paused: no workers will start"), "{paused}");
    assert!(
        paused.contains("/namespaces/staging/apps/batch-nightly/workers?confirm=resume"),
        "{paused}"
    );
    assert!(app_row(body, "empty-app").contains("Looks fine"));
    assert!(body.contains(r#"data-testid="apps-summary""#));
    // Fifty viewers: one list of apps, and one queue and one day of workers
    // for each of the eight deployed apps (the paused one is not read).
    let calls = w.sim.calls();
    assert_eq!(calls.get("list_apps").copied(), Some(1), "{calls:?}");
    assert_eq!(calls.get("list_queue").copied(), Some(8), "{calls:?}");
    assert_eq!(calls.get("list_workers").copied(), Some(8), "{calls:?}");
    assert_eq!(calls.get("list_events").copied(), None, "{calls:?}");
}

#[tokio::test]
async fn a_start_page_read_that_fails_is_named_on_its_app_and_the_rest_is_checked() {
    let w = world(GatewayOptions::default()).await;
    w.sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: 503,
        apps: vec!["default/llm-chat".into()],
        calls: vec!["list_queue".into()],
        ..Faults::default()
    });
    let reply = send(w.router(), get("/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let row = app_row(&reply.body, "llm-chat");
    assert!(row.contains("The request queue could not be read"), "{row}");
    assert!(!row.contains("Looks fine"), "{row}");
    assert!(!row.contains("EVERAI") && !row.contains(TOKEN), "{row}");
    assert!(reply.body.contains("1 could not be fully checked."));
    // The other apps were read as usual.
    assert!(app_row(&reply.body, "empty-app").contains("Looks fine"));
    assert_eq!(listed_apps(&reply.body).len(), 9);
}
