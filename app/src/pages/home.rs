use leptos::prelude::*;

use leptos_meta::Title;

use everai_api::AppStatus;

use crate::{
    components::error_banner::ErrorBanner,
    components::skeleton::AppsSkeleton,
    format, json,
    server_fns::{
        apps::list_apps,
        status::{ConsoleStatus, get_console_status},
    },
    sync_view::IntoSyncAny,
    triage::{AppCheck, Trouble},
};

/// The start page: what the console is and whether its server is healthy.
#[component]
pub fn HomePage() -> impl IntoView {
    // Bumped by "Check again"; the status resource refetches when it changes.
    let checks = RwSignal::new(0u32);
    let status = json::resource(move || checks.get(), |_| get_console_status());
    let apps = json::resource(|| (), |_| list_apps());

    view! {
        <Title text="" />
        <section class="page home">
            <h1>"EverAI Worker Console"</h1>
            <p class="lede">
                "See an app's workers, filter them, look back over recent days, "
                "and scale the app up or down."
            </p>

            <RecentApps />

            <section class="card apps-card" aria-labelledby="apps-heading">
                <h2 id="apps-heading">"Apps"</h2>
                <Transition fallback=|| view! { <AppsSkeleton /> }>
                    {move || Suspend::new(async move {
                        match apps.await {
                            Ok(apps) => view! { <AppTable apps /> }.into_sync_any(),
                            Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                        }
                    })}
                </Transition>
            </section>

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
                            Ok(status) => view! { <StatusList status /> }.into_sync_any(),
                            Err(err) => view! {
                                <p class="banner banner-error" role="alert">{err.to_string()}</p>
                            }.into_sync_any(),
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

/// The apps, one row each, linking to their worker pages: those an on-call
/// person must look at first, each with the reason in words.
#[component]
fn AppTable(apps: Vec<AppCheck>) -> impl IntoView {
    if apps.is_empty() {
        return view! {
            <p class="muted" data-testid="no-apps">"The console's token sees no apps."</p>
        }
        .into_sync_any();
    }
    let troubled = apps.iter().filter(|c| c.in_trouble()).count();
    let unread = apps.iter().filter(|c| !c.unread.is_empty()).count();
    let total = apps.len();
    let mut summary = match (troubled, total) {
        (0, 1) => "The app looks fine.".to_string(),
        (0, n) => format!("All {n} apps look fine."),
        (1, 1) => "The app needs a look.".to_string(),
        (1, n) => format!("1 of {n} apps needs a look."),
        (t, n) => format!("{t} of {n} apps need a look."),
    };
    match unread {
        0 => {}
        1 => summary.push_str(" 1 could not be fully checked."),
        u => summary.push_str(&format!(" {u} could not be fully checked.")),
    }
    let rows = apps
        .into_iter()
        .map(|c| {
            let a = &c.app;
            let href = crate::filters::workers_path(&a.namespace, &a.name);
            let class = match a.status {
                AppStatus::Deployed => "badge badge-ok",
                AppStatus::Paused => "badge badge-ended",
                AppStatus::Terminating | AppStatus::Deleted => "badge badge-going",
                AppStatus::Unspecified => "badge badge-bad",
                AppStatus::Unknown(_) => "badge badge-unknown",
            };
            let resume = c
                .troubles
                .contains(&Trouble::Paused)
                .then(|| crate::filters::with_query(&href, "confirm=resume"));
            let reasons = c
                .troubles
                .iter()
                .map(|t| view! { <li data-testid="trouble">{t.text()}</li> })
                .collect_view();
            let unread = c
                .unread
                .iter()
                .map(|u| view! { <li class="muted" data-testid="unread">{u.clone()}</li> })
                .collect_view();
            let fine = (!c.in_trouble() && c.unread.is_empty())
                .then(|| view! { <span class="muted">"Looks fine"</span> });
            view! {
                <tr data-app=a.name.clone() class:trouble=c.in_trouble()>
                    <td>{a.namespace.clone()}</td>
                    <td>
                        <a href=href.clone()>{a.name.clone()}</a>
                    </td>
                    <td>
                        <span class=class>{a.status.label().to_string()}</span>
                    </td>
                    <td class="num">{format!("{} / {}", a.ready_workers, a.desired_workers)}</td>
                    <td class="why">
                        {fine}
                        <ul class="troubles">{reasons}{unread}</ul>
                        {resume.map(|href| view! { <a href=href data-testid="resume-link">"Resume app…"</a> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="lede" data-testid="apps-summary">{summary}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Apps">
            <table class="workers apps">
                <thead>
                    <tr>
                        <th scope="col">"Namespace"</th>
                        <th scope="col">"App"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Ready / desired"</th>
                        <th scope="col">"Needs a look"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_sync_any()
}

/// The apps this browser opened lately (from its local storage, so only
/// after hydration; nothing is shown without JavaScript).
#[component]
fn RecentApps() -> impl IntoView {
    let recent = RwSignal::new(Vec::<(String, String)>::new());
    Effect::new(move |_| recent.set(crate::recent::load()));
    move || {
        let apps = recent.get();
        (!apps.is_empty()).then(|| {
            let links = apps
                .into_iter()
                .map(|(ns, app)| {
                    let href = crate::filters::workers_path(&ns, &app);
                    view! {
                        <li>
                            <a href=href>
                                <span class="muted">{format!("{ns} / ")}</span>
                                {app}
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="card recent-card" aria-labelledby="recent-heading">
                    <h2 id="recent-heading">"Recently opened"</h2>
                    <ul class="recent" data-testid="recent-apps">{links}</ul>
                </section>
            }
        })
    }
}
