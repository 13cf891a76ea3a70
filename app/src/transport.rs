//! Workers as the browser receives them, in the hydration data and in every
//! refresh: one JSON array per worker, holding only what the pages show,
//! times as milliseconds and known statuses as small numbers. A worker in
//! the platform's own form is about three times as long, and most of it
//! (empty fields, key names, RFC 3339 text) the browser never reads.
//!
//! [`Workers`] travels this way.

use std::{ops::Deref, sync::Arc};

use everai_api::{DetailStatus, Reading, Timestamp, Worker, WorkerList, WorkerStatus};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An app's workers, shared rather than copied: the read the gateway kept
/// or handed to several callers, the page being rendered and the live
/// view's snapshot all hold the same list. Reads as a slice of workers.
#[derive(Clone, Debug, Default)]
pub struct Workers {
    list: Arc<WorkerList>,
    /// On the server, the rows may already be written out (see
    /// [`Workers::write_ahead`]).
    #[cfg(feature = "ssr")]
    ahead: ahead::Ahead,
    /// On the server: the rows travel in the page's HTML, not here (see
    /// [`Workers::apart`]).
    #[cfg(feature = "ssr")]
    apart: bool,
}

/// The id of the element in which a server-rendered worker page carries its
/// rows (see [`Workers::apart`]).
pub const ROWS_ELEMENT: &str = "worker-rows";

impl Workers {
    pub fn new(list: Arc<WorkerList>) -> Self {
        Workers {
            list,
            #[cfg(feature = "ssr")]
            ahead: Default::default(),
            #[cfg(feature = "ssr")]
            apart: false,
        }
    }

    /// For the list a server-rendered page reads: its rows travel as the
    /// text of an element of the page (`<script type="application/json"
    /// id=ROWS_ELEMENT>`, drawn from [`Workers::rows_element_text`]), and
    /// this list serializes as that element's id. Leptos writes hydration
    /// data as one JavaScript string literal, escaping the JSON's quotes one
    /// by one (about a tenth of the console's CPU for a 1,000-worker page);
    /// the element's text is the JSON as written. The browser reads the
    /// element back when it decodes the id.
    ///
    /// Only for a value that both goes into the page's hydration data and is
    /// drawn by a view that draws the element; a server function's reply
    /// must carry its rows.
    #[cfg(feature = "ssr")]
    pub fn apart(mut self) -> Self {
        self.apart = true;
        self
    }

    /// The rows as the text of the page's rows element, for a list marked
    /// [`Workers::apart`] (none otherwise): their JSON with every `<`
    /// written `\u003c`, so no `</script>` or `<!--` in a worker's text
    /// can end or change the element. (A `<` can only be inside a JSON
    /// string, where the escape reads back as the same text.)
    #[cfg(feature = "ssr")]
    pub fn rows_element_text(&self) -> Option<String> {
        if !self.apart {
            return None;
        }
        let json = match self.ahead.written() {
            Some(written) => written.get().to_owned(),
            None => serde_json::to_string(&Rows(self)).ok()?,
        };
        Some(if json.contains('<') {
            json.replace('<', "\\u003c")
        } else {
            json
        })
    }

    /// Starts writing the rows out as JSON on the blocking pool, for a list
    /// long enough to be worth it: the page renders its HTML meanwhile, and
    /// its hydration data, written after the HTML, then takes the finished
    /// text instead of writing 1,000 rows itself. On a machine with a core
    /// to spare that is most of the data's cost off the page's own time.
    ///
    /// The written text is exact JSON and is used only by JSON serializers
    /// (the hydration data and server function replies are both JSON).
    #[cfg(feature = "ssr")]
    pub fn write_ahead(mut self) -> Self {
        /// Below this the hand-over costs about what it saves.
        const FROM_ROWS: usize = 200;
        if self.len() >= FROM_ROWS {
            let list = self.list.clone();
            self.ahead = ahead::Ahead::start(move || {
                serde_json::value::to_raw_value(&Rows(&list.workers)).ok()
            });
        }
        self
    }

