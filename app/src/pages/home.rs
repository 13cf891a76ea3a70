use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    format,
    server_fns::status::{ConsoleStatus, get_console_status},
};

/// The start page: what the console is and whether its server is healthy.
#[component]
pub fn HomePage() -> impl IntoView {
    // Bumped by "Check again"; the status resource refetches when it changes.
    let checks = RwSignal::new(0u32);
    let status = Resource::new(move || checks.get(), |_| get_console_status());

    view! {
        <Title text="" />
        <section class="page home">
            <h1>"EverAI Worker Console"</h1>
            <p class="lede">
                "See an app's workers, filter them, look back over recent days, "
                "and scale the app up or down."
            </p>

            <form class="card open-app" method="get" action="/open">
                <h2>"Open an app"</h2>
                <div class="fields">
                    <label>
                        "Namespace"
                        <input
                            name="namespace"
                            value="default"
                            autocomplete="off"
                            spellcheck="false"
                            maxlength="63"
                        />
                    </label>
                    <label>
                        "App"
                        <input
                            name="app"
                            required
                            autocomplete="off"
                            spellcheck="false"
                            maxlength="63"
                            placeholder="e.g. stable-diffusion"
                        />
                    </label>
                    <button type="submit" class="button">"Open"</button>
                </div>
            </form>

            <div class="card status-card" aria-live="polite">
                <h2>"Console status"</h2>
                <Transition fallback=|| view! { <p class="muted">"Checking the console…"</p> }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(status) => view! { <StatusList status /> }.into_any(),
                            Err(err) => view! {
                                <p class="banner banner-error" role="alert">{err.to_string()}</p>
                            }.into_any(),
                        }
                    })}
                </Transition>
                // A GET form, so that without JavaScript the button reloads
                // the page (a fresh check on the server); once hydrated it
                // refetches in place instead.
                <form
                    class="card-actions"
                    method="get"
                    action="/"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        checks.update(|n| *n += 1);
                    }
                >
                    <button type="submit" class="button">
                        "Check again"
                    </button>
                    <span class="muted checks" data-testid="checks">
                        {move || match checks.get() {
                            0 => String::new(),
                            1 => "Checked once from this page".to_string(),
                            n => format!("Checked {n} times from this page"),
                        }}
                    </span>
                </form>
            </div>
        </section>
    }
}

#[component]
fn StatusList(status: ConsoleStatus) -> impl IntoView {
    view! {
        <dl class="facts">
            <div>
                <dt>"Server"</dt>
                <dd data-testid="server-state">"Up"</dd>
            </div>
            <div>
                <dt>"Upstream"</dt>
                <dd data-testid="upstream">{status.upstream.label()}</dd>
            </div>
            <div>
                <dt>"Version"</dt>
                <dd data-testid="version">{status.version}</dd>
            </div>
            <div>
                <dt>"Uptime"</dt>
                <dd data-testid="uptime">{format::span(status.uptime_secs as i64 * 1000)}</dd>
            </div>
        </dl>
    }
}
