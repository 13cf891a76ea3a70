//! The scale controls of the worker page: the forms that start an action,
//! the confirmation that says exactly what will happen, and the banner
//! that says what did. All plain HTML forms: they work the same before
//! hydration and with JavaScript off.
//!
//! The confirmation and the banner show only when the address asks for them
//! (`confirm=`, `action=`), so their code is split off the worker page's
//! wasm file in release builds (`cargo leptos --split`): [`confirm_view`]
//! and [`action_banner_view`] load it the first time they are drawn, and
//! [`load_shown_parts`] before hydration when the server drew them (which
//! [`shown_parts`] tells from the address, by the page's own readers).

use everai_api::{Timestamp, Worker};
use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::{
    actions::{
        ActionOutcome, ScaleIntent, ScaleResult, capacity_note, check_scale_up, longest_idle_free,
        pick_by_ids, pick_for_removal, removal_warning, running_or_starting, status_unknown,
        workers_word,
    },
    components::badges::{DetailBadge, StatusBadge},
    filters::{WorkerQuery, with_query},
    format,
    server_fns::workers::ActionShown,
    sync_view::IntoSyncAny,
};

/// The current view's filters as hidden fields, so that a form returns to
/// the same view.
pub fn hidden_view(query: &WorkerQuery) -> impl IntoView + use<> {
    query
        .to_pairs()
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
        .collect_view()
}

/// "Add [n] workers" and "Remove [n] workers": each opens the confirmation.
#[component]
pub fn ScalePanel(
    path: String,
    query: WorkerQuery,
    /// Most workers a scale-up may add now.
    #[prop(into)]
    up_limit: Signal<u32>,
    /// Workers a scale-down could take.
    #[prop(into)]
    removable: Signal<usize>,
    /// Why `up_limit` is what it is, for the hint.
    #[prop(into)]
    up_hint: Signal<String>,
    /// Why this person may not scale at all, if so.
    #[prop(default = None)]
    denied: Option<String>,
) -> impl IntoView {
    let off = denied.is_some();
    let up_disabled = move || off || up_limit.get() == 0;
    let down_disabled = move || off || removable.get() == 0;
    let denied = denied.map(|reason| {
        view! {
            <p class="scale-denied" data-testid="scale-denied">
                {format!("Scaling is off for you: {reason}")}
            </p>
        }
    });
    view! {
        <section class="scale" aria-label="Scale">
            {denied}
            <form class="scale-form" method="get" action=path.clone()>
                {hidden_view(&query)}
                <input type="hidden" name="confirm" value="up" />
                <label>
                    "Add "
                    <input
                        type="number"
                        name="count"
                        inputmode="numeric"
                        min="1"
                        max=move || up_limit.get().max(1).to_string()
                        value="1"
                        required
                        disabled=up_disabled
                        aria-describedby="scale-up-hint"
                    />
                    " workers"
                </label>
                <button type="submit" class="button" disabled=up_disabled>
                    "Scale up…"
                </button>
                <span id="scale-up-hint" class="muted hint">{up_hint}</span>
            </form>
            <form class="scale-form" method="get" action=path>
                {hidden_view(&query)}
                <input type="hidden" name="confirm" value="down" />
                <label>
                    "Remove "
                    <input
                        type="number"
                        name="count"
                        inputmode="numeric"
                        min="1"
                        max=move || removable.get().max(1).to_string()
                        value="1"
                        required
                        disabled=down_disabled
                    />
                    " workers"
                </label>
                <button type="submit" class="button" disabled=down_disabled>
                    "Scale down…"
                </button>
                <span class="muted hint">"Longest-idle free workers go first."</span>
            </form>
        </section>
    }
    .into_sync_any()
}

/// What [`confirm_view`] draws the confirmation from: [`ConfirmPanel`]'s
/// props as one value (a split-off function takes concrete types).
pub struct ConfirmArgs {
    pub intent: Result<ScaleIntent, String>,
    pub namespace: String,
    pub app: String,
    pub path: String,
    pub query: WorkerQuery,
    pub workers: Vec<Worker>,
    pub max_workers: u64,
    pub max_step: u32,
    pub action_key: String,
    pub now_ms: i64,
    pub denied: Option<String>,
}

