use everai_api::{DetailStatus, WorkerStatus};
use leptos::{either::Either, prelude::*};

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

/// A worker's detail status as an outlined badge. An ended worker comes
/// without one (protobuf leaves out the zero value): that is "none", a
/// dash, not the "Abnormal" a live worker's unspecified detail means.
#[component]
pub fn DetailBadge(
    detail: DetailStatus,
    /// The worker has ended (terminated, failed or deleted).
    #[prop(optional)]
    ended: bool,
) -> impl IntoView {
    if ended && detail == DetailStatus::Unspecified {
        // The dash is for the eye; a screen reader hears the words (a
        // plain span's aria-label is not read).
        return Either::Left(view! {
            <span class="muted" title=detail.wire().to_string()>
                <span aria-hidden="true">"—"</span>
                <span class="visually-hidden">"No detail status"</span>
            </span>
        });
    }
    let class = match &detail {
        DetailStatus::Free => "badge badge-outline badge-free",
        DetailStatus::Busy => "badge badge-outline badge-busy",
        DetailStatus::InFlight | DetailStatus::Rollin => "badge badge-outline badge-starting",
        DetailStatus::Remove => "badge badge-outline badge-going",
        DetailStatus::Unspecified => "badge badge-outline badge-muted",
        DetailStatus::Unknown(_) => "badge badge-outline badge-unknown",
    };
    Either::Right(
        view! { <span class=class title=detail.wire().to_string()>{detail.label().to_string()}</span> },
    )
}
