use leptos::prelude::*;

use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    audit::{Action, AuditQuery, AuditRecord, OUTCOMES, Outcome, PAGE_LIMIT, outcome_label},
    components::{error_banner::ErrorBanner, skeleton::SkeletonTable},
    filters::{with_query, worker_path, workers_path},
    format, json,
    server_fns::audit::{AuditPage, list_audit},
    sync_view::IntoSyncAny,
};

/// `/audit`: every scale attempt, who made it and what came of it; the
/// filters live in the URL, and the same view downloads as CSV.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        AuditQuery::parse((&*map).into_iter().map(|(k, v)| (k.as_ref(), v)))
    });
    let page = json::resource(
        move || query.get(),
        |q| list_audit(q.app, q.actor, q.outcome, q.from, q.to),
    );
    view! {
        <Title text="Audit log" />
        <section class="page audit-page">
            <h1>"Audit log"</h1>
            <p class="lede">
                "Every scale action started from this console: who asked, from where, what was asked, and what came of it."
            </p>
            {move || view! { <AuditFilters query=query.get() /> }}
            <Transition fallback=|| {
                view! {
                    <div class="skeleton" aria-busy="true" data-testid="skeleton">
                        <p class="visually-hidden">"Loading the audit log…"</p>
                        <SkeletonTable rows=6 cols=8 />
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <AuditTable page /> }.into_sync_any(),
                        Err(error) => view! { <ErrorBanner error /> }.into_sync_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The filter form (a GET form: it works without JavaScript) and the CSV
/// link for the same view.
#[component]
fn AuditFilters(query: AuditQuery) -> impl IntoView {
    let csv = with_query("/audit.csv", &query.to_query_string());
    let outcomes = OUTCOMES
        .into_iter()
        .map(|outcome| {
            view! {
                <option value=outcome.as_str() selected=query.outcome == outcome.as_str()>
                    {outcome_label(outcome)}
                </option>
            }
        })
        .collect_view();
    view! {
        <form class="filters audit-filters" method="get" action="/audit" role="search">
            <label class="field">
                "App "
                <input
                    type="text"
                    name="app"
                    value=query.app.clone()
                    placeholder="namespace/app"
                    maxlength="130"
                    autocomplete="off"
                    spellcheck="false"
                />
            </label>
            <label class="field">
                "Actor "
                <input type="text" name="actor" value=query.actor.clone() maxlength="200" autocomplete="off" />
            </label>
            <label class="field">
                "Outcome "
                <select name="outcome">
                    <option value="" selected=query.outcome.is_empty()>
                        "Any"
                    </option>
                    {outcomes}
                </select>
            </label>
            <label class="field">
                "From " <input type="date" name="from" value=query.from.clone() />
            </label>
            <label class="field">
                "To " <input type="date" name="to" value=query.to.clone() />
            </label>
            <button type="submit" class="button button-primary">
                "Apply"
            </button>
            <a class="clear" href="/audit">
                "Clear"
            </a>
            <a class="button button-secondary" href=csv download="audit.csv" rel="nofollow">
                "Download CSV"
            </a>
        </form>
        <p class="muted hint">"Dates are whole days in UTC; both ends are included."</p>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    if page.records.is_empty() {
        return view! {
            <p class="empty" data-testid="no-records">
                "No scale action matches these filters."
            </p>
        }
        .into_sync_any();
    }
    let count = page.records.len();
    let summary = if page.limited {
        format!(
            "Showing the newest {PAGE_LIMIT} matching actions; narrow the filters, or download the CSV for all of them."
        )
    } else if count == 1 {
        "1 matching action.".to_string()
    } else {
        format!("{count} matching actions.")
    };
    let rows = page
        .records
        .into_iter()
        .map(|r| view! { <AuditRow r /> })
        .collect_view();
    view! {
        <p class="showing muted" data-testid="audit-count">
            {summary}
            <span class="audit-backend">{format!(" Kept in {}.", page.backend)}</span>
        </p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log">
            <table class="workers audit">
                <thead>
                    <tr>
                        <th scope="col">"Started (UTC)"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"App"</th>
                        <th scope="col">"Asked"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Detail"</th>
                        <th scope="col" class="num">"Upstream"</th>
                        <th scope="col">"From"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_sync_any()
}

#[component]
fn AuditRow(r: AuditRecord) -> impl IntoView {
    let started = everai_api::Timestamp::from_unix_nanos(i128::from(r.started_ms) * 1_000_000)
        .map(format::exact)
        .unwrap_or_default();
    let badge = match r.outcome {
        Outcome::Done => "badge badge-ok",
        Outcome::Rejected => "badge badge-ended",
        Outcome::Failed => "badge badge-bad",
        Outcome::Pending => "badge badge-starting",
        Outcome::Unknown => "badge badge-going",
    };
    // The workers it named, each a link to its own page.
    let (lead, ids) = match r.outcome {
        Outcome::Done if !r.new_ids.is_empty() => ("New: ".to_string(), r.new_ids.clone()),
        Outcome::Done if !r.worker_ids.is_empty() => {
            ("Removed: ".to_string(), r.worker_ids.clone())
        }
        _ if !r.worker_ids.is_empty() && r.action == Action::Down => (
            format!("{} Asked to remove: ", r.detail),
            r.worker_ids.clone(),
        ),
        _ => (r.detail.clone(), Vec::new()),
    };
    let detail = {
        let (ns, app) = (r.namespace.clone(), r.app.clone());
        let links = ids
            .into_iter()
            .enumerate()
            .map(|(i, id)| {
                let href = worker_path(&ns, &app, &id);
                view! {
                    {(i > 0).then_some(", ")}
                    <a class="mono" href=href>{id}</a>
                }
            })
            .collect_view();
        view! { {lead} {links} }
    };
    let upstream = match (r.upstream_status, r.duration_ms) {
        (Some(s), Some(ms)) => format!("{s} in {}", format::duration(ms)),
        (Some(s), None) => s.to_string(),
        (None, Some(ms)) => format!("no answer after {}", format::duration(ms)),
        (None, None) => "—".to_string(),
    };
    let app_href = workers_path(&r.namespace, &r.app);
    let asked = r.asked();
    let outcome = r.outcome_label();
    view! {
        <tr data-audit-id=r.id.clone() data-outcome=r.outcome.as_str()>
            <td class="mono">{started}</td>
            <td>
                {r.actor.clone()}
                <span class="muted">{format!(" ({})", r.role)}</span>
            </td>
            <td>
                <a href=app_href>{format!("{}/{}", r.namespace, r.app)}</a>
            </td>
            <td>{asked}</td>
            <td>
                <span class=badge>{outcome}</span>
            </td>
            <td class="audit-detail">{detail}</td>
            <td class="num">{upstream}</td>
            <td class="mono" title=format!("console {}", r.replica)>{r.client_addr.clone()}</td>
        </tr>
    }
}
