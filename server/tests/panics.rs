//! A panic while a request is served: `500` with the request id at once,
//! the panic logged with that id, and the process serving on. In a file of
//! its own because it installs the console's panic hook, which is global.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
    routing::get,
};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod support;

/// Log lines written while a test runs, as text.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Routes that fail the ways a page can: in the request's own future, in a
/// task spawned through Leptos's executor whose value the page then awaits
/// for ever (how a page's data loads), and in such a task after the
/// response's head has gone out (a streamed page).
fn failing_routes() -> Router<app::state::AppState> {
    Router::new()
        .route(
            "/test/panics",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("a fault in the render itself");
                }
                "unreachable"
            }),
        )
        .route(
            "/test/task-panics",
            get(|| async {
                any_spawner::Executor::spawn(async { panic!("a fault in a data task") });
                std::future::pending::<()>().await;
                "unreachable"
            }),
        )
        .route(
            "/test/stream-panics",
            get(|| async {
                let stream = futures::stream::once(async {
                    any_spawner::Executor::spawn(async { panic!("a fault while streaming") });
                    std::future::pending::<Result<String, std::io::Error>>().await
                });
                Body::from_stream(stream)
            }),
        )
}

const DEADLINE: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_panic_while_answering_is_a_500_at_once_logged_with_its_id_and_the_console_serves_on() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let lines = lines.clone();
            move || lines.clone()
        })
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    server::panics::install_hook();

    let state = support::app_state(everai_api::Gateway::new(
        everai_api::Client::new(
            url::Url::parse("http://127.0.0.1:9").unwrap(),
            secrecy::SecretString::from("unused"),
            everai_api::ClientOptions::default(),
        )
        .unwrap(),
        Default::default(),
    ))
    .await;
    let hosts = server::guard::Guard::default_hosts(state.leptos_options.site_addr);
    let router = server::router_with_routes(
        state,
        server::guard::Guard::new(hosts, 1024),
        failing_routes(),
    );

    for path in ["/test/panics", "/test/task-panics"] {
        let res = tokio::time::timeout(
            DEADLINE,
            router
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).unwrap()),
        )
        .await
        .unwrap_or_else(|_| panic!("{path}: no answer within {DEADLINE:?}"))
        .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(&format!("request id {id}")), "{path}: {body}");
        assert!(
            !body.contains("fault"),
            "{path}: the panic's text is for the log: {body}"
        );
        let logged = lines.text();
        let line = logged
            .lines()
            .find(|l| l.contains("panicked while serving a request") && l.contains(&id))
            .unwrap_or_else(|| panic!("{path}: no log line of the panic with id {id}:\n{logged}"));
        assert!(line.contains("a fault in"), "{line}");
    }

    // Streamed: the head has gone out; the body ends with an error at once
    // instead of hanging.
    let res = tokio::time::timeout(
        DEADLINE,
        router.clone().oneshot(
            Request::get("/test/stream-panics")
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await
    .expect("the head of the streamed answer within the deadline")
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = tokio::time::timeout(DEADLINE, res.into_body().collect())
        .await
        .expect("the streamed body ends within the deadline");
    assert!(
        body.is_err(),
        "the body ends with an error, not as if complete"
    );
    let logged = lines.text();
    assert!(
        logged
            .lines()
            .any(|l| l.contains("a fault while streaming") && l.contains(&id)),
        "no log line of the streaming panic with id {id}:\n{logged}"
    );

    // And the console serves on.
    let res = router
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
