//! The console's HTTP server: configuration, routes and start-up, kept out of
//! `main.rs` so that tests build the very same router.

// The lazy routes' views (see `app::App`) are laid out here, in the
// server's render of the app; they nest deeper than the default 128.
#![recursion_limit = "256"]

pub mod audit_csv;
pub mod auth;
pub mod config;
pub mod form_posts;
pub mod guard;
pub mod metrics;
pub mod open;
pub mod ops;
pub mod panics;
pub mod serve;
pub mod site;
pub mod view_export;

use app::{App, server_fns::status::UpstreamKind, shell, state::AppState};
use axum::Router;
use everai_api::{Client, ClientOptions};
use secrecy::SecretString;

use crate::config::Upstream;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The app's routes, worked out once per process. Working them out renders
/// the app with resource loading switched off process-wide; doing it while
/// another router serves a page could leave that page's resources unloaded
/// and the page hanging (tests build many routers in one process).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The largest request body any route accepts: a scale-down form naming a
/// thousand workers is about 40 KB.
pub const MAX_BODY_BYTES: usize = 256 << 10;
/// Longest time to receive a request's body once its headers are in.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Longest time to answer any request: a backstop behind the platform
/// calls' own limits (about 10 s with the queue).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The complete router with the default guard (loopback host names, 1024
/// requests at once).
pub fn router(state: AppState) -> Router {
    let hosts = guard::Guard::default_hosts(state.leptos_options.site_addr);
    router_with(state, guard::Guard::new(hosts, 1024))
}

/// The complete router: Leptos pages, server functions, static files, the
/// operations endpoints, and every layer in front of them.
pub fn router_with(state: AppState, guard: guard::Guard) -> Router {
    router_with_routes(state, guard, Router::new())
}

/// [`router_with`], with `extra` routes served behind the very same layers
/// as the pages: for tests of what those layers do.
#[doc(hidden)]
pub fn router_with_routes(state: AppState, guard: guard::Guard, extra: Router<AppState>) -> Router {
    use axum::http::StatusCode;
    // Before Leptos sets its own: see `panics`.
    panics::init_executor();
    use tower_http::{CompressionLevel, compression::CompressionLayer, timeout::TimeoutLayer};
    let routes = route_list();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            let parts = use_context::<axum::http::request::Parts>();
            // Run to its end even if the browser goes away.
            if let Some(rendered) = parts
                .as_ref()
                .and_then(|p| p.extensions.get::<ops::Rendered>())
            {
                rendered.set();
            }
            // The nonce the headers layer put in this page's policy: every
            // script Leptos writes carries it.
            if let Some(nonce) = parts.and_then(|p| p.extensions.get::<ops::CspNonce>().cloned()) {
                provide_context(leptos::nonce::Nonce::from_value(nonce.0));
            }
        }
    };
    let render = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/open", axum::routing::get(open::open_app))
        .route("/audit.csv", axum::routing::get(audit_csv::export))
        .route(
            "/namespaces/{ns}/apps/{app}/workers.csv",
            axum::routing::get(view_export::workers_csv),
        )
        .route(
            "/namespaces/{ns}/apps/{app}/workers.json",
            axum::routing::get(view_export::workers_json),
        )
        .route(
            "/namespaces/{ns}/apps/{app}/history.csv",
            axum::routing::get(view_export::history_csv),
        )
        .route(
            "/namespaces/{ns}/apps/{app}/history.json",
            axum::routing::get(view_export::history_json),
        )
        .merge(extra)
        .leptos_routes_with_context(&state, routes, context.clone(), render)
        .fallback_service(static_files(state.clone(), context))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        // Outside the sign-in layer: a cross-site post is refused before
        // anything else is looked at.
        .layer(axum::middleware::from_fn(form_posts::form_posts))
        // Added after the sign-in layer: load balancers do not sign in.
        .route("/healthz", axum::routing::get(ops::healthz))
        .route("/readyz", axum::routing::get(ops::readyz))
        .route(
            "/metrics",
            axum::routing::get({
                let guard = guard.clone();
                move |state| metrics::export(state, guard)
            }),
        )
        .layer(axum::middleware::from_fn(ops::headers))
        // Pages and server-function replies compressed for browsers that
        // ask (a 1,000-worker page is ~260 KB of HTML, its refresh ~150 KB
        // of JSON every 5 s), at the fastest level: the page's render time
        // is what the console is measured by. Static files are already
        // compressed at build time and pass through unchanged.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(axum::middleware::from_fn(guard::read_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(guard, guard::guard))
        // Outermost: every step of every request starts with no owner.
        .layer(axum::middleware::from_fn(ops::own_owner))
        .with_state(state)
}

