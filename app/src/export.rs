//! The worker page's and the history page's view as a file (server only):
//! exactly the rows the view shows (filters, search and sort applied, every
//! page of it), as CSV or JSON, with the table's columns and every field of
//! the platform's `V1Worker`. Times in RFC 3339 UTC; CSV fields never read
//! as formulas.

use everai_api::{Reading, Timestamp, Worker};

use crate::{audit::csv_field, filters::WorkerQuery};

/// The most rows one download holds.
pub const MAX_ROWS: usize = 100_000;

/// Which view a file is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The live workers (the worker page).
    Live,
    /// The ended workers of the last `days` (the history page's table).
    History { days: u32 },
}

impl View {
    fn slug(self) -> String {
        match self {
            View::Live => "workers".into(),
            View::History { days } => format!("history-{days}d"),
        }
    }
}

/// A file format of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The rows of the view `query` of `workers`, or why there is no file:
/// more than [`MAX_ROWS`] of them.
pub fn rows(workers: &[Worker], query: &WorkerQuery) -> Result<Vec<Worker>, String> {
    let rows = query.apply(workers);
    if rows.len() > MAX_ROWS {
        return Err(format!(
            "This view has {} workers; a download holds at most {MAX_ROWS}. Narrow it with a filter or a search, and download again.",
            rows.len()
        ));
    }
    Ok(rows)
}

/// The file's name: the app, the view and the time it was read, e.g.
/// `everai-default-image-resize-history-7d-20261204T213000Z.csv`.
pub fn file_name(
    namespace: &str,
    app: &str,
    view: View,
    read_at: Timestamp,
    format: Format,
) -> String {
    let stamp: String = read_at
        .to_rfc3339()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(15)
        .collect();
    // Names are letters, digits, '-', '_' and '.', so the name needs no quoting.
    format!(
        "everai-{namespace}-{app}-{}-{stamp}Z.{}",
        view.slug(),
        format.extension()
    )
}

/// The CSV's header line: the table's columns, then the platform's other
/// fields.
pub const CSV_HEADER: &str = "status,detail_status,id,device_id,created_at,launch_at,cold_start_ms,last_serve_at,success_count,failed_count,cpus,memory_mib,gpu,app_revision,status_raw,detail_status_raw,deleted_at,stop_at,session_number,gpu_name,gpus,gpu_model,gpu_num,app_id,replace_worker_id,user_id,request_id,device_public_address,area\r\n";

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn reading<T: ToString>(r: &Reading<T>) -> String {
    match r {
        Reading::Value(v) => v.to_string(),
        Reading::Odd(raw) => raw.clone(),
    }
}

/// The GPU as the table shows it: "2× A100".
fn gpu_shown(w: &Worker) -> String {
    match (w.gpu_count(), w.gpu()) {
        (Reading::Value(0), name) => name.to_string(),
        (Reading::Value(n), "") => format!("{n}×"),
        (Reading::Value(n), name) => format!("{n}× {name}"),
        (Reading::Odd(_), name) => format!("?× {name}").trim_end().to_string(),
    }
}

fn cold_start_ms(w: &Worker) -> Option<i64> {
    w.cold_start().map(|d| d.whole_milliseconds() as i64)
}

