use leptos::prelude::*;

/// The bar across the top of every page.
#[component]
pub fn Header() -> impl IntoView {
    // Effects run only in the browser, after hydration: end-to-end tests wait
    // for this marker before they click, so a click is never lost.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <header class="topbar" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"E"</span>
                <span class="brand-name">"EverAI Worker Console"</span>
            </a>
        </header>
    }
}
