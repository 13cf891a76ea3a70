//! Which app to look at first: the start page's apps, each with what an
//! on-call person must know about it, those in trouble first.
//!
//! What counts as trouble, and why each is read where it is:
//! - **Paused**, or in a state other than deployed: from the list of apps.
//! - **Fewer workers ready than desired** (none at all is worse): from the
//!   list of apps.
//! - **Requests waiting**: the app's request queue (`request_queues`),
//!   when the oldest has waited [`WAIT_NOTED_MS`] or more (or its arrival
//!   is not known): a request served within a refresh is not trouble.
//! - **Failed workers lately**: workers in `STATUS_ERROR` created in the
//!   last hour (the day's count said beside them; a failure now and then
//!   is replaced by the platform and is not trouble), from the worker list
//!   with `showAll` and a one-day window
//!   (the seed: `showAll` "also shows workers that were deleted or
//!   failed"; the live list leaves them out). Event types are not used:
//!   the platform's models leave them free text.
//!
//! The reads ([`check`], server only) go through the gateway's shared,
//! kept reads, a few apps at a time and all within [`CHECK_WAIT`], so a
//! slow platform costs the page a line per app, not the page.

use everai_api::{AppStatus, AppSummary};
use serde::{Deserialize, Serialize};

/// How long the oldest request must have waited for the queue to be
/// trouble: the worker page's refresh interval.
pub const WAIT_NOTED_MS: i64 = 5_000;

/// One app and what is wrong with it, if anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppCheck {
    pub app: AppSummary,
    /// Most pressing first.
    pub troubles: Vec<Trouble>,
    /// What could not be read about it, in words: the app is not said to be
    /// fine when it was not looked at.
    pub unread: Vec<String>,
}

/// Something about an app that an on-call person must look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Trouble {
    /// Requests wait in the app's queue.
    Waiting {
        requests: u64,
        /// How long the oldest has waited, in words, when its arrival is
        /// known.
        oldest: Option<String>,
    },
    /// Workers are desired and none is ready.
    NoneReady {
        desired: u64,
    },
    /// Some desired workers are not ready.
    Short {
        ready: u64,
        desired: u64,
    },
    /// Workers that failed (`STATUS_ERROR`) in the last hour, and in the
    /// last day.
    Failed {
        last_hour: u64,
        last_day: u64,
    },
    Paused,
    /// Terminating, deleted, unspecified or a state the console does not
    /// know: its label.
    State(String),
}

impl Trouble {
    /// How big it is among troubles of its kind: requests waiting, workers
    /// missing, failures in the hour.
    fn size(&self) -> u64 {
        match self {
            Trouble::Waiting { requests, .. } => *requests,
            Trouble::NoneReady { desired } => *desired,
            Trouble::Short { ready, desired } => desired.saturating_sub(*ready),
            Trouble::Failed { last_hour, .. } => *last_hour,
            Trouble::State(_) | Trouble::Paused => 0,
        }
    }

    /// How pressing it is: requests already waiting first.
    fn weight(&self) -> u8 {
        match self {
            Trouble::Waiting { .. } => 6,
            Trouble::NoneReady { .. } => 5,
            Trouble::Failed { .. } => 4,
            Trouble::Short { .. } => 3,
            Trouble::State(_) => 2,
            Trouble::Paused => 1,
        }
    }

    /// The trouble in words an on-call person acts on.
    pub fn text(&self) -> String {
        match self {
            Trouble::Waiting { requests, oldest } => {
                let what = if *requests == 1 {
                    "1 request waiting".to_string()
                } else {
                    format!("{requests} requests waiting")
                };
                match oldest {
                    Some(o) => format!("{what}, the oldest for {o}"),
                    None => what,
                }
            }
            Trouble::NoneReady { desired } => {
                format!("No worker ready of {desired} desired: requests are not served")
            }
            Trouble::Short { ready, desired } => {
                format!("{ready} of {desired} desired workers ready")
            }
            Trouble::Failed {
                last_hour,
                last_day,
            } => {
                let hour = if *last_hour == 1 {
                    "1 worker failed in the last hour".to_string()
                } else {
                    format!("{last_hour} workers failed in the last hour")
                };
                format!("{hour}, {last_day} in the last day")
            }
            Trouble::Paused => "Paused: no workers will start until it is resumed".into(),
            Trouble::State(label) => format!("{label}: not serving as deployed"),
        }
    }
}

