use leptos::prelude::*;

use crate::error::ConsoleError;

/// What failed and what to do, in one box. During server rendering it also
/// sets the page's HTTP status.
#[component]
pub fn ErrorBanner(error: ConsoleError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = axum::http::StatusCode::from_u16(error.status_code())
        {
            response.set_status(code);
            if let Some(secs) = error.retry_after_secs() {
                response.insert_header(axum::http::header::RETRY_AFTER, secs.into());
            }
        }
    }
    view! {
        <div class="banner banner-error" role="alert">
            <strong>{error.to_string()}</strong>
            <span class="banner-advice">{error.advice()}</span>
        </div>
    }
}
