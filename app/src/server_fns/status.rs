use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ConsoleError;

/// The kind of EverAI API behind the console, safe to show in a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpstreamKind {
    Simulator,
    Platform,
}

impl UpstreamKind {
    pub fn label(self) -> &'static str {
        match self {
            UpstreamKind::Simulator => "Built-in simulator",
            UpstreamKind::Platform => "EverAI platform",
        }
    }
}

/// What the console says about itself on the start page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleStatus {
    pub version: String,
    pub upstream: UpstreamKind,
    pub uptime_secs: u64,
}

/// Reports the console's version, which kind of upstream it uses and how
/// long its server has been up.
#[server(prefix = "/api", endpoint = "console_status")]
pub async fn get_console_status() -> Result<ConsoleStatus, ConsoleError> {
    let state = use_context::<crate::state::AppState>().ok_or_else(|| {
        tracing::error!("get_console_status called without AppState in context");
        ConsoleError::Internal
    })?;
    Ok(ConsoleStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        upstream: state.upstream,
        uptime_secs: state.started_at.elapsed().as_secs(),
    })
}

/// "3 h 4 min", "12 min 5 s", "42 s": coarse enough to read at a glance.
pub fn format_uptime(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::format_uptime;

    #[test]
    fn uptime_reads_at_a_glance() {
        assert_eq!(format_uptime(0), "0 s");
        assert_eq!(format_uptime(59), "59 s");
        assert_eq!(format_uptime(60), "1 min 0 s");
        assert_eq!(format_uptime(3_599), "59 min 59 s");
        assert_eq!(format_uptime(3_600), "1 h 0 min");
        assert_eq!(format_uptime(86_399), "23 h 59 min");
        assert_eq!(format_uptime(90_061), "1 d 1 h");
    }
}
