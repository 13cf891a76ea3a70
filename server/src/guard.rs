//! The layers every request passes before it reaches a page: a request id
//! and one access-log line, metrics, refusal of unexpected `Host` headers,
//! and a bound on requests served at once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::error::RequestId;

use crate::metrics::Metrics;

/// What the layers share, made once at start-up.
#[derive(Clone, Debug)]
pub struct Guard {
    /// `Host` values answered, lower case; an entry without a port allows
    /// every port.
    pub allowed_hosts: Arc<Vec<String>>,
    pub max_requests: usize,
    pub in_progress: Arc<AtomicUsize>,
    /// Pages and server functions rendered at once. Rendering is CPU work:
    /// more at once than the machine has cores adds no throughput, only
    /// memory (each render in progress holds its page and reactive state),
    /// so the rest wait their turn here.
    pub renders: Arc<tokio::sync::Semaphore>,
    pub metrics: Arc<Metrics>,
}

impl Guard {
    pub fn new(allowed_hosts: Vec<String>, max_requests: usize) -> Self {
        Guard {
            allowed_hosts: Arc::new(allowed_hosts),
            max_requests: max_requests.max(1),
            in_progress: Arc::default(),
            renders: Arc::new(tokio::sync::Semaphore::new(DEFAULT_RENDERS)),
            metrics: Arc::default(),
        }
    }

    /// The names the console answers to when `CONSOLE_ALLOWED_HOSTS` is not
    /// set: loopback, and the address it listens on.
    pub fn default_hosts(listen: std::net::SocketAddr) -> Vec<String> {
        let mut hosts = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "[::1]".to_string(),
        ];
        if !listen.ip().is_unspecified() && !listen.ip().is_loopback() {
            hosts.push(match listen.ip() {
                std::net::IpAddr::V4(ip) => ip.to_string(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            });
        }
        hosts
    }

    /// With at most `renders` pages and server functions at once.
    pub fn with_renders(mut self, renders: usize) -> Self {
        self.renders = Arc::new(tokio::sync::Semaphore::new(renders.max(1)));
        self
    }

    /// Runs `work` for `route`, within the bound on renders at once when
    /// it is a page or a server function (not static files, health or
    /// metrics). Waiting for a turn is bounded by the request's own limit.
    async fn rendered(&self, route: &str, work: impl Future<Output = Response>) -> Response {
        let exempt = route.starts_with("/pkg/")
            || matches!(route, "/healthz" | "/readyz" | "/metrics" | "/favicon.svg");
        if exempt {
            return work.await;
        }
        match tokio::time::timeout(crate::REQUEST_TIMEOUT, self.renders.acquire()).await {
            Ok(Ok(_turn)) => work.await,
            _ => too_busy(),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = split_port(&host).0;
        self.allowed_hosts
            .iter()
            .any(|allowed| *allowed == host || (split_port(allowed).1.is_none() && allowed == name))
    }
}

/// Pages and server functions at once, by default: enough for those
/// waiting on the platform (at most 32 calls at once, by default) and those
/// computing; few enough that memory stays small under hundreds of
/// connections (each render in progress holds about half a megabyte).
pub const DEFAULT_RENDERS: usize = 64;

pub const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Outermost layer: gives the request an id, serves it within the bound on
/// requests at once, checks its `Host`, and logs and counts it.
pub async fn guard(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || route_of(request.uri().path()),
        |m| m.as_str().to_string(),
    );
    let method = request.method().clone();
    request.extensions_mut().insert(RequestId(id.clone()));

    let span = tracing::info_span!("request", request_id = %id);

