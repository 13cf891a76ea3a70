//! The console's form posts (the scale actions `/api/scale_up` and
//! `/api/scale_down`, and `/api/sign_in`) before and after their server
//! functions: where they may come from, what they must be, and how a
//! refusal reads.
//!
//! - The origin check comes first, before the body is looked at: a
//!   cross-site post is a `403` whatever it carries.
//! - The body must be an HTML form (`application/x-www-form-urlencoded`);
//!   anything else is a `415` that says so.
//! - A refusal is a `4xx` in words: an HTML page for a browser's form post
//!   (with a link back to the app's workers), the console's JSON error for
//!   a script. A form the server function could not read at all (the
//!   framework's own argument error, which it answers `500`) is the
//!   person's input, not the console's fault: `400`.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{error::ConsoleError, filters::workers_path};

const FORM_POSTS: [&str; 3] = ["/api/scale_up", "/api/scale_down", "/api/sign_in"];

/// The most of a refused reply's body that is read to restate it.
const MAX_ERROR_BODY: usize = 64 << 10;

pub async fn form_posts(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !FORM_POSTS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let signing_in = request.uri().path() == "/api/sign_in";
    let sign_in_page = || signing_in.then(|| "/login".to_string());
    let wants_html = wants_html(request.headers());
    if let Err(e) = app::scale_policy::check_same_origin(request.headers()) {
        tracing::warn!(error = %e, path = request.uri().path(), "refused a cross-site form post");
        return refusal(e, wants_html, sign_in_page());
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        let e = ConsoleError::BadForm(
            "This is an HTML form post (Content-Type: application/x-www-form-urlencoded); nothing was done."
                .into(),
        );
        let mut response = refusal(e, wants_html, sign_in_page());
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    // The body is already in memory (see `guard::read_body`): the app the
    // form names, for the way back, is read from it without a second read.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
        let e =
            ConsoleError::BadForm("The request body could not be read; nothing was done.".into());
        return refusal(e, wants_html, sign_in_page());
    };
    let back = sign_in_page().or_else(|| back_link(&bytes));
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if status.is_success() {
        return response;
    }
    // The action's own redirect has no body; the framework answers a form
    // it could not read with a redirect to the referring page carrying its
    // error, so redirects are read too.
    let (head, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(head, Body::empty());
    };
    let Ok(error) = serde_json::from_slice::<ConsoleError>(&bytes) else {
        // Not the console's error (a sign-in page, a 503 of the guard):
        // passed on as it came.
        return Response::from_parts(head, Body::from(bytes));
    };
    let (error, status) = match error {
        // The form's fields could not be read as the function's arguments
        // (see `ConsoleError::from_server_fn_error`).
        ConsoleError::BadForm(why) if why.starts_with(app::error::UNREADABLE_FIELDS) => {
            let text = if signing_in {
                "The sign-in form could not be read; nothing was done."
            } else {
                "The form could not be read; nothing was done."
            };
            (ConsoleError::BadForm(text.into()), StatusCode::BAD_REQUEST)
        }
        // A refusal without a status of its own is sent with its kind's.
        other if status.is_redirection() => {
            let status =
                StatusCode::from_u16(other.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            (other, status)
        }
        other => (other, status),
    };
    let mut response = refusal(error, wants_html, back);
    *response.status_mut() = status;
    if let Some(retry) = head.headers.get(header::RETRY_AFTER) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    response
}

/// A browser's form post asks for HTML first; a script asks for JSON or
/// for anything.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The worker page of the app the form names, when it names one properly.
fn back_link(body: &[u8]) -> Option<String> {
    let (mut ns, mut app) = (None, None);
    for (k, v) in url::form_urlencoded::parse(body) {
        match &*k {
            "namespace" => ns = everai_api::Namespace::parse(v.trim()).ok(),
            "app" => app = everai_api::AppName::parse(v.trim()).ok(),
            _ => {}
        }
    }
    Some(workers_path(ns?.as_str(), app?.as_str()))
}

/// `error` as the reply: its status, and a page or JSON.
fn refusal(error: ConsoleError, wants_html: bool, back: Option<String>) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = if wants_html {
        (status, axum::response::Html(page(&error, back.as_deref()))).into_response()
    } else {
        (status, axum::Json(&error)).into_response()
    };
    if let Some(secs) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn page(error: &ConsoleError, back: Option<&str>) -> String {
    let (href, label, heading) = match back {
        Some("/login") => ("/login", "Back to sign-in", "This sign-in cannot go ahead"),
        Some(path) => (
            path,
            "Back to the app's workers",
            "This action cannot go ahead",
        ),
        None => ("/", "Back to the start page", "This action cannot go ahead"),
    };
    format!(
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>Refused · EverAI Worker Console</title>",
            "<link rel=\"stylesheet\" href=\"/pkg/everai_console.css\"></head>",
            "<body><main class=\"page\">",
            "<section class=\"confirm confirm-problem\" role=\"alert\" aria-labelledby=\"confirm-title\">",
            "<h1 id=\"confirm-title\">{}</h1>",
            "<p data-testid=\"confirm-problem\">{}</p><p class=\"muted\">{}</p>",
            "<a class=\"button\" href=\"{}\">{}</a></section></main></body></html>\n"
        ),
        heading,
        escape(&error.to_string()),
        escape(error.advice()),
        escape(href),
        label,
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_is_the_named_apps_worker_page_or_none() {
        assert_eq!(
            back_link(b"namespace=default&app=sd&count=1").as_deref(),
            Some("/namespaces/default/apps/sd/workers")
        );
        assert_eq!(back_link(b"namespace=default&app=..%2Fx"), None);
        assert_eq!(back_link(b"count=1"), None);
    }

    #[test]
    fn the_page_escapes_what_it_restates() {
        let page = page(
            &ConsoleError::InvalidInput("<script>alert(1)</script>".into()),
            None,
        );
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
    }
}
