use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::sync_view::IntoSyncAny;

/// What failed and what to do, in one box. During server rendering it also
/// sets the page's HTTP status.
#[component]
pub fn ErrorBanner(error: ConsoleError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    error.apply_to_response();
    let request_id = page_request_id();
    view! {
        <div class="banner banner-error" role="alert">
            <strong>{error.to_string()}</strong>
            <span class="banner-advice">{error.advice()}</span>
            {request_id
                .map(|id| {
                    view! {
                        <span class="banner-ref">
                            "Request id: " <code data-testid="request-id">{id}</code>
                        </span>
                    }
                })}
        </div>
    }
    .into_sync_any()
}

/// The id of the request that rendered this page, for banners that came
/// with the page: on the server from the request, in the browser (while
/// hydrating that same HTML) from the page's `<meta name="request-id">`.
/// Banners made later in the browser (a failed refresh) have none: their
/// request's id is only in the reply's `X-Request-Id` header.
fn page_request_id() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        crate::error::RequestId::current()
    }
    #[cfg(not(feature = "ssr"))]
    {
        if !crate::sync_view::hydrating() {
            return None;
        }
        document()
            .query_selector("meta[name=request-id]")
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}
