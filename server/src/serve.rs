//! The accept loop: HTTP/1 and HTTP/2 with time limits on reading a
//! request's headers (a client trickling bytes cannot hold a connection),
//! the peer address for each request, and a graceful stop that lets the
//! requests in progress finish (within a deadline).

use std::{net::SocketAddr, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
};
use tokio::net::TcpListener;
use tower::ServiceExt;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Longest time from a connection (or the previous request on it)
    /// to the end of a request's headers.
    pub header_read_timeout: Duration,
    /// Longest wait for requests in progress after a stop is asked for.
    pub shutdown_grace: Duration,
    /// Most bytes of a request's head (request line and headers); a longer
    /// one is answered `431 Request Header Fields Too Large` and the
    /// connection closed. nginx in front allows 8 KB a header line and
    /// 32 KB in all by default, so a browser never comes near it.
    pub max_head_bytes: usize,
    /// Most header fields in one request (`431` beyond it too).
    pub max_headers: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            max_head_bytes: 32 << 10,
            max_headers: 100,
        }
    }
}

/// Serves `app` on `listener` until `stop` completes, then stops accepting
/// and waits for the requests in progress.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    stop: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        // hyper reads the head into this buffer and answers 431 when it
        // fills before the head ends (8 KiB is hyper's least).
        .max_buf_size(options.max_head_bytes.max(8 << 10))
        .max_headers(options.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(options.max_head_bytes as u32)
        .keep_alive_interval(Some(Duration::from_secs(20)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment
                    // rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request)
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("stopped accepting; finishing requests in progress");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all requests finished"),
        () = tokio::time::sleep(options.shutdown_grace) => tracing::warn!(
            grace_secs = options.shutdown_grace.as_secs(),
            "requests still in progress at the end of the grace period were cut off"
        ),
    }
}
