//! The simulator's HTTP face: the platform's paths, JSON shapes and casing,
//! gRPC-gateway style errors, zero values left out.

use std::{collections::HashMap, time::Duration};

use axum::{
    Extension, Json, Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, put},
};
use everai_api::{DetailStatus, Timestamp, WorkerStatus};
use serde_json::{Map, Value, json};

use crate::{
    Simulator,
    clock::Nanos,
    faults::Faults,
    scaler::Autoscaler,
    stats::Interval,
    world::{AppState, SimApp, SimError, WorkerView},
};

/// The largest count one scale request may ask for.
const MAX_COUNT: i64 = 10_000;

pub fn router(sim: Simulator) -> Router {
    let api = Router::new()
        .route("/api/apps/v1/apps", get(list_all_apps))
        .route("/api/apps/v1/namespaces/{ns}/apps", get(list_apps))
        // `{app}` is also `{app}:pause` and `{app}:resume`.
        .route(
            "/api/apps/v1/namespaces/{ns}/apps/{app}",
            get(get_app).post(pause_or_resume),
        )
        .route(
            "/api/apps/v1/namespaces/{ns}/apps/{app}/{verb}",
            get(app_read).post(scale),
        )
        .route_layer(middleware::from_fn_with_state(sim.clone(), inject_faults))
        .route_layer(middleware::from_fn_with_state(sim.clone(), count_calls));
    let control = Router::new()
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/calls", get(get_calls))
        .route("/_sim/apps/{ns}/{app}/launch", put(put_launch))
        .route("/_sim/apps/{ns}/{app}/scaling", put(put_scaling))
        .route("/_sim/apps/{ns}/{app}", put(put_fleet));
    api.merge(control)
        .fallback(|| async { grpc_error(StatusCode::NOT_FOUND, 5, "Not Found") })
        .layer(middleware::from_fn_with_state(sim.clone(), require_token))
        .layer(DefaultBodyLimit::max(64 << 10))
        .with_state(sim)
}

/// The kinds of API call, as counted (`GET /_sim/calls`) and as faults
/// may be aimed (`Faults::calls`).
pub const CALL_KINDS: [&str; 10] = [
    "list_apps",
    "get_app",
    "list_workers",
    "list_queue",
    "list_events",
    "request_statistic",
    "scale_up",
    "scale_down",
    "pause",
    "resume",
];

/// Which kind of API call a path is.
pub fn call_kind(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "apps", "v1", "apps"] | ["api", "apps", "v1", "namespaces", _, "apps"] => {
            "list_apps"
        }
        ["api", "apps", "v1", "namespaces", _, "apps", app] => {
            if app.ends_with(":pause") {
                "pause"
            } else if app.ends_with(":resume") {
                "resume"
            } else {
                "get_app"
            }
        }
        [.., "workers:scale-up"] => "scale_up",
        [.., "workers:scale-down"] => "scale_down",
        [.., "request_queues"] => "list_queue",
        [.., "events"] => "list_events",
        [.., "request_statistic"] => "request_statistic",
        _ => "list_workers",
    }
}

/// Counts every API call that passed the token check, faulty or not.
async fn count_calls(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let kind = call_kind(request.uri().path());
    let user = request
        .extensions()
        .get::<Caller>()
        .map_or("", |c| c.0.as_str())
        .to_string();
    sim.count_call(&user, kind);
    next.run(request).await
}

/// The user whose token a request carried (set by the token check).
#[derive(Clone)]
struct Caller(String);

/// `GET /_sim/calls`: the API calls received so far, by kind; with
/// `?user=NAME`, only those made with that user's token (the simulator's
/// own token belongs to `console`).
async fn get_calls(
    State(sim): State<Simulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    match query.get("user") {
        Some(user) => Json(json!(sim.calls_of(user))),
        None => Json(json!(sim.calls())),
    }
}

/// `{"code": …, "message": …, "details": []}` with the matching status.
fn grpc_error(status: StatusCode, code: u16, message: &str) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message, "details": [] })),
    )
        .into_response()
}

fn sim_error(err: SimError) -> Response {
    match err {
        SimError::NoSuchApp => grpc_error(StatusCode::NOT_FOUND, 5, "app not found"),
        SimError::NoSuchNamespace => grpc_error(StatusCode::NOT_FOUND, 5, "namespace not found"),
        SimError::BadRequest(m) => bad_request(&m),
        SimError::FailedPrecondition(m) => grpc_error(StatusCode::BAD_REQUEST, 9, &m),
    }
}

