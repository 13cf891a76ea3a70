//! What a scale form post does, as plain server-side Rust: the origin
//! check, the form's fields, the person's role and allowance, the one-time
//! key (claimed in the store, see [`crate::action_log`]), the fresh read a
//! scale-down is checked against, the one platform call, the audit record,
//! and where to send the browser after. The server functions in
//! [`crate::server_fns::scale`] only hand it the request and apply its
//! answer.

use axum::http::{HeaderMap, header};
use everai_api::{AppName, Namespace, ScaleDown};

use crate::{
    action_log::Ran,
    actions::{
        ActionOutcome, ScaleRequest, ScaleResult, check_scale_up, is_action_key, parse_count,
        pick_by_ids,
    },
    auth::Identity,
    error::ConsoleError,
    filters::{WorkerQuery, with_query, workers_path},
    state::AppState,
};

/// What the form asks for, its field as posted (`None`: missing).
pub enum Ask<T = Option<String>> {
    Up {
        count: T,
    },
    Down {
        workers: T,
    },
    /// The emergency brake: `name` is the app's name as the person typed it.
    Pause {
        name: T,
    },
    Resume,
}

/// A scale form as posted: a missing field is `None`, and refused in
/// words by its name.
pub struct Form {
    pub namespace: Option<String>,
    pub app: Option<String>,
    pub key: Option<String>,
    pub view: String,
    pub ask: Ask,
}

/// The refusal of a form without `field`: not a form the console made.
fn missing(field: &str) -> ConsoleError {
    ConsoleError::BadForm(format!(
        "The form has no {field} field, so it was not made by the console; nothing was done. Open the app's worker page and start the action again."
    ))
}

/// Refuses requests that do not come from the console's own pages:
/// browsers send `Sec-Fetch-Site` and `Origin` with every form post, and
/// neither can be set by another site's page.
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), ConsoleError> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && site != "same-origin"
    {
        return Err(ConsoleError::CrossSite(format!(
            "the request came from a {site} page"
        )));
    }
    match text(header::ORIGIN.as_str()) {
        Some(origin) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            let origin_host = url::Url::parse(origin).ok().and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            });
            match origin_host {
                Some(o) if !host.is_empty() && o.eq_ignore_ascii_case(host) => Ok(()),
                _ => Err(ConsoleError::CrossSite(
                    "the request's Origin is not this console".into(),
                )),
            }
        }
        None if text("sec-fetch-site") == Some("same-origin") => Ok(()),
        None => Err(ConsoleError::CrossSite(
            "the request has no Origin header".into(),
        )),
    }
}