/// The build's static files (`/pkg/…`, the favicon), precompressed twins
/// first, and the 404 page for every other path.
///
/// The files are served here rather than by Leptos's file-and-error
/// handler: that handler wraps a found file in a reactive owner, runs the
/// page context for it and applies the `ResponseOptions` it finds — which,
/// with an owner left on the thread by another request, were that request's
/// (a script answered 400 after an error page, and the page never
/// hydrated). [`ops::own_owner`] removes such leftovers for every request;
/// files fetched with GET or HEAD simply never enter the reactive system at
/// all (any other method goes to the fallback, Leptos's handler).
///
/// See docs/decisions/0005-own-static-file-service.md for why this exists
/// and when to remove it.
fn static_files(
    state: AppState,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> tower_http::services::ServeDir<
    impl tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone,
> {
    use axum::handler::Handler;
    let root = state.leptos_options.site_root.to_string();
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell)
        .with_state(state);
    tower_http::services::ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        // A POST to an unknown path is a 404 page too, not a bare 405.
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found)
}

/// Reads the configuration, binds the address and serves until Ctrl-C or
/// SIGTERM, letting in-flight requests finish.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Read before logging starts, so that its own problem can be logged
    // in the default format.
    let limits = config::limits_from(|k| std::env::var(k).ok());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if limits.as_ref().is_ok_and(|l| l.json_logs) {
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    panics::install_hook();
    let limits = limits?;

    let conf = get_configuration(None)
        .map_err(|e| format!("Leptos settings (LEPTOS_* variables): {e}"))?;
    let mut leptos_options = conf.leptos_options;
    leptos_options.site_root = site::root(
        std::env::var("LEPTOS_SITE_ROOT").ok(),
        std::env::current_exe().ok(),
        &leptos_options.site_root,
    )
    .into();
    site::check(
        &leptos_options.site_root,
        &leptos_options.site_pkg_dir,
        &leptos_options.output_name,
        app::build_id::id(),
    )?;
    tracing::info!(
        version = app::build_id::VERSION,
        build = app::build_id::id(),
        site = %leptos_options.site_root,
        "everai-console"
    );
    let addr = leptos_options.site_addr;
    let upstream = config::upstream_from(|k| std::env::var(k).ok())?;
    let max_scale_step = config::max_scale_step_from(|k| std::env::var(k).ok())?;
    let database_url = config::database_url_from(|k| std::env::var(k).ok());
    let auth = config::auth_from(
        |k| std::env::var(k).ok(),
        matches!(upstream, config::Upstream::Platform { .. }),
        database_url.starts_with("postgres"),
    )?;
    match &auth.mode {
        app::auth::AuthMode::None => tracing::info!("sign-in: none (everyone is anonymous)"),
        app::auth::AuthMode::Token(t) => tracing::info!(
            idle_minutes = t.idle.as_secs() / 60,
            max_hours = t.max_age.as_secs() / 3600,
            "sign-in: each person with their own EverAI token"
        ),
        app::auth::AuthMode::Proxy {
            header, operators, ..
        } => {
            tracing::info!(%header, operators = operators.len(), "sign-in: trusted proxy");
            if operators.is_empty() {
                tracing::warn!("CONSOLE_OPERATORS is empty: everyone is a viewer");
            }
        }
    }
    if auth.read_only {
        tracing::info!("read-only: scale actions are off for everyone");
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let replica = config::replica_from(|k| std::env::var(k).ok(), &host, addr.port())?;
    let store = console_store::Store::open(&database_url).await?;
    tracing::info!(backend = store.backend().label(), %replica, "audit log opened");
    let recovered = store.recover(&replica, now_ms(), STALE_AFTER_MS).await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "scale actions interrupted by a stop are marked outcome unknown in the audit log"
        );
    }
    let session_limits = match &auth.mode {
        app::auth::AuthMode::Token(t) => Some((t.idle, t.max_age)),
        _ => None,
    };
    spawn_expiry(store.clone(), session_limits);
    let (client, upstream) = connect(upstream).await?;
    let gateway = everai_api::Gateway::new(client, limits.gateway.clone());
    let hosts = if limits.allowed_hosts.is_empty() {
        let hosts = guard::Guard::default_hosts(addr);
        if addr.ip().is_unspecified() {
            tracing::warn!(
                ?hosts,
                "listening on every address, but answering only these Host names; set CONSOLE_ALLOWED_HOSTS to the names people use"
            );
        }
        hosts
    } else {
        limits.allowed_hosts.clone()
    };
    let guard = guard::Guard::new(hosts, limits.max_requests).with_renders(limits.max_renders);

    let state = AppState {
        leptos_options,
        gateway,
        action_limit: std::sync::Arc::new(app::limits::ActionLimiter::new(
            limits.actions_per_minute,
        )),
        sign_in_limit: Default::default(),
        upstream,
        actions: Default::default(),
        max_scale_step,
        started_at: std::time::Instant::now(),
        store,
        replica,
        auth: std::sync::Arc::new(auth),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (LEPTOS_SITE_ADDR): {e}"))?;
    tracing::info!("serving the console on http://{addr}");
    serve::serve(
        listener,
        router_with(state, guard),
        serve::ServeOptions::default(),
        shutdown_signal(),
    )
    .await;
    Ok(())
}

