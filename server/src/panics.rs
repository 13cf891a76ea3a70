//! A panic while a request is served answers that request `500` at once,
//! with its request id, logs the panic with that id, and leaves the process
//! serving.
//!
//! A page's data loads in tasks that Leptos spawns on its executor, not in
//! the request's own future. With the executor Leptos sets up by default
//! (plain `tokio::spawn`), a task that panics simply ends: the page waits
//! for a value that never comes and is cut off by the request time-out
//! twenty seconds later with a `503`. So the console sets its own executor
//! (Leptos's published extension point, `any_spawner::CustomExecutor`):
//! every task spawned while a request is served carries that request's
//! [`Watch`], and a task that panics raises it. [`watched`] answers the
//! request as soon as it is raised, before or after the handler has
//! returned its response (a streamed page's body then ends with an error
//! instead of hanging). Decision record:
//! `docs/decisions/0001-a-panicking-render-task-answers-at-once.md`.

use std::{
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::{FutureExt, task::AtomicWaker};
use tracing::Instrument;

tokio::task_local! {
    /// The watch of the request whose work is running on this task.
    static WATCH: Watch;
}

/// Raised when a task of one request panics; wakes whoever waits on it.
#[derive(Clone, Default)]
struct Watch(Arc<WatchState>);

#[derive(Default)]
struct WatchState {
    panicked: AtomicBool,
    waker: AtomicWaker,
}

impl Watch {
    fn raise(&self) {
        self.0.panicked.store(true, Ordering::SeqCst);
        self.0.waker.wake();
    }

    /// Ready once raised.
    fn poll_raised(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.panicked.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        self.0.waker.register(cx.waker());
        if self.0.panicked.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The executor for Leptos's tasks: Tokio's, with the spawning request's
/// watch and tracing span carried into each task, so that a panic in it is
/// logged with the request's id and ends the request at once.
struct RequestExecutor;

impl any_spawner::CustomExecutor for RequestExecutor {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        match WATCH.try_with(Watch::clone) {
            Ok(watch) => {
                let task = {
                    let watch = watch.clone();
                    async move {
                        if AssertUnwindSafe(fut).catch_unwind().await.is_err() {
                            watch.raise();
                        }
                    }
                };
                tokio::spawn(WATCH.scope(watch, task.instrument(tracing::Span::current())));
            }
            // Not on behalf of a request (the route list at start-up).
            Err(_) => {
                tokio::spawn(fut);
            }
        }
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// Sets the console's executor for Leptos, once per process, before Leptos
/// sets its own (which it does only when none is set). Every router calls
/// it; only the first call does anything.
pub fn init_executor() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        if any_spawner::Executor::init_custom_executor(RequestExecutor).is_err() {
            tracing::warn!(
                "another executor was set before the console's: a panic in a page's data task will hold its request until the time-out"
            );
        }
    });
}

/// Logs every panic with the tracing span it happened in, so that a panic
/// while serving a request is logged with the request's id. Panics outside
/// any span (start-up) are reported as Rust reports them.
pub fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if tracing::Span::current().is_none() {
            return default(info);
        }
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(not text)");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        // Captured only when RUST_BACKTRACE asks for it, as Rust's own hook does.
        let backtrace = std::backtrace::Backtrace::capture();
        tracing::error!(
            panic = message,
            %location,
            %backtrace,
            "panicked while serving a request (a page or its data is answered 500; a scale action's outcome is unknown)"
        );
    }));
}

/// Runs a request's `work` so that a panic in it, or in any task it
/// spawns through Leptos, answers `500` naming `request_id` at once. After
/// the response has gone out, such a panic ends its body with an error.
pub async fn watched(request_id: &str, work: impl Future<Output = Response>) -> Response {
    let watch = Watch::default();
    // The request's span, for the body's frames too: they are produced
    // after the handler has returned, outside it.
    let span = tracing::Span::current();
    let run = WATCH.scope(watch.clone(), AssertUnwindSafe(work).catch_unwind());
    let raised = std::future::poll_fn(|cx| watch.poll_raised(cx));
    let response = tokio::select! {
        biased;
        done = run => done.ok(),
        () = raised => None,
    };
    match response {
        Some(response) => response.map(|body| Body::new(WatchedBody { body, watch, span })),
        None => internal_error(request_id),
    }
}

/// The answer to a request whose work panicked.
fn internal_error(request_id: &str) -> Response {
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "The console failed while answering this request (request id {request_id}). \
             Its log has the details under that id; try again, and if it fails again, \
             give the request id to whoever runs the console.\n"
        ),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A response body whose frames are produced with the request's watch in
/// and span in place (so tasks spawned while streaming carry them too), and which ends
/// with an error once the watch is raised.
struct WatchedBody {
    body: Body,
    watch: Watch,
    span: tracing::Span,
}

impl http_body::Body for WatchedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.watch.0.panicked.load(Ordering::SeqCst) {
            return Poll::Ready(Some(Err(axum::Error::new(
                "a task of this response panicked",
            ))));
        }
        let watch = this.watch.clone();
        let _entered = this.span.enter();
        let body = &mut this.body;
        // A panic while producing a frame ends the body the same way,
        // rather than unwinding through the connection.
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            WATCH.sync_scope(watch, || Pin::new(body).poll_frame(cx))
        }));
        match polled {
            // What the page has is sent, and its end is an end: a task that
            // panics after the last chunk does not cut a complete answer.
            Ok(Poll::Pending) => match this.watch.poll_raised(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(
                    "a task of this response panicked",
                )))),
                Poll::Pending => Poll::Pending,
            },
            Ok(ready) => ready,
            Err(_) => {
                // Raised, so that a later poll does not touch the body again.
                this.watch.raise();
                Poll::Ready(Some(Err(axum::Error::new(
                    "this response panicked while streaming",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
