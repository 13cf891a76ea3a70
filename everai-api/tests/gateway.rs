//! The gateway against a mock platform: shared and kept reads, the circuit
//! breaker, and the bound on calls at once, each counted by the requests
//! the mock actually received.
#![cfg(feature = "client")]

use std::time::Duration;

use everai_api::{
    ApiError, AppName, Client, ClientOptions, Gateway, GatewayOptions, Namespace, Sharing,
};
use futures::future::join_all;
use secrecy::SecretString;
use url::Url;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const LIST: &str = r#"{"workers":[{"id":"w1","status":"STATUS_RUNNING","detailStatus":"DETAIL_STATUS_BUSY","createdAt":"2024-09-29T09:35:18.362Z"}],"maxWorkers":"5"}"#;

fn ns() -> Namespace {
    Namespace::parse("default").unwrap()
}
fn app(name: &str) -> AppName {
    AppName::parse(name).unwrap()
}

fn gateway(server: &MockServer, options: GatewayOptions) -> Gateway {
    let client = Client::new(
        Url::parse(&server.uri()).unwrap(),
        SecretString::from("console-token"),
        ClientOptions {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_body_bytes: 64 << 10,
        },
    )
    .unwrap();
    Gateway::new(client, options)
}

async fn platform(status: u16, body: &str, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.to_owned(), "application/json")
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

async fn calls(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// Waits until the mock has received `n` requests (it answers later).
/// Waits until the mock has received `n` calls, failing after 10 s.
async fn until_received(server: &MockServer, n: usize) {
    let start = tokio::time::Instant::now();
    loop {
        let got = calls(server).await;
        if got >= n {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the mock received {got} of {n} calls in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn overlapping_identical_reads_make_one_call() {
    let server = platform(200, LIST, Duration::from_millis(300)).await;
    let gw = gateway(&server, GatewayOptions::default());
    let (ns, app) = (ns(), app("my-app"));
    let reads = (0..50).map(|_| gw.list_workers(None, &ns, &app, false, 2));
    let answers = join_all(reads).await;
    assert_eq!(calls(&server).await, 1);
    let sharing: Vec<Sharing> = answers
        .iter()
        .map(|a| a.as_ref().unwrap().sharing)
        .collect();
    assert_eq!(sharing.iter().filter(|s| **s == Sharing::Called).count(), 1);
    assert_eq!(
        sharing.iter().filter(|s| **s == Sharing::Joined).count(),
        49
    );
    let first = answers[0].as_ref().unwrap();
    assert!(
        answers
            .iter()
            .all(|a| a.as_ref().unwrap().read_at == first.read_at)
    );
    assert_eq!(first.list.workers[0].id, "w1");
    assert_eq!(gw.stats().joined, 49);
}

#[tokio::test]
async fn a_good_answer_is_kept_with_its_read_time_and_forgotten_on_scaling() {
    let server = platform(200, LIST, Duration::ZERO).await;
    let clock = everai_api::Clock::default();
    let gw = gateway(
        &server,
        GatewayOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    );
    let (ns, app) = (ns(), app("my-app"));
    let first = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    let again = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    assert_eq!(
        (first.sharing, again.sharing),
        (Sharing::Called, Sharing::Kept)
    );
    assert_eq!(
        again.read_at, first.read_at,
        "the age counts from the real read"
    );
    assert_eq!(calls(&server).await, 1);
    // Another window is another read.
    gw.list_workers(None, &ns, &app, true, 2).await.unwrap();
    assert_eq!(calls(&server).await, 2);
    // A scale action forgets the app's kept answers.
    gw.scale_up(None, &ns, &app, 1).await.ok();
    assert_eq!(calls(&server).await, 3);
    let after = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    assert_eq!(after.sharing, Sharing::Called);
    assert_eq!(calls(&server).await, 4);
    // Kept for the keeping time (5 s by default), and no longer.
    clock.advance(Duration::from_millis(4900));
    let kept = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    assert_eq!(kept.sharing, Sharing::Kept);
    clock.advance(Duration::from_millis(100));
    let read = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    assert_eq!(read.sharing, Sharing::Called);
    assert_eq!(calls(&server).await, 5);
}

#[tokio::test]
async fn with_no_keeping_only_overlapping_reads_are_shared() {
    let server = platform(200, LIST, Duration::ZERO).await;
    let gw = gateway(
        &server,
        GatewayOptions {
            list_cache: Duration::ZERO,
            ..Default::default()
        },
    );
    let (ns, app) = (ns(), app("my-app"));
    for _ in 0..3 {
        let read = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
        assert_eq!(read.sharing, Sharing::Called);
    }
    assert_eq!(calls(&server).await, 3);
}

#[tokio::test]
async fn people_with_different_tokens_never_share_an_answer() {
    let server = platform(200, LIST, Duration::ZERO).await;
    let gw = gateway(&server, GatewayOptions::default());
    let (ns, app) = (ns(), app("my-app"));
    let ana = SecretString::from("tok-ana");
    let bo = SecretString::from("tok-bo");
    gw.list_workers(Some(&ana), &ns, &app, false, 2)
        .await
        .unwrap();
    let for_bo = gw
        .list_workers(Some(&bo), &ns, &app, false, 2)
        .await
        .unwrap();
    assert_eq!(for_bo.sharing, Sharing::Called);
    let console = gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    assert_eq!(console.sharing, Sharing::Called);
    assert_eq!(calls(&server).await, 3);
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        seen,
        ["Bearer tok-ana", "Bearer tok-bo", "Bearer console-token"]
    );
}

#[tokio::test]
async fn failures_are_shared_with_waiters_but_never_kept() {
    let server = platform(503, "{}", Duration::from_millis(200)).await;
    let gw = gateway(&server, GatewayOptions::default());
    let (ns, app) = (ns(), app("my-app"));
    let answers = join_all((0..5).map(|_| gw.list_workers(None, &ns, &app, false, 2))).await;
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Err(ApiError::Upstream { status: 503, .. })))
    );
    assert_eq!(calls(&server).await, 1);
    assert!(gw.list_workers(None, &ns, &app, false, 2).await.is_err());
    assert_eq!(calls(&server).await, 2, "the next read tries again");
}

