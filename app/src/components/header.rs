use leptos::prelude::*;

use crate::json;
use crate::server_fns::status::{UpstreamKind, get_console_status};
use crate::sync_view::SyncHydrate;

/// The bar across the top of every page. When the console runs against its
/// built-in simulator, it says so on every page: nothing there is real.
#[component]
pub fn Header() -> impl IntoView {
    // Effects run only in the browser, after hydration: end-to-end tests wait
    // for this marker before they click, so a click is never lost.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let status = json::resource(|| (), |_| get_console_status());
    SyncHydrate(view! {
        <header class="topbar" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"E"</span>
                <span class="brand-name">"EverAI Worker Console"</span>
            </a>
            <nav class="topnav" aria-label="Console">
                <a href="/">"Apps"</a>
                <a href="/audit">"Audit log"</a>
            </nav>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let who = status.await.ok().and_then(|s| s.signed_in_as);
                    who.map(|actor| {
                        view! {
                            <form class="whoami" method="post" action="/api/sign_out">
                                <span data-testid="signed-in-as">{actor}</span>
                                <button type="submit" class="button button-small">
                                    "Sign out"
                                </button>
                            </form>
                        }
                    })
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) if s.upstream == UpstreamKind::Simulator => {
                            Some(
                                view! {
                                    <span
                                        class="sim-badge"
                                        data-testid="simulator-badge"
                                        title="This console talks to its built-in simulator: the apps and workers are simulated, and scale actions change nothing real."
                                    >
                                        "Simulator"
                                    </span>
                                },
                            )
                        }
                        _ => None,
                    }
                })}
            </Suspense>
        </header>
    })
}
