use leptos::prelude::*;

use crate::{error::ConsoleError, triage::AppCheck};

/// Every app the console's token can see, each with what is wrong with it,
/// those in trouble first (see [`crate::triage`]).
#[server(prefix = "/api", endpoint = "list_apps")]
pub async fn list_apps() -> Result<Vec<AppCheck>, ConsoleError> {
    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let token = state.request_token();
    let apps = state.gateway.overview(token.as_ref()).await.map_err(|e| {
        let request_id = crate::error::RequestId::current().unwrap_or_default();
        tracing::warn!(%request_id, error = %e, "listing apps failed");
        match e {
            // Not an app missing: the listing itself is not offered.
            everai_api::ApiError::NotFound => ConsoleError::Upstream {
                status: 404,
                message: Some("the list of apps is not available".into()),
            },
            other => ConsoleError::from_api(other, "", ""),
        }
    })?;
    let apps = apps.value.as_ref().clone();
    Ok(crate::triage::check(&state.gateway, token.as_ref(), apps, crate::state::now_ms()).await)
}
