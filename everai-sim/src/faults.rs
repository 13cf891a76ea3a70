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
        Ok(())
    }
}
