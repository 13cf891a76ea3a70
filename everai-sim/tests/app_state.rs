//! The app's state, queue, events, pause and resume, and the builtin
//! autoscaler, over HTTP and through the console's own client, on a
//! hand-moved clock.

use std::{net::SocketAddr, sync::Arc};

use everai_api::{
    ApiError, AppName, AppStatus, Client, ClientOptions, EventOrder, Namespace, QueueReason,
    ScalerSpec,
};
use everai_sim::{
    Simulator,
    clock::{MINUTE, ManualClock, Nanos, SECOND},
    faults::Faults,
    scaler::{Arguments, Autoscaler, Builtin},
    world::{AppSpec, World},
};
use secrecy::SecretString;
use serde_json::Value;

const TOKEN: &str = "sim-test-token";
const T0: Nanos = 1_790_000_000 * SECOND;

struct Harness {
    base: String,
    client: Client,
    clock: ManualClock,
}

fn spec(name: &str, autoscaler: Autoscaler) -> AppSpec {
    AppSpec {
        namespace: "default".into(),
        name: name.into(),
        gpu: None,
        cpus: 2,
        memory: 2048,
        revision: "v1".into(),
        max_workers: 4,
        launch_secs: (10.0, 10.0),
        launch_failure: 0.0,
        request_every_secs: 30.0,
        service_secs: (0.5, 0.5),
        request_failure: 0.0,
        session_share: 0.0,
        autoscaler,
    }
}

fn builtin(min: u64, max: u64) -> Autoscaler {
    Autoscaler::Builtin {
        kind: Builtin::Simple,
        arguments: Arguments {
            min_workers: min,
            max_workers: max,
            key: 2,
            max_idle_time: 120,
            scale_up_step: 2,
        },
        time_match: None,
    }
}

async fn start(apps: Vec<AppSpec>) -> Harness {
    let mut world = World::empty();
    // Created now: a builtin autoscaler has not acted yet.
    for (seed, spec) in apps.into_iter().enumerate() {
        world.add_app(spec, T0, seed as u64 + 1);
    }
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
    }
}

fn ns() -> Namespace {
    Namespace::parse("default").unwrap()
}
fn name(s: &str) -> AppName {
    AppName::parse(s).unwrap()
}

async fn get_json(h: &Harness, path: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", h.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn pause_stops_every_worker_and_resume_brings_the_default_back() {
    let h = start(vec![spec(
        "manual",
        Autoscaler::Manual { default_workers: 2 },
    )])
    .await;
    let app = name("manual");
    h.client.scale_up(&ns(), &app, 3).await.unwrap();
    h.clock.advance(MINUTE);
    let before = h.client.get_app(&ns(), &app).await.unwrap();
    assert_eq!(before.status, AppStatus::Deployed);
    assert_eq!((before.ready_workers, before.desired_workers), (3, 3));
    assert_eq!(before.autoscaler, ScalerSpec::Manual { default_workers: 2 });

    h.client.pause(&ns(), &app).await.unwrap();
    let paused = h.client.get_app(&ns(), &app).await.unwrap();
    assert_eq!(paused.status, AppStatus::Paused);
    assert_eq!((paused.ready_workers, paused.desired_workers), (0, 0));
    // A second pause is refused in words; so is scaling a paused app.
    let err = h.client.pause(&ns(), &app).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Upstream { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("already paused"), "{err}");
    assert!(h.client.scale_up(&ns(), &app, 1).await.is_err());

    // Once the workers are gone, requests wait undispatched.
    h.clock.advance(2 * MINUTE);
    assert!(
        h.client
            .list_workers(&ns(), &app, false, 2)
            .await
            .unwrap()
            .workers
            .is_empty()
    );
    let queue = h.client.list_queue(&ns(), &app).await.unwrap();
    assert!(!queue.is_empty());
    assert!(queue.iter().all(|q| q.reason == QueueReason::NotDispatch));
    let indices: Vec<u64> = queue.iter().map(|q| q.index).collect();
    assert_eq!(indices, (0..queue.len() as u64).collect::<Vec<_>>());

    h.client.resume(&ns(), &app).await.unwrap();
    let resumed = h.client.get_app(&ns(), &app).await.unwrap();
    assert_eq!(resumed.status, AppStatus::Deployed);
    assert_eq!(resumed.desired_workers, 2);
    h.clock.advance(MINUTE);
    assert_eq!(
        h.client.get_app(&ns(), &app).await.unwrap().ready_workers,
        2
    );
    let queue = h.client.list_queue(&ns(), &app).await.unwrap();
    assert!(
        queue.iter().all(|q| q.reason != QueueReason::NotDispatch),
        "{queue:?}"
    );

    // The feed, newest first: resume, pause, and the console's scale-up,
    // each from the user whose token asked.
    let page = h
        .client
        .list_events(&ns(), &app, 1_000, EventOrder::NewestFirst)
        .await
        .unwrap();
    assert!(!page.cut);
    let kinds: Vec<&str> = page.events.iter().map(|e| e.short_kind()).collect();
    let at = |k: &str| {
        kinds
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k} in {kinds:?}"))
    };
    assert!(at("APP_RESUMED") < at("APP_PAUSED"));
    assert!(at("APP_PAUSED") < at("SCALE_UP"));
    assert!(kinds.contains(&"WORKER_RUNNING") && kinds.contains(&"WORKER_TERMINATED"));
    for e in &page.events {
        if e.short_kind().starts_with("APP_") || e.short_kind() == "SCALE_UP" {
            assert_eq!(e.from, "console", "{e:?}");
        }
    }
    assert!(
        page.events
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );
}