impl AppCheck {
    /// What the list of apps alone says about `app`.
    pub fn from_summary(app: AppSummary) -> AppCheck {
        let mut troubles = Vec::new();
        match &app.status {
            AppStatus::Deployed => {
                if app.ready_workers < app.desired_workers {
                    troubles.push(if app.ready_workers == 0 {
                        Trouble::NoneReady {
                            desired: app.desired_workers,
                        }
                    } else {
                        Trouble::Short {
                            ready: app.ready_workers,
                            desired: app.desired_workers,
                        }
                    });
                }
            }
            AppStatus::Paused => troubles.push(Trouble::Paused),
            other => troubles.push(Trouble::State(other.label().to_string())),
        }
        AppCheck {
            app,
            troubles,
            unread: Vec::new(),
        }
    }

    /// Whether its queue and workers are worth reading: a deployed app.
    pub fn needs_reads(&self) -> bool {
        self.app.status == AppStatus::Deployed
    }

    pub fn in_trouble(&self) -> bool {
        !self.troubles.is_empty()
    }

    fn add(&mut self, trouble: Trouble) {
        self.troubles.push(trouble);
        self.troubles.sort_by_key(|t| std::cmp::Reverse(t.weight()));
    }

    /// The queue's requests: their count and how long the oldest has
    /// waited, in milliseconds, when known.
    pub fn with_queue(&mut self, requests: u64, oldest_ms: Option<i64>) {
        if requests > 0 && oldest_ms.is_none_or(|ms| ms >= WAIT_NOTED_MS) {
            self.add(Trouble::Waiting {
                requests,
                oldest: oldest_ms.map(crate::format::duration),
            });
        }
    }

    /// Failed workers of the last hour and day: trouble when any failed in
    /// the hour.
    pub fn with_failed(&mut self, last_hour: u64, last_day: u64) {
        if last_hour > 0 {
            self.add(Trouble::Failed {
                last_hour,
                last_day,
            });
        }
    }
}

