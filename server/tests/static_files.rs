//! The build's static files, served while pages with error statuses render
//! beside them on the same worker threads.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod support;

const SCRIPT: &str = "export const x = 1;\n";
const SCRIPT_BR: &[u8] = b"stand-in for the brotli twin";

/// A site root of its own with one script and its brotli twin.
fn site_root() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("console-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/chunk.js"), SCRIPT).unwrap();
    std::fs::write(dir.join("pkg/chunk.js.br"), SCRIPT_BR).unwrap();
    dir
}

/// The console's router serving the site in `root`, with a platform that
/// cannot be reached (these tests never need it).
async fn router_over(root: &std::path::Path) -> axum::Router {
    let mut state = support::app_state(everai_api::Gateway::new(
        everai_api::Client::new(
            url::Url::parse("http://127.0.0.1:9").unwrap(),
            secrecy::SecretString::from("unused"),
            Default::default(),
        )
        .unwrap(),
        Default::default(),
    ))
    .await;
    state.leptos_options = leptos::prelude::LeptosOptions::builder()
        .output_name("everai_console")
        .site_root(root.to_string_lossy().to_string())
        .build();
    server::router(state)
}

#[derive(Clone, Copy, Debug)]
enum Ask {
    /// A page whose input is refused: 400 and a banner.
    BadInput,
    /// The script, no compression accepted.
    Script,
    /// The script from a browser that takes brotli.
    ScriptBr,
    /// A path that is neither a page nor a file: the 404 page.
    Nothing,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_keep_their_200_while_error_pages_render_beside_them() {
    let root = site_root();
    let router = router_over(&root).await;
    let asks = [Ask::BadInput, Ask::Script, Ask::ScriptBr, Ask::Nothing];
    let tasks: Vec<_> = (0..400)
        .map(|i| {
            let ask = asks[i % asks.len()];
            let router = router.clone();
            tokio::spawn(async move {
                let req = match ask {
                    Ask::BadInput => Request::get("/namespaces/default/apps/bad%20name/workers"),
                    Ask::Script => Request::get("/pkg/chunk.js"),
                    Ask::ScriptBr => {
                        Request::get("/pkg/chunk.js").header(header::ACCEPT_ENCODING, "br")
                    }
                    Ask::Nothing => Request::post("/pkg/no-such-file.js"),
                };
                let res = router
                    .oneshot(req.body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let (parts, body) = res.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                (ask, parts, body)
            })
        })
        .collect();
    let mut wrong = Vec::new();
    for t in tasks {
        let (ask, parts, body) = t.await.unwrap();
        let encoding = parts.headers.get(header::CONTENT_ENCODING);
        let html = String::from_utf8_lossy(&body);
        let ok = match ask {
            Ask::BadInput => {
                parts.status == StatusCode::BAD_REQUEST && html.contains("a space at position 4")
            }
            // Asked again by the browser on every use: the names stay the
            // same from one build to the next.
            Ask::Script => {
                parts.status == StatusCode::OK
                    && encoding.is_none()
                    && body == SCRIPT.as_bytes()
                    && parts.headers[header::CACHE_CONTROL] == "no-cache"
            }
            Ask::ScriptBr => {
                parts.status == StatusCode::OK
                    && encoding.is_some_and(|e| e == "br")
                    && body == SCRIPT_BR
            }
            Ask::Nothing => parts.status == StatusCode::NOT_FOUND && html.contains("<html"),
        };
        if !ok {
            wrong.push((ask, parts.status));
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(
        wrong.is_empty(),
        "{} of 400 wrong, first: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
}

/// A request handled on a thread where another render left its owner
/// current must not become part of that owner's tree.
#[test]
fn a_request_does_not_inherit_an_owner_left_on_the_thread() {
    use leptos::prelude::Owner;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let seen = |wrapped: bool| {
        let router = axum::Router::new().route(
            "/who",
            axum::routing::get(|| async {
                if Owner::current().is_some() {
                    "owned"
                } else {
                    "own"
                }
            }),
        );
        let router = if wrapped {
            router.layer(axum::middleware::from_fn(server::ops::own_owner))
        } else {
            router
        };
        let stale = Owner::new();
        stale.set();
        let body = runtime.block_on(async {
            let res = router
                .oneshot(Request::get("/who").body(Body::empty()).unwrap())
                .await
                .unwrap();
            res.into_body().collect().await.unwrap().to_bytes()
        });
        drop(stale);
        String::from_utf8(body.to_vec()).unwrap()
    };
    // The stand-in for Leptos's bug is real without the layer…
    assert_eq!(seen(false), "owned");
    // …and gone with it.
    assert_eq!(seen(true), "own");
}

/// The build's files are asked for again on every use (`no-cache`), so an
/// unchanged one costs a 304 and no body.
#[tokio::test]
async fn an_unchanged_file_asked_again_is_a_304_without_a_body() {
    let root = site_root();
    let router = router_over(&root).await;
    let first = router
        .clone()
        .oneshot(Request::get("/pkg/chunk.js").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache");
    let modified = first.headers()[header::LAST_MODIFIED].clone();
    let again = router
        .oneshot(
            Request::get("/pkg/chunk.js")
                .header(header::IF_MODIFIED_SINCE, modified)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let body = again.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty());
    std::fs::remove_dir_all(&root).unwrap();
}