    /// The worker at `index` (which must be in range), as a handle on
    /// this list rather than a copy.
    pub fn at(&self, index: usize) -> WorkerRef {
        assert!(index < self.len(), "worker {index} of {}", self.len());
        WorkerRef {
            list: self.clone(),
            index,
        }
    }
}

impl Deref for Workers {
    type Target = [Worker];
    fn deref(&self) -> &[Worker] {
        &self.list.workers
    }
}

impl PartialEq for Workers {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.list, &other.list) || self[..] == other[..]
    }
}

/// One worker of a shared list: what a table row holds. Cloning it or
/// dropping it touches a reference count, not the worker's text.
#[derive(Clone, Debug)]
pub struct WorkerRef {
    list: Workers,
    index: usize,
}

impl Deref for WorkerRef {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        &self.list[self.index]
    }
}

impl PartialEq for WorkerRef {
    fn eq(&self, other: &Self) -> bool {
        (Arc::ptr_eq(&self.list.list, &other.list.list) && self.index == other.index)
            || **self == **other
    }
}

impl From<Vec<Worker>> for Workers {
    fn from(workers: Vec<Worker>) -> Self {
        Workers::new(Arc::new(WorkerList {
            workers,
            ..WorkerList::default()
        }))
    }
}

impl Serialize for Workers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[cfg(feature = "ssr")]
        if self.apart {
            return s.serialize_str(ROWS_ELEMENT);
        }
        #[cfg(feature = "ssr")]
        if let Some(written) = self.ahead.written() {
            return written.serialize(s);
        }
        Rows(self).serialize(s)
    }
}

/// The rows of a list, as [`Workers`] travel.
struct Rows<'a>(&'a [Worker]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|w| {
            Row(
                w.id.as_str(),
                w.device_id.as_str(),
                Cell::status(WorkerStatus::KNOWN, &w.status, w.status.wire()),
                Cell::status(
                    DetailStatus::KNOWN,
                    &w.detail_status,
                    w.detail_status.wire(),
                ),
                millis(w.created_at),
                millis(w.launch_at),
                millis(w.last_serve_at),
                millis(w.deleted_at),
                // An odd value travels as the text the platform sent.
                Cell::count(&w.success_count),
                Cell::count(&w.failed_count),
                Cell::quantity(&w.cpus),
                Cell::count(&w.memory),
                // Whichever of the two GPU fields the platform filled.
                Cell::count(&w.gpu_count()),
                w.gpu(),
                w.app_revision.as_str(),
            )
        }))
    }
}

#[cfg(feature = "ssr")]
mod ahead {
    use std::sync::{Arc, Mutex, mpsc};

    use serde_json::value::RawValue;

    /// Rows being written out on the blocking pool, or written.
    #[derive(Clone, Default)]
    pub struct Ahead(Option<Arc<Mutex<State>>>);

    enum State {
        Writing(mpsc::Receiver<Arc<RawValue>>),
        Written(Arc<RawValue>),
        /// The writer ended without a result; the caller writes the rows.
        Failed,
    }

    impl Ahead {
        /// Runs `write` on the blocking pool; outside a Tokio runtime
        /// nothing is started and the rows are written when needed.
        pub fn start(write: impl FnOnce() -> Option<Box<RawValue>> + Send + 'static) -> Self {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return Ahead(None);
            };
            let (done, result) = mpsc::sync_channel(1);
            runtime.spawn_blocking(move || {
                if let Some(written) = write() {
                    let _ = done.send(Arc::from(written));
                }
            });
            Ahead(Some(Arc::new(Mutex::new(State::Writing(result)))))
        }

        /// The written rows, waiting for the writer if it is still at it
        /// (it was started before the page's HTML, so it rarely is).
        pub fn written(&self) -> Option<Arc<RawValue>> {
            let mut state = self.0.as_ref()?.lock().unwrap_or_else(|e| e.into_inner());
            if let State::Writing(result) = &*state {
                *state = match result.recv() {
                    Ok(written) => State::Written(written),
                    Err(_) => State::Failed,
                };
            }
            match &*state {
                State::Written(written) => Some(written.clone()),
                _ => None,
            }
        }
    }

    impl std::fmt::Debug for Ahead {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(if self.0.is_some() {
                "Ahead(started)"
            } else {
                "Ahead(none)"
            })
        }
    }
}