    let mut response = if guard.in_progress.fetch_add(1, Ordering::SeqCst) >= guard.max_requests {
        guard.metrics.shed();
        too_busy()
    } else if let Err(problem) = check_target(request.uri()) {
        tracing::warn!(parent: &span, problem, "refused a malformed address");
        (StatusCode::BAD_REQUEST, format!("{problem}\n")).into_response()
    } else {
        let host_ok = match request.headers().get(header::HOST).map(HeaderValue::to_str) {
            Some(Ok(host)) => guard.host_allowed(host),
            Some(Err(_)) => false,
            // HTTP/2 carries the host in the URI instead; HTTP/1.0 may
            // carry none at all, which names no other site either.
            None => request
                .uri()
                .authority()
                .is_none_or(|a| guard.host_allowed(a.as_str())),
        };
        match host_ok {
            true => {
                use tracing::Instrument;
                crate::panics::watched(&id, guard.rendered(&route, next.run(request)))
                    .instrument(span.clone())
                    .await
            }
            false => {
                tracing::warn!(parent: &span, "refused a request with an unexpected Host header");
                (
                    StatusCode::BAD_REQUEST,
                    "This console does not answer to that Host name.\n",
                )
                    .into_response()
            }
        }
    };
    guard.in_progress.fetch_sub(1, Ordering::SeqCst);

    let status = response.status();
    let seconds = started.elapsed().as_secs_f64();
    guard
        .metrics
        .observe(method.as_str(), &route, status.as_u16(), seconds);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let ms = (seconds * 1000.0).round() as u64;
    if route.starts_with("/pkg/") || route == "/healthz" || route == "/metrics" {
        tracing::debug!(parent: &span, %method, %route, status = status.as_u16(), ms, "served");
    } else if status.is_server_error() {
        tracing::warn!(parent: &span, %method, %route, status = status.as_u16(), ms, "served");
    } else {
        tracing::info!(parent: &span, %method, %route, status = status.as_u16(), ms, "served");
    }
    response
}

/// Reads the whole request body (the console's bodies are small forms)
/// within the size limit and the read time-out, so that no handler sees a
/// body too big (413) or one that trickles in (408), whether or not the
/// client said its length.
pub async fn read_body(request: Request, next: Next) -> Response {
    use axum::body::Body;
    let too_big = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is larger than the {} KiB this console accepts.\n",
                crate::MAX_BODY_BYTES >> 10
            ),
        )
            .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_BODY_BYTES as u64) {
        return too_big();
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        crate::BODY_READ_TIMEOUT,
        axum::body::to_bytes(body, crate::MAX_BODY_BYTES),
    )
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            use std::error::Error;
            let mut source: Option<&dyn Error> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return too_big();
                }
                source = s.source();
            }
            return (
                StatusCode::BAD_REQUEST,
                "The request body could not be read.\n",
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time.\n",
            )
                .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// 503 with `Retry-After: 1`: more requests than the console serves at once.
fn too_busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        "The console is serving as many requests as it allows. Try again in a moment.\n",
    )
        .into_response()
}

/// The route label for a request that matched no axum route (Leptos pages
/// are matched inside its handler): the page's pattern, never the names in
/// the path, so metrics stay small and say nothing about apps.
fn route_of(path: &str) -> String {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [""] => "/".into(),
        ["namespaces", _, "apps", _, "workers"] => "/namespaces/{ns}/apps/{app}/workers".into(),
        ["namespaces", _, "apps", _, "history"] => "/namespaces/{ns}/apps/{app}/history".into(),
        ["audit"] | ["login"] => format!("/{}", parts[0]),
        ["api", name]
            if name.len() <= 40 && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            format!("/api/{name}")
        }
        ["pkg", ..] => "/pkg/*".into(),
        _ => "other".into(),
    }
}

/// The longest path and query the console reads.
const MAX_TARGET_LEN: usize = 4096;

