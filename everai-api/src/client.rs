//! A typed client for the EverAI worker API (server side only).
//!
//! - One method per endpoint, sending exactly what the platform's own client
//!   sends (`showAll` and `recentDays` always, counts as JSON strings,
//!   `workers:scale-up` as one literal path segment).
//! - URLs are built with the `url` crate's path-segment API from names that
//!   passed the allow-list in [`crate::names`].
//! - Bounded: connect and total time-outs, no redirects, replies capped.
//! - A scale request is sent once, never retried. A list request is retried
//!   once when the connection failed before any answer came.

use std::time::Duration;

use reqwest::{
    Method, Response, StatusCode,
    header::{AUTHORIZATION, HeaderValue, RETRY_AFTER},
};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{
    app::{self, AppDetail, EventOrder, EventPage, QueuedRequest},
    error::ApiError,
    model::{AppSummary, Timestamp, WorkerList, wire},
    names::{AppName, Namespace},
    stats::{RequestStatistics, StatInterval},
};

/// The most events one request may ask for: the platform coerces larger
/// page sizes to this.
pub const MAX_EVENTS_PAGE: u32 = 1_000;

/// The largest count one scale request may carry; anything bigger is
/// certainly a typing mistake.
pub const MAX_SCALE_COUNT: u32 = 1_000;

/// Limits of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time to establish the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time for the whole exchange, reply body included.
    pub timeout: Duration,
    /// Largest reply body read; a larger one is an error.
    pub max_body_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(8),
            // 10,000 workers with every field set is about 7 MiB.
            max_body_bytes: 8 << 20,
        }
    }
}

/// What a scale-down request removes: a count, chosen workers, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScaleDown {
    pub count: Option<u32>,
    pub worker_ids: Vec<String>,
}

