//! What can go wrong when talking to the EverAI API.

use std::time::Duration;

use crate::names::NameError;

/// A failed API call, specific enough for the console to tell a person what
/// happened and what to do. Messages never include the token, and upstream
/// text only after it has been cut to a short, single-line excerpt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// A namespace or app name failed the allow-list; nothing was sent.
    #[error(transparent)]
    InvalidName(#[from] NameError),
    /// The request itself was refused before sending (bad count, no target).
    #[error("{0}")]
    InvalidRequest(String),
    /// 401: the token is missing, wrong or expired.
    #[error("the EverAI API did not accept the token (401)")]
    Unauthorized,
    /// 403: the token is valid but may not do this.
    #[error("the token is not allowed to do this (403)")]
    Forbidden,
    /// 404: no such namespace or app.
    #[error("the EverAI API has no such app (404)")]
    NotFound,
    /// 429: too many requests; `retry_after` when the platform said.
    #[error("the EverAI API is rate limiting the console (429)")]
    RateLimited { retry_after: Option<Duration> },
    /// Any other non-success status, with the platform's own message if it
    /// sent a readable one.
    #[error("the EverAI API answered {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Upstream {
        status: u16,
        message: Option<String>,
    },
    /// No complete answer in time. For a scale request the outcome is
    /// unknown: it may or may not have been carried out.
    #[error("the EverAI API did not answer in time")]
    Timeout,
    /// The connection could not be made (refused, DNS, TLS): the request
    /// was not delivered.
    #[error("the EverAI API could not be reached")]
    Unreachable,
    /// The connection broke after the request went out and before the
    /// answer was complete. For a scale request the outcome is unknown.
    #[error("the connection to the EverAI API broke before its answer was complete")]
    Interrupted,
    /// A reply that is not what the API sends: wrong JSON, wrong types, too
    /// big, or a redirect.
    #[error("the EverAI API sent a reply the console cannot read: {0}")]
    Malformed(String),
    /// Not sent: the last calls for the same app failed one after another,
    /// so calls are paused until `retry_after` has passed (a circuit
    /// breaker; see [`crate::gateway`]).
    #[error("calls to the EverAI API for this app are paused after repeated failures")]
    CircuitOpen { retry_after: Duration },
    /// Not sent: as many calls as allowed are already in progress and the
    /// queue for more is full or did not move in time.
    #[error("the console is making as many calls to the EverAI API as it allows")]
    Busy { retry_after: Duration },
}

impl ApiError {
    /// The HTTP status the platform answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized => Some(401),
            ApiError::Forbidden => Some(403),
            ApiError::NotFound => Some(404),
            ApiError::RateLimited { .. } => Some(429),
            ApiError::Upstream { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True for the failures that say the platform is in trouble (no
    /// answer, a broken or unreadable one, a 5xx); these trip the circuit
    /// breaker. A 4xx is an answer about the request, not an outage.
    pub fn is_outage(&self) -> bool {
        match self {
            ApiError::Timeout
            | ApiError::Unreachable
            | ApiError::Interrupted
            | ApiError::Malformed(_) => true,
            ApiError::Upstream { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A short, fixed name for counting outcomes (metrics labels).
    pub fn label(&self) -> &'static str {
        match self {
            ApiError::InvalidName(_) | ApiError::InvalidRequest(_) => "invalid",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Upstream { status, .. } if *status >= 500 => "server_error",
            ApiError::Upstream { .. } => "client_error",
            ApiError::Timeout => "timeout",
            ApiError::Unreachable => "unreachable",
            ApiError::Interrupted => "interrupted",
            ApiError::Malformed(_) => "malformed",
            ApiError::CircuitOpen { .. } => "circuit_open",
            ApiError::Busy { .. } => "busy",
        }
    }

    /// True when a scale request may have been carried out although no
    /// answer arrived: the person must check the list, not retry blindly.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout | ApiError::Interrupted | ApiError::Malformed(_)
        )
    }
}
