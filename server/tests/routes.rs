//! The real router, driven in-process with `tower::ServiceExt::oneshot`.

use app::{server_fns::status::UpstreamKind, state::AppState};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use everai_api::{Client, ClientOptions};
use tower::ServiceExt;

mod support;
use support::{get, server_fn};

async fn state() -> AppState {
    support::app_state(everai_api::Gateway::new(
        client("http://127.0.0.1:9", "unused"),
        Default::default(),
    ))
    .await
}

/// A client of the platform at `endpoint`, with the default deadline.
fn client(endpoint: &str, token: &str) -> Client {
    support::client(endpoint, token, ClientOptions::default().timeout)
}

/// State whose client talks to a freshly started built-in simulator.
async fn state_with_simulator() -> AppState {
    let (client, upstream) = server::connect(server::config::Upstream::Simulator {
        seed: 1,
        time_scale: 1.0,
        addr: None,
        token: None,
        users: vec![("ana".into(), secrecy::SecretString::from("tok-ana"))],
    })
    .await
    .unwrap();
    AppState {
        gateway: everai_api::Gateway::new(client, Default::default()),
        upstream,
        ..state().await
    }
}

async fn send_to(state: AppState, req: Request<Body>) -> (StatusCode, String) {
    let reply = support::send(server::router(state), req).await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn the_worker_page_lists_an_apps_workers_in_the_html() {
    let (status, body) = send_to(
        state_with_simulator().await,
        get("/namespaces/default/apps/stable-diffusion/workers"),
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
        get("/namespaces/default/apps/no-such-app/workers"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no app"), "{body}");
}

#[tokio::test]
async fn an_invalid_app_name_is_a_400_before_any_upstream_call() {
    // The client points nowhere: reaching it would be a 502, not a 400.
    let (status, body) = send_to(
        state().await,
        get("/namespaces/default/apps/bad%20name/workers"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("a space at position 4"), "{body}");
}

#[tokio::test]
async fn an_unreachable_platform_is_a_502_banner() {
    let (status, body) = send_to(
        state().await,
        get("/namespaces/default/apps/some-app/workers"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(body.contains("could not be reached"), "{body}");
}

async fn send(req: Request<Body>) -> (StatusCode, String) {
    send_to(state().await, req).await
}

#[tokio::test]
async fn start_page_is_rendered_on_the_server() {
    let (status, body) = send(get("/")).await;
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
    let (status, body) = send(get("/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"), "{body}");
}

#[tokio::test]
async fn console_status_server_function_answers_json() {
    let (status, body) = send(server_fn("/api/console_status", &[])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["upstream"], "Simulator");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["uptime_secs"].is_u64(), "{body}");
}

#[tokio::test]
async fn platform_token_never_reaches_the_page_or_server_function() {
    let secret = "tok-must-not-leak-7f3a";
    let make_state = || async {
        let mut s = state().await;
        s.gateway = everai_api::Gateway::new(
            client("https://upstream.invalid", secret),
            Default::default(),
        );
        s.upstream = UpstreamKind::Platform;
        s
    };
    for req in [get("/"), server_fn("/api/console_status", &[])] {
        let body = support::send(server::router(make_state().await), req)
            .await
            .body;
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

#[tokio::test]
async fn the_open_form_redirects_to_the_worker_page() {
    let res = server::router(state().await)
        .oneshot(get("/open?namespace=research&app=whisper-large"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/namespaces/research/apps/whisper-large/workers"
    );
    // No namespace means the platform's default; odd names stay one segment.
    let res = server::router(state().await)
        .oneshot(get("/open?namespace=&app=a%2Fb"))
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::LOCATION],
        "/namespaces/default/apps/a%2Fb/workers"
    );
}

#[tokio::test]
async fn the_open_form_without_an_app_is_a_400() {
    let (status, body) = send(get("/open?namespace=default&app=+")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, "Enter the name of an app to open.");
}

/// A scale form post as the console's own page sends it.
fn scale_post(endpoint: &str, fields: &[(&str, &str)], origin: &str) -> Request<Body> {
    support::form_post(endpoint, fields, origin)
}

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// A scale-up of one worker of `default/empty-app`, as the console's form
/// sends it.
const UP_ONE: [(&str, &str); 5] = [
    ("namespace", "default"),
    ("app", "empty-app"),
    ("count", "1"),
    ("key", KEY),
    ("view", ""),
];
const OWN: &str = support::OWN_ORIGIN;

async fn live_ids(state: &AppState, app: &str) -> Vec<String> {
    let ns = everai_api::Namespace::parse("default").unwrap();
    let app = everai_api::AppName::parse(app).unwrap();
    let list = state
        .gateway
        .client()
        .list_workers(&ns, &app, false, 2)
        .await
        .unwrap();
    list.workers
        .into_iter()
        .filter(|w| w.status != everai_api::WorkerStatus::Terminating)
        .map(|w| w.id)
        .collect()
}

#[tokio::test]
async fn a_scale_up_runs_once_per_confirmation_and_redirects_to_its_outcome() {
    let state = state_with_simulator().await;
    let form = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("count", "2"),
        ("key", KEY),
        ("view", "dir=asc&sort=nope&evil=1"),
    ];
    let mut locations = Vec::new();
    // The second post is a double click: same key, so no second call.
    for _ in 0..2 {
        let res = server::router(state.clone())
            .oneshot(scale_post("/api/scale_up", &form, OWN))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        locations.push(
            res.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(locations[0], locations[1]);
    assert_eq!(
        locations[0],
        format!("/namespaces/default/apps/empty-app/workers?dir=asc&action={KEY}")
    );
    let ids = live_ids(&state, "empty-app").await;
    assert_eq!(ids.len(), 2, "one scale-up of 2, not two: {ids:?}");

    let (status, page) = send_to(state.clone(), get(&locations[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!(
            "Added 2 workers to default/empty-app: {}, {}",
            ids[0], ids[1]
        )) || page.contains(&format!(
            "Added 2 workers to default/empty-app: {}, {}",
            ids[1], ids[0]
        )),
        "{page}"
    );
    assert_eq!(
        page.matches("row-new").count(),
        2,
        "the new workers are highlighted"
    );
}

#[tokio::test]
async fn a_cross_site_scale_post_is_refused_before_any_upstream_call() {
    let state = state_with_simulator().await;
    let form = UP_ONE;
    for origin in ["http://evil.example", "null"] {
        let (status, body) =
            send_to(state.clone(), scale_post("/api/scale_up", &form, origin)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin}: {body}");
        assert!(body.contains("Origin"), "{body}");
    }
    let mut req = scale_post("/api/scale_up", &form, OWN);
    req.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    let (status, _) = send_to(state.clone(), req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(live_ids(&state, "empty-app").await.is_empty());
}

#[tokio::test]
async fn bad_scale_input_is_rejected_with_a_specific_message_and_no_call() {
    let state = state_with_simulator().await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (
            "/api/scale_up",
            &[("count", "abc")],
            "The count must be a whole number",
        ),
        (
            "/api/scale_up",
            &[("count", "0")],
            "The count must be at least 1",
        ),
        (
            "/api/scale_up",
            &[("count", "51")],
            "At most 50 workers can be added in one step",
        ),
        (
            "/api/scale_down",
            &[("workers", "nope,also-nope")],
            "Not live workers of this app: nope, also-nope.",
        ),
    ];
    for (i, (endpoint, extra, message)) in cases.into_iter().enumerate() {
        let key = format!("{i:032x}");
        let mut form = vec![
            ("namespace", "default"),
            ("app", "empty-app"),
            ("key", key.as_str()),
            ("view", ""),
        ];
        form.extend_from_slice(extra);
        let res = server::router(state.clone())
            .oneshot(scale_post(endpoint, &form, OWN))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{message}");
        let location = res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let (_, page) = send_to(state.clone(), get(&location)).await;
        assert!(page.contains("Nothing was changed"), "{message}: {page}");
        assert!(page.contains(message), "{message}: {page}");
    }
    assert!(live_ids(&state, "empty-app").await.is_empty());

    // A key the console did not make is not a form of the console.
    let form = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("count", "1"),
        ("key", "not-a-key"),
        ("view", ""),
    ];
    let (status, body) = send_to(state.clone(), scale_post("/api/scale_up", &form, OWN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("This form has expired"), "{body}");
}

#[tokio::test]
async fn a_malformed_scale_post_is_a_4xx_in_words_and_the_origin_check_comes_first() {
    let state = state_with_simulator().await;
    // Every field missing but one, from the console's own page.
    let (status, body) = send_to(
        state.clone(),
        scale_post("/api/scale_up", &[("namespace", "default")], OWN),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("The form has no app field"), "{body}");
    assert!(
        body.contains("<!DOCTYPE html>") && body.contains("Back to the start page"),
        "{body}"
    );
    // Each field the console's forms always carry, missing on its own, is
    // named; nothing reaches the platform.
    let full_up = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("count", "1"),
        ("key", KEY),
    ];
    let full_down = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("workers", "w-1"),
        ("key", KEY),
    ];
    for (endpoint, full) in [("/api/scale_up", full_up), ("/api/scale_down", full_down)] {
        for (gone, _) in full {
            let form: Vec<_> = full.iter().copied().filter(|(k, _)| *k != gone).collect();
            let (status, body) = send_to(state.clone(), scale_post(endpoint, &form, OWN)).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{endpoint} without {gone}: {body}"
            );
            assert!(
                body.contains(&format!("The form has no {gone} field")),
                "{endpoint} without {gone}: {body}"
            );
            assert!(
                body.contains("console&#39;s own page"),
                "advice about the form, not about names: {body}"
            );
        }
    }
    assert!(
        !body.contains("deserializ") && !body.contains("Transport"),
        "{body}"
    );
    // The same from a script: JSON, still a 400 in words.
    let mut req = scale_post("/api/scale_down", &[("app", "empty-app")], OWN);
    req.headers_mut()
        .insert(header::ACCEPT, "application/json".parse().unwrap());
    let (status, body) = send_to(state.clone(), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("The form has no namespace field"), "{body}");
    assert!(body.starts_with('{'), "{body}");
    // A form the framework cannot read as the function's arguments at all.
    let mut req = scale_post("/api/scale_up", &[], OWN);
    *req.body_mut() = Body::from("namespace[x]=1&namespace=2&app=empty-app&key=k");
    let (status, body) = send_to(state.clone(), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("The form could not be read"), "{body}");
    assert!(!body.contains("deserializ"), "{body}");
    // Not a form at all.
    let mut req = scale_post("/api/scale_up", &[], OWN);
    req.headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    *req.body_mut() = Body::from(r#"{"namespace":"default"}"#);
    let (status, body) = send_to(state.clone(), req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body.contains("HTML form post"), "{body}");
    assert!(
        body.contains("console&#39;s own page") && !body.contains("Names use letters"),
        "{body}"
    );
    // A cross-site post is refused for that, whatever its fields.
    let (status, body) = send_to(
        state.clone(),
        scale_post("/api/scale_up", &[("count", "1")], "http://evil.example"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("Origin is not this console"), "{body}");
    assert!(live_ids(&state, "empty-app").await.is_empty());
}

#[tokio::test]
async fn a_scale_up_past_max_workers_is_the_platforms_to_refuse() {
    let state = state_with_simulator().await;
    // empty-app may have at most 10 workers; the console asks anyway and
    // shows the platform's own answer.
    let form = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("count", "11"),
        ("key", KEY),
        ("view", ""),
    ];
    let res = server::router(state.clone())
        .oneshot(scale_post("/api/scale_up", &form, OWN))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let (_, page) = send_to(state.clone(), get(&location)).await;
    assert!(
        page.contains("The platform did not carry out adding 11 workers"),
        "{page}"
    );
    assert!(page.contains("(400)"), "{page}");
    assert!(
        !page.contains("Nothing was changed"),
        "refused by the console: {page}"
    );
}

#[tokio::test]
async fn a_scale_down_removes_exactly_the_chosen_workers() {
    let state = state_with_simulator().await;
    let before = live_ids(&state, "stable-diffusion").await;
    let chosen = before[..2].join(",");
    let listed = before[..2].join(", ");
    let form = [
        ("namespace", "default"),
        ("app", "stable-diffusion"),
        ("workers", chosen.as_str()),
        ("key", KEY),
        ("view", ""),
    ];
    let res = server::router(state.clone())
        .oneshot(scale_post("/api/scale_down", &form, OWN))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = live_ids(&state, "stable-diffusion").await;
    assert_eq!(after.len(), before.len() - 2);
    assert!(!after.contains(&before[0]) && !after.contains(&before[1]));
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let (_, page) = send_to(state.clone(), get(&location)).await;
    assert!(
        page.contains(&format!(
            "Removing 2 workers from default/stable-diffusion: {listed}."
        )),
        "{page}"
    );
}

#[tokio::test]
async fn the_confirmation_names_the_app_and_the_count_and_checks_it() {
    let state = state_with_simulator().await;
    let (status, page) = send_to(
        state.clone(),
        get("/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=3"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Add 3 workers to default/stable-diffusion?"),
        "{page}"
    );
    assert!(page.contains(r#"action="/api/scale_up""#), "{page}");
    let (_, page) = send_to(
        state.clone(),
        get("/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=15"),
    )
    .await;
    // Past maxWorkers (6 running of at most 20): said, not refused.
    assert!(
        page.contains(
            "6 of at most 20 workers are running or starting; the platform may refuse or cap this."
        ),
        "{page}"
    );
    assert!(page.contains(r#"action="/api/scale_up""#), "{page}");
    let (_, page) = send_to(
        state.clone(),
        get("/namespaces/default/apps/stable-diffusion/workers?confirm=up&count=51"),
    )
    .await;
    assert!(
        page.contains("At most 50 workers can be added in one step"),
        "{page}"
    );
    assert!(!page.contains(r#"action="/api/scale_up""#), "{page}");
}

#[tokio::test]
async fn the_history_page_draws_lifetimes_cold_starts_and_churn() {
    let state = state_with_simulator().await;
    let (status, page) = send_to(
        state.clone(),
        get("/namespaces/default/apps/stable-diffusion/history?days=7"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"timeline\""), "{page}");
    let bars = page.matches("class=\"bar bar-").count() - page.matches("bar bar-boot").count();
    assert!(bars > 6, "live and ended workers are drawn: {bars}");
    assert!(page.contains("data-testid=\"cold-starts\""), "{page}");
    assert!(page.contains(">A100<"), "{page}");
    assert!(page.matches("<tr>").count() >= 7, "7 churn rows and more");
    assert!(page.contains("Ended workers"), "{page}");
    // Sized by classes and SVG attributes: the CSP allows no inline styles.
    assert!(!page.contains(" style=\""), "{page}");
    assert!(page.contains("class=\"tick-label pct-at-"), "{page}");
    assert!(page.contains("class=\"hist-bar pct-h-"), "{page}");
    assert!(
        page.contains("class=\"churn churn-created pct-w-"),
        "{page}"
    );

    let (status, page) = send_to(
        state,
        get("/namespaces/default/apps/stable-diffusion/history?days=abc"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("days must be a whole number from 1 to 30"),
        "{page}"
    );
}

#[tokio::test]
async fn every_scale_attempt_is_in_the_audit_log_page_and_csv() {
    let state = state_with_simulator().await;
    let up = UP_ONE;
    let (status, _) = send_to(state.clone(), scale_post("/api/scale_up", &up, OWN)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A refused one is recorded too, with why.
    let bad = [
        ("namespace", "default"),
        ("app", "empty-app"),
        ("count", "0"),
        ("key", "fedcba9876543210fedcba9876543210"),
        ("view", ""),
    ];
    send_to(state.clone(), scale_post("/api/scale_up", &bad, OWN)).await;

    let entries = state
        .store
        .list(&console_store::Filter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let done = entries
        .iter()
        .find(|e| e.outcome == console_store::Outcome::Done)
        .unwrap();
    let new_id = live_ids(&state, "empty-app").await.remove(0);
    assert_eq!(done.new_ids, vec![new_id.clone()]);
    assert_eq!(
        (done.actor.as_str(), done.role.as_str()),
        ("anonymous", "operator")
    );
    assert_eq!((done.count, done.upstream_status), (Some(1), Some(200)));
    assert!(done.duration_ms.is_some() && done.finished_ms.is_some());
    assert_eq!(done.replica, "test");
    let rejected = entries
        .iter()
        .find(|e| e.outcome == console_store::Outcome::Rejected)
        .unwrap();
    assert!(
        rejected.detail.contains("at least 1"),
        "{}",
        rejected.detail
    );
    assert_eq!(rejected.upstream_status, None);

    let (status, page) = send_to(
        state.clone(),
        get("/audit?app=default/empty-app&outcome=done"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("New: "), "{page}");
    // Each worker it named links to that worker's page.
    assert!(
        page.contains(&format!(
            r#"<a href="/namespaces/default/apps/empty-app/workers/{new_id}" class="mono">{new_id}</a>"#
        )),
        "{page}"
    );
    assert!(page.contains("1 matching action."), "{page}");
    assert!(
        !page.contains("at least 1"),
        "the filter keeps rejected ones out: {page}"
    );

    let res = support::send(
        server::router(state.clone()),
        get("/audit.csv?app=default/empty-app"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let csv = res.body;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,started_utc,"), "{csv}");
    assert!(csv.contains(&format!(",done,,{new_id},200,")), "{csv}");

    let (status, body) = send_to(state.clone(), get("/audit.csv?from=yesterday")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("not a date like"), "{body}");
    let (status, page) = send_to(state, get("/audit?outcome=maybe")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("There is no outcome"), "{page}");
}

#[tokio::test]
async fn without_an_audit_record_there_is_no_platform_call() {
    let state = state_with_simulator().await;
    let before = live_ids(&state, "empty-app").await.len();
    // A database that has gone away.
    state.store.close().await;
    let up = UP_ONE;
    let (status, page) = send_to(state.clone(), scale_post("/api/scale_up", &up, OWN)).await;
    // Nothing to redirect to: the answer is the refusal itself.
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.contains("database did not answer, so nothing was done"),
        "{page}"
    );
    assert_eq!(live_ids(&state, "empty-app").await.len(), before);
}

fn proxy_auth(read_only: bool) -> std::sync::Arc<app::auth::AuthConfig> {
    std::sync::Arc::new(app::auth::AuthConfig {
        mode: app::auth::AuthMode::Proxy {
            header: header::HeaderName::from_static("x-forwarded-user"),
            trusted: vec!["127.0.0.1/32".parse().unwrap()],
            operators: ["ana".to_string()].into(),
        },
        read_only,
        proxies: Vec::new(),
    })
}

/// `req` as if it arrived from `peer` as `user` (when given).
fn from(mut req: Request<Body>, peer: &str, user: Option<&str>) -> Request<Body> {
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    if let Some(user) = user {
        req.headers_mut().insert(
            "x-forwarded-user",
            header::HeaderValue::from_str(user).unwrap(),
        );
    }
    req
}

#[tokio::test]
async fn behind_a_proxy_operators_act_viewers_look_and_strangers_get_401() {
    let state = AppState {
        auth: proxy_auth(false),
        ..state_with_simulator().await
    };
    let page = || get("/namespaces/default/apps/empty-app/workers");
    // Not through the proxy, or through it without a user: 401.
    let (status, _) = send_to(state.clone(), from(page(), "192.0.2.7", Some("ana"))).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a spoofed header from elsewhere is not believed"
    );
    let (status, _) = send_to(state.clone(), from(page(), "127.0.0.1", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send_to(state.clone(), page()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A viewer sees the controls off, with the reason...
    let (status, body) = send_to(state.clone(), from(page(), "127.0.0.1", Some("bo"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Scaling is off for you: bo is a viewer here"),
        "{body}"
    );
    // ...and a forged post changes nothing upstream, but is on record.
    let before = live_ids(&state, "empty-app").await.len();
    let up = UP_ONE;
    let (status, body) = send_to(
        state.clone(),
        from(
            scale_post("/api/scale_up", &up, OWN),
            "127.0.0.1",
            Some("bo"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(live_ids(&state, "empty-app").await.len(), before);

    // An operator acts, as themself.
    let (status, _) = send_to(
        state.clone(),
        from(
            scale_post("/api/scale_up", &up, OWN),
            "127.0.0.1",
            Some("ana"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(live_ids(&state, "empty-app").await.len(), before + 1);

    let entries = state
        .store
        .list(&console_store::Filter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let by = |actor: &str| entries.iter().find(|e| e.actor == actor).unwrap().clone();
    assert_eq!(
        (by("bo").role.as_str(), by("bo").outcome),
        ("viewer", console_store::Outcome::Rejected)
    );
    assert!(
        by("bo").detail.starts_with("not allowed:"),
        "{}",
        by("bo").detail
    );
    assert_eq!(
        (by("ana").role.as_str(), by("ana").outcome),
        ("operator", console_store::Outcome::Done)
    );
    assert_eq!(by("ana").client_addr, "127.0.0.1");
}

#[tokio::test]
async fn a_read_only_console_lets_nobody_scale() {
    let state = AppState {
        auth: std::sync::Arc::new(app::auth::AuthConfig {
            mode: app::auth::AuthMode::None,
            read_only: true,
            proxies: Vec::new(),
        }),
        ..state_with_simulator().await
    };
    let (status, body) = send_to(
        state.clone(),
        get("/namespaces/default/apps/empty-app/workers?confirm=up&count=1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("read-only (CONSOLE_READ_ONLY)"), "{body}");
    assert!(
        !body.contains(r#"action="/api/scale_up""#),
        "no confirm button: {body}"
    );
    let up = UP_ONE;
    let (status, _) = send_to(state.clone(), scale_post("/api/scale_up", &up, OWN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(live_ids(&state, "empty-app").await.is_empty());
}

/// Calls of `endpoint` the gateway made (any outcome).
fn gateway_calls(state: &AppState, endpoint: &str) -> u64 {
    state
        .gateway
        .stats()
        .calls
        .iter()
        .filter(|((e, _), _)| *e == endpoint)
        .map(|(_, (n, _))| n)
        .sum()
}

#[tokio::test]
async fn the_brake_pauses_once_the_name_is_typed_and_resumes_each_once_per_confirmation() {
    let state = state_with_simulator().await;
    let page = "/namespaces/research/apps/tokenizer/workers";
    // The state panel offers the brake; its confirmation names the app,
    // how many workers stop, and asks for the app's name.
    let (status, body) = send_to(state.clone(), get(page)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(&format!(r#"href="{page}?confirm=pause""#)),
        "{body}"
    );
    let (_, body) = send_to(state.clone(), get(&format!("{page}?confirm=pause"))).await;
    assert!(body.contains("Pause research/tokenizer?"), "{body}");
    assert!(
        body.contains("1 worker running or starting will stop"),
        "{body}"
    );
    assert!(body.contains(r#"action="/api/pause_app""#), "{body}");
    assert!(body.contains(r#"name="confirm_name""#), "{body}");

    let pause = |name: &'static str, key: &'static str| {
        [
            ("namespace", "research"),
            ("app", "tokenizer"),
            ("confirm_name", name),
            ("key", key),
            ("view", ""),
        ]
    };
    // A wrong name: refused in words, on record, and nothing sent.
    let res = server::router(state.clone())
        .oneshot(scale_post("/api/pause_app", &pause("tokenize", KEY), OWN))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let (_, body) = send_to(state.clone(), get(&to)).await;
    // (Quotes may be written as entities; the words are what matter.)
    assert!(
        body.contains("Nothing was changed: the name typed, "),
        "{body}"
    );
    assert!(body.contains("tokenize"), "{body}");
    assert!(body.contains("(tokenizer)."), "{body}");
    assert_eq!(gateway_calls(&state, "pause"), 0);

    // The right name: one call, however often the form is posted.
    const PAUSE_KEY: &str = "11111111111111111111111111111111";
    for _ in 0..3 {
        let res = server::router(state.clone())
            .oneshot(scale_post(
                "/api/pause_app",
                &pause(" tokenizer ", PAUSE_KEY),
                OWN,
            ))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(gateway_calls(&state, "pause"), 1);
    let (_, body) = send_to(state.clone(), get(&format!("{page}?action={PAUSE_KEY}"))).await;
    assert!(body.contains("Paused research/tokenizer"), "{body}");
    // Paused: said, with Resume in place of Pause.
    assert!(
        body.contains("Paused: no workers will start until the app is resumed."),
        "{body}"
    );
    assert!(
        body.contains(&format!(r#"href="{page}?confirm=resume""#)),
        "{body}"
    );

    const RESUME_KEY: &str = "22222222222222222222222222222222";
    let resume = [
        ("namespace", "research"),
        ("app", "tokenizer"),
        ("key", RESUME_KEY),
        ("view", ""),
    ];
    for _ in 0..2 {
        let res = server::router(state.clone())
            .oneshot(scale_post("/api/resume_app", &resume, OWN))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(gateway_calls(&state, "resume"), 1);
    let (_, body) = send_to(state.clone(), get(&format!("{page}?action={RESUME_KEY}"))).await;
    assert!(body.contains("Resumed research/tokenizer"), "{body}");

    // All three attempts are in the audit log.
    let entries = state
        .store
        .list(&console_store::Filter {
            app: Some("tokenizer".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = entries.iter().map(|e| (e.action, e.outcome)).collect();
    use console_store::{Action, Outcome};
    assert!(
        actions.contains(&(Action::Pause, Outcome::Rejected)),
        "{actions:?}"
    );
    assert!(
        actions.contains(&(Action::Pause, Outcome::Done)),
        "{actions:?}"
    );
    assert!(
        actions.contains(&(Action::Resume, Outcome::Done)),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_brake_form_without_its_fields_and_an_overlong_view_are_refused_in_words() {
    let state = state_with_simulator().await;
    let full = [
        ("namespace", "research"),
        ("app", "tokenizer"),
        ("confirm_name", "tokenizer"),
        ("key", KEY),
    ];
    for (gone, _) in full {
        let form: Vec<_> = full.iter().copied().filter(|(k, _)| *k != gone).collect();
        let (status, body) = send_to(state.clone(), scale_post("/api/pause_app", &form, OWN)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{gone}: {body}");
        assert!(
            body.contains(&format!("The form has no {gone} field")),
            "{gone}: {body}"
        );
    }
    assert_eq!(gateway_calls(&state, "pause"), 0);
    // The page's view, which the panels' links keep, is bounded.
    let long = "q=".to_string() + &"a".repeat(app::server_fns::workers::MAX_VIEW_QUERY);
    let (status, body) = send_to(
        state.clone(),
        server_fn(
            "/api/list_workers",
            &[
                ("namespace", "research"),
                ("app", "tokenizer"),
                ("view", &long),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("longer than 4096 characters"), "{body}");
    assert_eq!(gateway_calls(&state, "list_workers"), 0);
}

#[tokio::test]
async fn a_read_only_console_shows_the_brake_off_and_refuses_it() {
    let state = AppState {
        auth: std::sync::Arc::new(app::auth::AuthConfig {
            mode: app::auth::AuthMode::None,
            read_only: true,
            proxies: Vec::new(),
        }),
        ..state_with_simulator().await
    };
    let page = "/namespaces/research/apps/tokenizer/workers";
    let (_, body) = send_to(state.clone(), get(page)).await;
    assert!(body.contains(r#"data-testid="brake-off""#), "{body}");
    assert!(!body.contains("?confirm=pause"), "{body}");
    let (_, body) = send_to(state.clone(), get(&format!("{page}?confirm=pause"))).await;
    assert!(!body.contains(r#"action="/api/pause_app""#), "{body}");
    let form = [
        ("namespace", "research"),
        ("app", "tokenizer"),
        ("confirm_name", "tokenizer"),
        ("key", KEY),
        ("view", ""),
    ];
    let (status, _) = send_to(state.clone(), scale_post("/api/pause_app", &form, OWN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // And from another site, not even the origin passes.
    let (status, _) = send_to(
        state.clone(),
        scale_post("/api/pause_app", &form, "https://evil.example"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(gateway_calls(&state, "pause"), 0);
}

fn token_auth() -> std::sync::Arc<app::auth::AuthConfig> {
    std::sync::Arc::new(app::auth::AuthConfig {
        mode: app::auth::AuthMode::Token(app::auth::TokenAuth {
            key: app::auth::SessionKey::random(),
            idle: std::time::Duration::from_secs(2 * 3600),
            max_age: std::time::Duration::from_secs(12 * 3600),
        }),
        read_only: false,
        proxies: Vec::new(),
    })
}

fn with_cookie(mut req: Request<Body>, cookie: &str) -> Request<Body> {
    req.headers_mut().insert(
        header::COOKIE,
        header::HeaderValue::from_str(cookie).unwrap(),
    );
    req
}

/// Signs in as `name` with `token`; returns the reply's status, location
/// and session cookie (`name=value`), if any.
async fn sign_in(
    state: &AppState,
    name: &str,
    token: &str,
    next: &str,
) -> (StatusCode, String, Option<String>) {
    let form = [("name", name), ("token", token), ("next", next)];
    let res = server::router(state.clone())
        .oneshot(scale_post("/api/sign_in", &form, OWN))
        .await
        .unwrap();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let cookie = res.headers().get(header::SET_COOKIE).map(|v| {
        let v = v.to_str().unwrap().to_string();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(v.contains(part), "{v}");
        }
        assert!(!v.contains("Secure"), "plain HTTP here: {v}");
        v.split(';').next().unwrap().to_string()
    });
    (res.status(), location, cookie)
}

#[tokio::test]
async fn guessed_tokens_are_checked_with_the_platform_a_few_times_a_minute_only() {
    let state = AppState {
        auth: token_auth(),
        ..state_with_simulator().await
    };
    // A person who mistyped is answered as usual…
    for i in 0..app::limits::SIGN_INS_PER_ADDRESS_PER_MINUTE {
        let (status, location, cookie) = sign_in(&state, "eve", &format!("guess-{i}"), "/").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "attempt {i}");
        assert_eq!(location, "/login?error=rejected", "attempt {i}");
        assert_eq!(cookie, None);
    }
    // …and the next guess is not sent to the platform at all.
    let form = [("name", "eve"), ("token", "tok-ana"), ("next", "/")];
    let res = support::send(
        server::router(state.clone()),
        scale_post("/api/sign_in", &form, OWN),
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        res.headers.get(header::SET_COOKIE).is_none(),
        "a right token is not checked either"
    );
    let body = res.body;
    assert!(body.contains("Too many sign-in attempts"), "{body}");
    let (_, metrics) = send_to(state.clone(), get("/metrics")).await;
    assert!(
        metrics.contains("console_sign_ins_refused_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn behind_a_load_balancer_sign_ins_are_counted_per_client_it_names() {
    let state = AppState {
        auth: std::sync::Arc::new(app::auth::AuthConfig {
            proxies: vec!["10.0.0.0/24".parse().unwrap()],
            ..(*token_auth()).clone()
        }),
        ..state_with_simulator().await
    };
    let attempt = |peer: &'static str, forwarded: Option<&'static str>| {
        let state = state.clone();
        async move {
            let form = [("name", "eve"), ("token", "guess"), ("next", "/")];
            let mut req = scale_post("/api/sign_in", &form, OWN);
            req.extensions_mut().insert(axum::extract::ConnectInfo(
                format!("{peer}:40000")
                    .parse::<std::net::SocketAddr>()
                    .unwrap(),
            ));
            if let Some(xff) = forwarded {
                req.headers_mut()
                    .insert("x-forwarded-for", xff.parse().unwrap());
            }
            server::router(state).oneshot(req).await.unwrap().status()
        }
    };
    let allowance = app::limits::SIGN_INS_PER_ADDRESS_PER_MINUTE;
    // One client through the balancer spends its own allowance…
    for i in 0..allowance {
        assert_eq!(
            attempt("10.0.0.2", Some("198.51.100.7")).await,
            StatusCode::SEE_OTHER,
            "attempt {i}"
        );
    }
    assert_eq!(
        attempt("10.0.0.3", Some("198.51.100.7")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the same client through another balancer"
    );
    // …and another client through the same balancer still has all of its.
    assert_eq!(
        attempt("10.0.0.2", Some("198.51.100.8")).await,
        StatusCode::SEE_OTHER
    );
    // A client that writes X-Forwarded-For itself is counted by its own
    // address: a fresh made-up one each time buys nothing.
    for i in 0..allowance {
        let status = attempt(
            "203.0.113.9",
            Some(if i % 2 == 0 { "192.0.2.1" } else { "192.0.2.2" }),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "attempt {i}");
    }
    assert_eq!(
        attempt("203.0.113.9", Some("192.0.2.3")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_sign_in_form_with_fields_missing_or_from_elsewhere_is_answered_in_words() {
    let state = AppState {
        auth: token_auth(),
        ..state_with_simulator().await
    };
    let post = |form: &'static [(&'static str, &'static str)], origin: &'static str| {
        let state = state.clone();
        async move {
            let res = support::send(
                server::router(state),
                scale_post("/api/sign_in", form, origin),
            )
            .await;
            let location = res
                .headers
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (res.status, location, res.body)
        }
    };
    // Without `next`, the start page; without a token, the sign-in page
    // says what is missing.
    let (status, location, _) = post(&[("name", "Ana"), ("token", "tok-ana")], OWN).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
    let (status, location, _) = post(&[("name", "Ana")], OWN).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login?error=token")
    );
    let (status, location, _) = post(&[("token", "tok-ana")], OWN).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login?error=name")
    );
    // From another site: refused, as a sign-in, with the way back to it.
    let (status, _, body) = post(
        &[("name", "Ana"), ("token", "tok-ana")],
        "http://evil.example",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.contains("This sign-in cannot go ahead") && body.contains("Back to sign-in"),
        "{body}"
    );
    assert!(!body.contains("not signed in"), "{body}");
}

#[tokio::test]
async fn token_sign_in_keeps_the_token_on_the_server_and_acts_with_it() {
    let state = AppState {
        auth: token_auth(),
        ..state_with_simulator().await
    };
    let page = "/namespaces/default/apps/empty-app/workers";
    // Signed out: pages lead to the sign-in page and back; data is 401.
    let res = server::router(state.clone())
        .oneshot(get(page))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/login?next=%2Fnamespaces%2Fdefault%2Fapps%2Fempty-app%2Fworkers"
    );
    let (status, _) = send_to(state.clone(), server_fn("/api/list_apps", &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send_to(state.clone(), get("/login")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("EverAI token"), "{body}");

    // A token the platform refuses, a bad name, a foreign next: no session.
    let (status, location, cookie) = sign_in(&state, "Ana", "wrong-token", "/audit").await;
    assert_eq!(
        (status, location.as_str(), cookie),
        (
            StatusCode::SEE_OTHER,
            "/login?error=rejected&next=%2Faudit",
            None
        )
    );
    let (_, location, cookie) = sign_in(&state, "", "tok-ana", "/").await;
    assert_eq!((location.as_str(), cookie), ("/login?error=name", None));
    let (_, location, cookie) = sign_in(&state, "Ana", "tok-ana", "https://evil.example/").await;
    assert_eq!(location, "/", "only this console's paths are followed");
    assert!(cookie.is_some());

    // The real thing.
    let (status, location, cookie) = sign_in(&state, "Ana", "tok-ana", page).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, page));
    let cookie = cookie.unwrap();
    assert!(!cookie.contains("tok-ana"));
    let (status, body) = send_to(state.clone(), with_cookie(get(page), &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains("tok-ana"),
        "the token never reaches the page"
    );
    let (_, status_json) = send_to(
        state.clone(),
        with_cookie(server_fn("/api/console_status", &[]), &cookie),
    )
    .await;
    assert!(status_json.contains("Ana (token "), "{status_json}");

    let up = UP_ONE;
    let (status, _) = send_to(
        state.clone(),
        with_cookie(scale_post("/api/scale_up", &up, OWN), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let entries = state
        .store
        .list(&console_store::Filter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        entries[0].actor.starts_with("Ana (token "),
        "{:?}",
        entries[0]
    );
    assert_eq!(entries[0].outcome, console_store::Outcome::Done);

    // What the store keeps: a hash of the id, the token sealed.
    let id = cookie.split_once('=').unwrap().1;
    let session = state
        .store
        .session(&app::auth::digest(id))
        .await
        .unwrap()
        .unwrap();
    assert!(!session.token_sealed.contains("tok-ana"));
    assert!(state.store.session(id).await.unwrap().is_none());

    // Idle too long: the session is over.
    state
        .store
        .touch_session(&app::auth::digest(id), 0)
        .await
        .unwrap();
    let (status, _) = send_to(state.clone(), with_cookie(get(page), &cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        state
            .store
            .session(&app::auth::digest(id))
            .await
            .unwrap()
            .is_none()
    );

    // Too old, however busy: over too. (A session made 13 hours ago.)
    let app::auth::AuthMode::Token(token_auth) = &state.auth.mode else {
        unreachable!()
    };
    let old_id = app::auth::new_session_id();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    state
        .store
        .create_session(&console_store::Session {
            id_hash: app::auth::digest(&old_id),
            actor: "Ana (token 00000000)".into(),
            token_sealed: token_auth.key.seal("tok-ana"),
            created_ms: now - 13 * 3600 * 1000,
            last_seen_ms: now,
        })
        .await
        .unwrap();
    let (status, _) = send_to(
        state.clone(),
        with_cookie(
            get(page),
            &format!("{}={old_id}", app::auth::SESSION_COOKIE),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Sign out ends it at once.
    let (_, _, cookie) = sign_in(&state, "Ana", "tok-ana", "/").await;
    let cookie = cookie.unwrap();
    let res = server::router(state.clone())
        .oneshot(with_cookie(scale_post("/api/sign_out", &[], OWN), &cookie))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login?signed_out=1");
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = send_to(state.clone(), with_cookie(get(page), &cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// Token sign-in against a simulator the test holds, which counts the calls
/// made with each user's token.
async fn token_state_with_own_simulator() -> (AppState, everai_sim::Simulator) {
    let sim = everai_sim::Simulator::demo(&everai_sim::SimConfig {
        token: "the-consoles-token".into(),
        seed: 1,
        time_scale: 1.0,
        faults: Default::default(),
    });
    sim.add_user("ana", "tok-ana");
    sim.add_user("bo", "tok-bo");
    let addr = sim
        .spawn((std::net::Ipv4Addr::LOCALHOST, 0).into())
        .await
        .unwrap();
    let state = AppState {
        gateway: everai_api::Gateway::new(
            client(&format!("http://{addr}"), "the-consoles-token"),
            Default::default(),
        ),
        auth: token_auth(),
        ..state().await
    };
    (state, sim)
}

#[tokio::test]
async fn a_signed_in_persons_reads_and_actions_reach_the_platform_with_their_own_token() {
    let (state, sim) = token_state_with_own_simulator().await;
    let page = "/namespaces/default/apps/empty-app/workers";
    let (_, _, ana) = sign_in(&state, "Ana", "tok-ana", page).await;
    let (_, _, bo) = sign_in(&state, "Bo", "tok-bo", page).await;
    let (ana, bo) = (ana.unwrap(), bo.unwrap());
    let count = |user: &str, kind: &str| sim.calls_of(user).get(kind).copied().unwrap_or(0);

    // Ana's page, then Bo's within the kept list's lifetime: each is read
    // with its own token, never one person's answer shown to the other.
    for cookie in [&ana, &bo] {
        let (status, body) = send_to(state.clone(), with_cookie(get(page), cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(count("ana", "list_workers"), 1, "{:?}", sim.calls_of("ana"));
    assert_eq!(count("bo", "list_workers"), 1, "{:?}", sim.calls_of("bo"));

    let up = UP_ONE;
    let (status, _) = send_to(
        state.clone(),
        with_cookie(scale_post("/api/scale_up", &up, OWN), &ana),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count("ana", "scale_up"), 1, "{:?}", sim.calls_of("ana"));
    assert_eq!(count("bo", "scale_up"), 0, "{:?}", sim.calls_of("bo"));
    // The console's own token read nothing and changed nothing for them.
    let console = sim.calls_of("console");
    assert_eq!(
        (
            count("console", "list_workers"),
            count("console", "scale_up")
        ),
        (0, 0),
        "{console:?}"
    );
}

#[tokio::test]
async fn health_and_readiness_answer_without_sign_in() {
    // Even in proxy mode, where every other path wants the proxy.
    let state = AppState {
        auth: proxy_auth(false),
        ..state_with_simulator().await
    };
    let (status, body) = send_to(state.clone(), get("/healthz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, body) = send_to(state.clone(), get("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""ready":true"#), "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["build"], app::build_id::id(), "{body}");
    assert_eq!(ready["version"], env!("CARGO_PKG_VERSION"), "{body}");

    // A platform that cannot be reached, a database that is closed: 503, saying which.
    let broken = state.clone();
    broken.store.close().await;
    let broken = AppState {
        gateway: everai_api::Gateway::new(
            client("http://127.0.0.1:9", "unused"),
            Default::default(),
        ),
        action_limit: Default::default(),
        ..broken
    };
    let (status, body) = send_to(broken, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains(r#""ready":false"#), "{body}");
    assert!(body.contains("could not be reached"), "{body}");
    assert!(!body.contains("127.0.0.1:9"), "no upstream address: {body}");
}

#[tokio::test]
async fn every_response_forbids_framing_and_sniffing_and_pages_are_not_cached() {
    // Pages: scripts only with this response's nonce, no inline styles.
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let res = support::send(server::router(state().await), get("/")).await;
        let csp = res.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        let body = res.body;
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {csp}"))
            .to_string();
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(csp.contains("style-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        // Every inline script carries it; no element has a style attribute.
        let scripts = body.matches("<script").count();
        assert!(scripts > 0);
        assert_eq!(
            body.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{body}"
        );
        assert!(!body.contains(" style=\""), "{body}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce for every response");

    let res = server::router(state().await)
        .oneshot(get("/healthz"))
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; frame-ancestors 'none'"
    );

    let res = server::router(state().await)
        .oneshot(get("/"))
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::REFERRER_POLICY], "same-origin");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn each_worker_in_the_table_links_to_its_own_page() {
    let state = state_with_simulator().await;
    let ids = live_ids(&state, "stable-diffusion").await;
    let (status, body) = send_to(
        state,
        get("/namespaces/default/apps/stable-diffusion/workers"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!ids.is_empty());
    for id in ids {
        let href = format!(r#"href="/namespaces/default/apps/stable-diffusion/workers/{id}""#);
        assert!(body.contains(&href), "{href} in {body}");
    }
}

#[tokio::test]
async fn a_workers_page_arrives_complete_and_says_where_it_was_found() {
    let state = state_with_simulator().await;
    let ns = everai_api::Namespace::parse("default").unwrap();
    let app = everai_api::AppName::parse("image-resize").unwrap();
    let client = state.gateway.client();
    let live = client.list_workers(&ns, &app, false, 2).await.unwrap();
    let all = client.list_workers(&ns, &app, true, 30).await.unwrap();
    let ended = all
        .workers
        .iter()
        .find(|w| !live.workers.iter().any(|l| l.id == w.id))
        .expect("the demo app has ended workers")
        .id
        .clone();
    let running = live.workers[0].id.clone();

    let path = |id: &str| format!("/namespaces/default/apps/image-resize/workers/{id}");
    let (status, body) = send_to(state.clone(), get(&path(&running))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"data-found-in="live""#), "{body}");
    assert!(
        body.contains(&format!("Worker <span class=\"mono\">{running}")),
        "{body}"
    );
    assert!(body.contains("Remove this worker…"), "{body}");
    assert!(
        body.contains(&format!(
            "/namespaces/default/apps/image-resize/workers?confirm=down&amp;worker={running}"
        )),
        "{body}"
    );

    let (status, body) = send_to(state.clone(), get(&path(&ended))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"data-found-in="history""#), "{body}");
    assert!(body.contains("history of the last 30 days"), "{body}");
    assert!(!body.contains("Remove this worker…"), "{body}");

    let (status, body) = send_to(state.clone(), get(&path("NoSuchWorker42"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body.contains("There is no worker \"NoSuchWorker42\" among the live workers of image-resize in default, nor in its history of the last 30 days."),
        "{body}"
    );

    // The same read, as the hydrated page asks for it again.
    let (status, json) = send_to(
        state,
        server_fn(
            "/api/worker_detail",
            &[
                ("namespace", "default"),
                ("app", "image-resize"),
                ("id", &running),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let reply: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(reply["found"], true);
    assert!(reply["html"].as_str().unwrap().contains(&running));
}

#[tokio::test]
async fn a_worker_id_that_is_not_one_is_a_400_before_any_upstream_call() {
    // The client points nowhere: reaching it would be a 502, not a 400.
    for id in ["bad%20id", "a%3Cb", &"w".repeat(129)] {
        let (status, body) = send_to(
            state().await,
            get(&format!("/namespaces/default/apps/some-app/workers/{id}")),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{id}: {body}");
        assert!(body.contains("is not a worker id"), "{id}: {body}");
    }
}

#[tokio::test]
async fn the_view_downloads_as_csv_and_json_with_its_filters_and_every_page() {
    let state = state_with_simulator().await;
    let live = live_ids(&state, "image-resize").await;
    let res = support::send(
        server::router(state.clone()),
        get("/namespaces/default/apps/image-resize/workers.csv?status=STATUS_RUNNING&sort=id&dir=asc&page=2"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = res.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with(r#"attachment; filename="everai-default-image-resize-workers-"#)
            && disposition.ends_with(r#"Z.csv""#),
        "{disposition}"
    );
    let lines: Vec<&str> = res.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("status,detail_status,id,"),
        "{}",
        lines[0]
    );
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    // Every running worker, in id order, whatever page the address names.
    let list = state
        .gateway
        .client()
        .list_workers(
            &everai_api::Namespace::parse("default").unwrap(),
            &everai_api::AppName::parse("image-resize").unwrap(),
            false,
            2,
        )
        .await
        .unwrap();
    let mut running: Vec<String> = list
        .workers
        .iter()
        .filter(|w| w.status == everai_api::WorkerStatus::Running)
        .map(|w| w.id.clone())
        .collect();
    running.sort();
    assert!(lines[1..].iter().all(|l| l.starts_with("Running,")));
    assert!(!ids.is_empty());
    assert_eq!(ids, running);

    // The history table's view: the ended workers of the window.
    let res = support::send(
        server::router(state.clone()),
        get("/namespaces/default/apps/image-resize/history.json?days=7"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers[header::CONTENT_TYPE], "application/json");
    let doc: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(doc["view"], "history");
    assert_eq!(doc["days"], 7);
    let workers = doc["workers"].as_array().unwrap();
    assert_eq!(doc["count"], workers.len());
    assert!(!workers.is_empty());
    assert!(
        workers
            .iter()
            .all(|w| !live.contains(&w["id"].as_str().unwrap().to_string()))
    );
    assert!(
        workers
            .iter()
            .all(|w| w["createdAt"].as_str().unwrap().ends_with('Z'))
    );

    // What the console cannot follow is refused in words.
    for (path, words) in [
        (
            "/namespaces/default/apps/image-resize/history.csv?days=31",
            "from 1 to 30 days",
        ),
        (
            "/namespaces/default/apps/image-resize/history.csv?days=two",
            "from 1 to 30 days",
        ),
        (
            "/namespaces/default/apps/bad%20name/workers.json",
            "a space at position 4",
        ),
    ] {
        let res = support::send(server::router(state.clone()), get(path)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert!(res.body.contains(words), "{path}: {}", res.body);
    }
}

#[tokio::test]
async fn a_download_the_platform_cannot_serve_is_an_error_in_words() {
    let res = support::send(
        server::router(state().await),
        get("/namespaces/default/apps/some-app/workers.csv"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_GATEWAY, "{}", res.body);
    assert_eq!(
        res.headers[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    assert!(res.body.contains("could not be reached"), "{}", res.body);
}