/// The EverAI API at one base URL, with one token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: SecretString,
    max_body_bytes: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl Client {
    /// A client for the API at `base` (e.g. `https://everai.expvent.com`).
    pub fn new(base: Url, token: SecretString, options: ClientOptions) -> Result<Self, ApiError> {
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ApiError::InvalidRequest(
                "the API address must be an http or https URL".into(),
            ));
        }
        bearer(&token)?;
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("everai-worker-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::InvalidRequest(format!("cannot set up HTTP: {e}")))?;
        Ok(Client {
            http,
            base,
            token,
            max_body_bytes: options.max_body_bytes,
        })
    }

    /// The same API with another person's token; the connection pool and
    /// settings are shared.
    pub fn with_token(&self, token: SecretString) -> Result<Self, ApiError> {
        bearer(&token)?;
        Ok(Client {
            token,
            ..self.clone()
        })
    }

    /// `GET …/namespaces/{ns}/apps/{app}/workers?showAll=…&recentDays=…`
    ///
    /// Without `show_all`, the live workers; with it, also the terminated and
    /// failed ones created within `recent_days`.
    pub async fn list_workers(
        &self,
        namespace: &Namespace,
        app: &AppName,
        show_all: bool,
        recent_days: u32,
    ) -> Result<WorkerList, ApiError> {
        let mut url = self.url(namespace, &["apps", app.as_str(), "workers"]);
        url.query_pairs_mut()
            .append_pair("showAll", if show_all { "true" } else { "false" })
            .append_pair("recentDays", &recent_days.to_string());
        self.get(url).await
    }

    /// `GET …/namespaces/{ns}/apps`: the apps of a namespace.
    pub async fn list_apps(&self, namespace: &Namespace) -> Result<Vec<AppSummary>, ApiError> {
        let url = self.url(namespace, &["apps"]);
        let list: wire::AppList = self.get(url).await?;
        Ok(list.apps.into_iter().map(Into::into).collect())
    }

    /// `GET /api/apps/v1/apps`: the apps of every namespace the token sees.
    pub async fn list_all_apps(&self) -> Result<Vec<AppSummary>, ApiError> {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["api", "apps", "v1", "apps"]);
        }
        let list: wire::AppList = self.get(url).await?;
        Ok(list.apps.into_iter().map(Into::into).collect())
    }

    /// `GET …/namespaces/{ns}/apps/{app}`: the app's state and autoscaler.
    pub async fn get_app(
        &self,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<AppDetail, ApiError> {
        let url = self.url(namespace, &["apps", app.as_str()]);
        let reply: app::wire::App = self.get(url).await?;
        Ok(reply.into())
    }

    /// `GET …/apps/{app}/request_queues`: the requests waiting, in the
    /// platform's order.
    pub async fn list_queue(
        &self,
        namespace: &Namespace,
        app: &AppName,
    ) -> Result<Vec<QueuedRequest>, ApiError> {
        let url = self.url(namespace, &["apps", app.as_str(), "request_queues"]);
        let reply: app::wire::Queues = self.get(url).await?;
        let mut queue = reply.queues;
        // The first one's index is left out (zero); the CLI fills it back
        // in the same way.
        for (i, q) in queue.iter_mut().enumerate() {
            if i > 0 && q.index == 0 {
                q.index = i as u64;
            }
        }
        Ok(queue)
    }

    /// `GET …/apps/{app}/events?pageSize=…&orderBy=…`: one page of events
    /// (the platform's reply has no page token), newest first.
    pub async fn list_events(
        &self,
        namespace: &Namespace,
        app: &AppName,
        page_size: u32,
        order: EventOrder,
    ) -> Result<EventPage, ApiError> {
        if page_size == 0 || page_size > MAX_EVENTS_PAGE {
            return Err(ApiError::InvalidRequest(format!(
                "ask for 1 to {MAX_EVENTS_PAGE} events"
            )));
        }
        let mut url = self.url(namespace, &["apps", app.as_str(), "events"]);
        url.query_pairs_mut()
            .append_pair("pageSize", &page_size.to_string())
            .append_pair("orderBy", order.wire());
        let reply: app::wire::Events = self.get(url).await?;
        let cut = reply.events.len() >= page_size as usize;
        let mut events = reply.events;
        // Newest first whatever order came: a platform that ignores
        // `orderBy` is read right too. Events without a time go last.
        events.sort_by_key(|e| std::cmp::Reverse(e.created_at));
        Ok(EventPage { events, cut })
    }

    /// `GET …/apps/{app}/request_statistic?startTime=…&endTime=…&interval=…`:
    /// the requests the app served in `[from, to)` by `interval` and user.
    pub async fn request_statistic(
        &self,
        namespace: &Namespace,
        app: &AppName,
        from: Timestamp,
        to: Timestamp,
        interval: StatInterval,
    ) -> Result<RequestStatistics, ApiError> {
        if to <= from {
            return Err(ApiError::InvalidRequest(
                "the statistics window must end after it starts".into(),
            ));
        }
        let mut url = self.url(namespace, &["apps", app.as_str(), "request_statistic"]);
        url.query_pairs_mut()
            .append_pair("startTime", &from.to_rfc3339())
            .append_pair("endTime", &to.to_rfc3339())
            .append_pair("interval", interval.wire());
        let reply: serde_json::Value = self.get(url).await?;
        RequestStatistics::from_reply(reply).map_err(ApiError::Malformed)
    }

    /// `POST …/apps/{app}:pause`, no body: every worker stops. Sent once,
    /// never retried.
    pub async fn pause(&self, namespace: &Namespace, app: &AppName) -> Result<(), ApiError> {
        let url = self.url(namespace, &["apps", &format!("{}:pause", app.as_str())]);
        let _: serde::de::IgnoredAny = self.post_empty(url).await?;
        Ok(())
    }

    /// `POST …/apps/{app}:resume`, no body. Sent once, never retried.
    pub async fn resume(&self, namespace: &Namespace, app: &AppName) -> Result<(), ApiError> {
        let url = self.url(namespace, &["apps", &format!("{}:resume", app.as_str())]);
        let _: serde::de::IgnoredAny = self.post_empty(url).await?;
        Ok(())
    }

    /// `POST …/workers:scale-up` with `{"scaleUpWorkersNum": "<count>"}`;
    /// returns the new workers' ids. Sent once, never retried.
    pub async fn scale_up(
        &self,
        namespace: &Namespace,
        app: &AppName,
        count: u32,
    ) -> Result<Vec<String>, ApiError> {
        check_count(count)?;
        let url = self.url(namespace, &["apps", app.as_str(), "workers:scale-up"]);
        let body = wire::ScaleUpBody {
            scale_up_workers_num: count.to_string(),
        };
        let reply: wire::ScaleUpReply = self.post(url, &body).await?;
        Ok(reply.worker_ids)
    }

    /// `POST …/workers:scale-down` with a count, worker ids, or both.
    /// Sent once, never retried.
    pub async fn scale_down(
        &self,
        namespace: &Namespace,
        app: &AppName,
        request: &ScaleDown,
    ) -> Result<(), ApiError> {
        if request.count.is_none() && request.worker_ids.is_empty() {
            return Err(ApiError::InvalidRequest(
                "say how many workers to remove, or which ones".into(),
            ));
        }
        if let Some(count) = request.count {
            check_count(count)?;
        }
        for id in &request.worker_ids {
            check_worker_id(id)?;
        }
        let url = self.url(namespace, &["apps", app.as_str(), "workers:scale-down"]);
        let body = wire::ScaleDownBody {
            scale_down_workers_num: request.count.map(|c| c.to_string()),
            worker_ids: &request.worker_ids,
        };
        let _: serde::de::IgnoredAny = self.post(url, &body).await?;
        Ok(())
    }

    /// `{base}/api/apps/v1/namespaces/{ns}/{tail…}`, each part one
    /// percent-encoded path segment.
    fn url(&self, namespace: &Namespace, tail: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["api", "apps", "v1", "namespaces", namespace.as_str()])
                .extend(tail);
        }
        url
    }

    async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        let send = || self.request(Method::GET, url.clone()).map(|r| r.send());
        let response = match send()?.await {
            // Reading is safe to repeat: one more try when no answer came.
            Err(err) if !err.is_timeout() && (err.is_connect() || err.is_request()) => {
                tracing::warn!(
                    path = url.path(),
                    "EverAI API connection failed; retrying once"
                );
                send()?.await
            }
            other => other,
        };
        self.read(response.map_err(send_error)?).await
    }

    async fn post<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        url: Url,
        body: &B,
    ) -> Result<T, ApiError> {
        let response = self
            .request(Method::POST, url)?
            .json(body)
            .send()
            .await
            .map_err(send_error)?;
        self.read(response).await
    }

    /// A POST without a body, as the platform's client sends `:pause`.
    async fn post_empty<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        let response = self
            .request(Method::POST, url)?
            .send()
            .await
            .map_err(send_error)?;
        self.read(response).await
    }

    fn request(&self, method: Method, url: Url) -> Result<reqwest::RequestBuilder, ApiError> {
        tracing::debug!(%method, path = url.path(), "EverAI API call");
        Ok(self
            .http
            .request(method, url)
            .header(AUTHORIZATION, bearer(&self.token)?))
    }

    async fn read<T: DeserializeOwned>(&self, response: Response) -> Result<T, ApiError> {
        let status = response.status();
        if status.is_success() {
            let body = read_capped(response, self.max_body_bytes).await?;
            // `{}` and an empty body both mean "nothing to say".
            let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                &body
            };
            // Checked as UTF-8 once, in one pass, rather than string by
            // string; invalid text still gets serde_json's own report.
            let decoded = match std::str::from_utf8(body) {
                Ok(text) => serde_json::from_str(text),
                Err(_) => serde_json::from_slice(body),
            };
            return decoded.map_err(|e| {
                ApiError::Malformed(format!(
                    "{} at line {} column {}",
                    kind(&e),
                    e.line(),
                    e.column()
                ))
            });
        }
        Err(status_error(response).await)
    }
}

