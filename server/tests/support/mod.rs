//! What the router test files share: the console's state around a given
//! gateway, a client of a platform at an address, the requests a browser
//! sends (a page, a form post, a server function call) and the reply read
//! whole.
#![allow(dead_code)] // each test file uses some of these

use app::{server_fns::status::UpstreamKind, state::AppState};
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use everai_api::{Client, ClientOptions, Gateway};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

/// The console's own address, as the tests' requests name it.
pub const HOST: &str = "127.0.0.1:3000";
/// The console's own origin, as its pages' form posts carry it.
pub const OWN_ORIGIN: &str = "http://127.0.0.1:3000";

/// The console's state as the tests start it: no sign-in, an in-memory
/// audit log, the simulator badge, default limits, and `gateway`.
pub async fn app_state(gateway: Gateway) -> AppState {
    AppState {
        leptos_options: LeptosOptions::builder()
            .output_name("everai_console")
            .site_root("target/site")
            .build(),
        gateway,
        upstream: UpstreamKind::Simulator,
        actions: Default::default(),
        action_limit: Default::default(),
        sign_in_limit: Default::default(),
        max_scale_step: 50,
        started_at: std::time::Instant::now(),
        store: console_store::Store::open("sqlite::memory:").await.unwrap(),
        replica: "test".into(),
        auth: std::sync::Arc::new(app::auth::AuthConfig {
            mode: app::auth::AuthMode::None,
            read_only: false,
            proxies: Vec::new(),
        }),
    }
}

/// A client of the platform at `endpoint` with `token`, and a deadline of
/// `timeout` per call.
pub fn client(endpoint: &str, token: &str, timeout: std::time::Duration) -> Client {
    Client::new(
        url::Url::parse(endpoint).unwrap(),
        secrecy::SecretString::from(token),
        ClientOptions {
            timeout,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// A `GET` of `path` as a browser on the console's own host sends it.
pub fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap()
}

/// A form post of `fields` to `endpoint` from a page at `origin`, as a
/// browser sends one of the console's forms (it asks for HTML back).
pub fn form_post(endpoint: &str, fields: &[(&str, &str)], origin: &str) -> Request<Body> {
    Request::post(endpoint)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, origin)
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(fields)))
        .unwrap()
}

/// A call of the server function at `endpoint` (`/api/…`) with `args`, as
/// the hydrated page makes it: a form-encoded post, JSON back.
pub fn server_fn(endpoint: &str, args: &[(&str, &str)]) -> Request<Body> {
    Request::post(endpoint)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(args)))
        .unwrap()
}

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A reply, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// `request` through `router`, its reply read whole (a body that is not
/// UTF-8 is read lossily).
pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let res = router.oneshot(request).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}
