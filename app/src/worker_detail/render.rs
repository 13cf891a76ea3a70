//! One worker's page as HTML, drawn on the server like the insight panels
//! (decision record 0006): the browser receives it as one piece of markup
//! with each read and puts it in place, so it reads the same with
//! JavaScript off and its only controls are links.

// Rendered to text on the server only: `into_any`'s cost in the wasm
// (decision record 0002) does not arise here.
#![allow(clippy::disallowed_methods)]

use everai_api::{AppEvent, Reading, Timestamp, Worker};
use leptos::prelude::*;

use super::model::{FoundIn, Lifecycle};
use crate::{
    components::badges::{DetailBadge, StatusBadge},
    filters::{encode, with_query, worker_path, workers_path},
    format,
    insight::model::Part,
};

/// What the page shows of one worker.
pub struct Detail<'a> {
    pub namespace: &'a str,
    pub app: &'a str,
    pub worker: &'a Worker,
    pub found_in: FoundIn,
    /// The worker it replaced, if it names one, and whether that worker is
    /// in the list read (so its page will find it).
    pub replaced: Option<(&'a str, bool)>,
    /// The workers that name it as the one they replaced.
    pub replaced_by: Vec<&'a str>,
    /// The events naming it, newest first, of how many read; or why none.
    pub events: Part<(Vec<&'a AppEvent>, usize)>,
    pub paused: bool,
    /// Why this person may not remove workers, if so.
    pub denied: Option<&'a str>,
    /// The clock of the read.
    pub now_ms: i64,
}

/// An exact time with how long ago it was, or a dash.
fn when(t: Option<Timestamp>, now_ms: i64) -> AnyView {
    match t {
        Some(t) => view! {
            <time datetime=format::machine(t)>{format::exact(t)}</time>
            <span class="muted">{format!(" · {}", format::ago(t, now_ms))}</span>
        }
        .into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

fn text(value: &str) -> AnyView {
    if value.is_empty() {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        view! { <span class="mono">{value.to_string()}</span> }.into_any()
    }
}

fn number<T: std::fmt::Display>(r: &Reading<T>, show: impl Fn(&T) -> String) -> AnyView {
    match r {
        Reading::Value(v) => view! { <span>{show(v)}</span> }.into_any(),
        Reading::Odd(raw) => view! {
            <span class="odd" title="Not a number the console can read">
                {format!("? (the platform sent “{raw}”)")}
            </span>
        }
        .into_any(),
    }
}

fn field(label: &'static str, value: AnyView) -> impl IntoView {
    view! {
        <dt>{label}</dt>
        <dd>{value}</dd>
    }
}

/// A link to another worker's page, or its id alone when the list read
/// does not hold it.
fn worker_link(d: &Detail, id: &str, known: bool) -> AnyView {
    if known {
        view! { <a class="mono" href=worker_path(d.namespace, d.app, id)>{id.to_string()}</a> }
            .into_any()
    } else {
        view! {
            <span class="mono">{id.to_string()}</span>
            <span class="muted">" (not in the list the console read)"</span>
        }
        .into_any()
    }
}

fn fields(d: &Detail) -> impl IntoView + use<> {
    let w = d.worker;
    let now = d.now_ms;
    let gpu = {
        let name = w.gpu();
        match w.gpu_count() {
            Reading::Value(0) if name.is_empty() => String::new(),
            Reading::Value(n) if name.is_empty() => format!("{n}×"),
            Reading::Value(n) => format!("{n}× {name}"),
            Reading::Odd(raw) => format!("? (the platform sent “{raw}”) {name}"),
        }
    };
    let replaced = match d.replaced {
        Some((id, known)) => worker_link(d, id, known),
        None => text(""),
    };
    view! {
        <dl class="insight-facts" data-testid="worker-fields">
            {field("Status", view! { <StatusBadge status=w.status.clone() /> }.into_any())}
            {field(
                "Detail status",
                view! { <DetailBadge detail=w.detail_status.clone() ended=crate::history::is_ended(w) /> }
                    .into_any(),
            )}
            {field("Worker id", text(&w.id))}
            {field("Device", text(&w.device_id))}
            {field("Device address", text(&w.device_public_address))}
            {field("Area", text(&w.area))}
            {field("Created", when(w.created_at, now))}
            {field("Launched", when(w.launch_at, now))}
            {field("Last served", when(w.last_serve_at, now))}
            {field("Deleted", when(w.deleted_at, now))}
            {field("Stop at (as sent)", text(&w.stop_at))}
            {field("Requests served", number(&w.success_count, u64::to_string))}
            {field("Requests failed", number(&w.failed_count, u64::to_string))}
            {field("Sessions", number(&w.session_number, u64::to_string))}
            {field("CPUs", number(&w.cpus, |n| format::cpus(*n)))}
            {field("Memory", number(&w.memory, |n| format::memory(*n)))}
            {field("GPU", text(&gpu))}
            {field("App id", text(&w.app_id))}
            {field("App revision", text(&w.app_revision))}
            {field("Replaced worker", replaced)}
            {field("User id", text(&w.user_id))}
            {field("Request id", text(&w.request_id))}
        </dl>
    }
}

fn lifecycle(d: &Detail) -> impl IntoView + use<> {
    let w = d.worker;
    let life = Lifecycle::of(w, d.now_ms);
    let ended = crate::history::is_ended(w);
    let step = |label: &'static str, t: Option<Timestamp>, note: Option<String>| {
        let reached = t.is_some();
        view! {
            <li class:reached=reached>
                <strong>{label}</strong>
                " "
                {when(t, d.now_ms)}
                {note.map(|n| view! { <span class="muted">{format!(" · {n}")}</span> })}
            </li>
        }
    };
    let cold = life
        .cold_start_ms
        .map(|ms| format!("cold start {}", format::duration(ms)));
    let idle = life.idle_ms.map(|ms| {
        if ended {
            format!("then idle {} until it ended", format::span(ms))
        } else {
            format!("idle for {}", format::span(ms))
        }
    });
    let end = w.deleted_at.or(life.stopped_at);
    let end_label = if w.deleted_at.is_some() {
        "Deleted"
    } else {
        "Stopped"
    };
    let end_step = if ended || end.is_some() {
        step(end_label, end, None).into_any()
    } else {
        view! {
            <li>
                <strong>"Still running"</strong>
            </li>
        }
        .into_any()
    };
    let counts = match (&w.success_count, &w.failed_count, life.failure_rate) {
        (Reading::Value(ok), Reading::Value(failed), Some(rate)) => format!(
            "{ok} requests served, {failed} failed: a failure rate of {:.1} %.",
            rate * 100.0
        ),
        (Reading::Value(0), Reading::Value(0), _) => "No requests served yet.".to_string(),
        _ => "Its request counts are not numbers the console can read.".to_string(),
    };
    let replaced_by = (!d.replaced_by.is_empty()).then(|| {
        view! {
            <p data-testid="replaced-by">
                "Replaced by "
                {d
                    .replaced_by
                    .iter()
                    .map(|id| view! { {worker_link(d, id, true)} " " })
                    .collect_view()}
            </p>
        }
    });
    let replaced = d.replaced.map(|(id, known)| {
        view! { <p data-testid="replaced">"It replaced " {worker_link(d, id, known)} "."</p> }
    });
    view! {
        <ol class="lifecycle" data-testid="lifecycle">
            {step("Created", w.created_at, None)}
            {step("Launched", w.launch_at, cold)}
            {step("Last served", w.last_serve_at, idle)}
            {end_step}
        </ol>
        <p data-testid="counts">{counts}</p>
        {replaced}
        {replaced_by}
    }
}

fn events(d: &Detail) -> impl IntoView + use<> {
    let body = match &d.events {
        Part::Shown((named, read)) if named.is_empty() => view! {
            <p data-testid="worker-events-none">
                {format!("None of the app's latest {read} events names this worker.")}
            </p>
        }
        .into_any(),
        Part::Shown((named, _)) => view! {
            <ul class="events" data-testid="worker-events">
                {named.iter().map(|e| crate::insight::render::event_item(e)).collect_view()}
            </ul>
        }
        .into_any(),
        Part::Failed(m) => {
            view! { <p class="banner banner-warn" role="alert" data-testid="worker-events-failed">{m.clone()}</p> }
                .into_any()
        }
        Part::NotServed(m) => view! { <p class="muted">{m.clone()}</p> }.into_any(),
    };
    view! {
        <section class="card insight-card insight-wide" aria-labelledby="worker-events-h">
            <h2 id="worker-events-h">"Events naming this worker"</h2>
            {body}
        </section>
    }
}

/// "Remove this worker…" through the worker page's confirmation, or why
/// not.
fn remove(d: &Detail) -> impl IntoView + use<> {
    let w = d.worker;
    let body = if d.found_in != FoundIn::Live || !crate::actions::removable(w) {
        view! {
            <p class="muted" data-testid="remove-off">
                "This worker has ended or is on its way out: there is nothing to remove."
            </p>
        }
        .into_any()
    } else if let Some(reason) = d.denied {
        view! {
            <p class="muted" data-testid="remove-off">
                {format!("Removing workers is off: {reason}")}
            </p>
        }
        .into_any()
    } else {
        let href = with_query(
            &workers_path(d.namespace, d.app),
            &format!("confirm=down&worker={}", encode(&w.id)),
        );
        let warning = crate::actions::removal_warning(w)
            .map(|m| view! { <span class="muted">{format!(" It is {m}.")}</span> });
        view! {
            <p>
                <a class="button button-danger" href=href data-testid="remove-worker">
                    "Remove this worker…"
                </a>
                {warning}
            </p>
        }
        .into_any()
    };
    view! {
        <section class="card insight-card" aria-labelledby="worker-remove-h">
            <h2 id="worker-remove-h">"Remove"</h2>
            {body}
        </section>
    }
}

/// The body of the page of a worker that was found.
pub fn found_html(d: &Detail) -> String {
    let paused = d.paused.then(|| {
        let resume = with_query(&workers_path(d.namespace, d.app), "confirm=resume");
        view! {
            <p class="banner banner-warn" role="status" data-testid="paused-banner">
                "This app is paused: no workers will start until it is resumed. "
                <a href=resume>"Resume app…"</a>
            </p>
        }
    });
    let read_at = Timestamp::from_unix_nanos(i128::from(d.now_ms) * 1_000_000);
    view! {
        {paused}
        <p class="lede" data-testid="found-in" data-found-in=match d.found_in {
            FoundIn::Live => "live",
            FoundIn::History { .. } => "history",
        }>
            {d.found_in.words()}
            {read_at.map(|t| view! { " Read at " <time datetime=format::machine(t)>{format::exact(t)}</time> "." })}
        </p>
        <div class="insight-cards">
            <section class="card insight-card" aria-labelledby="worker-life-h">
                <h2 id="worker-life-h">"Lifecycle"</h2>
                {lifecycle(d)}
            </section>
            {remove(d)}
            <section class="card insight-card insight-wide" aria-labelledby="worker-fields-h">
                <h2 id="worker-fields-h">"Fields"</h2>
                {fields(d)}
                <details class="raw-json">
                    <summary>"The platform's fields as JSON"</summary>
                    <pre class="mono raw-json-text" tabindex="0" aria-label="The worker as JSON" data-testid="worker-json">{super::model::as_json(d.worker)}</pre>
                </details>
            </section>
            {events(d)}
        </div>
    }
    .to_html()
}

/// The body of the page of a worker that is in neither list.
pub fn not_found_html(namespace: &str, app: &str, id: &str, days: u32) -> String {
    view! {
        <div class="banner banner-error" role="alert" data-testid="worker-not-found">
            <p>
                {format!(
                    "There is no worker {id:?} among the live workers of {app} in {namespace}, nor in its history of the last {days} days."
                )}
            </p>
            <p>
                "It may have ended longer ago, or the link may be mistyped. "
                <a href=workers_path(namespace, app)>{format!("Back to the workers of {app}")}</a>
            </p>
        </div>
    }
    .to_html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::WorkerStatus;

    fn detail<'a>(w: &'a Worker, events: Part<(Vec<&'a AppEvent>, usize)>) -> Detail<'a> {
        Detail {
            namespace: "ns",
            app: "app",
            worker: w,
            found_in: FoundIn::Live,
            replaced: None,
            replaced_by: Vec::new(),
            events,
            paused: false,
            denied: None,
            now_ms: 0,
        }
    }

    #[test]
    fn hostile_text_in_any_field_is_inert() {
        let w = Worker {
            id: "w1".into(),
            status: WorkerStatus::Running,
            area: "<script>alert(1)</script>".into(),
            app_revision: "\"><img src=x onerror=alert(2)>".into(),
            ..Default::default()
        };
        let ev = AppEvent {
            kind: "<b>X</b>".into(),
            message: "worker w1 <script>alert(3)</script>".into(),
            from: "<i>".into(),
            created_at: None,
        };
        let html = found_html(&detail(&w, Part::Shown((vec![&ev], 1))));
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>X"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn a_live_worker_offers_removal_and_an_ended_one_does_not() {
        let mut w = Worker {
            id: "w1".into(),
            status: WorkerStatus::Running,
            ..Default::default()
        };
        let html = found_html(&detail(&w, Part::Shown((Vec::new(), 0))));
        assert!(
            html.contains("/namespaces/ns/apps/app/workers?confirm=down&amp;worker=w1"),
            "{html}"
        );
        w.status = WorkerStatus::Terminated;
        let html = found_html(&detail(&w, Part::Shown((Vec::new(), 0))));
        assert!(!html.contains("confirm=down"), "{html}");
        assert!(html.contains("remove-off"), "{html}");
    }

    #[test]
    fn a_viewer_sees_removal_off_with_the_reason() {
        let w = Worker {
            id: "w1".into(),
            status: WorkerStatus::Running,
            ..Default::default()
        };
        let mut d = detail(&w, Part::Failed("The events could not be read: x".into()));
        d.denied = Some("you are signed in as a viewer.");
        let html = found_html(&d);
        assert!(!html.contains("confirm=down"), "{html}");
        assert!(html.contains("Removing workers is off: you are signed in as a viewer."));
        assert!(html.contains("worker-events-failed"), "{html}");
    }
}