fn bad_request(message: &str) -> Response {
    grpc_error(StatusCode::BAD_REQUEST, 3, message)
}

async fn require_token(State(sim): State<Simulator>, mut request: Request, next: Next) -> Response {
    let user = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| sim.user_of(token));
    if let Some(user) = user {
        request.extensions_mut().insert(Caller(user));
    } else {
        return grpc_error(
            StatusCode::UNAUTHORIZED,
            16,
            "unauthenticated: missing or invalid bearer token",
        );
    }
    next.run(request).await
}

async fn inject_faults(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let decided = {
        let mut guard = sim.inner.faults.lock().expect("faults lock");
        let (faults, rng) = &mut *guard;
        let path = request.uri().path();
        if !faults.applies_to(path, call_kind(path)) {
            None
        } else {
            let error = rng.chance(faults.error_rate);
            let garble = if rng.chance(faults.truncate_rate) {
                Some(Garble::Truncate)
            } else if rng.chance(faults.html_rate) {
                Some(Garble::Html)
            } else {
                None
            };
            Some((faults.clone(), error, garble))
        }
    };
    let Some((faults, error, garble)) = decided else {
        return next.run(request).await;
    };
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if error {
        return injected_error(&faults);
    }
    let response = next.run(request).await;
    match garble {
        Some(kind) if response.status().is_success() => garble_response(response, kind).await,
        _ => response,
    }
}

fn injected_error(faults: &Faults) -> Response {
    let status =
        StatusCode::from_u16(faults.error_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = if status == StatusCode::BAD_GATEWAY {
        // What a proxy in front of the platform sends.
        (
            status,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response()
    } else {
        let code = match status.as_u16() {
            401 => 16,
            403 => 7,
            404 => 5,
            429 => 8,
            503 => 14,
            _ => 13,
        };
        grpc_error(status, code, "injected fault")
    };
    if let Some(secs) = faults.retry_after_secs
        && matches!(status.as_u16(), 429 | 503)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

#[derive(Clone, Copy)]
enum Garble {
    Truncate,
    Html,
}

async fn garble_response(response: Response, kind: Garble) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match kind {
        Garble::Truncate => Bytes::copy_from_slice(&bytes[..bytes.len() / 2]),
        Garble::Html => {
            parts
                .headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            Bytes::from_static(b"<html><body>Service temporarily unavailable</body></html>")
        }
    };
    Response::from_parts(parts, Body::from(body))
}

async fn get_faults(State(sim): State<Simulator>) -> Json<Faults> {
    Json(sim.inner.faults.lock().expect("faults lock").0.clone())
}

async fn put_faults(State(sim): State<Simulator>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_request(&format!("invalid faults: {e}")),
    };
    if let Err(e) = faults.validate() {
        return bad_request(&e);
    }
    sim.set_faults(faults.clone());
    Json(faults).into_response()
}

/// How an app's future launches go: `{"secs": [lo, hi], "failure": 0.1}`,
/// either field optional. Workers already created keep their fate.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LaunchSettings {
    secs: Option<(f64, f64)>,
    failure: Option<f64>,
}

async fn put_launch(
    State(sim): State<Simulator>,
    Path((ns, app)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let settings: LaunchSettings = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(&format!("invalid launch settings: {e}")),
    };
    if let Some((lo, hi)) = settings.secs
        && !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo <= hi && hi <= 3600.0)
    {
        return bad_request("secs must be [lo, hi] with 0 <= lo <= hi <= 3600");
    }
    if let Some(f) = settings.failure
        && !(0.0..=1.0).contains(&f)
    {
        return bad_request("failure must be between 0 and 1");
    }
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.tune_launch(&ns, &app, settings.secs, settings.failure, now) {
        Ok((secs, failure)) => {
            Json(json!({ "secs": [secs.0, secs.1], "failure": failure })).into_response()
        }
        Err(e) => sim_error(e),
    }
}

/// `PUT /_sim/apps/{ns}/{app}/scaling` with `{"pastMaxWorkers":
/// "refuse" | "cap" | "accept"}`: what the app's scale-ups past its
/// `maxWorkers` do from now on.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScalingSettings {
    past_max_workers: crate::world::PastMax,
}

