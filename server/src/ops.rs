//! For whoever runs the console: `/healthz` (the process answers) and
//! `/readyz` (its database and the EverAI API answer), both outside sign-in
//! so that load balancers can use them, and the headers every response
//! carries.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use app::state::AppState;
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// `GET /healthz`: 200 while the process serves.
pub async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n").into_response()
}

/// How long `/readyz` waits for each dependency.
const READY_WITHIN: Duration = Duration::from_secs(3);

/// `GET /readyz`: 200 when the database and the EverAI API both answer,
/// else 503; the body says which failed (never an address or a token), and
/// which version and build of the console answered (two replicas of
/// different builds during an upgrade can be told apart).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let storage = match tokio::time::timeout(READY_WITHIN, state.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".to_string()),
    };
    let upstream =
        match tokio::time::timeout(READY_WITHIN, state.gateway.client().list_all_apps()).await {
            Ok(Ok(_)) => Ok(()),
            // It answered: it is up, whatever it thinks of this token.
            Ok(Err(e)) if e.status().is_some_and(|s| s < 500) => Ok(()),
            // A 5xx message is the platform's insides: logged, not sent.
            Ok(Err(everai_api::ApiError::Upstream { status, message })) => {
                tracing::warn!(
                    status,
                    upstream_message = message.as_deref().unwrap_or(""),
                    "readiness: the EverAI API failed on its side"
                );
                Err(format!("the EverAI API answered {status}"))
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within 3 s".to_string()),
        };
    let ready = storage.is_ok() && upstream.is_ok();
    let word = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let body = json!({
        "ready": ready,
        "version": app::build_id::VERSION,
        "build": app::build_id::id(),
        "storage": word(&storage),
        "upstream": word(&upstream),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The nonce of one response's Content-Security-Policy (32 hex digits).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// A page's Content-Security-Policy: scripts only from the console and the
/// inline hydration scripts carrying this response's nonce, WebAssembly
/// compilation, styles only from the stylesheet (no inline styles),
/// requests only to the console, no plugins, no framing, forms posted
/// only to the console.
pub fn content_security_policy(nonce: &str) -> String {
    // `cargo leptos watch` reloads pages over a WebSocket to its own port.
    let dev = if cfg!(debug_assertions) {
        " ws://127.0.0.1:* ws://localhost:*"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{dev}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Runs each request on a task of its own with no reactive owner current on
/// the thread at any poll, so that the owner Leptos makes for the request
/// starts a tree of its own; and runs every page and server function to its
/// end, even when the browser has gone away ([`Rendered`]).
///
/// Leptos parents a new owner to whatever owner is current on the worker
/// thread, and one left there by another request's render makes the two
/// requests' trees one: a file was answered with the other page's status,
/// and a request walking its contexts while the other's owners were being
/// dropped deadlocked a worker thread (in a bench run: one of two worker
/// threads stuck in `OwnerInner` cleanup under `use_context`, the process
/// unable to exit).
///
/// See docs/decisions/0004-each-request-owns-its-owner.md for why this
/// exists and when to remove it.
pub async fn own_owner(mut request: Request, next: Next) -> Response {
    let rendered = Rendered::default();
    request.extensions_mut().insert(rendered.clone());
    let answer = tokio::spawn(async move {
        let mut response = std::pin::pin!(next.run(request));
        std::future::poll_fn(move |cx| {
            if let Some(stale) = leptos::prelude::Owner::current() {
                stale.unset();
            }
            response.as_mut().poll(cx)
        })
        .await
    });
    // Dropping the handle (the browser went away before the answer began)
    // leaves the task running to its end.
    let response = match answer.await {
        Ok(response) => response,
        Err(error) => {
            if let Ok(panic) = error.try_into_panic() {
                std::panic::resume_unwind(panic);
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if !rendered.is_set() {
        return response;
    }
    response.map(|body| axum::body::Body::new(DrainOnDrop(Some(body))))
}

/// Set when Leptos renders a page or runs a server function for the
/// request (the page context sets it).
///
/// Leptos ends a request's reactive work when its answer has been read to
/// the end: the last chunk of a page cleans up the page's owner, and the
/// tasks the page's resources and suspense boundaries spawned finish. A
/// request that ended before that (the browser went away, a tab was
/// closed, a link clicked while the page was loading) left some of those
/// tasks waiting for ever, each holding what its resource had read: about
/// 0.7 MB for a page of 1,000 workers, for the life of the process. So such
/// answers are run and read to their end without the browser, bounded by
/// [`crate::REQUEST_TIMEOUT`] (the answer's work was mostly done anyway).
#[derive(Clone, Debug, Default)]
pub struct Rendered(Arc<AtomicBool>);

impl Rendered {
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A reactive answer's body that, dropped before its end, reads the rest.
struct DrainOnDrop(Option<axum::body::Body>);

impl http_body::Body for DrainOnDrop {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let Some(body) = self.0.as_mut() else {
            return std::task::Poll::Ready(None);
        };
        let frame = std::task::ready!(std::pin::Pin::new(body).poll_frame(cx));
        if frame.is_none() {
            self.0 = None;
        }
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.0.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0
            .as_ref()
            .map(http_body::Body::size_hint)
            .unwrap_or_else(|| http_body::SizeHint::with_exact(0))
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(body) = self.0.take() else { return };
        if http_body::Body::is_end_stream(&body) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            use http_body_util::BodyExt;
            let mut body = body;
            let _ = tokio::time::timeout(crate::REQUEST_TIMEOUT, async {
                while let Some(Ok(_)) = body.frame().await {}
            })
            .await;
        });
    }
}

/// Headers on every response: no framing by other sites, no MIME sniffing,
/// no full URLs (with filters) leaking to other sites in `Referer`, and
/// nothing with data kept in caches (only the build's static files may be).
pub async fn headers(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    // A fresh nonce for each response; pages put it on their scripts.
    let nonce = CspNonce(uuid::Uuid::new_v4().simple().to_string());
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Pages: the console's own scripts and styles only; all else (JSON,
    // CSV, text, static files) may load nothing.
    let policy = if is_html {
        HeaderValue::from_str(&content_security_policy(&nonce.0))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
    } else {
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")
    };
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let is_static = path.starts_with("/pkg/") || path == "/favicon.svg";
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            // The build's files keep their names from one build to the
            // next: a browser asks again each time (a 304 when unchanged),
            // so after an upgrade it never runs the old build's scripts
            // against the new build's pages for a day of heuristic caching.
            HeaderValue::from_static(if is_static { "no-cache" } else { "no-store" }),
        );
    }
    response
}