/// Orders the apps for the on-call person: the most pressing trouble
/// first (the biggest of its kind first), then the most troubles, then
/// those not fully read, then the rest; by namespace and name within each.
pub fn rank(apps: &mut [AppCheck]) {
    apps.sort_by(|a, b| {
        let key = |c: &AppCheck| {
            let first = c.troubles.first();
            (
                std::cmp::Reverse(first.map_or(0, Trouble::weight)),
                std::cmp::Reverse(first.map_or(0, Trouble::size)),
                std::cmp::Reverse(c.troubles.len()),
                c.unread.is_empty(),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| (&a.app.namespace, &a.app.name).cmp(&(&b.app.namespace, &b.app.name)))
    });
}

/// How many apps' reads are under way at once: a start page of many apps
/// must leave the gateway room for the worker pages.
#[cfg(feature = "ssr")]
pub const CHECKS_AT_ONCE: usize = 8;

/// The longest the reads of all apps may take before the page is sent with
/// what is known.
#[cfg(feature = "ssr")]
pub const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Reads each deployed app's queue and its last day's workers (both shared
/// and kept by the gateway), at most [`CHECKS_AT_ONCE`] apps at a time,
/// and ranks them. A read that fails or is not done within [`CHECK_WAIT`]
/// is named in the app's `unread`.
#[cfg(feature = "ssr")]
pub async fn check(
    gateway: &everai_api::Gateway,
    token: Option<&secrecy::SecretString>,
    apps: Vec<AppSummary>,
    now_ms: i64,
) -> Vec<AppCheck> {
    use futures::StreamExt;

    let deadline = tokio::time::Instant::now() + CHECK_WAIT;
    let mut checked: Vec<AppCheck> =
        futures::stream::iter(apps.into_iter().map(|app| async move {
            let mut c = AppCheck::from_summary(app);
            if c.needs_reads() {
                read_one(gateway, token, &mut c, deadline, now_ms).await;
            }
            c
        }))
        .buffer_unordered(CHECKS_AT_ONCE)
        .collect()
        .await;
    rank(&mut checked);
    checked
}

#[cfg(feature = "ssr")]
async fn read_one(
    gateway: &everai_api::Gateway,
    token: Option<&secrecy::SecretString>,
    c: &mut AppCheck,
    deadline: tokio::time::Instant,
    now_ms: i64,
) {
    use everai_api::{ApiError, AppName, Namespace, WorkerStatus};

    let (Ok(ns), Ok(name)) = (
        Namespace::parse(&c.app.namespace),
        AppName::parse(&c.app.name),
    ) else {
        c.unread
            .push("Its name is not one the console can read it by.".into());
        return;
    };
    fn in_time<T>(
        e: Result<Result<T, ApiError>, tokio::time::error::Elapsed>,
    ) -> Result<T, ApiError> {
        e.unwrap_or(Err(ApiError::Timeout))
    }
    let (queue, workers) = tokio::join!(
        tokio::time::timeout_at(deadline, gateway.list_queue(token, &ns, &name)),
        tokio::time::timeout_at(deadline, gateway.list_workers(token, &ns, &name, true, 1)),
    );
    match in_time(queue) {
        Ok(q) => {
            let oldest = q
                .value
                .iter()
                .filter_map(|r| r.create_at)
                .map(|t| now_ms - t.unix_millis())
                .max();
            c.with_queue(q.value.len() as u64, oldest);
        }
        Err(e) => c.unread.push(unread("The request queue", e, &ns, &name)),
    }
    match in_time(workers) {
        Ok(listed) => {
            let (mut hour, mut day) = (0, 0);
            for w in &listed.list.workers {
                if w.status != WorkerStatus::Error {
                    continue;
                }
                let age = w.created_at.map(|t| now_ms - t.unix_millis());
                // The window is the platform's; a worker without a creation
                // time is counted in the day.
                day += 1;
                if age.is_some_and(|a| a < 3_600_000) {
                    hour += 1;
                }
            }
            c.with_failed(hour, day);
        }
        Err(e) => c.unread.push(unread("The workers", e, &ns, &name)),
    }
}

#[cfg(feature = "ssr")]
fn unread(
    what: &str,
    err: everai_api::ApiError,
    ns: &everai_api::Namespace,
    app: &everai_api::AppName,
) -> String {
    let request_id = crate::error::RequestId::current().unwrap_or_default();
    tracing::warn!(%request_id, namespace = %ns.as_str(), app = %app.as_str(), error = %err, "start page: reading {what} failed");
    let err = crate::error::ConsoleError::from_api(err, ns.as_str(), app.as_str());
    format!("{what} could not be read: {err}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(ns: &str, name: &str, status: AppStatus, ready: u64, desired: u64) -> AppSummary {
        AppSummary {
            name: name.into(),
            namespace: ns.into(),
            created_at: None,
            status,
            desired_workers: desired,
            ready_workers: ready,
        }
    }

    fn names(apps: &[AppCheck]) -> Vec<&str> {
        apps.iter().map(|c| c.app.name.as_str()).collect()
    }

    #[test]
    fn the_list_alone_says_paused_odd_states_and_missing_workers() {
        let check = |s, r, d| AppCheck::from_summary(app("d", "a", s, r, d)).troubles;
        assert_eq!(check(AppStatus::Deployed, 2, 2), vec![]);
        // Scaled to zero is not trouble.
        assert_eq!(check(AppStatus::Deployed, 0, 0), vec![]);
        assert_eq!(
            check(AppStatus::Deployed, 1, 3),
            vec![Trouble::Short {
                ready: 1,
                desired: 3
            }]
        );
        assert_eq!(
            check(AppStatus::Deployed, 0, 3),
            vec![Trouble::NoneReady { desired: 3 }]
        );
        assert_eq!(check(AppStatus::Paused, 0, 0), vec![Trouble::Paused]);
        assert_eq!(
            check(AppStatus::Unknown("STATUS_MOVING".into()), 1, 1),
            vec![Trouble::State("STATUS_MOVING".into())]
        );
        assert!(!AppCheck::from_summary(app("d", "a", AppStatus::Paused, 0, 0)).needs_reads());
    }

    #[test]
    fn waiting_requests_come_first_then_the_most_troubles_then_the_unread() {
        let mut fine = AppCheck::from_summary(app("a", "fine", AppStatus::Deployed, 1, 1));
        let mut unread = AppCheck::from_summary(app("a", "unread", AppStatus::Deployed, 1, 1));
        unread
            .unread
            .push("The request queue could not be read".into());
        let paused = AppCheck::from_summary(app("a", "paused", AppStatus::Paused, 0, 0));
        let mut queued = AppCheck::from_summary(app("z", "queued", AppStatus::Deployed, 2, 2));
        queued.with_queue(4, Some(12_000));
        let mut down = AppCheck::from_summary(app("a", "down", AppStatus::Deployed, 0, 2));
        down.with_failed(1, 3);
        let mut long_queue =
            AppCheck::from_summary(app("z", "long-queue", AppStatus::Deployed, 2, 2));
        long_queue.with_queue(40, None);
        // Requests served within a refresh are not trouble.
        let mut quick = AppCheck::from_summary(app("a", "quick", AppStatus::Deployed, 1, 1));
        quick.with_queue(3, Some(WAIT_NOTED_MS - 1));
        assert!(!quick.in_trouble());
        let short = AppCheck::from_summary(app("a", "short", AppStatus::Deployed, 1, 2));
        let mut short_failing =
            AppCheck::from_summary(app("b", "short-failing", AppStatus::Deployed, 1, 2));
        short_failing.with_failed(1, 1);
        let mut failing = AppCheck::from_summary(app("a", "failing", AppStatus::Deployed, 1, 1));
        failing.with_failed(1, 2);
        // A failure earlier in the day, since replaced, is not trouble.
        let mut failed_earlier =
            AppCheck::from_summary(app("a", "failed-earlier", AppStatus::Deployed, 1, 1));
        failed_earlier.with_failed(0, 2);
        let mut apps = vec![
            fine.clone(),
            unread,
            paused,
            queued,
            failed_earlier,
            down,
            short,
            short_failing,
            failing,
            long_queue,
        ];
        rank(&mut apps);
        assert_eq!(
            names(&apps),
            [
                "long-queue",
                "queued",
                "down",
                "short-failing",
                "failing",
                "short",
                "paused",
                "unread",
                "failed-earlier",
                "fine"
            ]
        );
        // The most pressing trouble is the app's first.
        assert!(matches!(apps[3].troubles[0], Trouble::Failed { .. }));
        fine.with_queue(0, None);
        fine.with_failed(0, 0);
        assert!(!fine.in_trouble());
    }

    #[test]
    fn troubles_are_said_in_words() {
        let said: Vec<String> = [
            Trouble::Waiting {
                requests: 1,
                oldest: None,
            },
            Trouble::Waiting {
                requests: 7,
                oldest: Some("45 s".into()),
            },
            Trouble::NoneReady { desired: 2 },
            Trouble::Short {
                ready: 1,
                desired: 3,
            },
            Trouble::Failed {
                last_hour: 1,
                last_day: 1,
            },
            Trouble::Failed {
                last_hour: 2,
                last_day: 5,
            },
            Trouble::Paused,
            Trouble::State("Terminating".into()),
        ]
        .iter()
        .map(Trouble::text)
        .collect();
        assert_eq!(
            said,
            [
                "1 request waiting",
                "7 requests waiting, the oldest for 45 s",
                "No worker ready of 2 desired: requests are not served",
                "1 of 3 desired workers ready",
                "1 worker failed in the last hour, 1 in the last day",
                "2 workers failed in the last hour, 5 in the last day",
                "Paused: no workers will start until it is resumed",
                "Terminating: not serving as deployed",
            ]
        );
    }
}
