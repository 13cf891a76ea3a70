//! Pages, components and server functions of the EverAI Worker Console.
//!
//! This crate is compiled twice: with `ssr` into the axum server, and with
//! `hydrate` into the browser bundle. Server-only code sits behind
//! `#[cfg(feature = "ssr")]`.

// Deeply nested views make deep types; the default limit (128) is too low
// for the test build of the worker page.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod action_log;
pub mod actions;
pub mod audit;
pub mod auth;
pub mod build_id;
pub mod components;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
pub mod filters;
pub mod format;
pub mod history;
#[cfg(feature = "ssr")]
pub mod insight;
pub mod json;
#[cfg(feature = "ssr")]
pub mod limits;
pub mod pages;
pub mod recent;
#[cfg(feature = "ssr")]
pub mod requests;
#[cfg(feature = "ssr")]
pub mod scale_policy;
pub mod server_fns;
pub mod snapshot;
#[cfg(feature = "ssr")]
pub mod state;
pub mod sync_view;
pub mod transport;
pub mod triage;
#[cfg(feature = "ssr")]
pub mod worker_detail;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    lazy_route,
};

use crate::pages::{
    audit::AuditLogPage, history::HistoryPage, home::HomePage, login::LoginPage,
    not_found::NotFound, worker::WorkerDetailPage, workers::WorkersPage,
};
use crate::sync_view::IntoSyncAny;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let request_id = crate::error::RequestId::current();
    #[cfg(not(feature = "ssr"))]
    let request_id: Option<String> = None;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <meta name="request-id" content=request_id />
                <meta name=build_id::META content=build_id::MARK />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The console's root component and router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/everai_console.css" />
        // A text of its own under every page's: a lazy page's title joins
        // only once its code has loaded, after this one hydrates, and with
        // no text at all the tab would go blank until then.
        <Title
            text=""
            formatter=|page: String| {
                if page.is_empty() {
                    "EverAI Worker Console".to_string()
                } else {
                    format!("{page} · EverAI Worker Console")
                }
            }
        />
        <Router>
            <components::header::Header />
            <main class="main">
                // Every page but the worker page is lazy: with `cargo leptos
                // --split` (release builds) its code is a separate wasm file
                // the browser fetches when it first shows that page, so the
                // worker page does not download them.
                // In-order streaming: each page arrives as finished HTML, in
                // document order, so it is complete without JavaScript (the
                // default out-of-order mode patches data in with scripts).
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view={Lazy::<Home>::new()} ssr=SsrMode::InOrder />
                    <Route path=StaticSegment("audit") view={Lazy::<Audit>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("login") view={Lazy::<Login>::new()} ssr=SsrMode::InOrder />
                    // Async: the whole page waits for the data, so an unknown
                    // app is a real 404 and the table arrives complete.
                    <Route
                        path=(
                            StaticSegment("namespaces"),
                            ParamSegment("ns"),
                            StaticSegment("apps"),
                            ParamSegment("app"),
                            StaticSegment("workers"),
                        )
                        view=WorkersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("namespaces"),
                            ParamSegment("ns"),
                            StaticSegment("apps"),
                            ParamSegment("app"),
                            StaticSegment("history"),
                        )
                        view={Lazy::<History>::new()}
                        ssr=SsrMode::Async
                    />
                    // One worker, as a pasted link asks for it: a real 404
                    // when it is in neither list.
                    <Route
                        path=(
                            StaticSegment("namespaces"),
                            ParamSegment("ns"),
                            StaticSegment("apps"),
                            ParamSegment("app"),
                            StaticSegment("workers"),
                            ParamSegment("id"),
                        )
                        view={Lazy::<Worker>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The routes split out of the main wasm file (see [`App`]). Each view is
/// just its page component; the pages load their own data.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                // Its code is loaded by now: hydrated in one step.
                view! { <$page /> }.into_sync_any()
            }
        }
    };
}
lazy_page!(Home, HomePage);
lazy_page!(Audit, AuditLogPage);
lazy_page!(Login, LoginPage);
lazy_page!(History, HistoryPage);
lazy_page!(Worker, WorkerDetailPage);