use crate::state::now_ms;
/// Handles a scale form posted with `headers` by `who`: checks, records,
/// claims the key, acts at most once, and returns where to send the
/// browser (the same view of the worker page with `action=<key>`). An
/// error is the answer, with its status ([`ConsoleError::status_code`]).
pub async fn scale(
    state: &AppState,
    headers: &HeaderMap,
    who: Option<Identity>,
    form: Form,
) -> Result<String, ConsoleError> {
    check_same_origin(headers).inspect_err(|e| {
        tracing::warn!(error = %e, "refused a cross-site scale request");
    })?;
    let field = |value: Option<String>, name: &str| value.ok_or_else(|| missing(name));
    let namespace = field(form.namespace, "namespace")?;
    let app = field(form.app, "app")?;
    let ask = match form.ask {
        Ask::Up { count } => Ask::Up {
            count: field(count, "count")?,
        },
        Ask::Down { workers } => Ask::Down {
            workers: field(workers, "workers")?,
        },
        Ask::Pause { name } => Ask::Pause {
            name: field(name, "confirm_name")?,
        },
        Ask::Resume => Ask::Resume,
    };
    let form_key = field(form.key, "key")?;
    let ns = Namespace::parse(namespace.trim())
        .map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    let app = AppName::parse(app.trim()).map_err(|e| ConsoleError::InvalidInput(e.to_string()))?;
    if !is_action_key(&form_key) {
        return Err(ConsoleError::InvalidInput(
            "This form has expired or was not made by the console; open the worker page and try again."
                .into(),
        ));
    }
    // The view to return to, rebuilt from its parts so that nothing
    // but the worker page's own filters can ride along.
    let view = {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(form.view.as_bytes())
            .into_owned()
            .collect();
        let (query, _) = WorkerQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        query.to_query_string()
    };

    let who = who.ok_or(ConsoleError::Internal)?;
    let audit = Audit {
        store: state.store.clone(),
        replica: state.replica.clone(),
        who,
    };
    // Whatever the browser sent: a viewer's post does nothing upstream,
    // and the attempt is on record.
    if let Err(reason) = audit.who.may_scale() {
        tracing::warn!(actor = %audit.who.actor, "refused a scale request from a viewer");
        let request = parse_ask(&ask, &app).unwrap_or_else(|(r, _)| r);
        record_rejection(
            &audit,
            &ns,
            &app,
            &request,
            &format!("not allowed: {reason}"),
        )
        .await;
        return Err(ConsoleError::NotAllowed(reason));
    }

    // A repeated post of the same form shows the first one's outcome
    // and costs nothing; a new action takes from the person's
    // allowance, which every replica shares.
    let store = state.store.clone();
    let database_down = |e: console_store::StoreError| {
        tracing::error!(error = %e, "the console's database failed before a scale action; nothing was sent");
        ConsoleError::Database
    };
    let seen = state
        .actions
        .outcome(&store, &form_key)
        .await
        .map_err(database_down)?
        .is_some();
    let actor = audit.who.actor.clone();
    // Whether this post took from the allowance (and gives it back if
    // another post of the form made the action).
    let mut took = false;
    if !seen {
        let taken = state
            .action_limit
            .take(&store, &actor, crate::limits::now_us())
            .await
            .map_err(database_down)?;
        // Refused, unless another post of this form has claimed it since
        // (a double click at the last of the allowance): that post is
        // acting, and this one joins it rather than say nothing happened.
        let claimed_since = taken.is_err()
            && state
                .actions
                .outcome(&store, &form_key)
                .await
                .map_err(database_down)?
                .is_some();
        took = taken.is_ok();
        if let Err(wait) = taken
            && !claimed_since
        {
            let retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::warn!(%actor, retry_after_secs, "scale actions rate limited");
            let request = parse_ask(&ask, &app).unwrap_or_else(|(r, _)| r);
            let reason =
                format!("rate limited: too many scale actions, next in {retry_after_secs} s");
            record_rejection(&audit, &ns, &app, &request, &reason).await;
            return Err(ConsoleError::TooManyActions { retry_after_secs });
        }
    }

    let key = form_key;
    let max_step = state.max_scale_step;
    let gateway = state.gateway.clone();
    let request_id = crate::error::RequestId::current().unwrap_or_default();
    let (namespace, app_name) = (ns.as_str().to_string(), app.as_str().to_string());
    let parsed = parse_ask(&ask, &app);
    let request = match &parsed {
        Ok(r) | Err((r, _)) => r.clone(),
    };
    let claim = attempt(&audit, &ns, &app, &request);
    let ran = state
        .actions
        .run_once(&store, &key, &claim, move |id| async move {
            let (result, at_ms) = act(&gateway, &audit, &id, &ns, &app, parsed, max_step).await;
            // At the time on record, so that every replica shows the
            // same outcome.
            let outcome = ActionOutcome {
                namespace: ns.as_str().to_string(),
                app: app.as_str().to_string(),
                request,
                result,
                at_ms,
            };
            tracing::info!(
                %request_id,
                namespace = %outcome.namespace,
                app = %outcome.app,
                request = ?outcome.request,
                result = ?outcome.result,
                "scale action"
            );
            outcome
        })
        .await;
    match ran {
        Ok(Ran::Acted(_)) => {}
        // Another post of this form made the action: this one took
        // nothing from the allowance after all.
        Ok(Ran::Joined(_)) => {
            if took && let Err(e) = state.action_limit.give_back(&store, &actor).await {
                tracing::warn!(error = %e, "could not give back a scale action's allowance");
            }
        }
        Err(e) => {
            if took {
                let _ = state.action_limit.give_back(&store, &actor).await;
            }
            return Err(database_down(e));
        }
    }

    let mut back = with_query(&workers_path(&namespace, &app_name), &view);
    back.push(if view.is_empty() { '?' } else { '&' });
    back.push_str("action=");
    back.push_str(&key);
    Ok(back)
}

/// Where and as whom an action is recorded.
pub struct Audit {
    pub store: console_store::Store,
    pub replica: String,
    pub who: Identity,
}

