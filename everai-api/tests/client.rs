//! The client against a mock HTTP server: the exact requests it sends, and
//! what it makes of every kind of answer.
#![cfg(feature = "client")]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use everai_api::{
    ApiError, AppName, AppStatus, Client, ClientOptions, DetailStatus, Namespace, ScaleDown,
    WorkerStatus,
};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{any, body_json, header, method, path, query_param},
};

const TOKEN: &str = "test-token-8c1d";
const WORKERS: &str = "/api/apps/v1/namespaces/default/apps/my-app/workers";

fn ns() -> Namespace {
    Namespace::parse("default").unwrap()
}
fn app() -> AppName {
    AppName::parse("my-app").unwrap()
}

fn options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(700),
        max_body_bytes: 64 << 10,
    }
}

fn client_for(base: &str) -> Client {
    Client::new(
        Url::parse(base).unwrap(),
        SecretString::from(TOKEN),
        options(),
    )
    .unwrap()
}

async fn mock_with(status: u16, body: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    (server, client)
}

#[tokio::test]
async fn list_workers_sends_exactly_what_the_platform_client_sends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(WORKERS))
        .and(query_param("showAll", "false"))
        .and(query_param("recentDays", "2"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"workers":[{"id":"w1","status":"STATUS_RUNNING","detailStatus":"DETAIL_STATUS_BUSY",
                "createdAt":"2024-09-29T09:35:18.362Z"}],"maxWorkers":"5","unknown":1}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let list = client_for(&server.uri())
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    assert_eq!(list.workers.len(), 1);
    assert_eq!(list.workers[0].status, WorkerStatus::Running);
    assert_eq!(list.workers[0].detail_status, DetailStatus::Busy);
    assert_eq!(list.max_workers, 5.into());

    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.url.query(), Some("showAll=false&recentDays=2"));
}

#[tokio::test]
async fn history_is_asked_for_with_show_all() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(WORKERS))
        .and(query_param("showAll", "true"))
        .and(query_param("recentDays", "7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"workers":[]}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let list = client_for(&server.uri())
        .list_workers(&ns(), &app(), true, 7)
        .await
        .unwrap();
    assert!(list.workers.is_empty());
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/prefix{WORKERS}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&format!("{}/prefix/", server.uri()))
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
}

#[tokio::test]
async fn scale_up_posts_the_count_as_a_string_to_the_colon_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WORKERS}:scale-up")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"scaleUpWorkersNum": "3"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"workerIds":["a1","a2","a3"]}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ids = client_for(&server.uri())
        .scale_up(&ns(), &app(), 3)
        .await
        .unwrap();
    assert_eq!(ids, ["a1", "a2", "a3"]);
    let sent = &server.received_requests().await.unwrap()[0];
    // The colon is literal, not %3A.
    assert!(
        sent.url.path().ends_with("/workers:scale-up"),
        "{}",
        sent.url
    );
}

#[tokio::test]
async fn scale_down_sends_a_count_ids_or_both() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WORKERS}:scale-down")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(3)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let ids = vec!["w1".to_string(), "w2".to_string()];
    for request in [
        ScaleDown {
            count: Some(2),
            worker_ids: vec![],
        },
        ScaleDown {
            count: None,
            worker_ids: ids.clone(),
        },
        ScaleDown {
            count: Some(1),
            worker_ids: ids.clone(),
        },
    ] {
        client.scale_down(&ns(), &app(), &request).await.unwrap();
    }
    let bodies: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0], serde_json::json!({"scaleDownWorkersNum": "2"}));
    assert_eq!(bodies[1], serde_json::json!({"workerIds": ["w1", "w2"]}));
    assert_eq!(
        bodies[2],
        serde_json::json!({"scaleDownWorkersNum": "1", "workerIds": ["w1", "w2"]})
    );
}

#[tokio::test]
async fn invalid_requests_never_reach_the_server() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    for count in [0, 1_001] {
        assert!(matches!(
            client.scale_up(&ns(), &app(), count).await,
            Err(ApiError::InvalidRequest(_))
        ));
    }
    for request in [
        ScaleDown::default(),
        ScaleDown {
            count: Some(0),
            worker_ids: vec![],
        },
        ScaleDown {
            count: None,
            worker_ids: vec!["../x".into()],
        },
    ] {
        assert!(matches!(
            client.scale_down(&ns(), &app(), &request).await,
            Err(ApiError::InvalidRequest(_))
        ));
    }
}

#[tokio::test]
async fn list_apps_flattens_the_platform_shape() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/apps/v1/namespaces/default/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"apps":[{"appV1alpha1":{"metadata":{"name":"sd","namespace":"default"},
                "status":{"desiredWorker":2,"readyWorker":1,"status":"STATUS_PAUSED"}}}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let apps = client_for(&server.uri()).list_apps(&ns()).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].name, "sd");
    assert_eq!(apps[0].status, AppStatus::Paused);
    assert_eq!((apps[0].desired_workers, apps[0].ready_workers), (2, 1));
}

