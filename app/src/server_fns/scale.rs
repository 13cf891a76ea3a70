//! Scale actions, posted by the confirmation forms of the worker page.
//!
//! They are plain HTML form posts, so they work before hydration and with
//! JavaScript off: each one checks that the request comes from the
//! console's own pages, checks the input against the app as it is now,
//! calls the platform at most once per confirmation (see
//! [`crate::action_log`]), and answers with a redirect back to the same view
//! of the worker page, which then shows the outcome.

use leptos::prelude::*;

use crate::error::ConsoleError;

/// `POST /api/scale_up`: adds `count` workers to `namespace`/`app`.
#[server(prefix = "/api", endpoint = "scale_up")]
pub async fn scale_up(
    // Every field may be missing: `handle` says which, after the origin
    // check, in words (the framework would answer 500).
    #[server(default)] namespace: Option<String>,
    #[server(default)] app: Option<String>,
    #[server(default)] count: Option<String>,
    #[server(default)] key: Option<String>,
    #[server(default)] view: String,
) -> Result<(), ConsoleError> {
    ssr::handle(crate::scale_policy::Form {
        namespace,
        app,
        key,
        view,
        ask: crate::scale_policy::Ask::Up { count },
    })
    .await
}

/// `POST /api/scale_down`: removes exactly the workers in `workers`
/// (ids separated by commas) from `namespace`/`app`.
#[server(prefix = "/api", endpoint = "scale_down")]
pub async fn scale_down(
    #[server(default)] namespace: Option<String>,
    #[server(default)] app: Option<String>,
    #[server(default)] workers: Option<String>,
    #[server(default)] key: Option<String>,
    #[server(default)] view: String,
) -> Result<(), ConsoleError> {
    ssr::handle(crate::scale_policy::Form {
        namespace,
        app,
        key,
        view,
        ask: crate::scale_policy::Ask::Down { workers },
    })
    .await
}

/// `POST /api/pause_app`: pauses `namespace`/`app` (every worker stops)
/// once `confirm_name` is the app's name.
#[server(prefix = "/api", endpoint = "pause_app")]
pub async fn pause_app(
    #[server(default)] namespace: Option<String>,
    #[server(default)] app: Option<String>,
    #[server(default)] confirm_name: Option<String>,
    #[server(default)] key: Option<String>,
    #[server(default)] view: String,
) -> Result<(), ConsoleError> {
    ssr::handle(crate::scale_policy::Form {
        namespace,
        app,
        key,
        view,
        ask: crate::scale_policy::Ask::Pause { name: confirm_name },
    })
    .await
}

/// `POST /api/resume_app`: resumes the paused `namespace`/`app`.
#[server(prefix = "/api", endpoint = "resume_app")]
pub async fn resume_app(
    #[server(default)] namespace: Option<String>,
    #[server(default)] app: Option<String>,
    #[server(default)] key: Option<String>,
    #[server(default)] view: String,
) -> Result<(), ConsoleError> {
    ssr::handle(crate::scale_policy::Form {
        namespace,
        app,
        key,
        view,
        ask: crate::scale_policy::Ask::Resume,
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::StatusCode;
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use crate::{auth::Identity, error::ConsoleError, scale_policy, state::AppState};

    /// Runs the policy for the request being served, and answers with its
    /// redirect (303: the browser follows with a GET, and a reload does not
    /// post again) or its refusal's status.
    pub async fn handle(form: scale_policy::Form) -> Result<(), ConsoleError> {
        let state = use_context::<AppState>().ok_or(ConsoleError::Internal)?;
        let parts = use_context::<axum::http::request::Parts>().ok_or(ConsoleError::Internal)?;
        match scale_policy::scale(&state, &parts.headers, Identity::current(), form).await {
            Ok(back) => {
                leptos_axum::redirect(&back);
                if let Some(response) = use_context::<ResponseOptions>() {
                    response.set_status(StatusCode::SEE_OTHER);
                }
                Ok(())
            }
            Err(e) => {
                e.apply_to_response();
                Err(e)
            }
        }
    }
}