impl<'de> Deserialize<'de> for Workers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RowsVisitor)?
            .into_iter()
            .map(row_worker)
            .collect::<Result<Vec<_>, D::Error>>()
            .map(Workers::from)
    }
}

/// A worker as a row carries it.
fn row_worker<E: de::Error>(r: Row<String>) -> Result<Worker, E> {
    Ok(Worker {
        id: r.0,
        device_id: r.1,
        status: r
            .2
            .into_status(WorkerStatus::KNOWN, WorkerStatus::from_wire)?,
        detail_status: r
            .3
            .into_status(DetailStatus::KNOWN, DetailStatus::from_wire)?,
        created_at: time(r.4)?,
        launch_at: time(r.5)?,
        last_serve_at: time(r.6)?,
        deleted_at: time(r.7)?,
        success_count: r.8.into_count(),
        failed_count: r.9.into_count(),
        cpus: r.10.into_quantity(),
        memory: r.11.into_count(),
        gpus: r.12.into_count(),
        gpu_name: r.13,
        app_revision: r.14,
        ..Worker::default()
    })
}

/// Reads the rows, or the id of the element of the page that holds them
/// (see [`Workers::apart`]).
struct RowsVisitor;

impl<'de> de::Visitor<'de> for RowsVisitor {
    type Value = Vec<Row<String>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of workers, or the id of the element that holds it")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(row) = seq.next_element()? {
            rows.push(row);
        }
        Ok(rows)
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
        if id != ROWS_ELEMENT {
            return Err(E::custom(format!("no rows element named {id:?}")));
        }
        rows_in_element(id)
    }
}

/// The rows a server-rendered page carries in its element `id`.
#[cfg(feature = "hydrate")]
fn rows_in_element<E: de::Error>(id: &str) -> Result<Vec<Row<String>>, E> {
    let text = leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|element| element.text_content())
        .ok_or_else(|| E::custom(format!("the page has no element #{id} with its workers")))?;
    // The same reader as every other reply (see `crate::json`).
    let mut reader = serde_json::Deserializer::from_slice(text.as_bytes());
    let rows = de::Deserializer::deserialize_seq(&mut reader, RowsVisitor).map_err(E::custom)?;
    reader.end().map_err(E::custom)?;
    Ok(rows)
}

#[cfg(not(feature = "hydrate"))]
fn rows_in_element<E: de::Error>(id: &str) -> Result<Vec<Row<String>>, E> {
    Err(E::custom(format!(
        "the workers are in the page's element #{id}, which only a browser reads"
    )))
}

/// One worker: id, device, status, detail, created, launched, last served,
/// deleted, successes, failures, CPUs, memory, GPUs, GPU name, revision.
/// Written from borrowed text (`&str`), read into owned (`String`).
#[derive(Serialize, Deserialize)]
struct Row<S>(
    S,
    S,
    Cell,
    Cell,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Cell,
    Cell,
    Cell,
    Cell,
    Cell,
    S,
    S,
);

/// One of a row's scalars: a status (its index among the known values, or
/// its wire text) or a number (its value, or the odd text the platform
/// sent). The server has already read what the platform sent ([`Reading`]'s
/// own decoder), so reading a row back judges no numbers: the browser build
/// holds no text-to-number parser (core's float parser and its tables are
/// about 13 KB of wasm), and one decoder serves every scalar of a row.
enum Cell {
    Count(u64),
    Quantity(f64),
    Text(String),
}

impl Cell {
    fn status<T: PartialEq>(known: &[T], value: &T, wire: &str) -> Cell {
        match known.iter().position(|k| k == value) {
            Some(i) => Cell::Count(i as u64),
            None => Cell::Text(wire.to_string()),
        }
    }

    fn into_status<T: Clone, E: de::Error>(
        self,
        known: &[T],
        from_wire: impl Fn(&str) -> T,
    ) -> Result<T, E> {
        match self {
            Cell::Count(i) => known
                .get(i as usize)
                .cloned()
                .ok_or_else(|| E::custom(format!("no status number {i}"))),
            Cell::Quantity(_) => Err(E::custom("a status that is a fraction")),
            Cell::Text(raw) => Ok(from_wire(&raw)),
        }
    }

