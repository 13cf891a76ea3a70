//! Token sign-in: `POST /api/sign_in` checks the person's EverAI token with
//! the platform, keeps it sealed in the session store and gives the browser
//! only an opaque session cookie; `POST /api/sign_out` ends the session.
//! Both are plain form posts answered with a redirect, so they work
//! without JavaScript.

use leptos::prelude::*;

use crate::error::ConsoleError;

/// The longest token the console accepts.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Where to go after signing in: a path of this console only.
pub fn safe_next(next: &str) -> String {
    let next = next.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2000;
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// The sign-in page with `error`, keeping where the person was going.
pub fn login_path(error: &str, next: &str) -> String {
    let mut path = format!("/login?error={error}");
    if next != "/" {
        path.push_str("&next=");
        path.push_str(&crate::filters::encode(next));
    }
    path
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    // A missing field reads as empty: the sign-in page then says which one
    // to fill in (the framework would answer 500).
    #[server(default)] name: String,
    #[server(default)] token: String,
    #[server(default)] next: String,
) -> Result<(), ConsoleError> {
    ssr::sign_in(name, token, next).await
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ConsoleError> {
    ssr::sign_out().await
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::{HeaderValue, StatusCode, header};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use secrecy::SecretString;

    use super::{MAX_TOKEN_LEN, login_path, safe_next};
    use crate::{
        auth::{
            AuthMode, clean_user, digest, is_https, new_session_id, session_cookie,
            set_session_cookie, token_fingerprint,
        },
        error::ConsoleError,
        scale_policy::check_same_origin,
        state::AppState,
    };

    use crate::state::now_ms;
    /// A 303 to `to` (a reload does not post again).
    fn go(to: &str) {
        leptos_axum::redirect(to);
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(StatusCode::SEE_OTHER);
        }
    }

    fn set_cookie(value: String) {
        if let (Some(response), Ok(value)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&value),
        ) {
            response.append_header(header::SET_COOKIE, value);
        }
    }

    fn forbid(err: ConsoleError) -> ConsoleError {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(StatusCode::FORBIDDEN);
        }
        err
    }

    pub async fn sign_in(name: String, token: String, next: String) -> Result<(), ConsoleError> {
        let state = use_context::<AppState>().ok_or(ConsoleError::Internal)?;
        let parts = use_context::<axum::http::request::Parts>().ok_or(ConsoleError::Internal)?;
        check_same_origin(&parts.headers).map_err(forbid)?;
        let next = safe_next(&next);
        let AuthMode::Token(token_auth) = &state.auth.mode else {
            go(&next);
            return Ok(());
        };
        let Some(name) = clean_user(&name) else {
            go(&login_path("name", &next));
            return Ok(());
        };
        let token = token.trim().to_string();
        if token.is_empty()
            || token.len() > MAX_TOKEN_LEN
            || !token.bytes().all(|b| b.is_ascii_graphic())
        {
            go(&login_path("token", &next));
            return Ok(());
        }
        let secret = SecretString::from(token.clone());
        if state.gateway.client().with_token(secret.clone()).is_err() {
            go(&login_path("token", &next));
            return Ok(());
        }
        // Each check asks the platform with the token: bounded, so that the
        // console is no way to try tokens.
        let address = crate::auth::Identity::current()
            .map_or_else(|| "unknown".to_string(), |who| who.client_addr);
        let taken = state
            .sign_in_limit
            .take(&state.store, &address, crate::limits::now_us())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "the console's database failed before a sign-in");
                ConsoleError::Database
            })
            .inspect_err(ConsoleError::apply_to_response)?;
        if let Err(wait) = taken {
            let retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::warn!(%address, retry_after_secs, "sign-in attempts rate limited");
            let err = ConsoleError::TooManySignIns { retry_after_secs };
            err.apply_to_response();
            return Err(err);
        }
        match state.gateway.list_all_apps(Some(&secret)).await {
            Ok(_) => {}
            Err(everai_api::ApiError::Unauthorized | everai_api::ApiError::Forbidden) => {
                tracing::info!("a sign-in with a token the platform refused");
                go(&login_path("rejected", &next));
                return Ok(());
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not check a token at sign-in");
                go(&login_path("upstream", &next));
                return Ok(());
            }
        }
        // The platform does not say whose a token is: the name is as the
        // person gave it, and the fingerprint tells tokens apart.
        let actor = format!("{name} (token {})", token_fingerprint(&token));
        let id = new_session_id();
        let now = now_ms();
        let session = console_store::Session {
            id_hash: digest(&id),
            actor: actor.clone(),
            token_sealed: token_auth.key.seal(&token),
            created_ms: now,
            last_seen_ms: now,
        };
        if let Err(e) = state.store.create_session(&session).await {
            tracing::error!(error = %e, "could not store a new session");
            go(&login_path("store", &next));
            return Ok(());
        }
        tracing::info!(%actor, "signed in");
        set_cookie(set_session_cookie(
            &id,
            token_auth.max_age.as_secs(),
            is_https(&parts.headers),
        ));
        go(&next);
        Ok(())
    }

    pub async fn sign_out() -> Result<(), ConsoleError> {
        let state = use_context::<AppState>().ok_or(ConsoleError::Internal)?;
        let parts = use_context::<axum::http::request::Parts>().ok_or(ConsoleError::Internal)?;
        check_same_origin(&parts.headers).map_err(forbid)?;
        if let Some(id) = session_cookie(&parts.headers)
            && let Err(e) = state.store.delete_session(&digest(&id)).await
        {
            tracing::error!(error = %e, "could not end a session");
            return Err(ConsoleError::AuditLog);
        }
        set_cookie(set_session_cookie("", 0, is_https(&parts.headers)));
        go("/login?signed_out=1");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_console_are_followed_after_sign_in() {
        assert_eq!(
            safe_next("/namespaces/a/apps/b/workers?q=1"),
            "/namespaces/a/apps/b/workers?q=1"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(login_path("rejected", "/"), "/login?error=rejected");
        assert_eq!(
            login_path("name", "/audit?x=1"),
            "/login?error=name&next=%2Faudit%3Fx%3D1"
        );
    }
}
