use everai_api::AppSummary;
use leptos::prelude::*;

use crate::error::ConsoleError;

/// Every app the console's token can see, sorted by namespace and name.
#[server(prefix = "/api", endpoint = "list_apps")]
pub async fn list_apps() -> Result<Vec<AppSummary>, ConsoleError> {
    let state = use_context::<crate::state::AppState>().ok_or(ConsoleError::Internal)?;
    let mut apps = state
        .gateway
        .list_all_apps(state.request_token().as_ref())
        .await
        .map_err(|e| {
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
    apps.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(apps)
}
