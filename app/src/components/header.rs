use leptos::prelude::*;

/// The bar across the top of every page.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"E"</span>
                <span class="brand-name">"EverAI Worker Console"</span>
            </a>
        </header>
    }
}