/// Refuses request targets no page of the console has: malformed
/// percent-encoding, bytes that are not UTF-8, control characters (NUL
/// included), `.`/`..` segments and encoded slashes in the path, and
/// over-long targets. The message says which.
pub fn check_target(uri: &axum::http::Uri) -> Result<(), &'static str> {
    let path = uri.path();
    let query = uri.query().unwrap_or("");
    if path.len() + query.len() > MAX_TARGET_LEN {
        return Err("The address is too long.");
    }
    for (part, is_path) in [(path, true), (query, false)] {
        let decoded =
            percent_decode(part).ok_or("The address has a malformed percent-encoding.")?;
        let text = String::from_utf8(decoded).map_err(|_| "The address is not valid UTF-8.")?;
        if text.chars().any(char::is_control) {
            return Err("The address contains control characters.");
        }
        if is_path {
            for segment in part.split('/') {
                let lower = segment.to_ascii_lowercase();
                if lower.contains("%2f") || lower.contains("%5c") || segment.contains('\\') {
                    return Err("The address contains an encoded '/' or a '\\'.");
                }
                let decoded = percent_decode(segment).unwrap_or_default();
                if decoded == b"." || decoded == b".." {
                    return Err("The address contains a '.' or '..' segment.");
                }
            }
        }
    }
    Ok(())
}

/// `%XX` decoding (and `+` kept as is); `None` for a `%` without two hex
/// digits.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// `host[:port]` → (host, port).
fn split_port(value: &str) -> (&str, Option<&str>) {
    if let Some(rest) = value.strip_prefix('[') {
        // [v6]:port
        return match rest.split_once(']') {
            Some((_, "")) => (value, None),
            Some((_, port)) => (&value[..value.len() - port.len()], port.strip_prefix(':')),
            None => (value, None),
        };
    }
    match value.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (value, None),
    }
}

/// Whether `value` is a plausible `Host`: a DNS name, IPv4 or bracketed
/// IPv6 address, with an optional numeric port.
pub fn is_host_value(value: &str) -> bool {
    let (host, port) = split_port(value);
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        v6.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_by_name_and_optionally_port() {
        let g = Guard::new(
            vec![
                "console.example.com".into(),
                "127.0.0.1:3000".into(),
                "[::1]".into(),
            ],
            1,
        );
        for ok in [
            "console.example.com",
            "Console.Example.com:443",
            "127.0.0.1:3000",
            "[::1]:3000",
            "[::1]",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "127.0.0.1:3001",
            "127.0.0.1",
            "console.example.com.evil",
            "",
            "[::2]",
        ] {
            assert!(!g.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn host_values_are_checked() {
        for ok in ["a.b", "localhost:3000", "[::1]:80", "10.0.0.1"] {
            assert!(is_host_value(ok), "{ok}");
        }
        for bad in ["", "a b", "a:", "a:123456", "[zz]", "a/b", "host:x", "a@b"] {
            assert!(!is_host_value(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_targets_are_refused_with_the_reason() {
        let check = |t: &str| check_target(&t.parse().unwrap());
        for ok in [
            "/",
            "/namespaces/default/apps/my-app/workers?q=caf%C3%A9&page=2",
            "/audit?from=2026-01-01",
            "/a.b/c..d",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("/namespaces/default/apps/%2E%2E/workers", "'..'"),
            ("/namespaces/default/apps/./workers", "'.'"),
            ("/namespaces/a%2Fb/apps", "encoded '/'"),
            ("/namespaces/a%5cb/apps", "encoded '/'"),
            ("/apps/a%00b", "control"),
            ("/apps/%FF", "UTF-8"),
            ("/apps/%E0%A4%A", "percent-encoding"),
            ("/apps?q=%zz", "percent-encoding"),
            ("/apps?q=%0A", "control"),
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let long = format!("/{}", "a".repeat(MAX_TARGET_LEN));
        assert_eq!(check(&long), Err("The address is too long."));
    }

    #[test]
    fn routes_are_labelled_by_pattern_not_name() {
        assert_eq!(
            route_of("/namespaces/default/apps/my-app/workers"),
            "/namespaces/{ns}/apps/{app}/workers"
        );
        assert_eq!(
            route_of("/namespaces/a/apps/b/history"),
            "/namespaces/{ns}/apps/{app}/history"
        );
        assert_eq!(route_of("/"), "/");
        assert_eq!(route_of("/api/list_workers"), "/api/list_workers");
        assert_eq!(route_of("/api/../etc"), "other");
        assert_eq!(route_of("/whatever/secret-name"), "other");
    }
}