#[tokio::test]
async fn repeated_outages_pause_an_apps_calls_then_a_trial_resumes_them() {
    let server = MockServer::start().await;
    let failing = Mock::given(any())
        .respond_with(ResponseTemplate::new(502).set_body_raw("<html>down</html>", "text/html"))
        .mount_as_scoped(&server)
        .await;
    let clock = everai_api::Clock::default();
    let gw = gateway(
        &server,
        GatewayOptions {
            list_cache: Duration::ZERO,
            breaker_failures: 3,
            // Passed by moving the gateway's clock on, not waited for.
            breaker_open: Duration::from_secs(600),
            clock: clock.clone(),
            ..Default::default()
        },
    );
    let (ns, sick, well) = (ns(), app("sick"), app("well"));
    for _ in 0..3 {
        let e = gw
            .list_workers(None, &ns, &sick, false, 2)
            .await
            .unwrap_err();
        assert!(matches!(e, ApiError::Upstream { status: 502, .. }), "{e:?}");
    }
    // Paused: no call goes out, for reads or scale actions.
    let e = gw
        .list_workers(None, &ns, &sick, false, 2)
        .await
        .unwrap_err();
    let ApiError::CircuitOpen { retry_after } = e else {
        panic!("expected a pause, got {e:?}")
    };
    assert!(retry_after <= Duration::from_secs(600));
    assert!(retry_after > Duration::from_secs(590), "{retry_after:?}");
    assert!(matches!(
        gw.scale_up(None, &ns, &sick, 1).await,
        Err(ApiError::CircuitOpen { .. })
    ));
    assert_eq!(calls(&server).await, 3);
    assert_eq!(gw.stats().open_circuits, 1);
    // Other apps are not paused.
    assert!(matches!(
        gw.list_workers(None, &ns, &well, false, 2).await,
        Err(ApiError::Upstream { .. })
    ));
    assert_eq!(calls(&server).await, 4);

    // After the pause, one trial call; it fails, so the pause starts again.
    clock.advance(retry_after);
    assert!(matches!(
        gw.list_workers(None, &ns, &sick, false, 2).await,
        Err(ApiError::Upstream { .. })
    ));
    assert_eq!(calls(&server).await, 5);
    let e = gw
        .list_workers(None, &ns, &sick, false, 2)
        .await
        .unwrap_err();
    let ApiError::CircuitOpen { retry_after } = e else {
        panic!("a failed trial pauses again, got {e:?}")
    };

    // The platform recovers: the next trial succeeds and calls resume.
    drop(failing);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(LIST, "application/json"))
        .mount(&server)
        .await;
    clock.advance(retry_after);
    gw.list_workers(None, &ns, &sick, false, 2).await.unwrap();
    gw.list_workers(None, &ns, &sick, false, 2).await.unwrap();
    assert_eq!(calls(&server).await, 7);
    assert_eq!(gw.stats().open_circuits, 0);
    assert_eq!(gw.stats().calls[&("list_workers", "server_error")].0, 5);
    assert!(gw.stats().paused >= 3);
}

