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
    /// Who is signed in (token sign-in only).
    #[serde(default)]
    pub signed_in_as: Option<String>,
}

/// Reports the console's version, which kind of upstream it uses and how
/// long its server has been up.
#[server(prefix = "/api", endpoint = "console_status")]
pub async fn get_console_status() -> Result<ConsoleStatus, ConsoleError> {
    let state = use_context::<crate::state::AppState>().ok_or_else(|| {
        tracing::error!("get_console_status called without AppState in context");
        ConsoleError::Internal
    })?;
    let signed_in_as = crate::auth::Identity::current()
        .filter(|who| who.token.is_some())
        .map(|who| who.actor);
    Ok(ConsoleStatus {
        signed_in_as,
        version: crate::build_id::VERSION.to_string(),
        upstream: state.upstream,
        uptime_secs: state.started_at.elapsed().as_secs(),
    })
}
