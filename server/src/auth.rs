//! Works out who is behind every request before anything else runs, and
//! refuses requests that cannot say: proxy mode without the proxy, token
//! mode without a live session (pages go to the sign-in page).

use app::{
    auth::{
        AuthMode, Identity, Role, TokenAuth, Unauthenticated, digest, session_cookie,
        set_session_cookie,
    },
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use secrecy::SecretString;

/// A used session is written back at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let found = match &state.auth.mode {
        AuthMode::Token(token_auth) => {
            // Behind a load balancer (CONSOLE_TRUSTED_PROXIES), the client
            // its X-Forwarded-For names: what sign-in attempts are
            // counted by.
            let client = state.auth.client_addr(peer, request.headers());
            let found = session_identity(&state, token_auth, &client, request.headers()).await;
            match found {
                Ok(Ok(identity)) => Ok(identity),
                // The sign-in page and what it needs work signed out.
                _ if is_public(request.uri().path()) => Ok(signed_out(client)),
                Ok(Err(why)) => Err(why),
                Err(response) => return response,
            }
        }
        _ => state.auth.identify(peer, request.headers()),
    };
    match found {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(Unauthenticated::NoSession) => {
            let path = request.uri().path();
            if request.method() == Method::GET && !path.starts_with("/api/") {
                let back = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |pq| pq.as_str())
                    .to_string();
                let mut to = String::from("/login");
                if back != "/" {
                    to.push_str("?next=");
                    to.push_str(&app::filters::encode(&back));
                }
                // The browser drops a cookie the console no longer knows.
                let mut response = Redirect::to(&to).into_response();
                if session_cookie(request.headers()).is_some() {
                    clear_cookie(&mut response, request.headers());
                }
                response
            } else {
                unauthorized("401 Unauthorized: sign in at /login first.\n")
            }
        }
        Err(Unauthenticated::NotFromProxy) => {
            tracing::warn!(
                ?peer,
                "refused a request that did not come through the sign-in proxy"
            );
            unauthorized(
                "401 Unauthorized: this console is reached through its sign-in proxy; open it at the proxy's address.\n",
            )
        }
        Err(Unauthenticated::NoUser) => unauthorized(
            "401 Unauthorized: the sign-in proxy did not say who you are; sign in again.\n",
        ),
    }
}

/// What anyone may reach without signing in: the sign-in page and what it
/// needs (its assets, the sign-in action, the console's status line).
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/api/sign_in" | "/api/console_status" | "/favicon.svg"
    ) || path.starts_with("/pkg/")
}

fn signed_out(client_addr: String) -> Identity {
    Identity {
        actor: String::new(),
        role: Role::Viewer,
        denied: Some("you are not signed in.".into()),
        client_addr,
        token: None,
    }
}

use app::state::now_ms;
/// The person whose live session the request's cookie names. A store that
/// does not answer is a 503: nobody is signed out by an outage.
async fn session_identity(
    state: &AppState,
    token_auth: &TokenAuth,
    client_addr: &str,
    headers: &axum::http::HeaderMap,
) -> Result<Result<Identity, Unauthenticated>, Response> {
    let Some(id) = session_cookie(headers) else {
        return Ok(Err(Unauthenticated::NoSession));
    };
    let id_hash = digest(&id);
    let session = state.store.session(&id_hash).await.map_err(|e| {
        tracing::error!(error = %e, "reading a session failed");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "503: the console's session store did not answer; try again in a moment.\n",
        )
            .into_response()
    })?;
    let Some(session) = session else {
        return Ok(Err(Unauthenticated::NoSession));
    };
    let now = now_ms();
    let idle = now - session.last_seen_ms > token_auth.idle.as_millis() as i64;
    let old = now - session.created_ms > token_auth.max_age.as_millis() as i64;
    let token = token_auth.key.open(&session.token_sealed);
    let (false, false, Some(token)) = (idle, old, token) else {
        // Expired, or sealed with another key: the session is over.
        if let Err(e) = state.store.delete_session(&id_hash).await {
            tracing::warn!(error = %e, "could not delete an ended session");
        }
        return Ok(Err(Unauthenticated::NoSession));
    };
    if now - session.last_seen_ms > TOUCH_EVERY_MS
        && let Err(e) = state.store.touch_session(&id_hash, now).await
    {
        tracing::warn!(error = %e, "could not record a session's use");
    }
    Ok(Ok(state.auth.signed_in(
        session.actor,
        SecretString::from(token),
        client_addr.to_string(),
    )))
}

fn unauthorized(message: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        message,
    )
        .into_response()
}

fn clear_cookie(response: &mut Response, headers: &axum::http::HeaderMap) {
    if let Ok(value) = set_session_cookie("", 0, app::auth::is_https(headers)).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
