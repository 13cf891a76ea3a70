//! The browser half of the console: a tiny cdylib that hydrates the
//! server-rendered page. Everything else lives in the `app` crate.

// The app's view types are deep; the size-optimised release build of the
// whole app needs more than the default limit of 128.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Another build's page (a replica of another version drew it) would
    // fail part-way through hydration: it stays as the server drew it,
    // which works without scripts.
    if !app::build_id::page_matches() {
        return;
    }
    // The code of split-off parts the server drew (a confirmation, an
    // action's outcome) is loaded first, so they hydrate with the page.
    // Lazy routes (pages split into their own wasm files) need the lazy
    // variant: it loads the page's code before hydrating it.
    wasm_bindgen_futures::spawn_local(async {
        app::components::scale::load_shown_parts().await;
        leptos::mount::hydrate_lazy(app::App);
    });
}