    fn count(r: &Reading<u64>) -> Cell {
        match r {
            Reading::Value(n) => Cell::Count(*n),
            Reading::Odd(raw) => Cell::Text(raw.clone()),
        }
    }

    fn quantity(r: &Reading<f64>) -> Cell {
        match r {
            Reading::Value(f) => Cell::Quantity(*f),
            Reading::Odd(raw) => Cell::Text(raw.clone()),
        }
    }

    /// A count as read back; a fraction where a count belongs (never
    /// written so) is odd.
    fn into_count(self) -> Reading<u64> {
        match self {
            Cell::Count(n) => Reading::Value(n),
            Cell::Quantity(f) => Reading::Odd(f.to_string()),
            Cell::Text(raw) => Reading::Odd(raw),
        }
    }

    fn into_quantity(self) -> Reading<f64> {
        match self {
            Cell::Count(n) => Reading::Value(n as f64),
            Cell::Quantity(f) => Reading::Value(f),
            Cell::Text(raw) => Reading::Odd(raw),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_u64(*n),
            Cell::Quantity(f) => s.serialize_f64(*f),
            Cell::Text(raw) => s.serialize_str(raw),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl de::Visitor<'_> for Visit {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or text")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
                Ok(Cell::Count(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Quantity(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_string()))
            }
        }
        d.deserialize_any(Visit)
    }
}

fn millis(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.unix_millis())
}

