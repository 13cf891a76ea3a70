//! What the router test files share: the console's state around a given
//! gateway.

use app::{server_fns::status::UpstreamKind, state::AppState};
use everai_api::Gateway;
use leptos::prelude::LeptosOptions;

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

/// A `GET` of `path` as a browser on the console's own host sends it.
#[allow(dead_code)] // not every test file reads pages
pub fn get(path: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(path)
        .header(axum::http::header::HOST, "127.0.0.1:3000")
        .body(axum::body::Body::empty())
        .unwrap()
}