#[tokio::test]
async fn list_all_apps_asks_across_namespaces() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/apps/v1/apps"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"apps":[{"appV1alpha1":{"metadata":{"name":"a","namespace":"one"}}},
                {"appV1alpha1":{"metadata":{"name":"b","namespace":"two"}}}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let apps = client_for(&server.uri()).list_all_apps().await.unwrap();
    let names: Vec<_> = apps
        .iter()
        .map(|a| (a.namespace.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(names, [("one", "a"), ("two", "b")]);
}

#[tokio::test]
async fn error_statuses_become_specific_errors() {
    let gateway = r#"{"code":5,"message":"app my-app not found","details":[]}"#;
    for (status, body, want) in [
        (
            401,
            r#"{"code":16,"message":"unauthenticated"}"#,
            ApiError::Unauthorized,
        ),
        (403, "{}", ApiError::Forbidden),
        (404, gateway, ApiError::NotFound),
        (
            400,
            r#"{"code":3,"message":"scaleUpWorkersNum: too large"}"#,
            ApiError::Upstream {
                status: 400,
                message: Some("scaleUpWorkersNum: too large".into()),
            },
        ),
        (
            500,
            r#"{"code":13,"message":"internal"}"#,
            ApiError::Upstream {
                status: 500,
                message: Some("internal".into()),
            },
        ),
        // An HTML page from a proxy is not passed on.
        (
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ApiError::Upstream {
                status: 502,
                message: None,
            },
        ),
        (
            503,
            "",
            ApiError::Upstream {
                status: 503,
                message: None,
            },
        ),
    ] {
        let (_server, client) = mock_with(status, body).await;
        let got = client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err();
        assert_eq!(got, want, "status {status}");
    }
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .mount(&server)
        .await;
    let got = client_for(&server.uri())
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap_err();
    assert_eq!(
        got,
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path(WORKERS))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(0)
        .mount(&server)
        .await;
    let got = client_for(&server.uri())
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(got, ApiError::Malformed(ref m) if m.contains("redirect")),
        "{got:?}"
    );
}