async fn put_scaling(
    State(sim): State<Simulator>,
    Path((ns, app)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let settings: ScalingSettings = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(&format!("invalid scaling settings: {e}")),
    };
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.app_mut(&ns, &app) {
        Ok(a) => {
            a.past_max = settings.past_max_workers;
            Json(json!({ "pastMaxWorkers": a.past_max })).into_response()
        }
        Err(e) => sim_error(e),
    }
}

/// `PUT /_sim/apps/{ns}/{app}` with `{"live": N, "maxWorkers": M}`: an app
/// with N running workers (made or replaced), for big-app measurements.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FleetSettings {
    live: u64,
    max_workers: Option<u64>,
}

async fn put_fleet(
    State(sim): State<Simulator>,
    Path((ns, app)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let settings: FleetSettings = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(&format!("invalid fleet settings: {e}")),
    };
    if everai_api::Namespace::parse(&ns).is_err() || everai_api::AppName::parse(&app).is_err() {
        return bad_request("not a valid namespace or app name");
    }
    let max = settings.max_workers.unwrap_or(settings.live.max(1));
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.add_fleet(&ns, &app, settings.live, max, now) {
        Ok(made) => Json(json!({
            "namespace": ns,
            "app": app,
            "live": made.active_count(now),
            "maxWorkers": made.spec.max_workers,
        }))
        .into_response(),
        Err(e) => sim_error(e),
    }
}

fn time(n: Nanos) -> Value {
    Timestamp::from_unix_nanos(n as i128)
        .map(|t| Value::String(t.to_rfc3339()))
        .unwrap_or(Value::Null)
}

/// One worker, with zero and empty values left out like the platform does.
fn worker_json(w: &WorkerView) -> Value {
    let mut m = Map::new();
    let text = |m: &mut Map<String, Value>, key: &str, value: &str| {
        if !value.is_empty() {
            m.insert(key.into(), Value::String(value.into()));
        }
    };
    text(&mut m, "id", &w.id);
    text(&mut m, "deviceId", &w.device_id);
    if w.status != WorkerStatus::Unspecified {
        text(&mut m, "status", w.status.wire());
    }
    if w.detail_status != DetailStatus::Unspecified {
        text(&mut m, "detailStatus", w.detail_status.wire());
    }
    m.insert("createdAt".into(), time(w.created_at));
    for (key, value) in [
        ("launchAt", w.launch_at),
        ("lastServeAt", w.last_serve_at),
        ("deletedAt", w.deleted_at),
    ] {
        if let Some(t) = value {
            m.insert(key.into(), time(t));
        }
    }
    for (key, value) in [
        ("successCount", w.success_count),
        ("failedCount", w.failed_count),
        ("CPUs", w.cpus),
        ("memory", w.memory),
        ("GPUs", w.gpus),
    ] {
        if value != 0 {
            m.insert(key.into(), json!(value));
        }
    }
    text(&mut m, "GPUName", w.gpu_name.unwrap_or(""));
    text(&mut m, "appId", &w.app_id);
    text(&mut m, "appRevision", &w.revision);
    text(
        &mut m,
        "replaceWorkerId",
        w.replace_worker_id.as_deref().unwrap_or(""),
    );
    Value::Object(m)
}

/// One app as the platform's `V1App` has it: metadata, the spec (whose
/// `resource` the models require) and the status. Arguments of the builtin
/// autoscaler are strings, as the platform's `Commonv1Value` carries them.
fn app_json(app: &SimApp, now: Nanos) -> Value {
    let spec = &app.spec;
    let mut resource = Map::new();
    resource.insert("cpu".into(), json!(spec.cpus));
    resource.insert("memory".into(), json!(format!("{} MiB", spec.memory)));
    if let Some((model, count)) = spec.gpu {
        resource.insert("gpu".into(), json!(count));
        resource.insert("filters".into(), json!({ "gpu": [model] }));
    }
    // Zero counts are left out, as protobuf-JSON does.
    let mut status = Map::new();
    for (key, n) in [
        ("desiredWorker", app.active_count(now)),
        ("readyWorker", app.ready_count(now)),
    ] {
        if n != 0 {
            status.insert(key.into(), json!(n));
        }
    }
    let state = match app.state {
        AppState::Deployed => "STATUS_DEPLOYED",
        AppState::Paused => "STATUS_PAUSED",
    };
    status.insert("status".into(), json!(state));
    json!({
        "appV1alpha1": {
            "metadata": {
                "name": spec.name,
                "namespace": spec.namespace,
                "uid": app.app_id,
                "createdAt": time(app.created_at),
            },
            "spec": {
                "image": format!("registry.sim.invalid/{}/{}:{}", spec.namespace, spec.name, spec.revision),
                "port": 80,
                "resource": resource,
                "autoscaler": autoscaler_json(&spec.autoscaler),
            },
            "status": status,
        }
    })
}