/// The rows as CSV, header first, each line ending in CRLF.
pub fn csv(rows: &[Worker]) -> String {
    let mut out = String::with_capacity(CSV_HEADER.len() + rows.len() * 400);
    out.push_str(CSV_HEADER);
    for w in rows {
        let fields = [
            w.status.label().to_string(),
            crate::history::detail_of(w)
                .map(|d| d.label().to_string())
                .unwrap_or_default(),
            w.id.clone(),
            w.device_id.clone(),
            time(w.created_at),
            time(w.launch_at),
            cold_start_ms(w)
                .map(|ms| ms.to_string())
                .unwrap_or_default(),
            time(w.last_serve_at),
            reading(&w.success_count),
            reading(&w.failed_count),
            reading(&w.cpus),
            reading(&w.memory),
            gpu_shown(w),
            w.app_revision.clone(),
            w.status.wire().to_string(),
            w.detail_status.wire().to_string(),
            time(w.deleted_at),
            w.stop_at.clone(),
            reading(&w.session_number),
            w.gpu_name.clone(),
            reading(&w.gpus),
            w.gpu_model.clone(),
            reading(&w.gpu_num),
            w.app_id.clone(),
            w.replace_worker_id.clone(),
            w.user_id.clone(),
            w.request_id.clone(),
            w.device_public_address.clone(),
            w.area.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The rows as one JSON document: what the file is of, then each worker
/// with the platform's fields (its names, times in RFC 3339 UTC) and the
/// table's words beside them.
pub fn json(
    namespace: &str,
    app: &str,
    view: View,
    query: &WorkerQuery,
    read_at: Timestamp,
    rows: &[Worker],
) -> String {
    let workers: Vec<serde_json::Value> = rows
        .iter()
        .map(|w| {
            let mut fields = serde_json::to_value(w).unwrap_or_default();
            if let Some(map) = fields.as_object_mut() {
                map.insert(
                    "console".into(),
                    serde_json::json!({
                        "status": w.status.label(),
                        "detailStatus": crate::history::detail_of(w).map(|d| d.label()),
                        "coldStartMs": cold_start_ms(w),
                        "gpu": gpu_shown(w),
                    }),
                );
            }
            fields
        })
        .collect();
    let (view_name, days) = match view {
        View::Live => ("live", None),
        View::History { days } => ("history", Some(days)),
    };
    serde_json::to_string_pretty(&serde_json::json!({
        "namespace": namespace,
        "app": app,
        "view": view_name,
        "days": days,
        "query": query.to_query_string(),
        "readAt": read_at.to_rfc3339(),
        "count": rows.len(),
        "workers": workers,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use everai_api::{DetailStatus, WorkerStatus};

    fn at(ms: i64) -> Option<Timestamp> {
        Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
    }

    fn worker(id: &str, status: WorkerStatus, success: u64) -> Worker {
        Worker {
            id: id.into(),
            status,
            detail_status: DetailStatus::Free,
            created_at: at(1_700_000_000_000),
            launch_at: at(1_700_000_004_500),
            success_count: Reading::Value(success),
            ..Default::default()
        }
    }

    #[test]
    fn the_file_holds_the_view_every_page_of_it_in_its_order() {
        let workers: Vec<Worker> = (0..250)
            .map(|i| {
                let status = if i % 2 == 0 {
                    WorkerStatus::Running
                } else {
                    WorkerStatus::Error
                };
                worker(&format!("w{i:03}"), status, i)
            })
            .collect();
        let pairs = [
            ("status", "STATUS_RUNNING"),
            ("sort", "success"),
            ("page", "2"),
        ];
        let (query, _) = WorkerQuery::parse(pairs);
        let rows = rows(&workers, &query).unwrap();
        // Both pages of it, the page number ignored, largest first.
        assert_eq!(rows.len(), 125);
        assert_eq!(rows[0].id, "w248");
        assert_eq!(rows[124].id, "w000");
        let csv = csv(&rows);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 126);
        assert!(lines[1].starts_with("Running,Free,w248,"), "{}", lines[1]);
        assert!(lines[1].contains(",2023-11-14T22:13:20Z,"), "{}", lines[1]);
        assert!(lines[1].contains(",4500,"), "cold start: {}", lines[1]);
        assert!(
            lines[1].contains(",STATUS_RUNNING,DETAIL_STATUS_FREE,"),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[0].split(',').count(),
            lines[1].split(',').count(),
            "one field per column"
        );
    }

    #[test]
    fn past_the_bound_there_is_no_file_but_a_message() {
        let workers: Vec<Worker> = (0..MAX_ROWS + 1)
            .map(|i| worker(&format!("w{i}"), WorkerStatus::Running, 0))
            .collect();
        let (query, _) = WorkerQuery::parse([]);
        let message = rows(&workers, &query).unwrap_err();
        assert!(message.contains("100001 workers"), "{message}");
        assert!(message.contains("at most 100000"), "{message}");
    }

    #[test]
    fn hostile_text_is_inert_in_both_files() {
        let mut w = worker("w1", WorkerStatus::Running, 1);
        w.area = "=HYPERLINK(\"http://x\")".into();
        w.app_revision = "+1,\"two\"\nthree".into();
        w.user_id = "<script>alert(1)</script>".into();
        let csv = csv(std::slice::from_ref(&w));
        assert!(
            csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"),
            "{csv}"
        );
        assert!(csv.contains(",\"'+1,\"\"two\"\"\nthree\","), "{csv}");
        let (query, _) = WorkerQuery::parse([]);
        let json = json("ns", "app", View::Live, &query, at(0).unwrap(), &[w]);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["workers"][0]["userId"], "<script>alert(1)</script>");
        assert_eq!(back["workers"][0]["console"]["status"], "Running");
        assert_eq!(back["count"], 1);
        assert_eq!(back["readAt"], "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_file_name_says_app_view_and_time() {
        let t = Timestamp::parse("2026-12-04T21:30:00.123Z").unwrap();
        assert_eq!(
            file_name(
                "default",
                "image-resize",
                View::History { days: 7 },
                t,
                Format::Csv
            ),
            "everai-default-image-resize-history-7d-20261204T213000Z.csv"
        );
        assert_eq!(
            file_name("ns", "a", View::Live, t, Format::Json),
            "everai-ns-a-workers-20261204T213000Z.json"
        );
    }
}
