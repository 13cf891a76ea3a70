//! Works out who is behind every request before anything else runs, and
//! refuses requests that cannot say (proxy mode without the proxy).

use app::{auth::Unauthenticated, state::AppState};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    match state.auth.identify(peer, request.headers()) {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(why) => {
            let message = match why {
                Unauthenticated::NotFromProxy => {
                    "401 Unauthorized: this console is reached through its sign-in proxy; open it at the proxy's address.\n"
                }
                Unauthenticated::NoUser => {
                    "401 Unauthorized: the sign-in proxy did not say who you are; sign in again.\n"
                }
            };
            if why == Unauthenticated::NotFromProxy {
                tracing::warn!(
                    ?peer,
                    "refused a request that did not come through the sign-in proxy"
                );
            }
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
    }
}
