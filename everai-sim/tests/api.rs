//! The simulator over HTTP, driven by the console's own client and by raw
//! requests: paths, shapes, errors and the lifecycle on a hand-moved clock.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use everai_api::{
    ApiError, AppName, Client, ClientOptions, DetailStatus, Namespace, ScaleDown, WorkerStatus,
};
use everai_sim::{
    Simulator,
    clock::{DAY, ManualClock, Nanos, SECOND},
    faults::Faults,
    scaler::Autoscaler,
    world::{AppSpec, World},
};
use secrecy::SecretString;
use serde_json::{Value, json};

const TOKEN: &str = "sim-test-token";
const T0: Nanos = 1_790_000_000 * SECOND;

struct Harness {
    base: String,
    client: Client,
    clock: ManualClock,
    sim: Simulator,
}

async fn start() -> Harness {
    let mut world = World::empty();
    world.add_app(
        AppSpec {
            namespace: "default".into(),
            name: "gpu-app".into(),
            gpu: Some(("A100", 1)),
            cpus: 8,
            memory: 32_768,
            revision: "v3".into(),
            max_workers: 6,
            launch_secs: (20.0, 20.0),
            launch_failure: 0.0,
            request_every_secs: 5.0,
            service_secs: (2.0, 2.0),
            request_failure: 0.0,
            session_share: 0.0,
            autoscaler: Autoscaler::Manual { default_workers: 0 },
        },
        T0 - 10 * DAY,
        9,
    );
    let clock = ManualClock::at(T0);
    let sim = Simulator::new(world, Arc::new(clock.clone()), TOKEN);
    let addr: SocketAddr = sim.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{addr}");
    let client = Client::new(
        base.parse().unwrap(),
        SecretString::from(TOKEN),
        ClientOptions::default(),
    )
    .unwrap();
    Harness {
        base,
        client,
        clock,
        sim,
    }
}

fn ns() -> Namespace {
    Namespace::parse("default").unwrap()
}
fn app() -> AppName {
    AppName::parse("gpu-app").unwrap()
}