/// [`ConfirmPanel`], its code in a wasm file of its own (see the module
/// notes): awaited, so the first one drawn in a browser waits for that file.
#[leptos::lazy]
pub fn confirm_view(args: ConfirmArgs) -> AnyView {
    let ConfirmArgs {
        intent,
        namespace,
        app,
        path,
        query,
        workers,
        max_workers,
        max_step,
        action_key,
        now_ms,
        denied,
    } = args;
    view! {
        <ConfirmPanel
            intent
            namespace
            app
            path
            query
            workers
            max_workers
            max_step
            action_key
            now_ms
            denied
        />
    }
    .into_sync_any()
}

/// [`ActionBanner`], its code in a wasm file of its own (see the module notes).
#[leptos::lazy]
pub fn action_banner_view(shown: ActionShown) -> AnyView {
    view! { <ActionBanner shown /> }.into_sync_any()
}

/// The split-off parts the worker page draws for the address `query`: the
/// confirmation when [`ScaleIntent::parse`] reads an intent from it (a bad
/// one too: it is drawn as a problem), and the outcome banner when it names
/// an action ([`action_key`]). The page draws by the same two readers, and
/// [`load_shown_parts`] loads by this.
pub fn shown_parts(query: &ParamsMap) -> (bool, bool) {
    let confirm = ScaleIntent::parse(query.into_iter().map(|(k, v)| (k.as_ref(), v))).is_some();
    (confirm, action_key(query).is_some())
}

/// The key of the scale action whose outcome the address asks to show
/// (`action=<key>`), if any.
pub fn action_key(query: &ParamsMap) -> Option<String> {
    query.get("action").filter(|key| !key.is_empty())
}

/// Loads, before the page hydrates, the split-off code of the parts the
/// server drew into it ([`shown_parts`] of the address, read as the router
/// reads it). Hydration then finds their code in place and takes over the
/// server's HTML in one step; without it, a part still loading would be
/// hydrated as absent.
#[cfg(feature = "hydrate")]
pub async fn load_shown_parts() {
    use leptos_router::location::{BrowserUrl, LocationProvider};
    let Ok(url) = BrowserUrl::current() else {
        return;
    };
    let (confirm, banner) = shown_parts(url.search_params());
    if confirm {
        __preload_confirm_view().await;
    }
    if banner {
        __preload_action_banner_view().await;
    }
}

/// A confirmation's one button (pressed for good once sent: a second click
/// sends nothing) and its way back.
fn confirm_actions(
    class: &'static str,
    busy: &'static str,
    label: String,
    sending: RwSignal<bool>,
    cancel: String,
) -> impl IntoView {
    view! {
        <div class="confirm-actions">
            <button type="submit" class=class disabled=move || sending.get()>
                {move || if sending.get() { busy.to_string() } else { label.clone() }}
            </button>
            <a class="button" href=cancel>"Cancel"</a>
        </div>
    }
}

