use everai_api::{DetailStatus, WorkerStatus};
use leptos::prelude::*;

/// A worker's status as a coloured badge; unknown values as plain text.
#[component]
pub fn StatusBadge(status: WorkerStatus) -> impl IntoView {
    let class = match &status {
        WorkerStatus::Running => "badge badge-ok",
        WorkerStatus::Created | WorkerStatus::Initialized | WorkerStatus::Pending => {
            "badge badge-starting"
        }
        WorkerStatus::Terminating => "badge badge-going",
        WorkerStatus::Terminated => "badge badge-ended",
        WorkerStatus::Error | WorkerStatus::Unavailable | WorkerStatus::Unspecified => {
            "badge badge-bad"
        }
        WorkerStatus::Unknown(_) => "badge badge-unknown",
    };
    view! { <span class=class title=status.wire().to_string()>{status.label().to_string()}</span> }
}

/// A worker's detail status as an outlined badge.
#[component]
pub fn DetailBadge(detail: DetailStatus) -> impl IntoView {
    let class = match &detail {
        DetailStatus::Free => "badge badge-outline badge-free",
        DetailStatus::Busy => "badge badge-outline badge-busy",
        DetailStatus::InFlight | DetailStatus::Rollin => "badge badge-outline badge-starting",
        DetailStatus::Remove => "badge badge-outline badge-going",
        DetailStatus::Unspecified => "badge badge-outline badge-muted",
        DetailStatus::Unknown(_) => "badge badge-outline badge-unknown",
    };
    view! { <span class=class title=detail.wire().to_string()>{detail.label().to_string()}</span> }
}
