use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{audit::AuditRecord, error::ConsoleError};

/// One view of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub records: Vec<AuditRecord>,
    /// True when more records match than one view shows.
    pub limited: bool,
    /// Where the log is kept: "SQLite" or "PostgreSQL".
    pub backend: String,
}

/// The scale attempts matching the filters (as in the `/audit` URL),
/// newest first.
#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    app: String,
    actor: String,
    outcome: String,
    from: String,
    to: String,
) -> Result<AuditPage, ConsoleError> {
    use crate::audit::{AuditQuery, PAGE_LIMIT};

    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let query = AuditQuery {
        app,
        actor,
        outcome,
        from,
        to,
    };
    let bounds = query.bounds().map_err(ConsoleError::InvalidInput)?;
    let mut records: Vec<AuditRecord> = state
        .store
        .list(&bounds.to_filter(PAGE_LIMIT + 1))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading the audit log failed");
            ConsoleError::AuditLog
        })?
        .into_iter()
        .map(AuditRecord::from)
        .collect();
    let limited = records.len() > PAGE_LIMIT as usize;
    records.truncate(PAGE_LIMIT as usize);
    Ok(AuditPage {
        records,
        limited,
        backend: state.store.backend().label().to_string(),
    })
}
