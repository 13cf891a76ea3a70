//! Workers as the browser receives them, in the hydration data and in every
//! refresh: one JSON array per worker, holding only what the pages show,
//! times as milliseconds and known statuses as small numbers. A worker in
//! the platform's own form is about three times as long, and most of it
//! (empty fields, key names, RFC 3339 text) the browser never reads.
//!
//! [`Workers`] travels this way, always: a server function's reply carries
//! its rows. (The worker page's first read carries them in an element of
//! the page instead: `pages::workers::rows_element`.)

use std::{ops::Deref, sync::Arc};

use everai_api::{DetailStatus, Reading, Timestamp, Worker, WorkerList, WorkerStatus};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An app's workers, shared rather than copied: the read the gateway kept
/// or handed to several callers, the page being rendered and the live
/// view's snapshot all hold the same list. Reads as a slice of workers.
#[derive(Clone, Debug, Default)]
pub struct Workers {
    list: Arc<WorkerList>,
    /// On the server, the rows as written out already (see
    /// [`Workers::written_ahead`]).
    #[cfg(feature = "ssr")]
    written: Option<Arc<serde_json::value::RawValue>>,
}

impl Workers {
    pub fn new(list: Arc<WorkerList>) -> Self {
        Workers {
            list,
            #[cfg(feature = "ssr")]
            written: None,
        }
    }

    /// The list with its rows written out as JSON on the blocking pool, for
    /// a list long enough to be worth it; the caller awaits that (other
    /// requests go on meanwhile), and whatever serializes the list later
    /// (a server function's reply, the page's rows element) takes the text
    /// instead of writing the rows itself. Outside a Tokio runtime, or if
    /// the writer fails, the rows are written when needed.
    #[cfg(feature = "ssr")]
    pub async fn written_ahead(self) -> Self {
        /// Below this the hand-over costs about what it saves.
        const FROM_ROWS: usize = 200;
        if self.len() < FROM_ROWS || tokio::runtime::Handle::try_current().is_err() {
            return self;
        }
        let list = self.list.clone();
        let written = tokio::task::spawn_blocking(move || {
            serde_json::value::to_raw_value(&Rows(&list.workers))
        })
        .await;
        Workers {
            written: match written {
                Ok(Ok(text)) => Some(Arc::from(text)),
                _ => None,
            },
            ..self
        }
    }

    /// The rows as JSON text: as written ahead, or written now (`None` if
    /// they cannot be written, which no list of workers makes happen).
    #[cfg(feature = "ssr")]
    pub fn rows_json(&self) -> Option<String> {
        match &self.written {
            Some(written) => Some(written.get().to_owned()),
            None => serde_json::to_string(&Rows(self)).ok(),
        }
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
        if let Some(written) = &self.written {
            return written.serialize(s);
        }
        Rows(self).serialize(s)
    }
}

/// The rows of a list, as [`Workers`] travel.
struct Rows<'a>(&'a [Worker]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|w| Row {
            id: w.id.as_str(),
            device_id: w.device_id.as_str(),
            status: Cell::status(WorkerStatus::KNOWN, &w.status, w.status.wire()),
            detail_status: Cell::status(
                DetailStatus::KNOWN,
                &w.detail_status,
                w.detail_status.wire(),
            ),
            created_at: millis(w.created_at),
            launch_at: millis(w.launch_at),
            last_serve_at: millis(w.last_serve_at),
            deleted_at: millis(w.deleted_at),
            // An odd value travels as the text the platform sent.
            success_count: Cell::count(&w.success_count),
            failed_count: Cell::count(&w.failed_count),
            cpus: Cell::quantity(&w.cpus),
            memory: Cell::count(&w.memory),
            // Whichever of the two GPU fields the platform filled.
            gpus: Cell::count(&w.gpu_count()),
            gpu_name: w.gpu(),
            app_revision: w.app_revision.as_str(),
        }))
    }
}

impl<'de> Deserialize<'de> for Workers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(RowsVisitor)?
            .into_iter()
            .map(row_worker)
            .collect::<Result<Vec<_>, D::Error>>()
            .map(Workers::from)
    }
}

/// A worker as a row carries it.
fn row_worker<E: de::Error>(row: RowRead) -> Result<Worker, E> {
    let RowRead(
        id,
        device_id,
        status,
        detail_status,
        created_at,
        launch_at,
        last_serve_at,
        deleted_at,
        success_count,
        failed_count,
        cpus,
        memory,
        gpus,
        gpu_name,
        app_revision,
    ) = row;
    Ok(Worker {
        id,
        device_id,
        status: status.into_status(WorkerStatus::KNOWN, WorkerStatus::from_wire)?,
        detail_status: detail_status.into_status(DetailStatus::KNOWN, DetailStatus::from_wire)?,
        created_at: time(created_at)?,
        launch_at: time(launch_at)?,
        last_serve_at: time(last_serve_at)?,
        deleted_at: time(deleted_at)?,
        success_count: success_count.into_count(),
        failed_count: failed_count.into_count(),
        cpus: cpus.into_quantity(),
        memory: memory.into_count(),
        gpus: gpus.into_count(),
        gpu_name,
        app_revision,
        ..Worker::default()
    })
}

