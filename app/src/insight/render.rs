//! The insight panels as HTML, rendered on the server (see decision
//! record 0006): the browser receives them as one piece of markup with each
//! read and puts it in place, so they cost the page's code nothing and read
//! the same with JavaScript off. Their only controls are links.

// Rendered to text on the server only: `into_any`'s cost in the wasm
// (decision record 0002) does not arise here.
#![allow(clippy::disallowed_methods)]

use leptos::prelude::*;

use super::model::{EventsView, Insight, Part, QueueView, StateView};
use crate::format;

/// The panels' HTML. `path` is the worker page's path and `query` the
/// address's other parameters, kept by the panels' links; `denied` says
/// why this person may not pause or resume the app, if so.
pub fn html(
    insight: &Insight,
    path: &str,
    query: &[(String, String)],
    denied: Option<&str>,
    now_ms: i64,
) -> String {
    let notes = (!insight.notes.is_empty()).then(|| {
        view! {
            <ul class="insight-notes" data-testid="insight-notes">
                {insight.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        {notes}
        <div class="insight-cards">
            {queue_card(&insight.queue)}
            {state_card(insight, path, query, denied, now_ms)}
            {events_card(&insight.events, path, query)}
        </div>
    }
    .to_html()
}

fn part_line<T>(part: &Part<T>, id: &'static str) -> Option<AnyView> {
    match part {
        Part::Shown(_) => None,
        Part::Failed(m) => Some(
            view! { <p class="banner banner-warn" role="alert" data-testid=format!("{id}-failed")>{m.clone()}</p> }
                .into_any(),
        ),
        Part::NotServed(m) => Some(
            view! { <p class="muted" data-testid=format!("{id}-not-served")>{m.clone()}</p> }.into_any(),
        ),
    }
}

fn queue_card(part: &Part<QueueView>) -> impl IntoView {
    let body = part.shown().map(|q| {
        if q.waiting == 0 {
            return view! { <p data-testid="queue-empty">"No requests are waiting."</p> }.into_any();
        }
        let oldest = q
            .oldest
            .clone()
            .map(|o| format!(", the oldest for {o}"))
            .unwrap_or_default();
        let lead = format!(
            "{} {} waiting{oldest}.",
            q.waiting,
            if q.waiting == 1 { "request is" } else { "requests are" }
        );
        view! {
            <p class="queue-lead" data-testid="queue-waiting">{lead}</p>
            <ul class="queue-reasons">
                {q
                    .reasons
                    .iter()
                    .map(|r| {
                        view! {
                            <li data-reason=r.raw.clone()>
                                <strong title=r.raw.clone()>{format!("{}: {}", r.label, r.count)}</strong>
                                " "
                                <span class="muted">{r.advice}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    });
    view! {
        <section class="card insight-card" data-testid="queue-panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading">"Request queue"</h2>
            {part_line(part, "queue")}
            {body}
        </section>
    }
}

fn time_cell(t: Option<everai_api::Timestamp>, now_ms: i64) -> AnyView {
    match t {
        Some(t) => view! {
            <time datetime=format::machine(t)>{format::exact(t)}</time>
            <span class="muted">{format!(" ({})", format::ago(t, now_ms))}</span>
        }
        .into_any(),
        None => view! { <span class="muted">"not said"</span> }.into_any(),
    }
}

/// The emergency brake: a link to the confirmation of a pause (or, for a
/// paused app, a resume), or why this person may not.
fn brake(
    insight: &Insight,
    path: &str,
    query: &[(String, String)],
    denied: Option<&str>,
) -> Option<AnyView> {
    let paused = insight.state.shown()?.paused;
    let (label, confirm) = if paused {
        ("Resume app…", "resume")
    } else {
        ("Pause app…", "pause")
    };
    Some(match denied {
        Some(reason) => view! {
            <p class="brake" data-testid="brake">
                <span class="button" aria-disabled="true" data-testid="brake-off">{label}</span>
                " "
                <span class="muted">{format!("You may not change apps here: {reason}")}</span>
            </p>
        }
        .into_any(),
        None => {
            let href = href_with(
                path,
                query,
                &["events", "action", "confirm", "count", "worker"],
                &[("confirm", confirm)],
            );
            let class = if paused {
                "button button-primary"
            } else {
                "button button-danger"
            };
            view! {
                <p class="brake" data-testid="brake">
                    <a class=class href=href data-testid=format!("brake-{confirm}")>{label}</a>
                </p>
            }
            .into_any()
        }
    })
}

fn state_card(
    insight: &Insight,
    path: &str,
    query: &[(String, String)],
    denied: Option<&str>,
    now_ms: i64,
) -> impl IntoView {
    let facts = &insight.facts;
    let state = insight.state.shown().map(|s: &StateView| {
        view! {
            <dt>"Status"</dt>
            <dd data-testid="app-status" title=s.status_raw.clone()>{s.status.clone()}</dd>
            <dt>"Workers"</dt>
            <dd data-testid="app-workers">{format!("{} ready of {} desired", s.ready, s.desired)}</dd>
            <dt>"Autoscaler"</dt>
            <dd data-testid="app-scaler">{s.scaler.clone()}</dd>
        }
    });
    let arguments = insight.state.shown().filter(|s| !s.arguments.is_empty()).map(|s| {
        view! {
            <table class="insight-args" data-testid="scaler-arguments">
                <caption class="visually-hidden">"The autoscaler's arguments"</caption>
                <thead><tr><th scope="col">"Argument"</th><th scope="col">"Value"</th><th scope="col">"Meaning"</th></tr></thead>
                <tbody>
                    {s
                        .arguments
                        .iter()
                        .map(|(k, v, m)| {
                            view! { <tr><th scope="row"><code>{k.clone()}</code></th><td>{v.clone()}</td><td class="muted">{*m}</td></tr> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
    });
    let overrides = insight
        .state
        .shown()
        .filter(|s| !s.overrides.is_empty())
        .map(|s| {
            view! {
                <p class="insight-sub">"Time-based overrides"</p>
                <ul data-testid="scaler-overrides">
                    {s.overrides.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}
                </ul>
            }
        });
    let max = facts
        .max_workers
        .map_or_else(|| "not said".to_string(), |m| m.to_string());
    let queue_size = facts
        .queue_size
        .map_or_else(|| "not said".to_string(), |q| q.to_string());
    view! {
        <section class="card insight-card" data-testid="app-state-panel" aria-labelledby="state-heading">
            <h2 id="state-heading">"App state and limits"</h2>
            {part_line(&insight.state, "app-state")}
            <dl class="insight-facts">
                {state}
                <dt>"maxWorkers"</dt>
                <dd data-testid="app-max-workers">{max}</dd>
                <dt>"queueSize"</dt>
                <dd data-testid="app-queue-size">{queue_size}</dd>
                <dt>"Last scale-up"</dt>
                <dd>{time_cell(facts.last_scale_up, now_ms)}</dd>
                <dt>"Last scale-down"</dt>
                <dd>{time_cell(facts.last_scale_down, now_ms)}</dd>
            </dl>
            {brake(insight, path, query, denied)}
            {(arguments.is_some() || overrides.is_some()).then(|| view! {
                <details class="insight-more" data-testid="scaler-details">
                    <summary>"The autoscaler's arguments"</summary>
                    {arguments}
                    {overrides}
                </details>
            })}
        </section>
    }
}

/// `path` with the address's parameters but those named in `drop`, and
/// `add` after them.
fn href_with(
    path: &str,
    query: &[(String, String)],
    drop: &[&str],
    add: &[(&str, &str)],
) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        if !drop.contains(&k.as_str()) {
            q.append_pair(k, v);
        }
    }
    for (k, v) in add {
        q.append_pair(k, v);
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// The worker page's address with `events` set to `kind` (or left out).
fn events_href(path: &str, query: &[(String, String)], kind: Option<&str>) -> String {
    let add: &[(&str, &str)] = match kind {
        Some(kind) => &[("events", kind)],
        None => &[],
    };
    href_with(path, query, &["events", "action"], add)
}

fn events_card(part: &Part<EventsView>, path: &str, query: &[(String, String)]) -> impl IntoView {
    let body = part.shown().map(|e| {
        let bad = e.bad_filter.clone().map(|b| {
            view! {
                <p class="banner banner-warn" role="status" data-testid="events-bad-filter">
                    {format!("“{b}” is not an event type (letters, digits and _ only), so every event is shown.")}
                </p>
            }
        });
        let cut = e.cut_at.map(|n| {
            view! {
                <p class="muted" data-testid="events-cut">
                    {format!("The latest {n} events are read here: older ones are on the history page.")}
                </p>
            }
        });
        let all_current = e.filter.is_none();
        let filters = (!e.kinds.is_empty()).then(|| {
            view! {
                <nav class="event-filter" aria-label="Event types" data-testid="event-filter">
                    <a href=events_href(path, query, None) aria-current=all_current.then_some("true")>"All"</a>
                    {e
                        .kinds
                        .iter()
                        .map(|(k, n)| {
                            let current = e.filter.as_deref() == Some(k.as_str());
                            view! {
                                " · "
                                <a href=events_href(path, query, Some(k)) aria-current=current.then_some("true")>
                                    {format!("{k} ({n})")}
                                </a>
                            }
                        })
                        .collect_view()}
                </nav>
            }
        });
        let rows = if e.rows.is_empty() {
            let text = match &e.filter {
                Some(f) => format!("No {f} events in the feed."),
                None => "The platform has no events for this app.".to_string(),
            };
            view! { <p data-testid="events-empty">{text}</p> }.into_any()
        } else {
            view! {
                <ol class="events" data-testid="events-list">
                    {e.rows.iter().map(event_item).collect_view()}
                </ol>
            }
            .into_any()
        };
        let more = (e.matching > e.rows.len()).then(|| {
            view! {
                <p class="muted" data-testid="events-more">
                    {format!("The latest {} of {} are shown; pick a type above to see the latest of that type.", e.rows.len(), e.matching)}
                </p>
            }
        });
        view! { {bad} {filters} {rows} {more} {cut} }
    });
    view! {
        <section class="card insight-card insight-wide" data-testid="events-panel" aria-labelledby="events-heading">
            <h2 id="events-heading">"Latest events"</h2>
            {part_line(part, "events")}
            {body}
        </section>
    }
}

/// One event: its time, type (the raw value on hover), source and message.
pub(crate) fn event_item(ev: &everai_api::AppEvent) -> impl IntoView + use<> {
    let at = ev
        .created_at
        .map(|t| view! { <time datetime=format::machine(t)>{format::exact(t)}</time> " · " });
    let from = (!ev.from.is_empty()).then(|| format!(" · from {}", ev.from));
    view! {
        <li class="event" data-type=ev.kind.clone()>
            <span class="event-head">
                {at}
                <strong title=ev.kind.clone()>{ev.short_kind().to_string()}</strong>
                <span class="muted">{from}</span>
            </span>
            <span class="event-message">{ev.message.clone()}</span>
        </li>
    }
}

/// The history page's events section.
/// The history page's two server-drawn cards: the requests card's body
/// (`crate::requests::render::html`) and the window's events.
pub fn history_cards(requests: &str, events: &Part<super::model::WindowEvents>) -> String {
    let events = history_html(events);
    view! {
        <section class="card history-card" aria-labelledby="requests" data-testid="history-requests">
            <h2 id="requests">"Requests"</h2>
            <div inner_html=requests.to_string()></div>
        </section>
        <section class="card history-card" aria-labelledby="events" data-testid="history-events">
            <h2 id="events">"Events"</h2>
            <div inner_html=events></div>
        </section>
    }
    .to_html()
}

fn history_html(part: &Part<super::model::WindowEvents>) -> String {
    let body = part.shown().map(|w| {
        if w.events.is_empty() {
            return view! { <p data-testid="history-events-empty">"No events in this window."</p> }.into_any();
        }
        let cut = w.cut_at.map(|n| {
            view! {
                <p class="muted" data-testid="history-events-cut">
                    {format!("The platform sent its latest {n} events, its most for one read, and they do not reach back to the window's start: older events of the window are missing.")}
                </p>
            }
        });
        view! {
            <p class="muted" data-testid="history-events-count">{format!("{} events in this window, newest first.", w.events.len())}</p>
            {cut}
            <div class="events-scroll" tabindex="0" role="region" aria-label="Events in this window">
                <ol class="events" data-testid="history-events-list">
                    {w.events.iter().map(event_item).collect_view()}
                </ol>
            </div>
        }
        .into_any()
    });
    view! { {part_line(part, "history-events")} {body} }.to_html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::model::{self, ListFacts};
    use everai_api::{AppEvent, EventPage};

    fn insight(message: &str) -> Insight {
        let page = EventPage {
            events: vec![AppEvent {
                kind: "EVENT_TYPE_<b>".into(),
                message: message.into(),
                from: "\"><script>x</script>".into(),
                created_at: None,
            }],
            cut: false,
        };
        Insight {
            state: Part::Failed("The app's state could not be read: <i>odd</i>".into()),
            facts: ListFacts {
                max_workers: None,
                queue_size: None,
                last_scale_up: None,
                last_scale_down: None,
                active: 0,
            },
            queue: Part::NotServed("not served".into()),
            events: Part::Shown(model::events_view(&page, Ok(None))),
            notes: vec!["<u>note</u>".into()],
        }
    }

    #[test]
    fn hostile_text_from_the_platform_is_inert() {
        let html = html(&insight("<img src=x onerror=alert(1)>"), "/p", &[], None, 0);
        for raw in ["<img", "<script", "<i>", "<u>", "<b>"] {
            assert!(!html.contains(raw), "{raw} in {html}");
        }
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains("data-testid=\"queue-not-served\""), "{html}");
        assert!(html.contains("data-testid=\"app-state-failed\""), "{html}");
    }

    #[test]
    fn event_type_links_keep_the_rest_of_the_address() {
        let query = [
            ("status".to_string(), "STATUS_RUNNING".to_string()),
            ("events".to_string(), "OLD".to_string()),
            ("action".to_string(), "k".to_string()),
            ("q".to_string(), "a b&c".to_string()),
        ];
        assert_eq!(
            events_href("/p", &query, Some("SCALE_UP")),
            "/p?status=STATUS_RUNNING&q=a+b%26c&events=SCALE_UP"
        );
        assert_eq!(events_href("/p", &[], None), "/p");
    }
}
