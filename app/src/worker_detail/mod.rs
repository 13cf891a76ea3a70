//! One worker's page, server side.
//!
//! The platform's app service has no call for one worker, so the worker
//! is looked for in the lists the other pages read, through the gateway's
//! shared, kept reads: the live list first (the worker page's read), then
//! the history of the last [`model::HISTORY_DAYS`] days (the history
//! page's longest window). A hundred people on a hundred workers' pages of
//! one app cost the platform the same reads as one of them.
//!
//! - [`model`]: where it was found, its lifecycle, replacements and the
//!   events that name it, in plain Rust.
//! - [`render`]: the page's body as HTML (decision record 0006).

use everai_api::{ApiError, AppName, Gateway, Listed, Namespace};
use secrecy::SecretString;

pub mod model;
pub mod render;

use model::FoundIn;

/// The longest worker id the console accepts in an address.
pub use crate::actions::MAX_WORKER_ID_LEN;

/// The list `id` was found in, and where; `None` when it is in neither.
pub async fn locate(
    gateway: &Gateway,
    token: Option<&SecretString>,
    namespace: &Namespace,
    app: &AppName,
    id: &str,
) -> Result<Option<(Listed, FoundIn)>, ApiError> {
    // The same windows as the worker page and the history page send, so
    // their kept answers serve this page too.
    let live = gateway
        .list_workers(token, namespace, app, false, 2)
        .await?;
    if model::find(&live.list, id).is_some() {
        return Ok(Some((live, FoundIn::Live)));
    }
    let days = model::HISTORY_DAYS;
    let history = gateway
        .list_workers(token, namespace, app, true, days)
        .await?;
    Ok(model::find(&history.list, id)
        .is_some()
        .then_some((history, FoundIn::History { days })))
}