#[tokio::test]
async fn broken_replies_are_malformed_not_panics() {
    for (body, want) in [
        (r#"{"workers":[{"id":"w1""#, "ends too early"),
        ("<html>oops</html>", "not JSON"),
        // An odd value is that field's problem only (see the model); a
        // list that is not a list is the reply's.
        (r#"{"workers":"none"}"#, "wrong type"),
        (r#"{"workers":["w1"]}"#, "wrong type"),
    ] {
        let (_server, client) = mock_with(200, body).await;
        let got = client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err();
        assert!(
            matches!(&got, ApiError::Malformed(m) if m.contains(want)),
            "{body}: {got:?}"
        );
        assert!(got.outcome_unknown());
    }
}

#[tokio::test]
async fn replies_over_the_cap_are_refused() {
    let huge = format!(r#"{{"workers":[],"pad":"{}"}}"#, "x".repeat(100 << 10));
    let (_server, client) = mock_with(200, &huge).await;
    let got = client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(&got, ApiError::Malformed(m) if m.contains("larger than 64 KiB")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_a_scale_request_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"workerIds":["late"]}"#, "application/json")
                .set_delay(Duration::from_secs(3)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let got = client_for(&server.uri())
        .scale_up(&ns(), &app(), 1)
        .await
        .unwrap_err();
    assert_eq!(got, ApiError::Timeout);
    assert!(got.outcome_unknown());
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let got = client_for(&format!("http://127.0.0.1:{port}"))
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap_err();
    assert_eq!(got, ApiError::Unreachable);
    assert!(!got.outcome_unknown());
}

/// A server that hangs up on its first connection without answering and
/// answers every later one with `reply`; counts the connections.
async fn flaky_server(reply: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                if n > 0 {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                        reply.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                }
                // Dropping the socket hangs up.
            });
        }
    });
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn a_list_request_is_retried_once_when_the_connection_drops() {
    let (base, accepted) = flaky_server(r#"{"workers":[{"id":"w1"}]}"#).await;
    let list = client_for(&base)
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    assert_eq!(list.workers.len(), 1);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_scale_request_is_not_retried_when_the_connection_drops() {
    let (base, accepted) = flaky_server(r#"{"workerIds":["x"]}"#).await;
    let got = client_for(&base)
        .scale_up(&ns(), &app(), 1)
        .await
        .unwrap_err();
    assert_eq!(got, ApiError::Interrupted);
    assert!(got.outcome_unknown());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_token_is_never_in_debug_output_or_errors() {
    let client = client_for("http://127.0.0.1:9");
    assert!(!format!("{client:?}").contains(TOKEN));
    let err = client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap_err();
    assert!(!format!("{err:?} {err}").contains(TOKEN));
}

const APP_PATH: &str = "/api/apps/v1/namespaces/default/apps/my-app";

#[tokio::test]
async fn app_queue_and_events_are_read_from_the_platform_clients_paths() {
    let server = MockServer::start().await;
    let auth = format!("Bearer {TOKEN}");
    Mock::given(method("GET"))
        .and(path(APP_PATH))
        .and(header("authorization", auth.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"appV1alpha1":{"metadata":{"name":"my-app","namespace":"default"},
               "spec":{"autoscaler":{"manual":{"defaultWorkerNum":"2"}}},
               "status":{"status":"STATUS_DEPLOYED","readyWorker":1}}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{APP_PATH}/request_queues")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"queues":[{"reason":"QueueReasonNotDispatch","createAt":"2026-12-01T00:00:00Z"},
               {"reason":"QueueReasonWorkerBusy"}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{APP_PATH}/events")))
        .and(query_param("pageSize", "2"))
        .and(query_param("orderBy", "OrderByDesc"))
        // Oldest first, as a platform that ignores `orderBy` might send.
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"events":[{"type":"EVENT_TYPE_A","createdAt":"2026-12-01T00:00:00Z"},
               {"type":"EVENT_TYPE_B","createdAt":"2026-12-01T00:01:00Z"}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let detail = client.get_app(&ns(), &app()).await.unwrap();
    assert_eq!(detail.status, AppStatus::Deployed);
    assert_eq!((detail.ready_workers, detail.desired_workers), (1, 0));
    assert_eq!(
        detail.autoscaler,
        everai_api::ScalerSpec::Manual { default_workers: 2 }
    );
    let queue = client.list_queue(&ns(), &app()).await.unwrap();
    // The left-out first index is 0; a later one left out is its place.
    assert_eq!(queue.iter().map(|q| q.index).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(queue[0].reason, everai_api::QueueReason::NotDispatch);
    let page = client
        .list_events(&ns(), &app(), 2, everai_api::EventOrder::NewestFirst)
        .await
        .unwrap();
    assert!(page.cut, "a full page may have been cut");
    assert_eq!(page.events[0].short_kind(), "B");
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[2].url.query(), Some("pageSize=2&orderBy=OrderByDesc"));
    // Out-of-range page sizes never leave the console.
    for size in [0, everai_api::MAX_EVENTS_PAGE + 1] {
        assert!(matches!(
            client
                .list_events(&ns(), &app(), size, everai_api::EventOrder::NewestFirst)
                .await,
            Err(ApiError::InvalidRequest(_))
        ));
    }
}

#[tokio::test]
async fn pause_and_resume_post_no_body_to_the_colon_paths_once() {
    let server = MockServer::start().await;
    for verb in ["pause", "resume"] {
        Mock::given(method("POST"))
            .and(path(format!("{APP_PATH}:{verb}")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server.uri());
    client.pause(&ns(), &app()).await.unwrap();
    client.resume(&ns(), &app()).await.unwrap();
    for sent in server.received_requests().await.unwrap() {
        assert!(sent.body.is_empty(), "{sent:?}");
        assert!(
            sent.url.path().contains(":"),
            "the colon is literal: {}",
            sent.url
        );
    }
}

#[tokio::test]
async fn request_statistics_are_asked_for_by_window_and_the_platforms_interval_spelling() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{APP_PATH}/request_statistic")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("startTime", "2026-12-05T00:00:00Z"))
        .and(query_param("endTime", "2026-12-07T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"requestStatistic":{"2026-12-06T00:00:00Z":{"requestStatistics":[
                {"userName":"web","totalRequest":3,"successRequest":2,"failedRequest":1}]}}}"#,
            "application/json",
        ))
        .expect(3)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let at = |s: &str| everai_api::Timestamp::parse(s).unwrap();
    let (from, to) = (at("2026-12-05T00:00:00Z"), at("2026-12-07T00:00:00Z"));
    for interval in [
        everai_api::StatInterval::Hour,
        everai_api::StatInterval::Day,
        everai_api::StatInterval::Month,
    ] {
        let stats = client
            .request_statistic(&ns(), &app(), from, to, interval)
            .await
            .unwrap();
        assert_eq!(stats.buckets.len(), 1);
        assert_eq!(stats.buckets[0].users[0].user, "web");
    }
    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query()
                .unwrap_or_default()
                .rsplit('=')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(sent, ["INTERVAL_HOUR", "INTERVAL_DAY", "INTERVAL_MOUTH"]);
    // A window that ends before it starts never leaves the console.
    assert!(matches!(
        client
            .request_statistic(&ns(), &app(), to, from, everai_api::StatInterval::Day)
            .await,
        Err(ApiError::InvalidRequest(_))
    ));
}