#[tokio::test]
async fn answers_about_the_request_do_not_trip_the_breaker() {
    for status in [401, 403, 404, 429] {
        let server = platform(status, "{}", Duration::ZERO).await;
        let gw = gateway(
            &server,
            GatewayOptions {
                list_cache: Duration::ZERO,
                breaker_failures: 2,
                ..Default::default()
            },
        );
        for _ in 0..6 {
            let e = gw
                .list_workers(None, &ns(), &app("my-app"), false, 2)
                .await
                .unwrap_err();
            assert!(
                !matches!(e, ApiError::CircuitOpen { .. }),
                "{status}: {e:?}"
            );
        }
        assert_eq!(calls(&server).await, 6, "{status}");
    }
}

#[tokio::test]
async fn past_the_bound_and_its_queue_a_call_fails_at_once() {
    let server = platform(200, LIST, Duration::from_millis(500)).await;
    let gw = gateway(
        &server,
        GatewayOptions {
            max_in_flight: 1,
            max_waiting: 0,
            ..Default::default()
        },
    );
    let ns = ns();
    let slow = {
        let gw = gw.clone();
        let ns = ns.clone();
        tokio::spawn(async move { gw.list_workers(None, &ns, &app("a"), false, 2).await })
    };
    until_received(&server, 1).await;
    let started = std::time::Instant::now();
    let e = gw
        .list_workers(None, &ns, &app("b"), false, 2)
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Busy { .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_millis(400), "not queued");
    assert!(slow.await.unwrap().is_ok());
    assert_eq!(calls(&server).await, 1);
    assert_eq!(gw.stats().busy, 1);
    // With room in the queue, the second call waits its turn.
    let gw = gateway(
        &server,
        GatewayOptions {
            max_in_flight: 1,
            max_waiting: 4,
            ..Default::default()
        },
    );
    let (a, b) = (app("a"), app("b"));
    let both = join_all([
        gw.list_workers(None, &ns, &a, false, 2),
        gw.list_workers(None, &ns, &b, false, 2),
    ])
    .await;
    assert!(both.iter().all(Result::is_ok));
    assert_eq!(gw.stats().in_flight, 0);
}

/// The mock platform's answer for each endpoint, by path.
async fn every_endpoint(queue_status: u16) -> MockServer {
    use wiremock::matchers::{method, path};
    let server = MockServer::start().await;
    let base = "/api/apps/v1/namespaces/default/apps/my-app";
    for (p, status, body) in [
        (format!("{base}/workers"), 200, LIST.to_string()),
        (
            base.to_string(),
            200,
            r#"{"appV1alpha1":{"metadata":{"name":"my-app"},"status":{"status":"STATUS_PAUSED"}}}"#
                .to_string(),
        ),
        (
            format!("{base}/request_queues"),
            queue_status,
            r#"{"queues":[{"reason":"QueueReasonWorkerBusy"},{"index":1}]}"#.to_string(),
        ),
        (
            format!("{base}/events"),
            200,
            r#"{"events":[{"type":"EVENT_TYPE_SCALE_UP"}]}"#.to_string(),
        ),
        (format!("{base}:pause"), 200, "{}".to_string()),
    ] {
        let verb = if p.ends_with(":pause") { "POST" } else { "GET" };
        Mock::given(path(p))
            .and(method(verb))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
    }
    server
}

async fn calls_to(server: &MockServer, tail: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with(tail))
        .count()
}

