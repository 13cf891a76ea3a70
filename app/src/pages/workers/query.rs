//! The worker page's view as the address has it, and as shown: the filters
//! and sort of the URL, the search text typed but not yet in the address,
//! and the scale action the address asks to confirm.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::{
    actions::ScaleIntent,
    filters::{WorkerQuery, encode, with_query},
};

/// The address's query string (without `?`), as the server reads it for
/// the links it draws.
pub(super) fn view_query(map: &leptos_router::params::ParamsMap) -> String {
    map.into_iter()
        .map(|(k, v)| format!("{}={}", encode(k.as_ref()), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// How long typing pauses before the address takes the search text.
const ADDRESS_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

type Parsed = (
    (WorkerQuery, Vec<String>),
    Option<Result<ScaleIntent, String>>,
);

/// The page's query, read once from the address and shared by its parts.
#[derive(Clone, Copy)]
pub(super) struct PageQuery {
    /// The page's path, for the links that change only the query.
    pub(super) path: Memo<String>,
    /// The view as the address has it.
    pub(super) url: Memo<WorkerQuery>,
    /// The view as shown: the address's, with the search text typed since.
    pub(super) shown: Memo<WorkerQuery>,
    /// The address as read: the view, what its filters could not use (in
    /// words), and the scale intent.
    parsed: Memo<Parsed>,
    /// The scale action the address asks to confirm, if any.
    pub(super) intent: Memo<Option<Result<ScaleIntent, String>>>,
    /// Takes search text as it is typed.
    pub(super) on_search: Callback<String>,
}

impl PageQuery {
    /// What the address's filters could not use, in words.
    pub(super) fn notes(&self) -> Vec<String> {
        self.parsed.with(|p| p.0.1.clone())
    }

    /// Reads the address and follows it. Typed text filters at once, before
    /// (and without) a navigation; the address keeps up once typing pauses.
    pub(super) fn follow() -> PageQuery {
        let query_map = use_query_map();
        let path = use_location().pathname;
        let parsed = Memo::new(move |_| {
            let map = query_map.read();
            let pairs = || (&*map).into_iter().map(|(k, v)| (k.as_ref(), v));
            (WorkerQuery::parse(pairs()), ScaleIntent::parse(pairs()))
        });
        let url = Memo::new(move |_| parsed.with(|p| p.0.0.clone()));
        let intent = Memo::new(move |_| parsed.with(|p| p.1.clone()));
        let typed: RwSignal<Option<String>> = RwSignal::new(None);
        // A navigation (a link, back, the form) is the new truth.
        Effect::watch(move || url.track(), move |_, _, _| typed.set(None), false);
        let shown = Memo::new(move |_| {
            let mut q = url.get();
            typed.with(|t| {
                if let Some(t) = t
                    && *t != q.search
                {
                    q.search = t.clone();
                    q.page = 1;
                }
            });
            q
        });
        let on_search = address_follows_typing(typed, shown, path);
        // The header's links (this view, and as a file) follow what is
        // shown. Effects run in the browser only: the server's links are
        // the address's, which is what is shown before any typing.
        if let Some(ahead) = use_context::<crate::components::app_header::ShownView>() {
            Effect::new(move |_| ahead.0.set(Some(shown.get())));
        }
        PageQuery {
            path,
            url,
            shown,
            parsed,
            intent,
            on_search,
        }
    }
}

/// The callback for typed search text: it filters at once, and the
/// address is rewritten (without a navigation, which would redraw the
/// filters under the caret) once typing pauses, so the view can still be
/// shared or reloaded. The browser's history is slow to write
/// (milliseconds); a keystroke's budget is a frame.
fn address_follows_typing(
    typed: RwSignal<Option<String>>,
    shown: Memo<WorkerQuery>,
    path: Memo<String>,
) -> Callback<String> {
    let timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    on_cleanup(move || {
        if let Some(Some(pending)) = timer.try_get_value() {
            pending.clear();
        }
    });
    Callback::new(move |text: String| {
        // Read as the URL's `q=` is (trimmed, cut to length), so the address
        // written reproduces exactly what is shown.
        let text = WorkerQuery::parse([("q", text.as_str())]).0.search;
        typed.set(Some(text));
        if let Some(pending) = timer.get_value() {
            pending.clear();
        }
        let write = move || {
            timer.try_set_value(None);
            // Not after a navigation: the address is already the new view's.
            if typed.try_with_untracked(Option::is_some) != Some(true) {
                return;
            }
            let (Some(path), Some(q)) = (
                path.try_get_untracked(),
                shown.try_with_untracked(|q| q.to_query_string()),
            ) else {
                return;
            };
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(
                    &leptos::wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&with_query(&path, &q)),
                );
            }
        };
        timer.set_value(set_timeout_with_handle(write, ADDRESS_AFTER).ok());
    })
}