/// The spec's `autoscaler` (`V1Autoscaler`). Arguments are strings, as the
/// platform's `Commonv1Value` carries them; a time-match decorator's rules
/// are arguments named `match(<cron>)` whose value is the prefix.
fn autoscaler_json(scaler: &Autoscaler) -> Value {
    let value = |v: &str| json!({ "value": v });
    match scaler {
        Autoscaler::Manual { default_workers } => {
            let mut manual = Map::new();
            if *default_workers != 0 {
                manual.insert("defaultWorkerNum".into(), json!(default_workers));
            }
            json!({ "manual": manual })
        }
        Autoscaler::Builtin {
            kind,
            arguments,
            time_match,
        } => {
            let values = [
                arguments.min_workers,
                arguments.max_workers,
                arguments.key,
                arguments.max_idle_time,
                arguments.scale_up_step,
            ];
            let args: Map<String, Value> = kind
                .argument_names()
                .iter()
                .zip(values)
                .map(|(name, v)| (name.to_string(), value(&v.to_string())))
                .collect();
            let mut builtin = json!({ "name": kind.name(), "arguments": args });
            if let Some(tm) = time_match {
                let mut decorator = Map::new();
                if let Some(zone) = &tm.timezone {
                    decorator.insert("timezone".into(), value(zone));
                }
                for (cron, prefix) in &tm.rules {
                    decorator.insert(format!("match({cron})"), value(prefix));
                }
                for (k, v) in &tm.data {
                    decorator.insert(k.clone(), value(v));
                }
                builtin["decorators"] = json!({
                    "arguments": [{ "name": "time-match", "arguments": decorator }],
                });
            }
            json!({ "scheduler": "queue", "builtin": builtin })
        }
    }
}

fn apps_reply(sim: &Simulator, namespace: Option<&str>) -> Response {
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.apps(namespace, now) {
        Ok(apps) => {
            let apps: Vec<Value> = apps.iter().map(|a| app_json(a, now)).collect();
            Json(json!({ "apps": apps })).into_response()
        }
        Err(e) => sim_error(e),
    }
}

async fn list_all_apps(State(sim): State<Simulator>) -> Response {
    apps_reply(&sim, None)
}

async fn list_apps(State(sim): State<Simulator>, Path(ns): Path<String>) -> Response {
    apps_reply(&sim, Some(&ns))
}

fn parse_bool(name: &str, raw: Option<&String>) -> Result<bool, String> {
    match raw.map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(format!("{name} must be true or false")),
    }
}

/// `GET …/apps/{app}`: the app (`V1App`).
async fn get_app(
    State(sim): State<Simulator>,
    Path((ns, app)): Path<(String, String)>,
) -> Response {
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.app_at(&ns, &app, now) {
        Ok(app) => Json(app_json(app, now)).into_response(),
        Err(e) => sim_error(e),
    }
}