#[tokio::test]
async fn app_queue_and_event_reads_are_shared_and_kept_each_on_its_own() {
    let server = every_endpoint(200).await;
    let gw = gateway(&server, GatewayOptions::default());
    let (ns, app) = (ns(), app("my-app"));
    for _ in 0..3 {
        let reads = (0..20).map(|_| async {
            let (a, q, e) = tokio::join!(
                gw.get_app(None, &ns, &app),
                gw.list_queue(None, &ns, &app),
                gw.list_events(None, &ns, &app, 1000, everai_api::EventOrder::NewestFirst),
            );
            (a.unwrap(), q.unwrap(), e.unwrap())
        });
        for (a, q, e) in join_all(reads).await {
            assert_eq!(a.value.status, everai_api::AppStatus::Paused);
            assert_eq!(q.value.len(), 2);
            assert_eq!(q.value[1].index, 1);
            assert_eq!(e.value.events[0].short_kind(), "SCALE_UP");
            assert!(!e.value.cut);
        }
    }
    // Sixty viewers, three rounds: one call per endpoint.
    assert_eq!(calls_to(&server, "/my-app").await, 1);
    assert_eq!(calls_to(&server, "/request_queues").await, 1);
    assert_eq!(calls_to(&server, "/events").await, 1);
    // Another page size is another read.
    gw.list_events(None, &ns, &app, 10, everai_api::EventOrder::NewestFirst)
        .await
        .unwrap();
    assert_eq!(calls_to(&server, "/events").await, 2);
    // An action on the app forgets every kept answer about it.
    gw.pause(None, &ns, &app).await.unwrap();
    gw.get_app(None, &ns, &app).await.unwrap();
    gw.list_queue(None, &ns, &app).await.unwrap();
    assert_eq!(calls_to(&server, "/my-app").await, 2);
    assert_eq!(calls_to(&server, "/request_queues").await, 2);
}

#[tokio::test]
async fn a_failing_queue_pauses_only_the_queue() {
    let server = every_endpoint(503).await;
    let gw = gateway(
        &server,
        GatewayOptions {
            list_cache: Duration::ZERO,
            breaker_failures: 2,
            ..Default::default()
        },
    );
    let (ns, app) = (ns(), app("my-app"));
    for _ in 0..2 {
        assert!(matches!(
            gw.list_queue(None, &ns, &app).await,
            Err(ApiError::Upstream { status: 503, .. })
        ));
    }
    assert!(matches!(
        gw.list_queue(None, &ns, &app).await,
        Err(ApiError::CircuitOpen { .. })
    ));
    assert_eq!(calls_to(&server, "/request_queues").await, 2);
    // The worker list, the app and its events still answer.
    gw.list_workers(None, &ns, &app, false, 2).await.unwrap();
    gw.get_app(None, &ns, &app).await.unwrap();
    gw.list_events(None, &ns, &app, 50, everai_api::EventOrder::NewestFirst)
        .await
        .unwrap();
    assert_eq!(gw.stats().open_circuits, 1);
}

#[tokio::test]
async fn the_overview_is_shared_and_kept_but_a_sign_in_check_always_calls() {
    use wiremock::matchers::path;
    let server = every_endpoint(200).await;
    Mock::given(path("/api/apps/v1/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"apps":[{"appV1alpha1":{"metadata":{"name":"my-app","namespace":"default"},"status":{"status":"STATUS_DEPLOYED"}}}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let gw = gateway(&server, GatewayOptions::default());
    let views = join_all((0..20).map(|_| gw.overview(None))).await;
    for v in views {
        assert_eq!(v.unwrap().value[0].name, "my-app");
    }
    assert_eq!(calls_to(&server, "/apps/v1/apps").await, 1);
    // The sign-in's check of a token is never answered from the kept one.
    gw.list_all_apps(None).await.unwrap();
    gw.list_all_apps(None).await.unwrap();
    assert_eq!(calls_to(&server, "/apps/v1/apps").await, 3);
    // An action on any app changes its line: the overview is read again.
    gw.pause(None, &ns(), &app("my-app")).await.unwrap();
    gw.overview(None).await.unwrap();
    assert_eq!(calls_to(&server, "/apps/v1/apps").await, 4);
}
