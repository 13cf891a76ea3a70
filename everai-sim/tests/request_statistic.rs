//! `GET …/apps/{name}/request_statistic` over HTTP: the same requests as
//! the workers' success and failure counts, grouped as asked, and refused
//! in words when asked wrongly.

use std::{net::SocketAddr, sync::Arc};

use everai_api::Timestamp;
use everai_sim::{
    Simulator,
    clock::{DAY, HOUR, ManualClock, Nanos, SECOND},
    world::demo_world,
};
use serde_json::Value;

const TOKEN: &str = "sim-test-token";
// 2026-12-06T21:37:00Z: not on an hour, as a real "now" is not.
const NOW: Nanos = 1_796_593_020 * SECOND;
const APP: &str = "/api/apps/v1/namespaces/default/apps/stable-diffusion";

async fn start() -> String {
    let clock = ManualClock::at(NOW);
    let sim = Simulator::new(demo_world(7, NOW), Arc::new(clock), TOKEN);
    let addr: SocketAddr = sim.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    format!("http://{addr}")
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn rfc3339(t: Nanos) -> String {
    Timestamp::from_unix_nanos(i128::from(t))
        .unwrap()
        .to_rfc3339()
}

fn stats_path(from: Nanos, to: Nanos, interval: &str) -> String {
    format!(
        "{APP}/request_statistic?startTime={}&endTime={}&interval={interval}",
        rfc3339(from),
        rfc3339(to)
    )
}

fn n(v: &Value, key: &str) -> u64 {
    v.get(key)
        .map_or(0, |n| n.as_u64().expect("a count is a number"))
}

/// One user's line of a bucket: `(user, total, succeeded, failed)`.
type UserLine = (String, u64, u64, u64);

/// `(bucket start, its users' lines)` of a reply.
fn buckets(reply: &Value) -> Vec<(Nanos, Vec<UserLine>)> {
    let Some(map) = reply.get("requestStatistic") else {
        assert_eq!(
            reply,
            &serde_json::json!({}),
            "no buckets is an empty reply"
        );
        return Vec::new();
    };
    map.as_object()
        .unwrap()
        .iter()
        .map(|(key, bucket)| {
            let start = Timestamp::parse(key)
                .expect("the key is a time")
                .unix_nanos() as Nanos;
            let users = bucket["requestStatistics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| {
                    (
                        u["userName"].as_str().unwrap().to_string(),
                        n(u, "totalRequest"),
                        n(u, "successRequest"),
                        n(u, "failedRequest"),
                    )
                })
                .collect();
            (start, users)
        })
        .collect()
}

#[tokio::test]
async fn the_statistics_are_the_requests_the_workers_counted() {
    let base = start().await;
    let (status, list) = get(
        &base,
        &format!("{APP}/workers?showAll=true&recentDays=3650"),
    )
    .await;
    assert_eq!(status, 200);
    let workers = list["workers"].as_array().unwrap();
    assert!(workers.len() > 10, "{}", workers.len());
    let counted = workers.iter().fold([0, 0], |[ok, failed], w| {
        [ok + n(w, "successCount"), failed + n(w, "failedCount")]
    });
    assert!(counted[0] > 1_000 && counted[1] > 0, "{counted:?}");

    let (status, reply) = get(&base, &stats_path(NOW - 60 * DAY, NOW, "INTERVAL_DAY")).await;
    assert_eq!(status, 200);
    let days = buckets(&reply);
    assert!(days.len() >= 20, "{}", days.len());
    let mut sums = [0, 0];
    let mut users = std::collections::BTreeSet::new();
    for (start, per_user) in &days {
        assert_eq!(start % DAY, 0, "a day starts at midnight UTC");
        for (user, total, ok, failed) in per_user {
            assert_eq!(*total, ok + failed);
            sums[0] += ok;
            sums[1] += failed;
            users.insert(user.clone());
        }
    }
    assert_eq!(sums, counted);
    assert_eq!(
        users.into_iter().collect::<Vec<_>>(),
        ["batch-render", "studio-web"],
        "this app's requests come from two users"
    );

    // By the hour over two days: on the hour, inside the window, and a part
    // of the same requests.
    let from = NOW - 2 * DAY;
    let (_, reply) = get(&base, &stats_path(from, NOW, "INTERVAL_HOUR")).await;
    let hours = buckets(&reply);
    assert!(hours.len() > 24, "{}", hours.len());
    assert!(
        hours
            .iter()
            .all(|(start, _)| start % HOUR == 0 && *start >= from - HOUR && *start < NOW)
    );
    let in_hours: u64 = hours.iter().flat_map(|(_, u)| u).map(|u| u.1).sum();
    let in_days: u64 = days
        .iter()
        .filter(|(start, _)| *start >= from - DAY)
        .flat_map(|(_, u)| u)
        .map(|u| u.1)
        .sum();
    assert!(in_hours > 0 && in_hours <= in_days, "{in_hours} {in_days}");

    // By the month ("MOUTH", as the platform's models spell it).
    let (status, reply) = get(&base, &stats_path(NOW - 60 * DAY, NOW, "INTERVAL_MOUTH")).await;
    assert_eq!(status, 200);
    let months = buckets(&reply);
    assert!(!months.is_empty() && months.len() <= 3);
    for (start, _) in &months {
        assert!(
            rfc3339(*start).ends_with("-01T00:00:00Z"),
            "{}",
            rfc3339(*start)
        );
    }
    let in_months: u64 = months.iter().flat_map(|(_, u)| u).map(|u| u.1).sum();
    assert_eq!(in_months, counted[0] + counted[1]);
}

#[tokio::test]
async fn a_quiet_window_is_empty_and_a_wrong_question_is_refused_in_words() {
    let base = start().await;
    let (status, reply) = get(
        &base,
        &stats_path(NOW - 400 * DAY, NOW - 300 * DAY, "INTERVAL_DAY"),
    )
    .await;
    assert_eq!((status, reply), (200, serde_json::json!({})));

    let refused = [
        (stats_path(NOW - DAY, NOW, "INTERVAL_MONTH"), "interval"),
        (
            format!(
                "{APP}/request_statistic?startTime=yesterday&endTime={}&interval=INTERVAL_DAY",
                rfc3339(NOW)
            ),
            "startTime",
        ),
        (
            format!(
                "{APP}/request_statistic?startTime={}&interval=INTERVAL_DAY",
                rfc3339(NOW)
            ),
            "endTime",
        ),
        (stats_path(NOW, NOW - DAY, "INTERVAL_HOUR"), "after"),
        (
            format!(
                "{APP}/request_statistic?startTime=0001-01-01T00:00:00Z&endTime={}&interval=INTERVAL_DAY",
                rfc3339(NOW)
            ),
            "outside the times",
        ),
    ];
    for (path, word) in refused {
        let (status, reply) = get(&base, &path).await;
        assert_eq!(status, 400, "{path}: {reply}");
        assert!(
            reply["message"].as_str().unwrap().contains(word),
            "{path}: {reply}"
        );
    }
    let (status, _) = get(&base, "/api/apps/v1/namespaces/default/apps/no-such-app/request_statistic?startTime=2026-12-01T00:00:00Z&endTime=2026-12-02T00:00:00Z&interval=INTERVAL_DAY").await;
    assert_eq!(status, 404);
}
