//! `GET /namespaces/{ns}/apps/{app}/workers.csv?…` (and `.json`, and
//! `history.csv?days=N&…`, `history.json`): the worker page's or the
//! history page's view as a file, through the same shared read of the list
//! as the page (see `app::export`).

use app::{
    auth::Identity,
    error::ConsoleError,
    export::{self, Format, View},
    filters::WorkerQuery,
    state::AppState,
};
use axum::{
    Extension,
    extract::{Path, RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use everai_api::{AppName, Namespace, Timestamp};

/// `workers.csv`, `workers.json`, `history.csv` or `history.json` of the
/// app in the path.
macro_rules! file_route {
    ($name:ident, $history:expr, $format:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            Path((namespace, app)): Path<(String, String)>,
            who: Option<Extension<Identity>>,
            RawQuery(raw): RawQuery,
        ) -> Response {
            export(state, namespace, app, who, raw, $history, $format).await
        }
    };
}
file_route!(workers_csv, false, Format::Csv);
file_route!(workers_json, false, Format::Json);
file_route!(history_csv, true, Format::Csv);
file_route!(history_json, true, Format::Json);

async fn export(
    state: AppState,
    namespace: String,
    app: String,
    who: Option<Extension<Identity>>,
    raw: Option<String>,
    history: bool,
    format: Format,
) -> Response {
    let bad = |m: String| refused(ConsoleError::InvalidInput(m), StatusCode::BAD_REQUEST);
    let ns = match Namespace::parse(&namespace) {
        Ok(ns) => ns,
        Err(e) => return bad(e.to_string()),
    };
    let name = match AppName::parse(&app) {
        Ok(name) => name,
        Err(e) => return bad(e.to_string()),
    };
    let raw = raw.unwrap_or_default();
    if raw.len() > app::server_fns::workers::MAX_VIEW_QUERY {
        return bad(format!(
            "The address's query is longer than {} characters.",
            app::server_fns::workers::MAX_VIEW_QUERY
        ));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    // The view as the page shows it: what the page corrects (an unknown
    // sort column, a page number; it says so beside the table), the file
    // follows in the same way.
    let (query, _) = WorkerQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let view = if history {
        let days = pairs
            .iter()
            .find(|(k, _)| k == "days")
            .map(|(_, v)| v.as_str());
        match days.map(str::parse::<u32>) {
            None => View::History { days: 2 },
            Some(Ok(days)) if (1..=30).contains(&days) => View::History { days },
            Some(_) => {
                return bad(
                    "The history window must be from 1 to 30 days (days=1 … days=30).".into(),
                );
            }
        }
    } else {
        View::Live
    };
    let (show_all, recent_days) = match view {
        View::Live => (false, 2),
        View::History { days } => (true, days),
    };
    let token = who.and_then(|Extension(who)| who.token);
    let listed = match state
        .gateway
        .list_workers(token.as_ref(), &ns, &name, show_all, recent_days)
        .await
    {
        Ok(listed) => listed,
        Err(e) => {
            tracing::warn!(%namespace, %app, error = %e, "listing workers for a download failed");
            let error = ConsoleError::from_api(e, &namespace, &app);
            let status =
                StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_GATEWAY);
            return refused(error, status);
        }
    };
    let workers: Vec<everai_api::Worker> = match view {
        View::Live => listed.list.workers.clone(),
        // The history page's table: the workers that ended.
        View::History { .. } => listed
            .list
            .workers
            .iter()
            .filter(|w| app::history::is_ended(w))
            .cloned()
            .collect(),
    };
    let rows = match export::rows(&workers, &query) {
        Ok(rows) => rows,
        Err(message) => {
            return refused(
                ConsoleError::InvalidInput(message),
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
    };
    let read_at = listed
        .read_at
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| Timestamp::from_unix_nanos(d.as_nanos() as i128))
        .unwrap_or_else(|| Timestamp::parse("1970-01-01T00:00:00Z").expect("a time"));
    let body = match format {
        Format::Csv => export::csv(&rows),
        Format::Json => export::json(&namespace, &app, view, &query, read_at, &rows),
    };
    let disposition = format!(
        "attachment; filename=\"{}\"",
        export::file_name(ns.as_str(), name.as_str(), view, read_at, format)
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `error` in words, with its `Retry-After` when it has one.
fn refused(error: ConsoleError, status: StatusCode) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        match error {
            // Its own words say what to change.
            ConsoleError::InvalidInput(_) => format!("{error}\n"),
            _ => format!("{error}\n{}\n", error.advice()),
        },
    )
        .into_response();
    if let Some(secs) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