/// The only place the token is exposed: the Authorization header, marked
/// sensitive so HTTP-level debug output hides it.
fn bearer(token: &SecretString) -> Result<HeaderValue, ApiError> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            ApiError::InvalidRequest("the token contains characters a header cannot carry".into())
        })?;
    value.set_sensitive(true);
    Ok(value)
}

fn check_count(count: u32) -> Result<(), ApiError> {
    if count == 0 {
        return Err(ApiError::InvalidRequest(
            "the count must be at least 1".into(),
        ));
    }
    if count > MAX_SCALE_COUNT {
        return Err(ApiError::InvalidRequest(format!(
            "the count must be at most {MAX_SCALE_COUNT}"
        )));
    }
    Ok(())
}

/// Worker ids go into a JSON body, not a URL, but an id that no platform
/// would issue is a mistake worth stopping here.
fn check_worker_id(id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(
            "a worker id may only contain letters, digits, '-' and '_' (at most 128)".into(),
        ))
    }
}

fn send_error(err: reqwest::Error) -> ApiError {
    if err.is_timeout() {
        ApiError::Timeout
    } else if err.is_connect() {
        ApiError::Unreachable
    } else {
        ApiError::Interrupted
    }
}

fn kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "the reply ends too early",
        serde_json::error::Category::Syntax => "the reply is not JSON",
        serde_json::error::Category::Data => "a field has the wrong type",
        serde_json::error::Category::Io => "the reply could not be read",
    }
}