/// The audit record of `request`, before anything is done.
fn attempt(
    audit: &Audit,
    ns: &Namespace,
    app: &AppName,
    request: &ScaleRequest,
) -> console_store::Attempt {
    use console_store::Action;
    console_store::Attempt {
        started_ms: now_ms(),
        replica: audit.replica.clone(),
        actor: audit.who.actor.clone(),
        role: audit.who.role.as_str().to_string(),
        client_addr: audit.who.client_addr.clone(),
        namespace: ns.as_str().to_string(),
        app: app.as_str().to_string(),
        action: match request {
            ScaleRequest::Up { .. } => Action::Up,
            ScaleRequest::Down { .. } => Action::Down,
            ScaleRequest::Pause => Action::Pause,
            ScaleRequest::Resume => Action::Resume,
        },
        count: match request {
            ScaleRequest::Up { count } => Some(*count),
            _ => None,
        },
        worker_ids: match request {
            ScaleRequest::Down { worker_ids } => worker_ids.clone(),
            _ => Vec::new(),
        },
    }
}

/// Puts a refused attempt on record (best effort: the refusal stands
/// even if the record cannot be written).
async fn record_rejection(
    audit: &Audit,
    ns: &Namespace,
    app: &AppName,
    request: &ScaleRequest,
    reason: &str,
) {
    let completion = console_store::Completion {
        finished_ms: now_ms(),
        outcome: console_store::Outcome::Rejected,
        detail: reason.to_string(),
        new_ids: Vec::new(),
        upstream_status: None,
        duration_ms: None,
    };
    let written = match audit.store.begin(&attempt(audit, ns, app, request)).await {
        Ok(id) => audit.store.complete(&id, &completion).await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        tracing::error!(error = %e, "could not record a refused scale request");
    }
}

/// Reads the form's request; a bad one comes back with the reason.
fn parse_ask(ask: &Ask<String>, app: &AppName) -> Result<ScaleRequest, (ScaleRequest, String)> {
    match ask {
        // The name typed must be the app's, exactly (but for spaces around
        // it): a pause stops every worker.
        Ask::Pause { name } if name.trim() == app.as_str() => Ok(ScaleRequest::Pause),
        Ask::Pause { name } => {
            let shown: String = name.trim().chars().take(64).collect();
            Err((
                ScaleRequest::Pause,
                if shown.is_empty() {
                    format!(
                        "the app's name was not typed; type {} to pause it.",
                        app.as_str()
                    )
                } else {
                    format!(
                        "the name typed, {shown:?}, is not the app's ({}).",
                        app.as_str()
                    )
                },
            ))
        }
        Ask::Resume => Ok(ScaleRequest::Resume),
        Ask::Up { count } => parse_count(count)
            .map(|count| ScaleRequest::Up { count })
            .map_err(|reason| (ScaleRequest::Up { count: 0 }, reason)),
        Ask::Down { workers } => {
            let ids: Vec<String> = workers
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if ids.is_empty() {
                Err((
                    ScaleRequest::Down { worker_ids: ids },
                    "no workers were chosen.".into(),
                ))
            } else {
                Ok(ScaleRequest::Down { worker_ids: ids })
            }
        }
    }
}

/// Checks the attempt recorded as `id` against the app as it is now,
/// makes the one platform call, and completes the record; returns the
/// result and the time it was recorded. The record
/// was written (the key claimed) before: without one there is no call,
/// as an action nobody can account for is worse than none.
async fn act(
    gateway: &everai_api::Gateway,
    audit: &Audit,
    id: &str,
    ns: &Namespace,
    app: &AppName,
    parsed: Result<ScaleRequest, (ScaleRequest, String)>,
    max_step: u32,
) -> (ScaleResult, i64) {
    use console_store::{Completion, Outcome};

    let (result, upstream_status, duration_ms) = match parsed {
        Err((_, reason)) => (ScaleResult::Rejected { reason }, None, None),
        Ok(request) => {
            checked_call(
                gateway,
                audit.who.token.as_ref(),
                ns,
                app,
                &request,
                max_step,
            )
            .await
        }
    };
    let (outcome, detail, new_ids) = match &result {
        ScaleResult::Added { worker_ids } => (Outcome::Done, String::new(), worker_ids.clone()),
        ScaleResult::Removed | ScaleResult::Applied => (Outcome::Done, String::new(), Vec::new()),
        ScaleResult::Rejected { reason } => (Outcome::Rejected, reason.clone(), Vec::new()),
        ScaleResult::Failed { reason } => (Outcome::Failed, reason.clone(), Vec::new()),
        ScaleResult::Unknown { reason } => (Outcome::Unknown, reason.clone(), Vec::new()),
    };
    let completion = Completion {
        finished_ms: now_ms(),
        outcome,
        detail,
        new_ids,
        upstream_status,
        duration_ms,
    };
    if let Err(e) = audit.store.complete(id, &completion).await {
        // The record stays pending and is marked outcome unknown later;
        // this replica still shows the real outcome (it keeps it), the
        // others "in progress" until then.
        tracing::error!(error = %e, audit_id = %id, "could not complete the audit record");
    }
    (result, completion.finished_ms)
}

