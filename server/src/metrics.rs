//! `GET /metrics` in Prometheus' text format: requests by route and status
//! with their latencies, and the gateway's calls to the EverAI API by
//! endpoint and outcome, shared reads, refusals and paused apps. Labels are
//! route patterns and fixed words, never app names or anything a person
//! typed.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex};

use app::state::AppState;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (method, route, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → (bucket counts, sum, count).
    latency: BTreeMap<String, ([u64; BUCKETS.len()], f64, u64)>,
    shed: u64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let (buckets, sum, count) = m.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                buckets[i] += 1;
            }
        }
        *sum += seconds;
        *count += 1;
    }

    pub fn shed(&self) {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .shed += 1;
    }

    /// The HTTP part of the exposition.
    fn render(&self, out: &mut String) {
        let m = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP console_http_requests_total Requests served, by method, route and status.\n# TYPE console_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "console_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP console_http_request_duration_seconds Time to serve a request, by route.\n# TYPE console_http_request_duration_seconds histogram\n");
        for (route, (buckets, sum, count)) in &m.latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(buckets) {
                let _ = writeln!(
                    out,
                    "console_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "console_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}\nconsole_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}\nconsole_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP console_http_requests_shed_total Requests refused with 503 because too many were in progress.\n# TYPE console_http_requests_shed_total counter\nconsole_http_requests_shed_total {}",
            m.shed
        );
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn export(State(state): State<AppState>, guard: crate::guard::Guard) -> Response {
    let mut out = String::new();
    guard.metrics.render(&mut out);
    let g = state.gateway.stats();
    out.push_str("# HELP console_upstream_calls_total Calls to the EverAI API, by endpoint and outcome.\n# TYPE console_upstream_calls_total counter\n");
    for ((endpoint, outcome), (n, _)) in &g.calls {
        let _ = writeln!(
            out,
            "console_upstream_calls_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}"
        );
    }
    out.push_str("# HELP console_upstream_call_seconds_total Time spent in calls to the EverAI API, by endpoint and outcome.\n# TYPE console_upstream_call_seconds_total counter\n");
    for ((endpoint, outcome), (_, s)) in &g.calls {
        let _ = writeln!(
            out,
            "console_upstream_call_seconds_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {s}"
        );
    }
    let _ = write!(
        out,
        "# HELP console_upstream_shared_reads_total Worker lists handed to a viewer without a call of their own: joined a call under way, or kept from a recent one.\n# TYPE console_upstream_shared_reads_total counter\nconsole_upstream_shared_reads_total{{how=\"joined\"}} {}\nconsole_upstream_shared_reads_total{{how=\"kept\"}} {}\n\
# HELP console_upstream_refused_total Calls not sent: the app's calls were paused (circuit open) or too many were in progress.\n# TYPE console_upstream_refused_total counter\nconsole_upstream_refused_total{{why=\"circuit_open\"}} {}\nconsole_upstream_refused_total{{why=\"busy\"}} {}\n\
# HELP console_upstream_open_circuits Apps whose platform calls are paused now.\n# TYPE console_upstream_open_circuits gauge\nconsole_upstream_open_circuits {}\n\
# HELP console_upstream_in_flight Calls to the EverAI API in progress.\n# TYPE console_upstream_in_flight gauge\nconsole_upstream_in_flight {}\n\
# HELP console_upstream_waiting Calls waiting for a free slot.\n# TYPE console_upstream_waiting gauge\nconsole_upstream_waiting {}\n",
        g.joined, g.kept, g.paused, g.busy, g.open_circuits, g.in_flight, g.waiting
    );
    let _ = writeln!(
        out,
        "# HELP console_sign_ins_refused_total Sign-ins refused before the token was checked with the platform: too many from one address or in all.\n# TYPE console_sign_ins_refused_total counter\nconsole_sign_ins_refused_total {}",
        state.sign_in_limit.refused()
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