#[tokio::test]
async fn events_come_one_page_at_a_time_with_bounds_in_words() {
    let h = start(vec![spec(
        "manual",
        Autoscaler::Manual { default_workers: 0 },
    )])
    .await;
    let app = name("manual");
    for _ in 0..4 {
        h.client.scale_up(&ns(), &app, 1).await.unwrap();
        h.clock.advance(MINUTE);
    }
    let page = h
        .client
        .list_events(&ns(), &app, 3, EventOrder::NewestFirst)
        .await
        .unwrap();
    assert_eq!(page.events.len(), 3);
    assert!(page.cut);
    // No pageSize: the platform's default of 50; oldest first when asked.
    let path = "/api/apps/v1/namespaces/default/apps/manual/events";
    let (status, all) = get_json(&h, path).await;
    assert_eq!(status, 200);
    let all = all["events"].as_array().unwrap();
    assert_eq!(all.len(), 8, "4 scale-ups and 4 workers running");
    let (_, asc) = get_json(&h, &format!("{path}?orderBy=OrderByAsc&pageSize=2")).await;
    assert_eq!(asc["events"][0]["type"], "EVENT_TYPE_SCALE_UP");
    assert_eq!(asc["events"].as_array().unwrap().len(), 2);
    let (_, big) = get_json(&h, &format!("{path}?pageSize=5000")).await;
    assert_eq!(big["events"].as_array().unwrap().len(), 8);
    for bad in ["orderBy=Sideways", "pageSize=-1", "pageSize=many"] {
        let (status, body) = get_json(&h, &format!("{path}?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["code"], 3, "{bad}");
    }
    // An app with no events answers `{}`, as protobuf leaves out empty lists.
    let h2 = start(vec![spec(
        "quiet",
        Autoscaler::Manual { default_workers: 0 },
    )])
    .await;
    let (_, empty) = get_json(&h2, "/api/apps/v1/namespaces/default/apps/quiet/events").await;
    assert_eq!(empty, serde_json::json!({}));
    let (_, q) = get_json(
        &h2,
        "/api/apps/v1/namespaces/default/apps/quiet/request_queues",
    )
    .await;
    assert_eq!(q, serde_json::json!({}));
}

#[tokio::test]
async fn requests_queue_behind_busy_workers_and_the_autoscaler_answers_the_queue() {
    let busy = AppSpec {
        // Each request keeps a worker busy far longer than the next one
        // takes to arrive.
        request_every_secs: 1.0,
        service_secs: (5.0, 5.0),
        max_workers: 3,
        ..spec("busy", builtin(1, 3))
    };
    let h = start(vec![busy]).await;
    let app = name("busy");
    // The autoscaler starts min_workers at once.
    h.clock.advance(20 * SECOND);
    let list = h.client.list_workers(&ns(), &app, false, 2).await.unwrap();
    assert_eq!(list.workers.len(), 1, "{list:?}");
    assert_eq!(list.max_workers.value(), Some(3));
    // Running, it falls behind: requests wait because it is busy.
    h.clock.advance(30 * SECOND);
    let queue = h.client.list_queue(&ns(), &app).await.unwrap();
    assert!(queue.len() > 2, "{queue:?}");
    assert!(queue.iter().all(|q| q.reason == QueueReason::WorkerBusy));
    let list = h.client.list_workers(&ns(), &app, false, 2).await.unwrap();
    assert_eq!(list.queue_size.value(), Some(queue.len() as u64));
    // Past max_queue_size it scales up by its step, up to max_workers, and
    // says why.
    h.clock.advance(2 * MINUTE);
    let list = h.client.list_workers(&ns(), &app, false, 2).await.unwrap();
    assert_eq!(list.workers.len(), 3);
    assert!(list.last_scale_up_time.is_some());
    let page = h
        .client
        .list_events(&ns(), &app, 100, EventOrder::NewestFirst)
        .await
        .unwrap();
    let ups: Vec<_> = page
        .events
        .iter()
        .filter(|e| e.short_kind() == "SCALE_UP")
        .collect();
    assert!(ups.iter().all(|e| e.from == "autoscaler"), "{ups:?}");
    assert!(
        ups.iter().any(|e| e.message.contains("max_queue_size 2")),
        "{ups:?}"
    );
    assert!(
        ups.iter()
            .any(|e| e.message.contains("below min_workers 1")),
        "{ups:?}"
    );
    let detail = h.client.get_app(&ns(), &app).await.unwrap();
    assert_eq!(detail.autoscaler.argument("max_workers"), Some(3));
    assert_eq!(detail.autoscaler.argument("max_queue_size"), Some(2));
}

#[tokio::test]
async fn the_autoscaler_removes_idle_workers_after_max_idle_time_keeping_min_workers() {
    let quiet = AppSpec {
        // Hardly any traffic: everyone goes idle.
        request_every_secs: 100_000.0,
        ..spec("quiet", builtin(1, 4))
    };
    let h = start(vec![quiet]).await;
    let app = name("quiet");
    h.clock.advance(20 * SECOND);
    h.client.scale_up(&ns(), &app, 2).await.unwrap();
    h.clock.advance(30 * SECOND);
    assert_eq!(
        h.client
            .list_workers(&ns(), &app, false, 2)
            .await
            .unwrap()
            .workers
            .len(),
        3
    );
    // Idle for 120 s after launching: two of the three go, one stays.
    h.clock.advance(3 * MINUTE);
    let list = h.client.list_workers(&ns(), &app, false, 2).await.unwrap();
    let running = list
        .workers
        .iter()
        .filter(|w| w.status == everai_api::WorkerStatus::Running)
        .count();
    assert_eq!(running, 1, "{list:?}");
    assert!(list.last_scale_down_delete_time.is_some());
    let page = h
        .client
        .list_events(&ns(), &app, 100, EventOrder::NewestFirst)
        .await
        .unwrap();
    let down = page
        .events
        .iter()
        .find(|e| e.short_kind() == "SCALE_DOWN")
        .expect("a scale-down");
    assert_eq!(down.from, "autoscaler");
    assert!(down.message.contains("max_idle_time 120 s"), "{down:?}");
}

#[tokio::test]
async fn a_fault_aimed_at_one_endpoint_leaves_the_others_answering() {
    let h = start(vec![spec(
        "manual",
        Autoscaler::Manual { default_workers: 1 },
    )])
    .await;
    let app = name("manual");
    let faults = Faults {
        error_rate: 1.0,
        error_status: 503,
        calls: vec!["list_queue".into(), "list_events".into()],
        ..Faults::default()
    };
    let res = reqwest::Client::new()
        .put(format!("{}/_sim/faults", h.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(matches!(
        h.client.list_queue(&ns(), &app).await.unwrap_err(),
        ApiError::Upstream { status: 503, .. }
    ));
    assert!(
        h.client
            .list_events(&ns(), &app, 10, EventOrder::NewestFirst)
            .await
            .is_err()
    );
    assert!(h.client.get_app(&ns(), &app).await.is_ok());
    assert!(h.client.list_workers(&ns(), &app, false, 2).await.is_ok());
}

#[tokio::test]
async fn an_unknown_app_is_404_on_every_new_endpoint() {
    let h = start(vec![spec(
        "manual",
        Autoscaler::Manual { default_workers: 1 },
    )])
    .await;
    let missing = name("missing");
    for err in [
        h.client.get_app(&ns(), &missing).await.unwrap_err(),
        h.client.list_queue(&ns(), &missing).await.unwrap_err(),
        h.client
            .list_events(&ns(), &missing, 10, EventOrder::NewestFirst)
            .await
            .unwrap_err(),
        h.client.pause(&ns(), &missing).await.unwrap_err(),
        h.client.resume(&ns(), &missing).await.unwrap_err(),
    ] {
        assert!(matches!(err, ApiError::NotFound), "{err:?}");
    }
}
