//! The worker view's filters and sort order, as they live in the URL query:
//! `?status=STATUS_RUNNING&status=STATUS_PENDING&detail=DETAIL_STATUS_FREE&q=ab12&sort=created&dir=desc&page=2`.
//!
//! Parsing is lenient (a bad value never breaks the page) but not silent:
//! whatever was ignored is reported, so the page can say so.

use std::cmp::Ordering;

use everai_api::{DetailStatus, Worker, WorkerStatus};

/// The longest search text kept.
pub const MAX_SEARCH_LEN: usize = 100;

/// Rows in one page of the table: enough to scan, few enough that the
/// browser stays quick with thousands of workers.
pub const PAGE_SIZE: usize = 100;

/// A column the table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Status,
    Detail,
    Id,
    Device,
    #[default]
    Created,
    Launched,
    ColdStart,
    LastServed,
    Success,
    Failed,
    Cpus,
    Memory,
    Gpu,
    Revision,
}

impl SortKey {
    pub const ALL: [SortKey; 14] = [
        SortKey::Status,
        SortKey::Detail,
        SortKey::Id,
        SortKey::Device,
        SortKey::Created,
        SortKey::Launched,
        SortKey::ColdStart,
        SortKey::LastServed,
        SortKey::Success,
        SortKey::Failed,
        SortKey::Cpus,
        SortKey::Memory,
        SortKey::Gpu,
        SortKey::Revision,
    ];

    /// The value in the URL.
    pub fn param(self) -> &'static str {
        match self {
            SortKey::Status => "status",
            SortKey::Detail => "detail",
            SortKey::Id => "id",
            SortKey::Device => "device",
            SortKey::Created => "created",
            SortKey::Launched => "launched",
            SortKey::ColdStart => "cold-start",
            SortKey::LastServed => "last-served",
            SortKey::Success => "success",
            SortKey::Failed => "failed",
            SortKey::Cpus => "cpus",
            SortKey::Memory => "memory",
            SortKey::Gpu => "gpu",
            SortKey::Revision => "revision",
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Status => "Status",
            SortKey::Detail => "Detail",
            SortKey::Id => "Worker",
            SortKey::Device => "Device",
            SortKey::Created => "Created",
            SortKey::Launched => "Launched",
            SortKey::ColdStart => "Cold start",
            SortKey::LastServed => "Last served",
            SortKey::Success => "Success",
            SortKey::Failed => "Failed",
            SortKey::Cpus => "CPUs",
            SortKey::Memory => "Memory",
            SortKey::Gpu => "GPU",
            SortKey::Revision => "Revision",
        }
    }

    pub fn from_param(raw: &str) -> Option<Self> {
        SortKey::ALL.into_iter().find(|k| k.param() == raw)
    }

    /// Numbers and times read best largest/newest first; text A to Z.
    pub fn descending_by_default(self) -> bool {
        !matches!(
            self,
            SortKey::Status | SortKey::Detail | SortKey::Id | SortKey::Device | SortKey::Revision
        )
    }

    /// Right-aligned, tabular column.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            SortKey::Success | SortKey::Failed | SortKey::Cpus | SortKey::Memory
        )
    }

    /// Each worker's value in this column as a number that orders the
    /// same way [`SortKey::compare`] does (no value first), for the
    /// numeric and time columns; `None` for the others.
    fn numbers(self, workers: &[Worker]) -> Option<Vec<Option<i128>>> {
        fn nanos(t: Option<everai_api::Timestamp>) -> Option<i128> {
            t.map(|t| t.datetime().unix_timestamp_nanos())
        }
        let key: fn(&Worker) -> Option<i128> = match self {
            SortKey::Created => |w| nanos(w.created_at),
            SortKey::Launched => |w| nanos(w.launch_at),
            SortKey::LastServed => |w| nanos(w.last_serve_at),
            SortKey::ColdStart => |w| w.cold_start().map(|d| d.whole_nanoseconds()),
            // An odd value (not a number) sorts as no value.
            SortKey::Success => |w| w.success_count.value().map(i128::from),
            SortKey::Failed => |w| w.failed_count.value().map(i128::from),
            SortKey::Memory => |w| w.memory.value().map(i128::from),
            // `f64::total_cmp`'s order: flip the other bits of negatives.
            SortKey::Cpus => |w| {
                let bits = w.cpus.value()?.to_bits() as i64;
                Some(i128::from(bits ^ ((((bits >> 63) as u64) >> 1) as i64)))
            },
            _ => return None,
        };
        Some(workers.iter().map(key).collect())
    }

    fn compare(self, a: &Worker, b: &Worker) -> Ordering {
        match self {
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Detail => a.detail_status.cmp(&b.detail_status),
            SortKey::Id => a.id.cmp(&b.id),
            SortKey::Device => a.device_id.cmp(&b.device_id),
            SortKey::Created => a.created_at.cmp(&b.created_at),
            SortKey::Launched => a.launch_at.cmp(&b.launch_at),
            SortKey::ColdStart => a.cold_start().cmp(&b.cold_start()),
            SortKey::LastServed => a.last_serve_at.cmp(&b.last_serve_at),
            SortKey::Success => a.success_count.value().cmp(&b.success_count.value()),
            SortKey::Failed => a.failed_count.value().cmp(&b.failed_count.value()),
            SortKey::Cpus => match (a.cpus.value(), b.cpus.value()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            },
            SortKey::Memory => a.memory.value().cmp(&b.memory.value()),
            SortKey::Gpu => (a.gpu_count().value(), a.gpu()).cmp(&(b.gpu_count().value(), b.gpu())),
            SortKey::Revision => a.app_revision.cmp(&b.app_revision),
        }
    }
}