/// `POST …/apps/{app}:pause` and `…:resume`, with an empty body; answer `{}`.
async fn pause_or_resume(
    State(sim): State<Simulator>,
    Path((ns, target)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    let done = if let Some(app) = target.strip_suffix(":pause") {
        world.pause(&ns, app, &caller.0, now)
    } else if let Some(app) = target.strip_suffix(":resume") {
        world.resume(&ns, app, &caller.0, now)
    } else {
        return grpc_error(StatusCode::NOT_IMPLEMENTED, 12, "Method Not Allowed");
    };
    match done {
        Ok(_) => Json(json!({})).into_response(),
        Err(e) => sim_error(e),
    }
}

/// `GET …/apps/{app}/workers`, `…/request_queues`, `…/events` and
/// `…/request_statistic`.
async fn app_read(
    State(sim): State<Simulator>,
    Path((ns, app, verb)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match verb.as_str() {
        "workers" => list_workers(&sim, &ns, &app, &query),
        "request_queues" => list_queue(&sim, &ns, &app),
        "events" => list_events(&sim, &ns, &app, &query),
        "request_statistic" => request_statistic(&sim, &ns, &app, &query),
        _ => grpc_error(StatusCode::NOT_FOUND, 5, "Not Found"),
    }
}

fn list_workers(sim: &Simulator, ns: &str, app: &str, query: &HashMap<String, String>) -> Response {
    let show_all = match parse_bool("showAll", query.get("showAll")) {
        Ok(b) => b,
        Err(m) => return bad_request(&m),
    };
    let recent_days = match query.get("recentDays").map(|d| d.parse::<u32>()) {
        None => 2,
        Some(Ok(d)) if d <= 3_650 => d,
        Some(_) => return bad_request("recentDays must be a whole number of days from 0 to 3650"),
    };
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.list(ns, app, show_all, recent_days, now) {
        Ok((workers, app)) => {
            let workers: Vec<Value> = workers.iter().map(worker_json).collect();
            let mut reply = Map::new();
            reply.insert("workers".into(), Value::Array(workers));
            let queued = app.queue_at(now).len();
            if queued > 0 {
                reply.insert("queueSize".into(), json!(queued));
            }
            for (key, at) in [
                ("lastScaleUpTime", app.last_scale_up),
                ("lastScaleDownDeleteTime", app.last_scale_down),
            ] {
                if let Some(at) = at {
                    reply.insert(key.into(), time(at));
                }
            }
            reply.insert("maxWorkers".into(), json!(app.max_workers_at(now)));
            Json(Value::Object(reply)).into_response()
        }
        Err(e) => sim_error(e),
    }
}

/// `{"requestStatistic": {"<bucket start, RFC 3339>": {"requestStatistics":
/// [{"userName", "totalRequest", "successRequest", "failedRequest"}]}}}`:
/// the requests the app's workers ended in `[startTime, endTime)` by
/// `interval`. The platform's models do not say what the map's key is; here
/// it is the start of the bucket (UTC), and buckets with no requests are left
/// out, as are zero counts (protobuf-JSON), so a quiet window is `{}`.
fn request_statistic(
    sim: &Simulator,
    ns: &str,
    app: &str,
    query: &HashMap<String, String>,
) -> Response {
    let instant = |key: &str| match query.get(key).map(|raw| Timestamp::parse(raw)) {
        Some(Some(t)) => Nanos::try_from(t.unix_nanos())
            .map_err(|_| format!("{key} is outside the times the simulator keeps")),
        Some(None) => Err(format!("{key} must be an RFC 3339 time")),
        None => Err(format!("{key} is required")),
    };
    let (from, to) = match (instant("startTime"), instant("endTime")) {
        (Ok(from), Ok(to)) if from <= to => (from, to),
        (Ok(_), Ok(_)) => return bad_request("startTime must not be after endTime"),
        (Err(m), _) | (_, Err(m)) => return bad_request(&m),
    };
    let Some(interval) = query.get("interval").and_then(|raw| Interval::parse(raw)) else {
        return bad_request("interval must be INTERVAL_HOUR, INTERVAL_DAY or INTERVAL_MOUTH");
    };
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    let app = match world.app_at(ns, app, now) {
        Ok(app) => app,
        Err(e) => return sim_error(e),
    };
    let mut buckets = Map::new();
    for (bucket, users) in app.request_statistic(from, to.min(now), interval) {
        let users: Vec<Value> = users
            .into_iter()
            .map(|u| {
                let mut item = Map::new();
                item.insert("userName".into(), json!(u.user));
                for (key, n) in [
                    ("totalRequest", u.succeeded + u.failed),
                    ("successRequest", u.succeeded),
                    ("failedRequest", u.failed),
                ] {
                    if n > 0 {
                        item.insert(key.into(), json!(n));
                    }
                }
                Value::Object(item)
            })
            .collect();
        if let Value::String(key) = time(bucket.start) {
            buckets.insert(key, json!({ "requestStatistics": users }));
        }
    }
    if buckets.is_empty() {
        return Json(json!({})).into_response();
    }
    Json(json!({ "requestStatistic": buckets })).into_response()
}

/// `{"queues": [{"index", "reason", "createAt"}]}`, oldest first. Index 0
/// is left out like every zero (the platform's CLI fills it back in), and
/// an empty queue is `{}`.
fn list_queue(sim: &Simulator, ns: &str, app: &str) -> Response {
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    let app = match world.app_at(ns, app, now) {
        Ok(app) => app,
        Err(e) => return sim_error(e),
    };
    let queues: Vec<Value> = app
        .queue_at(now)
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut item = Map::new();
            if i > 0 {
                item.insert("index".into(), json!(i));
            }
            item.insert("reason".into(), json!(q.reason.wire()));
            item.insert("createAt".into(), time(q.since));
            Value::Object(item)
        })
        .collect();
    if queues.is_empty() {
        return Json(json!({})).into_response();
    }
    Json(json!({ "queues": queues })).into_response()
}

