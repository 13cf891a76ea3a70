use leptos::prelude::*;

use crate::sync_view::IntoSyncAny;

/// The canonical link to the view: a plain link (to copy or open without
/// JavaScript) and, once hydrated, a button that copies the full URL.
#[component]
pub fn CopyLink(
    /// Path and canonical query of the view, e.g. `/namespaces/…?status=…`.
    #[prop(into)]
    href: Signal<String>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let copy = move |_| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let origin = window.location().origin().unwrap_or_default();
        let url = format!("{origin}{}", href.get_untracked());
        let promise = window.navigator().clipboard().write_text(&url);
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(Some(ok));
        });
    };
    view! {
        <span class="copy-link">
            <a href=move || href.get() data-testid="view-link">
                "Link to this view"
            </a>
            <button
                type="button"
                class="button button-small"
                disabled=move || !hydrated.get()
                on:click=copy
            >
                "Copy link"
            </button>
            <span class="muted" aria-live="polite" data-testid="copy-result">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "The browser did not allow copying; use the link instead.",
                    None => "",
                }}
            </span>
        </span>
    }
    .into_sync_any()
}