/// Reads the rows.
struct RowsVisitor;

impl<'de> de::Visitor<'de> for RowsVisitor {
    type Value = Vec<RowRead>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of workers")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(row) = seq.next_element()? {
            rows.push(row);
        }
        Ok(rows)
    }
}

/// One worker as a row carries it: a JSON array of these fields, in this
/// order (read back as [`RowRead`]).
struct Row<'a> {
    id: &'a str,
    device_id: &'a str,
    status: Cell,
    detail_status: Cell,
    created_at: Option<i64>,
    launch_at: Option<i64>,
    last_serve_at: Option<i64>,
    deleted_at: Option<i64>,
    success_count: Cell,
    failed_count: Cell,
    cpus: Cell,
    memory: Cell,
    gpus: Cell,
    gpu_name: &'a str,
    app_revision: &'a str,
}

/// The number of fields of a [`Row`].
const ROW_FIELDS: usize = 15;

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(ROW_FIELDS)?;
        t.serialize_element(&self.id)?;
        t.serialize_element(&self.device_id)?;
        t.serialize_element(&self.status)?;
        t.serialize_element(&self.detail_status)?;
        t.serialize_element(&self.created_at)?;
        t.serialize_element(&self.launch_at)?;
        t.serialize_element(&self.last_serve_at)?;
        t.serialize_element(&self.deleted_at)?;
        t.serialize_element(&self.success_count)?;
        t.serialize_element(&self.failed_count)?;
        t.serialize_element(&self.cpus)?;
        t.serialize_element(&self.memory)?;
        t.serialize_element(&self.gpus)?;
        t.serialize_element(&self.gpu_name)?;
        t.serialize_element(&self.app_revision)?;
        t.end()
    }
}

/// A row as read: [`Row`]'s fields, in its order, named where
/// [`row_worker`] takes it apart. A tuple, because serde's own reader of
/// one is the smallest the browser build holds (a hand-written reader of
/// the struct was 1.7 KB more).
#[derive(Deserialize)]
struct RowRead(
    String,
    String,
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
    String,
    String,
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
            let ahead = runtime.block_on(Workers::new(list.clone()).written_ahead());
            assert!(ahead.written.is_some());
            // Twice: the second time from the kept text.
            for _ in 0..2 {
                assert_eq!(serde_json::to_string(&ahead).unwrap(), plain);
                assert_eq!(ahead.rows_json().as_deref(), Some(&plain[..]));
            }
            let page: Page =
                serde_json::from_str(&serde_json::to_string(&Page { workers: ahead }).unwrap())
                    .unwrap();
            assert_eq!(page.workers[..], many(450)[..]);
        }
        // Outside a runtime, or for a short list, nothing is written ahead.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let short = runtime.block_on(Workers::from(many(20)).written_ahead());
        assert!(short.written.is_none());
        assert_eq!(
            short.rows_json(),
            serde_json::to_string(&Workers::from(many(20))).ok()
        );
        let mut outside = std::pin::pin!(Workers::new(list).written_ahead());
        let std::task::Poll::Ready(outside) = outside
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
        else {
            panic!("waits outside a runtime");
        };
        assert!(outside.written.is_none());
        assert_eq!(serde_json::to_string(&outside).unwrap(), plain);
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
    fn a_row_of_the_wrong_length_or_not_a_list_is_an_error() {
        let short = r#"{"workers":[["w","d",0,0,null,null,null,null,0,0,0,0,0,""]]}"#;
        let err = serde_json::from_str::<Page>(short).unwrap_err();
        assert!(err.to_string().contains("with 15 elements"), "{err}");
        let long = r#"{"workers":[["w","d",0,0,null,null,null,null,0,0,0,0,0,"","",1]]}"#;
        assert!(serde_json::from_str::<Page>(long).is_err());
        // The rows travel inline, always: text in their place is refused.
        let err = serde_json::from_str::<Page>(r#"{"workers":"worker-rows"}"#).unwrap_err();
        assert!(err.to_string().contains("a list of workers"), "{err}");
    }

    #[test]
    fn a_status_number_out_of_range_is_an_error() {
        let json = r#"{"workers":[["w","d",99,0,null,null,null,null,0,0,0,0,0,"",""]]}"#;
        let err = serde_json::from_str::<Page>(json).unwrap_err();
        assert!(err.to_string().contains("no status number 99"), "{err}");
    }
}
