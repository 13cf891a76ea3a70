//! The audit log as the console shows it: the records, and the view's
//! filters as they live in the URL
//! (`/audit?app=default/llm-chat&actor=ana&outcome=failed&from=2026-11-01&to=2026-11-27`).

pub use console_store::{Action, Outcome};
use everai_api::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    actions::{ActionOutcome, ScaleRequest, ScaleResult},
    filters::encode,
};

/// Most records one view shows (newest first); the CSV export takes more.
pub const PAGE_LIMIT: u32 = 500;
/// Most records one CSV export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// What a record still pending says of its outcome.
pub const IN_PROGRESS: &str = "Still in progress.";

/// One scale attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub replica: String,
    pub actor: String,
    pub role: String,
    pub client_addr: String,
    pub namespace: String,
    pub app: String,
    pub action: Action,
    pub count: Option<u32>,
    pub worker_ids: Vec<String>,
    pub outcome: Outcome,
    pub detail: String,
    pub new_ids: Vec<String>,
    pub upstream_status: Option<u16>,
    pub duration_ms: Option<i64>,
}

impl AuditRecord {
    /// What was asked, in words: "add 2 workers", "remove 3 chosen workers".
    pub fn asked(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match (self.action, self.count) {
            (Action::Up, Some(n)) => format!("add {n} worker{}", plural(n as usize)),
            (Action::Up, None) => "add workers".to_string(),
            (Action::Down, _) => {
                let n = self.worker_ids.len();
                format!("remove {n} chosen worker{}", plural(n))
            }
            (Action::Pause, _) => "pause the app".to_string(),
            (Action::Resume, _) => "resume the app".to_string(),
        }
    }

    /// The outcome as a person reads it.
    pub fn outcome_label(&self) -> &'static str {
        outcome_label(self.outcome)
    }

    /// The record as the outcome the worker pages show (for the history
    /// timeline's marks).
    pub fn to_outcome(&self) -> ActionOutcome {
        let request = match self.action {
            Action::Up => ScaleRequest::Up {
                count: self.count.unwrap_or_default(),
            },
            Action::Down => ScaleRequest::Down {
                worker_ids: self.worker_ids.clone(),
            },
            Action::Pause => ScaleRequest::Pause,
            Action::Resume => ScaleRequest::Resume,
        };
        let reason = self.detail.clone();
        let result = match (self.outcome, &request) {
            (Outcome::Done, ScaleRequest::Up { .. }) => ScaleResult::Added {
                worker_ids: self.new_ids.clone(),
            },
            (Outcome::Done, ScaleRequest::Down { .. }) => ScaleResult::Removed,
            (Outcome::Done, ScaleRequest::Pause | ScaleRequest::Resume) => ScaleResult::Applied,
            (Outcome::Rejected, _) => ScaleResult::Rejected { reason },
            (Outcome::Failed, _) => ScaleResult::Failed { reason },
            (Outcome::Pending, _) => ScaleResult::Unknown {
                reason: IN_PROGRESS.into(),
            },
            (Outcome::Unknown, _) => ScaleResult::Unknown { reason },
        };
        ActionOutcome {
            namespace: self.namespace.clone(),
            app: self.app.clone(),
            request,
            result,
            at_ms: self.finished_ms.unwrap_or(self.started_ms),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<console_store::Entry> for AuditRecord {
    fn from(e: console_store::Entry) -> Self {
        AuditRecord {
            id: e.id,
            started_ms: e.started_ms,
            finished_ms: e.finished_ms,
            replica: e.replica,
            actor: e.actor,
            role: e.role,
            client_addr: e.client_addr,
            namespace: e.namespace,
            app: e.app,
            action: e.action,
            count: e.count,
            worker_ids: e.worker_ids,
            outcome: e.outcome,
            detail: e.detail,
            new_ids: e.new_ids,
            upstream_status: e.upstream_status,
            duration_ms: e.duration_ms,
        }
    }
}

#[cfg(feature = "ssr")]
impl AuditBounds {
    /// The store's filter for these bounds, at most `limit` records.
    pub fn to_filter(&self, limit: u32) -> console_store::Filter {
        console_store::Filter {
            namespace: self.namespace.clone(),
            app: self.app.clone(),
            actor: self.actor.clone(),
            outcome: self.outcome,
            from_ms: self.from_ms,
            to_ms: self.to_ms,
            limit,
        }
    }
}

/// The outcomes in the order the view's filter offers them.
pub const OUTCOMES: [Outcome; 5] = [
    Outcome::Done,
    Outcome::Rejected,
    Outcome::Failed,
    Outcome::Unknown,
    Outcome::Pending,
];

/// An outcome as a person reads it.
pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Done => "Done",
        Outcome::Rejected => "Rejected",
        Outcome::Failed => "Failed",
        Outcome::Unknown => "Outcome unknown",
        Outcome::Pending => "In progress",
    }
}

