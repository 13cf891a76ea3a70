//! The real router, driven in-process with `tower::ServiceExt::oneshot`.

use app::{server_fns::status::UpstreamKind, state::AppState};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use everai_api::{Client, ClientOptions};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

fn state() -> AppState {
    AppState {
        leptos_options: LeptosOptions::builder()
            .output_name("everai_console")
            .site_root("target/site")
            .build(),
        client: client("http://127.0.0.1:9", "unused"),
        upstream: UpstreamKind::Simulator,
        started_at: std::time::Instant::now(),
    }
}

fn client(endpoint: &str, token: &str) -> Client {
    Client::new(
        url::Url::parse(endpoint).unwrap(),
        secrecy::SecretString::from(token),
        ClientOptions::default(),
    )
    .unwrap()
}

/// State whose client talks to a freshly started built-in simulator.
async fn state_with_simulator() -> AppState {
    let (client, upstream) = server::connect(server::config::Upstream::Simulator {
        seed: 1,
        time_scale: 1.0,
    })
    .await
    .unwrap();
    AppState {
        client,
        upstream,
        ..state()
    }
}

async fn send_to(state: AppState, req: Request<Body>) -> (StatusCode, String) {
    let res = server::router(state).oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_worker_page_lists_an_apps_workers_in_the_html() {
    let (status, body) = send_to(
        state_with_simulator().await,
        Request::get("/namespaces/default/apps/stable-diffusion/workers")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<h1>stable-diffusion"), "{body}");
    let rows = body.matches("data-worker-id=").count();
    assert_eq!(rows, 6, "the demo app has 6 live workers");
    assert!(body.contains("A100"), "{body}");
    assert!(body.contains("of at most 20 workers"), "{body}");
}

#[tokio::test]
async fn an_unknown_app_is_a_404_page_with_a_reason() {
    let (status, body) = send_to(
        state_with_simulator().await,
        Request::get("/namespaces/default/apps/no-such-app/workers")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no app"), "{body}");
}

#[tokio::test]
async fn an_invalid_app_name_is_a_400_before_any_upstream_call() {
    // The client points nowhere: reaching it would be a 502, not a 400.
    let (status, body) = send_to(
        state(),
        Request::get("/namespaces/default/apps/bad%20name/workers")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("a space at position 4"), "{body}");
}

#[tokio::test]
async fn an_unreachable_platform_is_a_502_banner() {
    let (status, body) = send_to(
        state(),
        Request::get("/namespaces/default/apps/some-app/workers")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(body.contains("could not be reached"), "{body}");
}

async fn send(req: Request<Body>) -> (StatusCode, String) {
    let res = server::router(state()).oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn start_page_is_rendered_on_the_server() {
    let (status, body) = send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<h1>EverAI Worker Console</h1>"), "{body}");
    // The status resource resolves during SSR and is written in place, not
    // patched in later by a script, so the page is complete without
    // JavaScript: the value sits inside <main>, and no fallback is sent.
    let value = body
        .find(r#"data-testid="upstream">Built-in simulator<"#)
        .expect("upstream kind rendered");
    assert!(value < body.find("</main>").expect("</main>"), "{body}");
    assert!(!body.contains("Checking the console"), "{body}");
    assert!(body.contains("/pkg/everai_console.js"), "{body}");
}

#[tokio::test]
async fn unknown_paths_get_a_404_page() {
    let (status, body) = send(Request::get("/no/such/page").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"), "{body}");
}

#[tokio::test]
async fn console_status_server_function_answers_json() {
    let (status, body) = send(
        Request::post("/api/console_status")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["upstream"], "Simulator");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["uptime_secs"].is_u64(), "{body}");
}

#[tokio::test]
async fn platform_token_never_reaches_the_page_or_server_function() {
    let secret = "tok-must-not-leak-7f3a";
    let make_state = || {
        let mut s = state();
        s.client = client("https://upstream.invalid", secret);
        s.upstream = UpstreamKind::Platform;
        s
    };
    for req in [
        Request::get("/").body(Body::empty()).unwrap(),
        Request::post("/api/console_status")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::empty())
            .unwrap(),
    ] {
        let res = server::router(make_state()).oneshot(req).await.unwrap();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(
            body.contains("Platform") || body.contains("EverAI platform"),
            "{body}"
        );
        assert!(!body.contains(secret), "token leaked: {body}");
        assert!(
            !body.contains("upstream.invalid"),
            "upstream URL leaked: {body}"
        );
    }
}
