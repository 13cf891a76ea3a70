use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::server_fns::session::{MAX_TOKEN_LEN, safe_next};

/// What went wrong at the last sign-in, from the `error=` the sign-in
/// action put in the URL.
fn message(error: &str) -> Option<&'static str> {
    Some(match error {
        "name" => "Give your name as colleagues know it: 1 to 200 characters on one line.",
        "token" => "Paste your EverAI token: one line, no spaces.",
        "rejected" => "The EverAI API did not accept this token. Check it and try again.",
        "upstream" => {
            "The token could not be checked: the EverAI API did not answer properly. Try again in a moment."
        }
        "store" => {
            "The console could not start your session: its session store did not answer. Try again in a moment."
        }
        _ => return None,
    })
}

/// `/login`: sign in with your own EverAI token (`CONSOLE_AUTH=token`).
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || safe_next(&query.read().get("next").unwrap_or_default());
    let error = move || query.read().get("error").and_then(|e| message(&e));
    let signed_out = move || query.read().get("signed_out").is_some();
    view! {
        <Title text="Sign in" />
        <section class="page login-page">
            <h1>"Sign in"</h1>
            <p class="lede">
                "Sign in with your own EverAI token. The console checks it with the platform, keeps it on the server, and acts with it on your behalf; your browser only holds a session cookie."
            </p>
            {move || {
                error()
                    .map(|m| {
                        view! {
                            <p class="banner banner-error" role="alert">
                                {m}
                            </p>
                        }
                    })
            }}
            {move || {
                signed_out()
                    .then(|| {
                        view! {
                            <p class="banner" role="status">
                                "You are signed out."
                            </p>
                        }
                    })
            }}
            <form class="card login-form" method="post" action="/api/sign_in">
                <input type="hidden" name="next" value=next />
                <label for="login-name">"Your name"</label>
                <input
                    id="login-name"
                    type="text"
                    name="name"
                    required
                    maxlength="200"
                    autocomplete="username"
                />
                <label for="login-token">"EverAI token"</label>
                <input
                    id="login-token"
                    type="password"
                    name="token"
                    required
                    maxlength=MAX_TOKEN_LEN.to_string()
                    autocomplete="off"
                    spellcheck="false"
                />
                <p class="muted hint">
                    "The audit log records your name with a fingerprint of the token, never the token."
                </p>
                <button type="submit" class="button button-primary">
                    "Sign in"
                </button>
            </form>
        </section>
    }
}