/// The audit view's filters. Dates are whole UTC days, both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// `namespace/app`, or just `namespace/` for all of its apps.
    pub app: String,
    pub actor: String,
    pub outcome: String,
    /// `YYYY-MM-DD`
    pub from: String,
    pub to: String,
}

/// The filters in the form the store takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditBounds {
    pub namespace: Option<String>,
    pub app: Option<String>,
    pub actor: Option<String>,
    pub outcome: Option<Outcome>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Midnight UTC at the start of `YYYY-MM-DD`, in ms.
pub fn day_start_ms(date: &str) -> Option<i64> {
    if date.len() != 10 {
        return None;
    }
    Timestamp::parse(&format!("{date}T00:00:00Z")).map(|t| t.unix_millis())
}

impl AuditQuery {
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> AuditQuery {
        let mut q = AuditQuery::default();
        for (k, v) in pairs {
            let v: String = v.trim().chars().take(200).collect();
            match k {
                "app" => q.app = v,
                "actor" => q.actor = v,
                "outcome" => q.outcome = v,
                "from" => q.from = v,
                "to" => q.to = v,
                _ => {}
            }
        }
        q
    }

    /// Checks the filters; the message says which one is wrong and how.
    pub fn bounds(&self) -> Result<AuditBounds, String> {
        let mut b = AuditBounds::default();
        if !self.app.is_empty() {
            let (ns, app) = match self.app.split_once('/') {
                Some((ns, app)) => (ns, app),
                None => {
                    return Err(format!(
                        "The app {:?} must be written namespace/app, e.g. default/llm-chat.",
                        self.app
                    ));
                }
            };
            everai_api::Namespace::parse(ns)
                .map_err(|e| format!("The app filter's namespace: {e}"))?;
            b.namespace = Some(ns.to_string());
            if !app.is_empty() {
                everai_api::AppName::parse(app).map_err(|e| format!("The app filter: {e}"))?;
                b.app = Some(app.to_string());
            }
        }
        if !self.actor.is_empty() {
            if self.actor.chars().any(char::is_control) {
                return Err("The actor filter has control characters.".into());
            }
            b.actor = Some(self.actor.clone());
        }
        if !self.outcome.is_empty() {
            b.outcome = Some(Outcome::parse(&self.outcome).ok_or_else(|| {
                format!(
                    "There is no outcome {:?}; use one of {}.",
                    self.outcome,
                    OUTCOMES.map(Outcome::as_str).join(", ")
                )
            })?);
        }
        let date = |name: &str, v: &str| {
            day_start_ms(v).ok_or_else(|| {
                format!("The {name} date {v:?} is not a date like 2026-11-27 (UTC).")
            })
        };
        if !self.from.is_empty() {
            b.from_ms = Some(date("from", &self.from)?);
        }
        if !self.to.is_empty() {
            b.to_ms = Some(date("to", &self.to)? + DAY_MS);
        }
        if let (Some(from), Some(to)) = (b.from_ms, b.to_ms)
            && from >= to
        {
            return Err("The from date is after the to date.".into());
        }
        Ok(b)
    }

