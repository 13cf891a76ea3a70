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

/// The view as a page shows it when that is ahead of its address (the
/// worker page's typed search, written to the address only once typing
/// pauses): the header's links follow it. Provided by the page.
#[derive(Clone, Copy)]
pub struct ShownView(pub RwSignal<Option<WorkerQuery>>);

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
    // The view's path and canonical query.
    let ahead = use_context::<ShownView>();
    let shown = Memo::new(move |_| {
        let path = match current {
            AppView::Live => workers_path(&namespace(), &app()),
            AppView::History => history_path(&namespace(), &app()),
        };
        if let Some(view) = ahead.and_then(|a| a.0.get()) {
            return (path, view.to_query_string());
        }
        let map = query.read();
        let (view, _) = WorkerQuery::parse((&*map).into_iter().map(|(k, v)| (k.as_ref(), v)));
        (path, view.to_query_string())
    });
    let canonical = Signal::derive(move || shown.with(|(path, q)| with_query(path, q)));
    // The same view as a file: `…/workers.csv?…` (served by the server).
    let file = move |ext: &'static str| {
        move || shown.with(|(path, q)| with_query(&format!("{path}.{ext}"), q))
    };
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
            <span class="downloads">
                <a href=file("csv") download="" rel="nofollow" data-testid="download-csv">
                    "Download CSV"
                </a>
                <a href=file("json") download="" rel="nofollow" data-testid="download-json">
                    "Download JSON"
                </a>
            </span>
        </nav>
    }
    .into_sync_any()
}
