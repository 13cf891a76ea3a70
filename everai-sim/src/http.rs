//! The simulator's HTTP face: the platform's paths, JSON shapes and casing,
//! gRPC-gateway style errors, zero values left out.

use std::{collections::HashMap, time::Duration};

use axum::{
    Json, Router,
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
    world::{SimApp, SimError, WorkerView},
};

/// The largest count one scale request may ask for.
const MAX_COUNT: i64 = 10_000;

pub fn router(sim: Simulator) -> Router {
    let api = Router::new()
        .route("/api/apps/v1/apps", get(list_all_apps))
        .route("/api/apps/v1/namespaces/{ns}/apps", get(list_apps))
        .route(
            "/api/apps/v1/namespaces/{ns}/apps/{app}/{verb}",
            get(list_workers).post(scale),
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

/// Counts every API call that passed the token check, faulty or not.
async fn count_calls(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let kind = if path == "/api/apps/v1/apps" || path.ends_with("/apps") {
        "list_apps"
    } else if path.ends_with(":scale-up") {
        "scale_up"
    } else if path.ends_with(":scale-down") {
        "scale_down"
    } else {
        "list_workers"
    };
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
        if !faults.applies_to(request.uri().path()) {
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
    let argument = |v: u64| json!({ "value": v.to_string() });
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
    status.insert("status".into(), json!("STATUS_DEPLOYED"));
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
                "autoscaler": {
                    "scheduler": "queue",
                    "builtin": {
                        "name": "simple",
                        "arguments": {
                            "min_workers": argument(0),
                            "max_workers": argument(spec.max_workers),
                            "max_queue_size": argument(1),
                            "max_idle_time": argument(120),
                            "scale_up_step": argument(1),
                        },
                    },
                },
            },
            "status": status,
        }
    })
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

async fn list_workers(
    State(sim): State<Simulator>,
    Path((ns, app, verb)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if verb != "workers" {
        return grpc_error(StatusCode::NOT_FOUND, 5, "Not Found");
    }
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
    match world.list(&ns, &app, show_all, recent_days, now) {
        Ok((workers, app)) => {
            let workers: Vec<Value> = workers.iter().map(worker_json).collect();
            Json(json!({ "workers": workers, "maxWorkers": app.spec.max_workers })).into_response()
        }
        Err(e) => sim_error(e),
    }
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
        return match world.scale_up(&ns, &app, n, now) {
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
    match world.scale_down(&ns, &app, n, &ids, now) {
        Ok(_) => Json(json!({})).into_response(),
        Err(e) => sim_error(e),
    }
}
