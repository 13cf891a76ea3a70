use leptos::prelude::*;

use leptos_router::{
    hooks::{use_params_map, use_query_map},
    params::ParamsMap,
};

use crate::{
    components::copy_link::CopyLink,
    filters::{WorkerQuery, history_path, with_query, workers_path},
    sync_view::IntoSyncAny,
};

/// The title of an app's view, e.g. `History · image-resize · default`,
/// following the route. The server also reads it when it writes the
/// response's `<title>`, which under load can come after the page's
/// reactive scope is gone: then it is the title the page started with,
/// never a panic (a panic there drops the connection).
pub fn app_title(prefix: &'static str) -> impl Fn() -> String + Send + Sync + Clone + 'static {
    let params = use_params_map();
    let of = move |p: &ParamsMap| {
        let app = p.get("app").unwrap_or_default();
        let namespace = p.get("ns").unwrap_or_default();
        format!("{prefix}{app} · {namespace}")
    };
    let first = params.with_untracked(of);
    move || params.try_with(of).unwrap_or_else(|| first.clone())
}

/// Which of an app's views a page is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AppView {
    Live,
    History,
}

/// The top of an app's pages: breadcrumb, the app's name, the tabs between
/// its views, and the canonical link to the view shown (filters, sort and
/// window; never `confirm=` or `action=`).
#[component]
pub fn AppViewHeader(current: AppView) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let namespace = move || params.read().get("ns").unwrap_or_default();
    let app = move || params.read().get("app").unwrap_or_default();
    let aria = move |view: AppView| (view == current).then_some("page");
    let canonical = Signal::derive(move || {
        let path = match current {
            AppView::Live => workers_path(&namespace(), &app()),
            AppView::History => history_path(&namespace(), &app()),
        };
        let map = query.read();
        let (view, _) = WorkerQuery::parse((&*map).into_iter().map(|(k, v)| (k.as_ref(), v)));
        with_query(&path, &view.to_query_string())
    });
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">"Apps"</a>
            <span aria-hidden="true">" / "</span>
            <span>{namespace}</span>
            <span aria-hidden="true">" / "</span>
        </nav>
        <h1>{app}</h1>
        <nav class="tabs" aria-label="Views">
            <a href=move || workers_path(&namespace(), &app()) aria-current=aria(AppView::Live)>
                "Live workers"
            </a>
            <a href=move || history_path(&namespace(), &app()) aria-current=aria(AppView::History)>
                "History"
            </a>
            <CopyLink href=canonical />
        </nav>
    }
    .into_sync_any()
}