fn time<E: de::Error>(ms: Option<i64>) -> Result<Option<Timestamp>, E> {
    ms.map(|ms| {
        Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
            .ok_or_else(|| E::custom(format!("time out of range: {ms}")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Page {
        workers: Workers,
    }

    fn worker() -> Worker {
        let at = |raw| Timestamp::parse(raw);
        Worker {
            id: "w-1".into(),
            device_id: "dev-1".into(),
            status: WorkerStatus::Running,
            detail_status: DetailStatus::Busy,
            created_at: at("2026-11-20T10:00:00.123Z"),
            launch_at: at("2026-11-20T10:00:08.5Z"),
            last_serve_at: None,
            deleted_at: at("2026-11-21T00:00:00Z"),
            success_count: 12.into(),
            failed_count: 1.into(),
            cpus: 0.5.into(),
            memory: 2048.into(),
            gpus: 2.into(),
            gpu_name: "A100".into(),
            app_revision: "v3".into(),
            ..Worker::default()
        }
    }

    /// `n` workers that differ in every field the rows carry.
    fn many(n: usize) -> Vec<Worker> {
        (0..n)
            .map(|i| Worker {
                id: format!("w-{i}"),
                device_id: format!("dev-\"{i}\"<"),
                success_count: (i as u64).into(),
                status: if i % 7 == 0 {
                    WorkerStatus::Unknown("STATUS_NEW".into())
                } else {
                    WorkerStatus::Running
                },
                ..worker()
            })
            .collect()
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn rows_written_ahead_are_the_rows_written_in_place() {
        let plain = serde_json::to_string(&Workers::from(many(450))).unwrap();
        let list = Arc::new(WorkerList {
            workers: many(450),
            ..WorkerList::default()
        });
        for runtime in [
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build(),
            tokio::runtime::Builder::new_current_thread().build(),
        ] {
            let runtime = runtime.unwrap();
            let ahead = runtime.block_on(async { Workers::new(list.clone()).write_ahead() });
            assert!(format!("{:?}", ahead.ahead).contains("started"));
            // Twice: the second time from the kept text.
            for _ in 0..2 {
                assert_eq!(serde_json::to_string(&ahead).unwrap(), plain);
            }
            let page: Page =
                serde_json::from_str(&serde_json::to_string(&Page { workers: ahead }).unwrap())
                    .unwrap();
            assert_eq!(page.workers[..], many(450)[..]);
        }
        // Outside a runtime, or for a short list, nothing starts.
        let outside = Workers::new(list).write_ahead();
        assert!(format!("{:?}", outside.ahead).contains("none"));
        assert_eq!(serde_json::to_string(&outside).unwrap(), plain);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn rows_apart_travel_in_the_element_and_read_back() {
        let hostile = Worker {
            id: "w-</script><!--".into(),
            device_id: "dev-<script>\"x\"".into(),
            ..worker()
        };
        let mut workers = many(450);
        workers.push(hostile);
        let list = Arc::new(WorkerList {
            workers: workers.clone(),
            ..WorkerList::default()
        });
        let plain = Workers::new(list.clone());
        assert_eq!(plain.rows_element_text(), None, "only a list marked apart");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        // Written ahead (a long list) and written when asked (a short one).
        let long = runtime.block_on(async { Workers::new(list.clone()).write_ahead().apart() });
        let short = Workers::from(workers[440..].to_vec()).apart();
        for (apart, expected) in [(long, &workers[..]), (short, &workers[440..])] {
            // The hydration data names the element instead of holding the rows.
            let data = serde_json::to_string(&Page {
                workers: apart.clone(),
            })
            .unwrap();
            assert_eq!(data, format!(r#"{{"workers":"{ROWS_ELEMENT}"}}"#));
            // The element's text cannot end the element, and reads back as
            // the rows.
            let text = apart.rows_element_text().unwrap();
            assert!(!text.contains('<'), "{}", &text[..200]);
            assert!(text.contains(r"w-\u003c/script>\u003c!--"));
            let mut reader = serde_json::Deserializer::from_str(&text);
            let rows = de::Deserializer::deserialize_seq(&mut reader, RowsVisitor).unwrap();
            let read = Workers::from(
                rows.into_iter()
                    .map(|r| row_worker::<serde_json::Error>(r).unwrap())
                    .collect::<Vec<_>>(),
            );
            assert_eq!(read[..], expected[..]);
            // Outside a browser there is no element to read.
            let err = serde_json::from_str::<Page>(&data).unwrap_err();
            assert!(err.to_string().contains("only a browser reads"), "{err}");
        }
        // Another id is refused.
        let err = serde_json::from_str::<Page>(r#"{"workers":"other"}"#).unwrap_err();
        assert!(
            err.to_string().contains(r#"no rows element named "other""#),
            "{err}"
        );
    }

    #[test]
    fn what_the_pages_show_goes_through_unchanged() {
        let odd = Worker {
            status: WorkerStatus::Unknown("STATUS_NEW".into()),
            detail_status: DetailStatus::Unknown("DETAIL_X".into()),
            // Values the platform sent that are not numbers: each travels
            // as it was sent, and blanks only its own cell.
            success_count: Reading::Odd("-1".into()),
            cpus: Reading::Odd("lots".into()),
            memory: Reading::Odd(r#"{"mib":2}"#.into()),
            gpus: Reading::Odd("2.5".into()),
            ..worker()
        };
        let page = Page {
            workers: vec![worker(), odd, Worker::default()].into(),
        };
        let json = serde_json::to_string(&page).unwrap();
        assert_eq!(serde_json::from_str::<Page>(&json).unwrap(), page);
        assert!(json.contains(r#""STATUS_NEW""#), "{json}");
    }

    #[test]
    fn fields_no_page_shows_are_left_out() {
        let full = Worker {
            app_id: "app-123".into(),
            user_id: "someone".into(),
            device_public_address: "203.0.113.9".into(),
            ..worker()
        };
        let json = serde_json::to_string(&Page {
            workers: vec![full].into(),
        })
        .unwrap();
        for absent in [
            "app-123",
            "someone",
            "203.0.113.9",
            "createdAt",
            "STATUS_RUNNING",
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
        assert!(json.len() < 150, "{} bytes: {json}", json.len());
    }

    #[test]
    fn a_status_number_out_of_range_is_an_error() {
        let json = r#"{"workers":[["w","d",99,0,null,null,null,null,0,0,0,0,0,"",""]]}"#;
        let err = serde_json::from_str::<Page>(json).unwrap_err();
        assert!(err.to_string().contains("no status number 99"), "{err}");
    }
}
