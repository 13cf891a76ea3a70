//! One read of an app's workers and how it differs from the read before,
//! and the counts the worker page's summary and filters show. Plain Rust,
//! shared by the worker page, the table and the history page.

use std::collections::{BTreeMap, BTreeSet};

use everai_api::{DetailStatus, Worker, WorkerStatus};

use crate::transport::Workers;

/// One read of the workers, and how it differs from the read before.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub workers: Workers,
    pub max_workers: u64,
    pub fetched_at_ms: i64,
    /// Workers that were not in the previous read.
    pub new_ids: BTreeSet<String>,
    /// Workers whose shown fields changed since the previous read.
    pub changed_ids: BTreeSet<String>,
}

impl Snapshot {
    /// The next read, compared with this one.
    pub fn next(&self, workers: Workers, max_workers: u64, fetched_at_ms: i64) -> Snapshot {
        let before: BTreeMap<&str, &Worker> =
            self.workers.iter().map(|w| (w.id.as_str(), w)).collect();
        let mut new_ids = BTreeSet::new();
        let mut changed_ids = BTreeSet::new();
        for w in workers.iter() {
            match before.get(w.id.as_str()) {
                None => {
                    new_ids.insert(w.id.clone());
                }
                Some(old) if *old != w => {
                    changed_ids.insert(w.id.clone());
                }
                Some(_) => {}
            }
        }
        Snapshot {
            workers,
            max_workers,
            fetched_at_ms,
            new_ids,
            changed_ids,
        }
    }
}

/// How many workers have each value of `key`, most common first.
fn count_by<K: Ord + Clone>(
    workers: &[Worker],
    key: impl Fn(&Worker) -> Option<&K>,
) -> Vec<(K, usize)> {
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    for k in workers.iter().filter_map(key) {
        *counts.entry(k.clone()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// How many workers are in each status, most common first.
pub fn count_by_status(workers: &[Worker]) -> Vec<(WorkerStatus, usize)> {
    count_by(workers, |w| Some(&w.status))
}

/// How many workers are in each detail status, most common first; ended
/// workers without one are not counted.
pub fn count_by_detail(workers: &[Worker]) -> Vec<(DetailStatus, usize)> {
    count_by(workers, crate::history::detail_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(status: WorkerStatus) -> Worker {
        Worker {
            status,
            ..Worker::default()
        }
    }

    #[test]
    fn counts_are_most_common_first() {
        let workers = [
            worker(WorkerStatus::Pending),
            worker(WorkerStatus::Running),
            worker(WorkerStatus::Running),
            worker(WorkerStatus::Unknown("STATUS_NEW".into())),
            worker(WorkerStatus::Terminated),
        ];
        assert_eq!(
            count_by_status(&workers),
            vec![
                (WorkerStatus::Running, 2),
                (WorkerStatus::Pending, 1),
                (WorkerStatus::Terminated, 1),
                (WorkerStatus::Unknown("STATUS_NEW".into()), 1),
            ]
        );
        assert!(count_by_status(&[]).is_empty());
        // The ended worker has no detail: it is not one more "Abnormal".
        let details = count_by_detail(&workers);
        assert_eq!(details, vec![(DetailStatus::Unspecified, 4)]);
    }

    #[test]
    fn a_new_read_knows_which_workers_are_new_and_which_changed() {
        let w = |id: &str, status| Worker {
            id: id.into(),
            status,
            ..Worker::default()
        };
        let first = Snapshot {
            workers: vec![w("a", WorkerStatus::Running), w("b", WorkerStatus::Pending)].into(),
            max_workers: 0,
            fetched_at_ms: 1,
            new_ids: BTreeSet::new(),
            changed_ids: BTreeSet::new(),
        };
        let next = first.next(
            vec![
                w("a", WorkerStatus::Running),
                w("b", WorkerStatus::Running),
                w("c", WorkerStatus::Created),
            ]
            .into(),
            20,
            2,
        );
        assert_eq!(next.new_ids, BTreeSet::from(["c".to_string()]));
        assert_eq!(next.changed_ids, BTreeSet::from(["b".to_string()]));
        assert_eq!((next.max_workers, next.fetched_at_ms), (20, 2));
        let same = next.next(next.workers.clone(), 20, 3);
        assert!(same.new_ids.is_empty() && same.changed_ids.is_empty());
    }
}