    /// The canonical query string, without `?`.
    pub fn to_query_string(&self) -> String {
        [
            ("app", &self.app),
            ("actor", &self.actor),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One CSV field: quoted when it must be, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-`, `@` gets a `'`).
pub fn csv_field(value: &str) -> String {
    let value = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The header line of the CSV export.
pub const CSV_HEADER: &str = "id,started_utc,finished_utc,actor,role,client_address,namespace,app,action,count,worker_ids,outcome,detail,new_worker_ids,upstream_status,duration_ms,replica\r\n";

fn utc(ms: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// One record as a CSV line (with its CRLF).
pub fn csv_line(r: &AuditRecord) -> String {
    let fields = [
        r.id.clone(),
        utc(r.started_ms),
        r.finished_ms.map(utc).unwrap_or_default(),
        r.actor.clone(),
        r.role.clone(),
        r.client_addr.clone(),
        r.namespace.clone(),
        r.app.clone(),
        r.action.as_str().to_string(),
        r.count.map(|c| c.to_string()).unwrap_or_default(),
        r.worker_ids.join(" "),
        r.outcome.as_str().to_string(),
        r.detail.clone(),
        r.new_ids.join(" "),
        r.upstream_status.map(|s| s.to_string()).unwrap_or_default(),
        r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
        r.replica.clone(),
    ];
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url_and_are_checked() {
        let q = AuditQuery::parse([
            ("app", "default/llm-chat"),
            ("actor", "ana"),
            ("outcome", "failed"),
            ("from", "2026-11-01"),
            ("to", "2026-11-27"),
        ]);
        assert_eq!(
            q.to_query_string(),
            "app=default%2Fllm-chat&actor=ana&outcome=failed&from=2026-11-01&to=2026-11-27"
        );
        let b = q.bounds().unwrap();
        assert_eq!(b.namespace.as_deref(), Some("default"));
        assert_eq!(b.app.as_deref(), Some("llm-chat"));
        assert_eq!(b.from_ms, day_start_ms("2026-11-01"));
        // The to date is included: the bound is the next midnight.
        assert_eq!(b.to_ms, day_start_ms("2026-11-28"));
        assert_eq!(
            AuditQuery::parse([("app", "research/")])
                .bounds()
                .unwrap()
                .app,
            None
        );

        for (pairs, wanted) in [
            (vec![("app", "llm-chat")], "namespace/app"),
            (vec![("app", "default/bad name")], "app filter"),
            (vec![("outcome", "ok")], "no outcome"),
            (vec![("from", "27/11/2026")], "from date"),
            (vec![("to", "2026-02-30")], "to date"),
            (vec![("from", "2026-11-27"), ("to", "2026-11-01")], "after"),
        ] {
            let err = AuditQuery::parse(pairs.clone()).bounds().unwrap_err();
            assert!(err.contains(wanted), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
        let r = AuditRecord {
            id: "x".into(),
            started_ms: 0,
            finished_ms: Some(1500),
            replica: "r".into(),
            actor: "ana".into(),
            role: "operator".into(),
            client_addr: "127.0.0.1".into(),
            namespace: "default".into(),
            app: "a".into(),
            action: Action::Down,
            count: None,
            worker_ids: vec!["w1".into(), "w2".into()],
            outcome: Outcome::Done,
            detail: String::new(),
            new_ids: vec![],
            upstream_status: Some(200),
            duration_ms: Some(12),
        };
        assert_eq!(
            csv_line(&r),
            "x,1970-01-01T00:00:00Z,1970-01-01T00:00:01.500Z,ana,operator,127.0.0.1,default,a,down,,w1 w2,done,,,200,12,r\r\n"
        );
        assert_eq!(
            CSV_HEADER.matches(',').count(),
            csv_line(&r).matches(',').count()
        );
        assert_eq!(r.asked(), "remove 2 chosen workers");
    }
}
