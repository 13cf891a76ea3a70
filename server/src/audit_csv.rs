//! `GET /audit.csv?…`: the audit view's records as CSV, with the same
//! filters as `/audit` (up to 100,000 records, newest first).

use app::{
    audit::{AuditQuery, AuditRecord, CSV_HEADER, EXPORT_LIMIT, csv_line},
    state::AppState,
};
use axum::{
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

pub async fn export(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let raw = raw.unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let query = AuditQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let bounds = match query.bounds() {
        Ok(b) => b,
        Err(message) => {
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{message}\n"),
            )
                .into_response();
        }
    };
    let entries = match state.store.list(&bounds.to_filter(EXPORT_LIMIT)).await {
        Ok(entries) => entries,
        Err(e) => {
            tracing::error!(error = %e, "reading the audit log for a CSV export failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "The console's audit log could not be read. Try again in a moment.\n",
            )
                .into_response();
        }
    };
    let mut body = String::from(CSV_HEADER);
    for e in entries {
        body.push_str(&csv_line(&AuditRecord::from(e)));
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"everai-console-audit.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
