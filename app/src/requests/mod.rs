//! How many requests an app served over the history window, by the hour or
//! the day, and by user: the platform's request statistics (server side).
//!
//! - [`read`]: one read through the gateway's shared, kept reads, on whole
//!   buckets so that every viewer in the same hour asks the same question,
//!   bounded in time like the other panels.
//! - [`model`]: which buckets to ask for and what the answer adds up to.
//! - [`render`]: the card as HTML (decision record 0006).

use everai_api::{AppName, Namespace, Timestamp};
use secrecy::SecretString;

pub mod model;
pub mod render;

use crate::insight::model::Part;

/// The requests card of the history page for `days` ending at `now_ms`,
/// by the interval `asked` (the address's `interval`) names, within what
/// is offered. A failed read fails this card only.
pub async fn read(
    gateway: &everai_api::Gateway,
    token: Option<&SecretString>,
    (namespace, app): (&Namespace, &AppName),
    now_ms: i64,
    days: u32,
    asked: Option<&str>,
) -> String {
    let choice = model::choose(days, asked);
    let (from_ms, to_ms) = model::window(now_ms, days, choice.interval);
    let at = |ms: i64| Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000);
    let part = match (at(from_ms), at(to_ms)) {
        (Some(from), Some(to)) => {
            let read =
                gateway.request_statistic(token, namespace, app, (from, to), choice.interval);
            match crate::insight::bounded(read).await {
                Ok(stats) => Part::Shown(model::chart(&stats, choice.interval, (from_ms, to_ms))),
                Err(e) => crate::insight::model::failed(
                    "the request statistics",
                    e,
                    namespace.as_str(),
                    app.as_str(),
                ),
            }
        }
        _ => {
            Part::Failed("The statistics window is outside the times the console can write.".into())
        }
    };
    let path = crate::filters::history_path(namespace.as_str(), app.as_str());
    render::html(&part, choice.note.as_deref(), &path, days, choice.interval)
}