async fn raw(
    h: &Harness,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let mut req = http.request(method.parse().unwrap(), format!("{}{path}", h.base));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const WORKERS: &str = "/api/apps/v1/namespaces/default/apps/gpu-app/workers";

#[tokio::test]
async fn the_token_is_required() {
    let h = start().await;
    for token in [None, Some("wrong")] {
        let (status, body) = raw(&h, "GET", WORKERS, token, None).await;
        assert_eq!(status, 401);
        assert_eq!(body["code"], 16);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("unauthenticated")
        );
    }
    let (status, _) = raw(&h, "GET", WORKERS, Some(TOKEN), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_scaled_up_worker_comes_up_and_zero_fields_are_left_out() {
    let h = start().await;
    let ids = h.client.scale_up(&ns(), &app(), 2).await.unwrap();
    assert_eq!(ids.len(), 2);

    let (_, body) = raw(
        &h,
        "GET",
        &format!("{WORKERS}?showAll=false&recentDays=2"),
        Some(TOKEN),
        None,
    )
    .await;
    let first = &body["workers"][0];
    assert_eq!(first["status"], "STATUS_CREATED");
    assert_eq!(first["detailStatus"], "DETAIL_STATUS_IN_FLIGHT");
    assert_eq!(first["CPUs"], 8);
    assert_eq!(first["GPUName"], "A100");
    // Not launched, never served: those fields are absent, not zero.
    for absent in [
        "launchAt",
        "lastServeAt",
        "successCount",
        "failedCount",
        "deletedAt",
    ] {
        assert!(first.get(absent).is_none(), "{absent} present: {first}");
    }
    assert_eq!(body["maxWorkers"], 6);

    h.clock.advance(21 * SECOND);
    let list = h
        .client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    assert_eq!(list.workers.len(), 2);
    for w in &list.workers {
        assert_eq!(w.status, WorkerStatus::Running);
        assert!(w.launch_at.is_some());
        assert_eq!(w.cold_start(), Some(time::Duration::seconds(20)));
    }

    h.clock.advance(300 * SECOND);
    let list = h
        .client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    assert!(
        list.workers
            .iter()
            .all(|w| w.success_count.value() > Some(0) && w.last_serve_at.is_some())
    );
}

#[tokio::test]
async fn scaling_down_chosen_workers_leaves_them_in_history() {
    let h = start().await;
    let ids = h.client.scale_up(&ns(), &app(), 3).await.unwrap();
    h.clock.advance(30 * SECOND);
    let pick = vec![ids[0].clone(), ids[2].clone()];
    h.client
        .scale_down(
            &ns(),
            &app(),
            &ScaleDown {
                count: None,
                worker_ids: pick.clone(),
            },
        )
        .await
        .unwrap();
    let list = h
        .client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    let going: Vec<_> = list
        .workers
        .iter()
        .filter(|w| pick.contains(&w.id))
        .collect();
    assert_eq!(going.len(), 2);
    assert!(
        going
            .iter()
            .all(|w| w.status == WorkerStatus::Terminating
                && w.detail_status == DetailStatus::Remove)
    );

    h.clock.advance(10 * SECOND);
    let live = h
        .client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    assert_eq!(live.workers.len(), 1);
    assert_eq!(live.workers[0].id, ids[1]);
    let all = h.client.list_workers(&ns(), &app(), true, 2).await.unwrap();
    let gone: Vec<_> = all
        .workers
        .iter()
        .filter(|w| pick.contains(&w.id))
        .collect();
    assert!(
        gone.iter()
            .all(|w| w.status == WorkerStatus::Terminated && w.deleted_at.is_some())
    );
}

#[tokio::test]
async fn bad_bodies_get_400_with_a_reason() {
    let h = start().await;
    let up = format!("{WORKERS}:scale-up");
    let down = format!("{WORKERS}:scale-down");
    for (path, body, want) in [
        (&up, r#"{"scaleUpWorkersNum":"abc"}"#, "whole number"),
        (&up, r#"{"scaleUpWorkersNum":"-1"}"#, "at least 1"),
        (&up, r#"{"scaleUpWorkersNum":0}"#, "at least 1"),
        (&up, r#"{"scaleUpWorkersNum":"100000"}"#, "at most"),
        (&up, r#"{"scaleUpWorkersNum":"7"}"#, "maxWorkers"),
        (&up, r#"{}"#, "required"),
        (&up, "not json", "JSON object"),
        (&down, r#"{"workerIds":["nope"]}"#, "nope"),
        (&down, r#"{"workerIds":"nope"}"#, "list of strings"),
        (&down, r#"{}"#, "scaleDownWorkersNum, workerIds"),
        (&down, r#"{"scaleDownWorkersNum":"1"}"#, "exceeds"),
    ] {
        let (status, reply) = raw(&h, "POST", path, Some(TOKEN), Some(body)).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["code"], 3);
        let message = reply["message"].as_str().unwrap();
        assert!(message.contains(want), "{body}: {message}");
    }
    // Nothing was started by any of that.
    let list = h
        .client
        .list_workers(&ns(), &app(), true, 30)
        .await
        .unwrap();
    assert!(list.workers.is_empty());
}

#[tokio::test]
async fn unknown_apps_and_namespaces_are_404() {
    let h = start().await;
    let missing = AppName::parse("missing").unwrap();
    assert_eq!(
        h.client
            .list_workers(&ns(), &missing, false, 2)
            .await
            .unwrap_err(),
        ApiError::NotFound
    );
    assert_eq!(
        h.client.scale_up(&ns(), &missing, 1).await.unwrap_err(),
        ApiError::NotFound
    );
    let other = Namespace::parse("other").unwrap();
    assert_eq!(
        h.client.list_apps(&other).await.unwrap_err(),
        ApiError::NotFound
    );
    let (status, body) = raw(&h, "GET", "/api/apps/v1/nothing/here", Some(TOKEN), None).await;
    assert_eq!((status, body["code"].clone()), (404, json!(5)));
}

#[tokio::test]
async fn apps_are_listed_with_ready_and_desired_workers() {
    let h = start().await;
    h.client.scale_up(&ns(), &app(), 2).await.unwrap();
    h.clock.advance(25 * SECOND);
    h.client.scale_up(&ns(), &app(), 1).await.unwrap();
    let apps = h.client.list_apps(&ns()).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].name, "gpu-app");
    assert_eq!((apps[0].desired_workers, apps[0].ready_workers), (3, 2));
}

#[tokio::test]
async fn bad_query_values_get_400() {
    let h = start().await;
    for q in ["showAll=maybe", "recentDays=-1", "recentDays=two"] {
        let (status, _) = raw(&h, "GET", &format!("{WORKERS}?{q}"), Some(TOKEN), None).await;
        assert_eq!(status, 400, "{q}");
    }
}

#[tokio::test]
async fn injected_faults_reach_the_client_as_specific_errors() {
    let h = start().await;
    h.sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: 429,
        retry_after_secs: Some(3),
        ..Faults::default()
    });
    assert_eq!(
        h.client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err(),
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        }
    );
    h.sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: 502,
        ..Faults::default()
    });
    assert_eq!(
        h.client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err(),
        ApiError::Upstream {
            status: 502,
            message: None
        }
    );
    h.sim.set_faults(Faults {
        truncate_rate: 1.0,
        ..Faults::default()
    });
    assert!(matches!(
        h.client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err(),
        ApiError::Malformed(_)
    ));
    h.sim.set_faults(Faults::default());
    assert!(h.client.list_workers(&ns(), &app(), false, 2).await.is_ok());
}

#[tokio::test]
async fn faults_can_be_set_over_http_and_are_checked() {
    let h = start().await;
    let (status, _) = raw(
        &h,
        "PUT",
        "/_sim/faults",
        Some(TOKEN),
        Some(r#"{"error_rate":2}"#),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = raw(&h, "PUT", "/_sim/faults", None, Some(r#"{"error_rate":1}"#)).await;
    assert_eq!(status, 401);
    let (status, body) = raw(
        &h,
        "PUT",
        "/_sim/faults",
        Some(TOKEN),
        Some(r#"{"error_rate":1,"error_status":500}"#),
    )
    .await;
    assert_eq!((status, body["error_status"].clone()), (200, json!(500)));
    assert!(matches!(
        h.client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err(),
        ApiError::Upstream { status: 500, .. }
    ));
}

#[tokio::test]
async fn faults_scoped_to_an_app_leave_the_others_alone() {
    let mut world = World::empty();
    for name in ["gpu-app", "other-app"] {
        world.add_app(
            AppSpec {
                namespace: "default".into(),
                name: name.into(),
                gpu: None,
                cpus: 1,
                memory: 1024,
                revision: "v1".into(),
                max_workers: 4,
                launch_secs: (5.0, 5.0),
                launch_failure: 0.0,
                request_every_secs: 5.0,
                service_secs: (1.0, 1.0),
                request_failure: 0.0,
                session_share: 0.0,
                autoscaler: Autoscaler::Manual { default_workers: 0 },
            },
            T0 - DAY,
            3,
        );
    }
    let sim = Simulator::new(world, Arc::new(ManualClock::at(T0)), TOKEN);
    let addr: SocketAddr = sim.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = Client::new(
        format!("http://{addr}").parse().unwrap(),
        SecretString::from(TOKEN),
        ClientOptions::default(),
    )
    .unwrap();
    sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: 500,
        apps: vec!["default/gpu-app".into()],
        ..Faults::default()
    });
    let other = AppName::parse("other-app").unwrap();
    assert!(matches!(
        client
            .list_workers(&ns(), &app(), false, 2)
            .await
            .unwrap_err(),
        ApiError::Upstream { status: 500, .. }
    ));
    assert!(client.list_workers(&ns(), &other, false, 2).await.is_ok());
    assert!(client.list_apps(&ns()).await.is_ok());
}

#[tokio::test]
async fn launches_can_be_tuned_per_app_over_http() {
    let h = start().await;
    let path = "/_sim/apps/default/gpu-app/launch";
    for bad in [
        r#"{"secs":[5,1]}"#,
        r#"{"secs":[-1,1]}"#,
        r#"{"failure":1.5}"#,
        r#"{"typo":1}"#,
    ] {
        let (status, _) = raw(&h, "PUT", path, Some(TOKEN), Some(bad)).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = raw(&h, "PUT", path, None, Some(r#"{"failure":0}"#)).await;
    assert_eq!(status, 401);
    let (status, _) = raw(
        &h,
        "PUT",
        "/_sim/apps/default/no-such-app/launch",
        Some(TOKEN),
        Some(r#"{"failure":0}"#),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = raw(&h, "PUT", path, Some(TOKEN), Some(r#"{"secs":[1,1]}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "secs": [1.0, 1.0], "failure": 0.0 }));
    // A worker started now runs one (simulated) second later, not twenty.
    let ids = h.client.scale_up(&ns(), &app(), 1).await.unwrap();
    h.clock.advance(2 * SECOND);
    let list = h
        .client
        .list_workers(&ns(), &app(), false, 2)
        .await
        .unwrap();
    let started = list.workers.iter().find(|w| w.id == ids[0]).unwrap();
    assert_eq!(started.status, WorkerStatus::Running);
}

#[tokio::test]
async fn each_person_may_have_their_own_token() {
    let h = start().await;
    let ana = Client::new(
        h.base.parse().unwrap(),
        SecretString::from("tok-ana"),
        ClientOptions::default(),
    )
    .unwrap();
    assert!(matches!(
        ana.list_workers(&ns(), &app(), false, 2).await.unwrap_err(),
        ApiError::Unauthorized
    ));
    h.sim.add_user("ana", "tok-ana");
    assert!(ana.list_workers(&ns(), &app(), false, 2).await.is_ok());
    // The first token still works.
    assert!(h.client.list_workers(&ns(), &app(), false, 2).await.is_ok());
}

#[tokio::test]
async fn a_fleet_app_of_any_size_can_be_made_over_http() {
    let h = start().await;
    let path = "/_sim/apps/bench/fleet";
    for bad in [
        r#"{"live":20001}"#,
        r#"{"live":10,"maxWorkers":5}"#,
        r#"{"live":-1}"#,
        r#"{"typo":1}"#,
    ] {
        let (status, _) = raw(&h, "PUT", path, Some(TOKEN), Some(bad)).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = raw(
        &h,
        "PUT",
        "/_sim/apps/-bad-/fleet",
        Some(TOKEN),
        Some(r#"{"live":1}"#),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = raw(&h, "PUT", path, None, Some(r#"{"live":1}"#)).await;
    assert_eq!(status, 401);
    let (status, body) = raw(&h, "PUT", path, Some(TOKEN), Some(r#"{"live":1500}"#)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["live"], 1500);
    let (ns, fleet) = (
        Namespace::parse("bench").unwrap(),
        AppName::parse("fleet").unwrap(),
    );
    let list = h.client.list_workers(&ns, &fleet, false, 2).await.unwrap();
    assert_eq!(list.workers.len(), 1500);
    assert_eq!(list.max_workers, 1500.into());
    let ids: std::collections::HashSet<_> = list.workers.iter().map(|w| &w.id).collect();
    assert_eq!(ids.len(), 1500, "worker ids are distinct");
    assert!(list.workers.iter().all(|w| w.status.is_live()));
    // Made again smaller: replaced, not added to.
    let (status, _) = raw(
        &h,
        "PUT",
        path,
        Some(TOKEN),
        Some(r#"{"live":3,"maxWorkers":9}"#),
    )
    .await;
    assert_eq!(status, 200);
    let list = h.client.list_workers(&ns, &fleet, false, 2).await.unwrap();
    assert_eq!((list.workers.len(), list.max_workers), (3, 9.into()));
}