/// The confirmation of the action in the URL: what exactly will happen,
/// and the one button that does it.
#[component]
pub fn ConfirmPanel(
    intent: Result<ScaleIntent, String>,
    namespace: String,
    app: String,
    path: String,
    query: WorkerQuery,
    workers: Vec<Worker>,
    max_workers: u64,
    max_step: u32,
    action_key: String,
    now_ms: i64,
    /// Why this person may not scale at all, if so.
    #[prop(default = None)]
    denied: Option<String>,
) -> impl IntoView {
    let cancel = with_query(&path, &query.to_query_string());
    let target = format!("{namespace}/{app}");
    let problem = |message: String| {
        view! {
            <section class="confirm confirm-problem" role="alert" aria-labelledby="confirm-title">
                <h2 id="confirm-title">"This action cannot go ahead"</h2>
                <p data-testid="confirm-problem">{message}</p>
                <a class="button" href=cancel.clone()>"Back to the workers"</a>
            </section>
        }
        .into_sync_any()
    };
    if let Some(reason) = denied {
        return problem(format!("You may not change apps here: {reason}"));
    }
    let intent = match intent {
        Ok(intent) => intent,
        Err(message) => return problem(message),
    };
    let common = {
        let (namespace, app, key) = (namespace.clone(), app.clone(), action_key.clone());
        let view_qs = query.to_query_string();
        move || {
            view! {
                <input type="hidden" name="namespace" value=namespace.clone() />
                <input type="hidden" name="app" value=app.clone() />
                <input type="hidden" name="key" value=key.clone() />
                <input type="hidden" name="view" value=view_qs.clone() />
            }
        }
    };
    // Once sent, the button stays pressed: a second click sends nothing
    // (and the server would answer it with the first one's outcome).
    let sending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if sending.get_untracked() {
            ev.prevent_default();
        }
        sending.set(true);
    };

    match intent {
        ScaleIntent::Pause => {
            let stopping = workers.iter().filter(|w| running_or_starting(w)).count();
            let title = format!("Pause {target}?");
            let button = format!("Pause {app}");
            view! {
                <section class="confirm" role="region" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">{title}</h2>
                    <p class="banner banner-warn" data-testid="confirm-pause">
                        {format!(
                            "Every worker stops: {} running or starting will stop, and none starts until the app is resumed. Requests wait undispatched meanwhile.",
                            workers_word(stopping)
                        )}
                    </p>
                    <form method="post" action="/api/pause_app" on:submit=on_submit>
                        {common()}
                        <p>
                            <label for="confirm-name">
                                "Type the app's name, " <code>{app.clone()}</code> ", to confirm: "
                            </label>
                            <input id="confirm-name" name="confirm_name" autocomplete="off" spellcheck="false" required />
                        </p>
                        {confirm_actions("button button-danger", "Pausing…", button, sending, cancel.clone())}
                    </form>
                </section>
            }
            .into_sync_any()
        }
        ScaleIntent::Resume => {
            let title = format!("Resume {target}?");
            let button = format!("Resume {app}");
            view! {
                <section class="confirm" role="region" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">{title}</h2>
                    <p data-testid="confirm-resume">
                        "Its workers start again: the autoscaler's minimum, or a manual app's default worker count."
                    </p>
                    <form method="post" action="/api/resume_app" on:submit=on_submit>
                        {common()}
                        {confirm_actions("button button-primary", "Resuming…", button, sending, cancel.clone())}
                    </form>
                </section>
            }
            .into_sync_any()
        }
        ScaleIntent::Up { count } => match check_scale_up(count, max_step) {
            Err(message) => problem(message),
            Ok(count) => {
                // Information only: the platform decides what a scale-up
                // past maxWorkers does, and its refusal is shown as it is.
                let capacity = capacity_note(&workers, max_workers, Some(count));
                let title = format!("Add {} to {target}?", workers_word(count as usize));
                let button = format!("Add {}", workers_word(count as usize));
                view! {
                    <section class="confirm" role="region" aria-labelledby="confirm-title">
                        <h2 id="confirm-title">{title}</h2>
                        {capacity.map(|c| view! { <p data-testid="confirm-capacity">{c}</p> })}
                        <p>"New workers start as Created and take a while to run."</p>
                        <form method="post" action="/api/scale_up" on:submit=on_submit>
                            {common()}
                            <input type="hidden" name="count" value=count.to_string() />
                            {confirm_actions("button button-primary", "Adding…", button, sending, cancel.clone())}
                        </form>
                    </section>
                }
                .into_sync_any()
            }
        },
        ScaleIntent::DownCount { .. } | ScaleIntent::DownWorkers { .. } => {
            let picked = match &intent {
                ScaleIntent::DownCount { count } => pick_for_removal(&workers, *count),
                ScaleIntent::DownWorkers { ids } => pick_by_ids(&workers, ids),
                _ => unreachable!("handled above"),
            };
            let picked = match picked {
                Ok(picked) => picked,
                Err(message) => return problem(message),
            };
            let n = picked.len();
            let warned = picked
                .iter()
                .filter(|w| removal_warning(w).is_some())
                .count();
            let unvouched = picked
                .iter()
                .filter(|w| status_unknown(w).is_some())
                .count();
            let idle = longest_idle_free(&workers, n);
            let idle_ids: Vec<&str> = idle.iter().map(|w| w.id.as_str()).collect();
            let picked_ids: Vec<&str> = picked.iter().map(|w| w.id.as_str()).collect();
            // The one-click alternative: the same number of the longest-idle
            // free workers, when that is a different choice.
            let alternative = (idle.len() == n && idle_ids != picked_ids).then(|| {
                let mut pairs: Vec<String> = vec![query.to_query_string(), "confirm=down".into()];
                pairs.extend(idle_ids.iter().map(|id| format!("worker={id}")));
                let href = with_query(
                    &path,
                    &pairs
                        .into_iter()
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("&"),
                );
                view! {
                    <p>
                        <a href=href data-testid="pick-idle">
                            {format!("Select the {} longest-idle free workers instead", n)}
                        </a>
                    </p>
                }
            });
            let ids = picked_ids.join(",");
            let title = format!("Remove {} from {target}?", workers_word(n));
            let button = format!("Remove {}", workers_word(n));
            let rows = picked
                .into_iter()
                .map(|w| {
                    let idle_for = w
                        .last_serve_at
                        .or(w.launch_at)
                        .map(|t| format!("idle {}", format::ago(t, now_ms)))
                        .unwrap_or_default();
                    let warning = removal_warning(&w);
                    let unknown = status_unknown(&w);
                    let warned = warning.is_some() || unknown.is_some();
                    view! {
                        <li class:warned=warned>
                            <span class="mono">{w.id.clone()}</span>
                            <StatusBadge status=w.status.clone() />
                            <DetailBadge detail=w.detail_status.clone() />
                            <span class="muted">{idle_for}</span>
                            {warning.map(|m| view! { <strong class="warning">{m}</strong> })}
                            {unknown.map(|m| view! { <strong class="warning">{m}</strong> })}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="confirm" role="region" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">{title}</h2>
                    {(warned > 0)
                        .then(|| {
                            view! {
                                <p class="banner banner-warn" data-testid="confirm-warning">
                                    {format!(
                                        "{} of these {} busy or still starting: removing {} cuts off its work.",
                                        warned,
                                        if warned == 1 { "is" } else { "are" },
                                        if warned == 1 { "it" } else { "them" },
                                    )}
                                </p>
                            }
                        })}
                    {(unvouched > 0)
                        .then(|| {
                            view! {
                                <p class="banner banner-warn" data-testid="confirm-unknown">
                                    {format!(
                                        "{} of these {} a status the console does not know: it cannot say what {} doing.",
                                        unvouched,
                                        if unvouched == 1 { "has" } else { "have" },
                                        if unvouched == 1 { "it is" } else { "they are" },
                                    )}
                                </p>
                            }
                        })}
                    <ul class="confirm-list" tabindex="0" aria-label="Workers to remove">{rows}</ul>
                    {alternative}
                    <form method="post" action="/api/scale_down" on:submit=on_submit>
                        {common()}
                        <input type="hidden" name="workers" value=ids />
                        {confirm_actions("button button-danger", "Removing…", button, sending, cancel.clone())}
                    </form>
                </section>
            }
            .into_sync_any()
        }
    }
}

/// What came of the action the URL names.
#[component]
pub fn ActionBanner(shown: ActionShown) -> impl IntoView {
    match shown {
        ActionShown::Gone => view! {
            <div class="banner banner-warn" role="status" data-testid="action-result">
                "The console has no record of this action (the link may come from another console, or its audit log could not be read). The table shows the app as it is now."
            </div>
        }
        .into_sync_any(),
        ActionShown::Outcome(outcome) => {
            let class = match outcome.result {
                ScaleResult::Added { .. } | ScaleResult::Removed | ScaleResult::Applied => {
                    "banner banner-ok"
                }
                ScaleResult::Unknown { .. } => "banner banner-warn",
                ScaleResult::Rejected { .. } | ScaleResult::Failed { .. } => "banner banner-error",
            };
            let when = at(&outcome);
            view! {
                <div class=class role="status" data-testid="action-result">
                    <strong>{outcome.message()}</strong>
                    <span class="banner-advice">{when}</span>
                </div>
            }
            .into_sync_any()
        }
    }
}

fn at(outcome: &ActionOutcome) -> String {
    Timestamp::from_unix_nanos(i128::from(outcome.at_ms) * 1_000_000)
        .map(|t| format!("At {}.", format::exact(t)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.to_string());
        }
        map
    }

    #[test]
    fn the_parts_to_load_are_the_parts_the_page_draws() {
        assert_eq!(shown_parts(&query(&[])), (false, false));
        assert_eq!(
            shown_parts(&query(&[("confirm", "up"), ("count", "2")])),
            (true, false)
        );
        // A bad intent is drawn too, as the problem it is.
        assert!(ScaleIntent::parse([("confirm", "sideways")]).is_some());
        assert_eq!(
            shown_parts(&query(&[("confirm", "sideways")])),
            (true, false)
        );
        // An empty action key names no action: no banner, nothing to load.
        assert_eq!(shown_parts(&query(&[("action", "")])), (false, false));
        assert_eq!(action_key(&query(&[("action", "")])), None);
        assert_eq!(
            shown_parts(&query(&[("action", "k1"), ("q", "x")])),
            (false, true)
        );
        assert_eq!(
            action_key(&query(&[("action", "k1")])).as_deref(),
            Some("k1")
        );
    }
}