/// Everything that narrows and orders the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkerQuery {
    /// Shown statuses; empty means all.
    pub statuses: Vec<WorkerStatus>,
    /// Shown detail statuses; empty means all.
    pub details: Vec<DetailStatus>,
    /// Case-insensitive text in the worker id or device id.
    pub search: String,
    pub sort: SortKey,
    pub descending: bool,
    /// The history window in days (history view only), as the URL gave it;
    /// checked by [`crate::history::parse_days`].
    pub days: Option<String>,
    /// The page of the table, from 1; see [`Paging`].
    pub page: usize,
}

impl WorkerQuery {
    /// Reads the query's pairs; returns the query and a note for each value
    /// that was ignored or changed.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Self, Vec<String>) {
        // One copy of the parser for every kind of caller: it is called
        // with several kinds of iterator, and each would be a copy of its
        // own in the browser build.
        WorkerQuery::parse_pairs(&mut pairs.into_iter())
    }

    fn parse_pairs<'a>(pairs: &mut dyn Iterator<Item = (&'a str, &'a str)>) -> (Self, Vec<String>) {
        let mut query = WorkerQuery {
            descending: SortKey::default().descending_by_default(),
            page: 1,
            ..WorkerQuery::default()
        };
        let mut notes = Vec::new();
        let mut dir: Option<&str> = None;
        for (key, value) in pairs {
            let value = value.trim();
            match key {
                "status" if !value.is_empty() => {
                    let s = WorkerStatus::from_wire(value);
                    if !query.statuses.contains(&s) {
                        query.statuses.push(s);
                    }
                }
                "detail" if !value.is_empty() => {
                    let d = DetailStatus::from_wire(value);
                    if !query.details.contains(&d) {
                        query.details.push(d);
                    }
                }
                "q" => {
                    let kept: String = value.chars().take(MAX_SEARCH_LEN).collect();
                    if kept.len() < value.len() {
                        notes.push(format!(
                            "The search was cut to its first {MAX_SEARCH_LEN} characters."
                        ));
                    }
                    query.search = kept;
                }
                "sort" => match SortKey::from_param(value) {
                    Some(k) => {
                        query.sort = k;
                        query.descending = k.descending_by_default();
                    }
                    None => notes.push(format!(
                        "There is no column {value:?} to sort by; sorted by {} instead.",
                        SortKey::default().label().to_ascii_lowercase()
                    )),
                },
                "dir" => dir = Some(value),
                "days" if !value.is_empty() => query.days = Some(value.chars().take(12).collect()),
                "page" if !value.is_empty() => match value.parse::<usize>() {
                    Ok(n) if n >= 1 => query.page = n,
                    _ => notes.push(format!(
                        "{:?} is not a page number; showing the first page.",
                        value.chars().take(20).collect::<String>()
                    )),
                },
                _ => {}
            }
        }
        match dir {
            None | Some("") => {}
            Some("asc") => query.descending = false,
            Some("desc") => query.descending = true,
            Some(other) => notes.push(format!(
                "The sort direction {other:?} is not asc or desc; it was ignored."
            )),
        }
        query.statuses.sort();
        query.details.sort();
        (query, notes)
    }

    pub fn is_filtered(&self) -> bool {
        !self.statuses.is_empty() || !self.details.is_empty() || !self.search.is_empty()
    }

    /// Whether a worker is in this view: its status and detail status are
    /// among those chosen (if any), and its id or device id contains the
    /// search text, ignoring case. The search text is prepared once, so
    /// one matcher serves many workers.
    pub fn matcher(&self) -> impl Fn(&Worker) -> bool + '_ {
        let needle = lower_case(&self.search);
        move |w| {
            self.status_matches(w)
                && (needle.is_empty()
                    || contains_folded(&w.id, &needle)
                    || contains_folded(&w.device_id, &needle))
        }
    }

    /// The status and detail status filters (empty: any).
    fn status_matches(&self, w: &Worker) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&w.status))
            && (self.details.is_empty()
                || crate::history::detail_of(w).is_some_and(|d| self.details.contains(d)))
    }

    /// [`WorkerQuery::matcher`] for the workers `index` was built from,
    /// by position: the search text is looked up in the index once, here,
    /// rather than in each worker's fields.
    pub fn indexed_matcher(&self, index: &SearchIndex) -> impl Fn(usize, &Worker) -> bool + '_ {
        let hits = (!self.search.is_empty()).then(|| index.containing(&lower_case(&self.search)));
        move |i, w| self.status_matches(w) && hits.as_ref().is_none_or(|h| h[i])
    }

    /// The workers that match, in order. Ties are broken by worker id, so
    /// the order is stable from one refresh to the next.
    pub fn apply(&self, workers: &[Worker]) -> Vec<Worker> {
        let matches = self.matcher();
        self.order(workers)
            .into_iter()
            .map(|i| &workers[i])
            .filter(|w| matches(w))
            .cloned()
            .collect()
    }

    /// Every worker's position in `workers`, in this view's sort order
    /// (ties by worker id), before filtering: the order does not depend on
    /// the filters, so a page can keep it while someone types.
    pub fn order(&self, workers: &[Worker]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..workers.len()).collect();
        let direction = |o: Ordering| if self.descending { o.reverse() } else { o };
        // Ties by id, then by position: a total order, so the unstable
        // sort gives the one answer a stable sort would.
        let tie = |a: usize, b: usize| workers[a].id.cmp(&workers[b].id).then(a.cmp(&b));
        match self.sort.numbers(workers) {
            // Times and counts compared as plain numbers read once per
            // worker, not taken apart again in each of ~n·log n comparisons.
            Some(keys) => order.sort_unstable_by(|&a, &b| {
                direction(keys[a].cmp(&keys[b])).then_with(|| tie(a, b))
            }),
            None => order.sort_unstable_by(|&a, &b| {
                direction(self.sort.compare(&workers[a], &workers[b])).then_with(|| tie(a, b))
            }),
        }
        order
    }

    /// The view as query pairs, in canonical order; none for the defaults.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        for s in &self.statuses {
            pairs.push(("status", s.wire().to_string()));
        }
        for d in &self.details {
            pairs.push(("detail", d.wire().to_string()));
        }
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if self.sort != SortKey::default() {
            pairs.push(("sort", self.sort.param().to_string()));
        }
        if self.descending != self.sort.descending_by_default() {
            let dir = if self.descending { "desc" } else { "asc" };
            pairs.push(("dir", dir.to_string()));
        }
        if let Some(days) = &self.days {
            // The window shown, not what was typed: a link made from a page
            // that corrected `days` carries the correction.
            let (shown, _) = crate::history::parse_days(Some(days));
            pairs.push(("days", shown.to_string()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
    }

    /// This query on page `page`.
    pub fn on_page(&self, page: usize) -> WorkerQuery {
        WorkerQuery {
            page: page.max(1),
            ..self.clone()
        }
    }

    /// The canonical query string (without `?`; empty for the defaults):
    /// the same view always has the same URL.
    pub fn to_query_string(&self) -> String {
        self.to_pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// This query with the sort set to `key`: the other direction if it is
    /// already sorted by `key`, else that column's natural direction.
    pub fn sorted_by(&self, key: SortKey) -> WorkerQuery {
        let descending = if self.sort == key {
            !self.descending
        } else {
            key.descending_by_default()
        };
        WorkerQuery {
            sort: key,
            descending,
            page: 1,
            ..self.clone()
        }
    }

    /// This query showing only `detail`.
    pub fn only_detail(&self, detail: DetailStatus) -> WorkerQuery {
        WorkerQuery {
            details: vec![detail],
            page: 1,
            ..self.clone()
        }
    }

    /// This query showing only `status`.
    pub fn only_status(&self, status: WorkerStatus) -> WorkerQuery {
        WorkerQuery {
            statuses: vec![status],
            page: 1,
            ..self.clone()
        }
    }
}

/// Where one page of `total` rows sits: the page asked for, moved back to
/// the last one when the list has shrunk under it (workers come and go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// The rows of the page shown: `start..end` of the filtered list.
    pub start: usize,
    pub end: usize,
    pub total: usize,
}

impl Paging {
    pub fn new(total: usize, asked: usize) -> Paging {
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = asked.clamp(1, pages);
        let start = (page - 1) * PAGE_SIZE;
        Paging {
            page,
            pages,
            start: start.min(total),
            end: (start + PAGE_SIZE).min(total),
            total,
        }
    }
}

/// Percent-encodes a query value: everything but unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The worker page of `namespace`/`app`, each name one encoded segment.
pub fn workers_path(namespace: &str, app: &str) -> String {
    format!(
        "/namespaces/{}/apps/{}/workers",
        encode(namespace),
        encode(app)
    )
}

/// The page of worker `id` of `namespace`/`app`.
pub fn worker_path(namespace: &str, app: &str, id: &str) -> String {
    format!("{}/{}", workers_path(namespace, app), encode(id))
}

/// The history page of `namespace`/`app`.
pub fn history_path(namespace: &str, app: &str) -> String {
    format!(
        "/namespaces/{}/apps/{}/history",
        encode(namespace),
        encode(app)
    )
}

/// Whether `hay` contains `needle_lower` (already lower case), ignoring
/// case; without allocating when both are ASCII, as ids are.
fn contains_folded(hay: &str, needle_lower: &str) -> bool {
    if hay.is_ascii() && needle_lower.is_ascii() {
        let needle = needle_lower.as_bytes();
        needle.len() <= hay.len()
            && hay
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        lower_case(hay).contains(needle_lower)
    }
}

/// `text` in lower case, by Unicode's rules. In the browser, by the
/// browser's own `toLowerCase` for text that is not ASCII: the standard
/// library's case tables would otherwise be in the browser build (7.5 KB
/// of the worker page's brotli) for text that is almost never there (ids
/// are ASCII). Both follow Unicode's default case mapping, and must agree:
/// the browser redoes the server's search when it hydrates a page whose
/// address has one (they could differ only for a letter that one side's
/// Unicode version has and the other's lacks). Checked by the end-to-end
/// test "the search ignores case by Unicode rules".
pub fn lower_case(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// What the search box searches (worker ids and device ids, in lower
/// case) for many workers at once: one text, one scan per search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchIndex {
    /// Every worker's id and device id, in turn, each followed by a line
    /// break.
    text: String,
    /// Where each field starts in `text`: worker `i`'s are `2i` and `2i + 1`.
    starts: Vec<usize>,
}

impl SearchIndex {
    pub fn new(workers: &[Worker]) -> SearchIndex {
        let mut text = String::with_capacity(
            workers
                .iter()
                .map(|w| w.id.len() + w.device_id.len() + 2)
                .sum(),
        );
        let mut starts = Vec::with_capacity(2 * workers.len() + 1);
        for field in workers.iter().flat_map(|w| [&w.id, &w.device_id]) {
            starts.push(text.len());
            if field.is_ascii() {
                text.extend(field.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                text.push_str(&lower_case(field));
            }
            text.push('\n');
        }
        starts.push(text.len());
        SearchIndex { text, starts }
    }

    /// For each worker, whether its id or device id contains `needle`
    /// (already in lower case).
    pub fn containing(&self, needle: &str) -> Vec<bool> {
        let workers = self.starts.len().saturating_sub(1) / 2;
        if needle.is_empty() {
            return vec![true; workers];
        }
        let mut hits = vec![false; workers];
        let mut from = 0;
        while let Some(at) = self.text[from..].find(needle).map(|at| from + at) {
            let field = self.starts.partition_point(|&s| s <= at) - 1;
            if at + needle.len() < self.starts[field + 1] {
                // Within the field: one hit is enough, on to the next worker.
                hits[field / 2] = true;
                from = self.starts[(field / 2 + 1) * 2];
            } else {
                // Across the line break after it: not a hit.
                from = at + self.text[at..].chars().next().map_or(1, char::len_utf8);
            }
        }
        hits
    }
}

/// `path` with the query string `q`, if any.
pub fn with_query(path: &str, q: &str) -> String {
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::Timestamp;

    fn worker(
        id: &str,
        status: WorkerStatus,
        detail: DetailStatus,
        created: &str,
        success: u64,
    ) -> Worker {
        Worker {
            id: id.into(),
            device_id: format!("dev-{id}"),
            status,
            detail_status: detail,
            created_at: Timestamp::parse(created),
            success_count: success.into(),
            ..Worker::default()
        }
    }

    fn sample() -> Vec<Worker> {
        vec![
            worker(
                "aaa",
                WorkerStatus::Running,
                DetailStatus::Free,
                "2024-01-01T00:00:01Z",
                5,
            ),
            worker(
                "bbb",
                WorkerStatus::Running,
                DetailStatus::Busy,
                "2024-01-01T00:00:03Z",
                9,
            ),
            worker(
                "ccc",
                WorkerStatus::Pending,
                DetailStatus::InFlight,
                "2024-01-01T00:00:02Z",
                0,
            ),
            worker(
                "ddd",
                WorkerStatus::Unknown("STATUS_NEW".into()),
                DetailStatus::Free,
                "",
                1,
            ),
        ]
    }

    fn ids(ws: &[Worker]) -> Vec<&str> {
        ws.iter().map(|w| w.id.as_str()).collect()
    }

    fn parse(q: &[(&'static str, &'static str)]) -> (WorkerQuery, Vec<String>) {
        WorkerQuery::parse(q.iter().copied())
    }

    #[test]
    fn the_default_is_everything_newest_first() {
        let (q, notes) = parse(&[]);
        assert!(notes.is_empty());
        assert!(!q.is_filtered());
        // No creation time sorts as oldest.
        assert_eq!(ids(&q.apply(&sample())), ["bbb", "ccc", "aaa", "ddd"]);
        assert_eq!(q.to_query_string(), "");
    }

    #[test]
    fn statuses_details_and_search_narrow_the_rows() {
        let (q, _) = parse(&[("status", "STATUS_RUNNING"), ("status", "STATUS_PENDING")]);
        assert_eq!(ids(&q.apply(&sample())), ["bbb", "ccc", "aaa"]);
        let (q, _) = parse(&[
            ("status", "STATUS_RUNNING"),
            ("detail", "DETAIL_STATUS_FREE"),
        ]);
        assert_eq!(ids(&q.apply(&sample())), ["aaa"]);
        let (q, _) = parse(&[("q", "DEV-C")]);
        assert_eq!(ids(&q.apply(&sample())), ["ccc"]);
        // Unknown statuses can be filtered on too: they are shown as text.
        let (q, _) = parse(&[("status", "STATUS_NEW")]);
        assert_eq!(ids(&q.apply(&sample())), ["ddd"]);
    }

    #[test]
    fn abnormal_means_a_live_worker_without_detail_never_an_ended_one() {
        let mut ended = worker(
            "gone",
            WorkerStatus::Terminated,
            DetailStatus::Unspecified,
            "2024-01-01T00:00:01Z",
            0,
        );
        let live = worker(
            "odd",
            WorkerStatus::Running,
            DetailStatus::Unspecified,
            "2024-01-01T00:00:02Z",
            0,
        );
        let (q, _) = parse(&[("detail", "DETAIL_STATUS_UNSPECIFIED")]);
        assert_eq!(ids(&q.apply(&[ended.clone(), live.clone()])), ["odd"]);
        // Deleted but reported live: ended all the same.
        ended.status = WorkerStatus::Running;
        ended.deleted_at = Timestamp::parse("2024-01-01T01:00:00Z");
        assert_eq!(ids(&q.apply(&[ended.clone(), live])), ["odd"]);
        // No detail filter: every worker, ended or not.
        let (all, _) = parse(&[]);
        assert_eq!(all.apply(&[ended]).len(), 1);
    }

    #[test]
    fn search_ignores_case_in_ascii_and_beyond() {
        assert!(contains_folded("Worker-AB12", "ab1"));
        assert!(contains_folded("ab", "ab") && !contains_folded("a", "ab"));
        assert!(!contains_folded("worker-ab12", "ab13"));
        assert!(contains_folded("GRÜN-7", "grün"));
        assert!(!contains_folded("GRÜN-7", "grau"));
        let (q, _) = parse(&[("q", "dev-C")]);
        let sample = sample();
        let matches = q.matcher();
        let kept: Vec<&str> = sample
            .iter()
            .filter(|w| matches(w))
            .map(|w| w.id.as_str())
            .collect();
        assert_eq!(kept, ["ccc"]);
    }

    fn with_fields(fields: &[(&str, &str)]) -> Vec<Worker> {
        fields
            .iter()
            .map(|&(id, device)| Worker {
                id: id.into(),
                device_id: device.into(),
                ..Worker::default()
            })
            .collect()
    }

    fn indexed(workers: &[Worker], search: &str) -> Vec<bool> {
        let (q, _) = WorkerQuery::parse([("q", search)]);
        let index = SearchIndex::new(workers);
        let matches = q.indexed_matcher(&index);
        workers
            .iter()
            .enumerate()
            .map(|(i, w)| matches(i, w))
            .collect()
    }

    fn scanned(workers: &[Worker], search: &str) -> Vec<bool> {
        let (q, _) = WorkerQuery::parse([("q", search)]);
        let matches = q.matcher();
        workers.iter().map(matches).collect()
    }

    #[test]
    fn the_index_finds_what_a_scan_finds() {
        let workers = with_fields(&[
            ("Worker-AB12", "dev-x"),
            ("aaa", "AB12-dev"),
            ("GRÜN-7", "gpu-0"),
            ("", ""),
            ("line\nbreak", "tail"),
            ("ab", "ab"),
        ]);
        for search in [
            "ab",
            "AB1",
            "ab12",
            "dev",
            "-",
            "grün",
            "GRÜN",
            "7",
            "x",
            "zzz",
            "12-dev",
            "aaa",
            "a",
            // Not across one field's end and the next one's start.
            "ab12dev",
            "ab12\ndev",
            "x\naaa",
            "aaaab12",
            // A line break inside a field is found like any text.
            "e\nb",
            "\n",
        ] {
            assert_eq!(
                indexed(&workers, search),
                scanned(&workers, search),
                "searching {search:?}"
            );
        }
        assert_eq!(
            indexed(&workers, "ab12"),
            [true, true, false, false, false, false]
        );
        assert_eq!(
            indexed(&workers, "E\nB"),
            [false, false, false, false, true, false]
        );
        assert_eq!(indexed(&workers, ""), [true; 6]);
        assert_eq!(indexed(&[], "ab"), Vec::<bool>::new());
    }

    #[test]
    fn the_index_finds_each_worker_once_among_many() {
        let fields: Vec<(String, String)> = (0..500)
            .map(|i| (format!("w{i:04}"), format!("d{:04}", i * 7 % 500)))
            .collect();
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let workers = with_fields(&fields);
        for search in ["0", "01", "w0", "d04", "4\nd", "99", "w0499", "d0499"] {
            assert_eq!(
                indexed(&workers, search),
                scanned(&workers, search),
                "searching {search:?}"
            );
        }
    }

    fn odd_or<T>(i: usize, value: T) -> everai_api::Reading<T> {
        if i.is_multiple_of(6) {
            everai_api::Reading::Odd(format!("odd-{i}"))
        } else {
            everai_api::Reading::Value(value)
        }
    }

    #[test]
    fn the_numeric_order_is_the_comparators_order() {
        // Ties, missing times, equal ids, -0.0 and 0.0 CPUs, times a
        // nanosecond apart: the keyed sort must order them as `compare` does.
        let times = [
            "",
            "2024-01-01T00:00:01Z",
            "2024-01-01T00:00:01.000000001Z",
            "2023-12-31T23:59:59.5Z",
        ];
        let workers: Vec<Worker> = (0..60)
            .map(|i: usize| Worker {
                id: format!("w{}", i % 17),
                created_at: Timestamp::parse(times[i % 4]),
                launch_at: Timestamp::parse(times[(i / 4) % 4]),
                last_serve_at: Timestamp::parse(times[(i * 7) % 4]),
                // Every sixth value of each number is odd (not a number).
                success_count: odd_or(i, (i % 5) as u64),
                failed_count: odd_or(i + 1, (i * 3 % 7) as u64),
                memory: odd_or(i + 2, [0, 512, u64::MAX][i % 3]),
                cpus: odd_or(i + 3, [0.0, -0.0, 0.5, 2.0, 1e300][i % 5]),
                ..Worker::default()
            })
            .collect();
        for key in SortKey::ALL {
            for descending in [false, true] {
                let q = WorkerQuery {
                    sort: key,
                    descending,
                    ..WorkerQuery::default()
                };
                let mut want: Vec<usize> = (0..workers.len()).collect();
                want.sort_by(|&a, &b| {
                    let o = key.compare(&workers[a], &workers[b]);
                    let o = if descending { o.reverse() } else { o };
                    o.then_with(|| workers[a].id.cmp(&workers[b].id))
                });
                assert_eq!(q.order(&workers), want, "{key:?}, descending {descending}");
            }
        }
    }

    #[test]
    fn the_order_is_the_same_with_or_without_filters() {
        let sample = sample();
        let (q, _) = parse(&[("sort", "success"), ("q", "dev-c")]);
        let order: Vec<&str> = q
            .order(&sample)
            .into_iter()
            .map(|i| sample[i].id.as_str())
            .collect();
        assert_eq!(order, ["bbb", "aaa", "ddd", "ccc"]);
    }

    #[test]
    fn sorting_by_any_column_either_way() {
        let (q, _) = parse(&[("sort", "success")]);
        assert!(q.descending);
        assert_eq!(ids(&q.apply(&sample())), ["bbb", "aaa", "ddd", "ccc"]);
        let (q, _) = parse(&[("sort", "success"), ("dir", "asc")]);
        assert_eq!(ids(&q.apply(&sample())), ["ccc", "ddd", "aaa", "bbb"]);
        let (q, _) = parse(&[("sort", "id")]);
        assert!(!q.descending);
        assert_eq!(ids(&q.apply(&sample())), ["aaa", "bbb", "ccc", "ddd"]);
        for key in SortKey::ALL {
            assert_eq!(SortKey::from_param(key.param()), Some(key));
            let shown = q.sorted_by(key).apply(&sample());
            assert_eq!(shown.len(), 4, "{key:?}");
        }
    }

    #[test]
    fn bad_values_are_ignored_and_reported() {
        let (q, notes) = parse(&[("sort", "bogus"), ("dir", "sideways")]);
        assert_eq!(q.sort, SortKey::Created);
        assert!(q.descending);
        assert_eq!(notes.len(), 2);
        assert!(notes[0].contains("\"bogus\""), "{notes:?}");
        assert!(notes[1].contains("\"sideways\""), "{notes:?}");
        let long = "x".repeat(500);
        let (q, notes) = WorkerQuery::parse([("q", long.as_str())]);
        assert_eq!(q.search.len(), MAX_SEARCH_LEN);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn the_query_string_is_canonical_and_round_trips() {
        let (q, _) = parse(&[
            ("sort", "memory"),
            ("q", "a b&c"),
            ("status", "STATUS_PENDING"),
            ("status", "STATUS_RUNNING"),
            ("status", "STATUS_PENDING"),
            ("dir", "asc"),
        ]);
        let s = q.to_query_string();
        assert_eq!(
            s,
            "status=STATUS_PENDING&status=STATUS_RUNNING&q=a%20b%26c&sort=memory&dir=asc"
        );
        // The same view given in another order has the same URL.
        let (again, _) = parse(&[
            ("dir", "asc"),
            ("status", "STATUS_RUNNING"),
            ("status", "STATUS_PENDING"),
            ("q", "a b&c"),
            ("sort", "memory"),
        ]);
        assert_eq!(again.to_query_string(), s);
    }

    #[test]
    fn sort_links_toggle_the_direction() {
        let (q, _) = parse(&[]);
        let by_created = q.sorted_by(SortKey::Created);
        assert!(!by_created.descending);
        assert_eq!(by_created.to_query_string(), "dir=asc");
        let by_id = q.sorted_by(SortKey::Id);
        assert_eq!(by_id.to_query_string(), "sort=id");
        assert_eq!(
            by_id.sorted_by(SortKey::Id).to_query_string(),
            "sort=id&dir=desc"
        );
        assert_eq!(
            q.only_status(WorkerStatus::Running).to_query_string(),
            "status=STATUS_RUNNING"
        );
        assert_eq!(
            q.only_detail(DetailStatus::Busy).to_query_string(),
            "detail=DETAIL_STATUS_BUSY"
        );
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("abc-_.~"), "abc-_.~");
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(with_query("/p", ""), "/p");
        assert_eq!(
            workers_path("default", "a b/c"),
            "/namespaces/default/apps/a%20b%2Fc/workers"
        );
        assert_eq!(with_query("/p", "a=1"), "/p?a=1");
    }

    #[test]
    fn paging_cuts_the_list_into_pages_and_follows_it_when_it_shrinks() {
        let p = Paging::new(250, 1);
        assert_eq!((p.page, p.pages, p.start, p.end), (1, 3, 0, 100));
        let p = Paging::new(250, 3);
        assert_eq!((p.page, p.start, p.end), (3, 200, 250));
        // Past the end (the list shrank, or a hand-edited link): the last page.
        let p = Paging::new(250, 9);
        assert_eq!((p.page, p.start, p.end), (3, 200, 250));
        let p = Paging::new(0, 4);
        assert_eq!((p.page, p.pages, p.start, p.end), (1, 1, 0, 0));
        let p = Paging::new(100, 2);
        assert_eq!((p.page, p.pages, p.start, p.end), (1, 1, 0, 100));
    }

    #[test]
    fn the_page_lives_in_the_url_and_new_orders_start_at_page_one() {
        let (q, notes) = WorkerQuery::parse([("page", "3"), ("sort", "id")]);
        assert!(notes.is_empty());
        assert_eq!(q.page, 3);
        assert_eq!(q.to_query_string(), "sort=id&page=3");
        assert_eq!(q.on_page(1).to_query_string(), "sort=id");
        assert_eq!(q.sorted_by(SortKey::Created).page, 1);
        assert_eq!(q.only_status(WorkerStatus::Running).page, 1);
        assert_eq!(q.only_detail(DetailStatus::Free).page, 1);
        for bad in ["0", "-1", "two", "1.5", "99999999999999999999999"] {
            let (q, notes) = WorkerQuery::parse([("page", bad)]);
            assert_eq!(q.page, 1, "{bad}");
            assert_eq!(notes.len(), 1, "{bad}");
            assert!(notes[0].contains("not a page number"), "{bad}");
        }
    }
}
