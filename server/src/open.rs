//! `GET /open?namespace=…&app=…`: the start page's "Open an app" form lands
//! here and is redirected to the app's worker page. A plain GET form cannot
//! build a path, and this keeps the form working without JavaScript.

use axum::{
    extract::Query,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct OpenQuery {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    app: String,
}

/// The worker page's path, each name one percent-encoded segment. The page
/// itself checks the names and explains what is wrong with them.
pub fn workers_path(namespace: &str, app: &str) -> String {
    let mut url = url::Url::parse("http://console.invalid/").expect("static URL");
    url.path_segments_mut()
        .expect("http URL has a path")
        .clear()
        .extend(["namespaces", namespace, "apps", app, "workers"]);
    url.path().to_string()
}

pub async fn open_app(Query(query): Query<OpenQuery>) -> Response {
    let namespace = match query.namespace.trim() {
        "" => "default",
        ns => ns,
    };
    let app = query.app.trim();
    if app.is_empty() {
        return (StatusCode::BAD_REQUEST, "Enter the name of an app to open.").into_response();
    }
    Redirect::to(&workers_path(namespace, app)).into_response()
}

#[cfg(test)]
mod tests {
    use super::workers_path;

    #[test]
    fn names_become_single_encoded_segments() {
        assert_eq!(
            workers_path("default", "my-app"),
            "/namespaces/default/apps/my-app/workers"
        );
        assert_eq!(
            workers_path("a/b", "../x y"),
            "/namespaces/a%2Fb/apps/..%2Fx%20y/workers"
        );
    }
}
