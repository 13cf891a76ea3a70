//! Fault injection: make the simulated platform slow, failing or garbled,
//! for tests and demos. Off by default.

use serde::{Deserialize, Serialize};

/// What goes wrong, and how often. Rates are shares of API requests (0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added before every API answer.
    pub latency_ms: u64,
    /// Share of requests answered with `error_status` instead.
    pub error_rate: f64,
    /// The status for injected errors: 401, 403, 429, 500, 502, 503, …
    pub error_status: u16,
    /// `Retry-After` seconds sent with injected 429 and 503 answers.
    pub retry_after_secs: Option<u64>,
    /// Share of successful answers whose JSON body is cut in half.
    pub truncate_rate: f64,
    /// Share of successful answers replaced by an HTML page.
    pub html_rate: f64,
    /// Only requests about these apps (`namespace/app`) are affected; when
    /// empty, every API request is. Lets one app misbehave while the others
    /// stay healthy.
    pub apps: Vec<String>,
    /// Only these kinds of call (as `GET /_sim/calls` names them:
    /// `list_workers`, `get_app`, `list_queue`, `list_events`,
    /// `request_statistic`, `pause`, …);
    /// when empty, every kind. Lets one endpoint fail while the others
    /// answer.
    pub calls: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            error_rate: 0.0,
            error_status: 503,
            retry_after_secs: None,
            truncate_rate: 0.0,
            html_rate: 0.0,
            apps: Vec::new(),
            calls: Vec::new(),
        }
    }
}

impl Faults {
    /// Checks the settings; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("truncate_rate", self.truncate_rate),
            ("html_rate", self.html_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if !(400..=599).contains(&self.error_status) {
            return Err("error_status must be between 400 and 599".into());
        }
        if self.latency_ms > 120_000 {
            return Err("latency_ms must be at most 120000".into());
        }
        for app in &self.apps {
            let mut parts = app.split('/');
            let ok = matches!(
                (parts.next(), parts.next(), parts.next()),
                (Some(ns), Some(name), None) if !ns.is_empty() && !name.is_empty()
            );
            if !ok {
                return Err(format!("apps: {app:?} is not of the form namespace/app"));
            }
        }
        for call in &self.calls {
            if !crate::http::CALL_KINDS.contains(&call.as_str()) {
                return Err(format!(
                    "calls: {call:?} is not one of {}",
                    crate::http::CALL_KINDS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether a request for `path`, a call of `kind`, is subject to these
    /// faults.
    pub fn applies_to(&self, path: &str, kind: &str) -> bool {
        if !self.calls.is_empty() && !self.calls.iter().any(|c| c == kind) {
            return false;
        }
        if self.apps.is_empty() {
            return true;
        }
        // /api/apps/v1/namespaces/{ns}/apps/{app}/… and …/{app}:pause
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "apps", "v1", "namespaces", ns, "apps", app, ..] => {
                let app = app.split_once(':').map_or(*app, |(name, _)| name);
                self.apps.iter().any(|a| *a == format!("{ns}/{app}"))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_faults_apply_to_their_apps_only() {
        let faults = Faults {
            apps: vec!["staging/canary".into()],
            ..Faults::default()
        };
        assert!(faults.validate().is_ok());
        let applies = |f: &Faults, path: &str| f.applies_to(path, crate::http::call_kind(path));
        assert!(applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/canary/workers"
        ));
        assert!(applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/canary/workers:scale-up"
        ));
        assert!(applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/canary:pause"
        ));
        assert!(applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/canary"
        ));
        assert!(!applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/other/workers"
        ));
        assert!(!applies(
            &faults,
            "/api/apps/v1/namespaces/staging/apps/other:pause"
        ));
        assert!(!applies(&faults, "/api/apps/v1/namespaces/staging/apps"));
        assert!(!applies(&faults, "/api/apps/v1/apps"));
        assert!(applies(&Faults::default(), "/api/apps/v1/apps"));
    }

    #[test]
    fn faults_aimed_at_one_kind_of_call_leave_the_others_alone() {
        let faults = Faults {
            calls: vec!["list_queue".into()],
            ..Faults::default()
        };
        assert!(faults.validate().is_ok());
        let applies = |path: &str| faults.applies_to(path, crate::http::call_kind(path));
        assert!(applies("/api/apps/v1/namespaces/ns/apps/a/request_queues"));
        assert!(!applies("/api/apps/v1/namespaces/ns/apps/a/workers"));
        assert!(!applies("/api/apps/v1/namespaces/ns/apps/a/events"));
        assert!(!applies("/api/apps/v1/namespaces/ns/apps/a"));
        let bad = Faults {
            calls: vec!["list_everything".into()],
            ..Faults::default()
        };
        assert!(bad.validate().unwrap_err().contains("list_everything"));
    }

    #[test]
    fn app_names_must_name_namespace_and_app() {
        for bad in ["canary", "a/b/c", "/canary", "staging/"] {
            let faults = Faults {
                apps: vec![bad.into()],
                ..Faults::default()
            };
            assert!(faults.validate().is_err(), "{bad}");
        }
    }
}