async fn read_capped(mut response: Response, cap: usize) -> Result<Vec<u8>, ApiError> {
    let too_big = || ApiError::Malformed(format!("the reply is larger than {} KiB", cap >> 10));
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_big());
    }
    // Sized once from the announced length: a list of thousands of workers
    // is hundreds of KiB, and growing to it copies it several times.
    let announced = response.content_length().unwrap_or(0) as usize;
    let mut body = Vec::with_capacity(announced.min(cap));
    while let Some(chunk) = response.chunk().await.map_err(send_error)? {
        if body.len() + chunk.len() > cap {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns an error status into an [`ApiError`], keeping at most a short,
/// cleaned-up `message` from a gRPC-gateway style body; any other body
/// (HTML from a proxy, say) is not passed on.
async fn status_error(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    match status {
        StatusCode::UNAUTHORIZED => return ApiError::Unauthorized,
        StatusCode::FORBIDDEN => return ApiError::Forbidden,
        StatusCode::NOT_FOUND => return ApiError::NotFound,
        StatusCode::TOO_MANY_REQUESTS => return ApiError::RateLimited { retry_after },
        _ => {}
    }
    if status.is_redirection() {
        return ApiError::Malformed(format!(
            "a redirect ({}), which the console does not follow",
            status.as_u16()
        ));
    }
    let message = read_capped(response, 64 << 10)
        .await
        .ok()
        .and_then(|body| platform_message(&body));
    ApiError::Upstream {
        status: status.as_u16(),
        message,
    }
}

/// The `message` of `{"code": …, "message": "…"}`, on one line, printable,
/// at most 200 characters.
pub(crate) fn platform_message(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct GatewayError {
        message: String,
    }
    let parsed: GatewayError = serde_json::from_slice(body).ok()?;
    let cleaned: String = parsed
        .message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut short: String = cleaned.chars().take(200).collect();
    if cleaned.chars().count() > 200 {
        short.push('…');
    }
    (!short.is_empty()).then_some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_messages_are_cleaned_and_cut() {
        assert_eq!(
            platform_message(br#"{"code":3,"message":"bad\nvalue\u0000 here","details":[]}"#),
            Some("bad value here".into())
        );
        assert_eq!(platform_message(b"<html>502 Bad Gateway</html>"), None);
        assert_eq!(platform_message(br#"{"code":3,"message":""}"#), None);
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(500));
        let cut = platform_message(long.as_bytes()).unwrap();
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn counts_and_ids_are_checked() {
        assert!(check_count(0).is_err());
        assert!(check_count(1).is_ok());
        assert!(check_count(MAX_SCALE_COUNT).is_ok());
        assert!(check_count(MAX_SCALE_COUNT + 1).is_err());
        assert!(check_worker_id("JYdCWQfbKLAhEf8WnZUY34").is_ok());
        for bad in ["", "a b", "a\"b", "../x", &"a".repeat(129)] {
            assert!(check_worker_id(bad).is_err(), "{bad}");
        }
    }
}