/// A scale call pending this long in the audit log can no longer finish
/// (the client gives up after seconds): its replica died during it.
const STALE_AFTER_MS: i64 = 5 * 60 * 1000;

use app::state::now_ms;
/// Every minute, marks audit records left pending by replicas that died
/// and did not come back, deletes ended sessions, and forgets allowances
/// that are full again (they carry nothing).
fn spawn_expiry(
    store: console_store::Store,
    sessions: Option<(std::time::Duration, std::time::Duration)>,
) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            match store.expire_pending(now_ms(), STALE_AFTER_MS).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(n, "abandoned scale actions marked outcome unknown"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not check the audit log for abandoned actions")
                }
            }
            if let Some((idle, max_age)) = sessions {
                let now = now_ms();
                let purged = store
                    .purge_sessions(
                        now - idle.as_millis() as i64,
                        now - max_age.as_millis() as i64,
                    )
                    .await;
                if let Err(e) = purged {
                    tracing::warn!(error = %e, "could not delete ended sessions");
                }
            }
            if let Err(e) = store.purge_allowances(app::limits::now_us()).await {
                tracing::warn!(error = %e, "could not forget spent allowances");
            }
        }
    });
}

/// The client for the configured API; for the built-in simulator, first
/// starts it on a loopback port with a fresh random token, so the console
/// talks HTTP to it exactly as to the platform.
pub async fn connect(
    upstream: Upstream,
) -> Result<(Client, UpstreamKind), Box<dyn std::error::Error>> {
    match upstream {
        Upstream::Simulator {
            seed,
            time_scale,
            addr,
            token,
            users,
        } => {
            use secrecy::ExposeSecret;
            let token = token.map_or_else(random_token, |t| t.expose_secret().to_string());
            let sim = everai_sim::Simulator::demo(&everai_sim::SimConfig {
                token: token.clone(),
                seed,
                time_scale,
                faults: Default::default(),
            });
            for (name, token) in &users {
                sim.add_user(name.clone(), token.expose_secret());
            }
            let addr = sim
                .spawn(addr.unwrap_or((std::net::Ipv4Addr::LOCALHOST, 0).into()))
                .await
                .map_err(|e| {
                    format!("cannot start the built-in simulator (EVERAI_SIM_ADDR): {e}")
                })?;
            tracing::info!(%addr, seed, time_scale, "upstream: built-in EverAI simulator");
            let endpoint = url::Url::parse(&format!("http://{addr}"))?;
            let client = Client::new(
                endpoint,
                SecretString::from(token),
                ClientOptions::default(),
            )?;
            Ok((client, UpstreamKind::Simulator))
        }
        Upstream::Platform { endpoint, token } => {
            tracing::info!(%endpoint, "upstream: EverAI API");
            let client = Client::new(endpoint, token, ClientOptions::default())?;
            Ok((client, UpstreamKind::Platform))
        }
    }
}

/// 122 random bits from the system's generator (a v4 UUID), as 32 hex
/// digits: the token that guards the built-in simulator's loopback port for
/// the life of this process.
fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("asked to stop");
}