/// Checks a well-formed request against the app as it is now and makes
/// the platform call; returns the result with the scale call's HTTP
/// status and duration (none when it was not made).
async fn checked_call(
    gateway: &everai_api::Gateway,
    token: Option<&secrecy::SecretString>,
    ns: &Namespace,
    app: &AppName,
    request: &ScaleRequest,
    max_step: u32,
) -> (ScaleResult, Option<u16>, Option<i64>) {
    let rejected = |reason: String| (ScaleResult::Rejected { reason }, None, None);
    let (call, started) = match request {
        // Only the console's own step is checked: what a scale-up past
        // maxWorkers does is the platform's to decide and to say.
        ScaleRequest::Up { count } => match check_scale_up(*count, max_step) {
            Ok(count) => {
                let started = std::time::Instant::now();
                (
                    gateway.scale_up(token, ns, app, count).await.map(Some),
                    started,
                )
            }
            Err(reason) => return rejected(reason),
        },
        ScaleRequest::Down { worker_ids } => {
            // Which workers exist now, checked against a fresh read,
            // not one kept for viewers.
            gateway.forget(ns, app);
            let list = match gateway.list_workers(token, ns, app, false, 2).await {
                Ok(listed) => listed.list,
                Err(e) => {
                    let reason = ConsoleError::from_api(e, ns.as_str(), app.as_str()).to_string();
                    return (ScaleResult::Failed { reason }, None, None);
                }
            };
            if let Err(reason) = pick_by_ids(&list.workers, worker_ids) {
                return rejected(reason);
            }
            let body = ScaleDown {
                count: None,
                worker_ids: worker_ids.clone(),
            };
            let started = std::time::Instant::now();
            (
                gateway
                    .scale_down(token, ns, app, &body)
                    .await
                    .map(|()| None),
                started,
            )
        }
        // Whatever the app's state: what the platform says of a pause of
        // a paused app (or a resume of a running one) is shown as it came.
        ScaleRequest::Pause => {
            let started = std::time::Instant::now();
            (gateway.pause(token, ns, app).await.map(|()| None), started)
        }
        ScaleRequest::Resume => {
            let started = std::time::Instant::now();
            (gateway.resume(token, ns, app).await.map(|()| None), started)
        }
    };
    let duration_ms = Some(started.elapsed().as_millis() as i64);
    let done = match request {
        ScaleRequest::Pause | ScaleRequest::Resume => ScaleResult::Applied,
        _ => ScaleResult::Removed,
    };
    match call {
        Ok(Some(worker_ids)) => (ScaleResult::Added { worker_ids }, Some(200), duration_ms),
        Ok(None) => (done, Some(200), duration_ms),
        Err(e) => {
            let unknown = e.outcome_unknown();
            let status = e.status();
            let reason = ConsoleError::from_api(e, ns.as_str(), app.as_str()).to_string();
            let result = if unknown {
                ScaleResult::Unknown { reason }
            } else {
                ScaleResult::Failed { reason }
            };
            (result, status, duration_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::check_same_origin;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_the_consoles_own_pages_may_post() {
        let own = [
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ];
        assert!(check_same_origin(&headers(&own)).is_ok());
        assert!(
            check_same_origin(&headers(&[
                ("host", "console.example"),
                ("origin", "https://console.example"),
                ("sec-fetch-site", "same-origin"),
            ]))
            .is_ok()
        );
        assert!(
            check_same_origin(&headers(&[
                ("host", "console.example"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_ok()
        );
        for bad in [
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://evil.example"),
            ][..],
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3001"),
            ][..],
            &[("host", "127.0.0.1:3000"), ("origin", "null")][..],
            &[("host", "127.0.0.1:3000")][..],
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000"),
                ("sec-fetch-site", "cross-site"),
            ][..],
            &[("host", "127.0.0.1:3000"), ("sec-fetch-site", "same-site")][..],
        ] {
            let err = check_same_origin(&headers(bad)).unwrap_err();
            assert_eq!(err.status_code(), 403, "{bad:?}");
        }
    }
}