/// The most events one page holds, and the page size when none is asked
/// for (the platform's models: "at most 50 … values above 1000 will be
/// coerced to 1000").
const EVENTS_MAX: i64 = 1_000;
const EVENTS_DEFAULT: i64 = 50;

/// `{"events": [{"type", "message", "from", "createdAt"}]}`: one page, of
/// `pageSize`, newest first unless `orderBy=OrderByAsc`. There is no next
/// page: the reply's model has no page token, so a `pageToken` is ignored.
fn list_events(sim: &Simulator, ns: &str, app: &str, query: &HashMap<String, String>) -> Response {
    let size = match query.get("pageSize").map(|s| s.trim().parse::<i64>()) {
        None | Some(Ok(0)) => EVENTS_DEFAULT,
        Some(Ok(n)) if n > 0 => n.min(EVENTS_MAX),
        Some(_) => return bad_request("pageSize must be a whole number, 0 or more"),
    };
    let ascending = match query.get("orderBy").map(String::as_str) {
        None | Some("") | Some("OrderByUnspecified") | Some("OrderByDesc") => false,
        Some("OrderByAsc") => true,
        Some(other) => {
            return bad_request(&format!(
                "orderBy: {other:?} is not OrderByUnspecified, OrderByAsc or OrderByDesc"
            ));
        }
    };
    let now = sim.inner.clock.now();
    let mut world = sim.inner.world.lock().expect("world lock");
    let app = match world.app_at(ns, app, now) {
        Ok(app) => app,
        Err(e) => return sim_error(e),
    };
    let mut events = app.events_at(now);
    if !ascending {
        events.reverse();
    }
    let events: Vec<Value> = events
        .iter()
        .take(size as usize)
        .map(|e| {
            json!({
                "type": e.kind.wire(),
                "message": e.message,
                "from": e.from,
                "createdAt": time(e.at),
            })
        })
        .collect();
    if events.is_empty() {
        return Json(json!({})).into_response();
    }
    Json(json!({ "events": events })).into_response()
}

/// A count from a request body: a string (as protobuf int64 is written) or
/// a number; anything else is an error naming the field.
fn count(body: &Value, field: &str) -> Result<Option<u64>, String> {
    let n = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    match n {
        None => Err(format!("{field} must be a whole number")),
        Some(n) if n < 1 => Err(format!("{field} must be at least 1")),
        Some(n) if n > MAX_COUNT => Err(format!("{field} must be at most {MAX_COUNT}")),
        Some(n) => Ok(Some(n as u64)),
    }
}

async fn scale(
    State(sim): State<Simulator>,
    Path((ns, app, verb)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !matches!(verb.as_str(), "workers:scale-up" | "workers:scale-down") {
        return grpc_error(StatusCode::NOT_FOUND, 5, "Not Found");
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/json"));
    if !is_json {
        return bad_request("the body must be JSON");
    }
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return bad_request("the body must be a JSON object"),
        }
    };
    let now = sim.inner.clock.now();
    if verb == "workers:scale-up" {
        let n = match count(&body, "scaleUpWorkersNum") {
            Ok(Some(n)) => n,
            Ok(None) => return bad_request("scaleUpWorkersNum is required"),
            Err(m) => return bad_request(&m),
        };
        let mut world = sim.inner.world.lock().expect("world lock");
        return match world.scale_up(&ns, &app, n, &caller.0, now) {
            Ok(ids) => Json(json!({ "workerIds": ids })).into_response(),
            Err(e) => sim_error(e),
        };
    }
    let n = match count(&body, "scaleDownWorkersNum") {
        Ok(n) => n,
        Err(m) => return bad_request(&m),
    };
    let ids: Vec<String> = match body.get("workerIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let ids: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            match ids {
                Some(ids) => ids,
                None => return bad_request("workerIds must be a list of strings"),
            }
        }
        Some(_) => return bad_request("workerIds must be a list of strings"),
    };
    let mut world = sim.inner.world.lock().expect("world lock");
    match world.scale_down(&ns, &app, n, &ids, &caller.0, now) {
        Ok(_) => Json(json!({})).into_response(),
        Err(e) => sim_error(e),
    }
}
