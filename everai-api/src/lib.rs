//! The EverAI worker API: its data (always available, also in the browser)
//! and, with the `client` feature, a typed HTTP client (server side only).
//!
//! The wire format follows the platform's API reference and its published
//! Python client: see `shared/reference/everai-worker-api.md`.

#[macro_use]
pub mod model;
// Read and rendered on the server only: the browser gets the panels as HTML.
#[cfg(any(feature = "client", test))]
pub mod app;
pub mod names;
#[cfg(any(feature = "client", test))]
pub mod stats;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
mod error;
#[cfg(feature = "client")]
pub mod gateway;

#[cfg(any(feature = "client", test))]
pub use app::{
    AppDetail, AppEvent, ArgValue, EventOrder, EventPage, QueueReason, QueuedRequest, ScalerSpec,
    TimeOverride,
};
#[cfg(feature = "client")]
pub use client::{Client, ClientOptions, MAX_EVENTS_PAGE, MAX_SCALE_COUNT, ScaleDown};
#[cfg(feature = "client")]
pub use error::ApiError;
#[cfg(feature = "client")]
pub use gateway::{Clock, Gateway, GatewayOptions, Listed, Shared, Sharing};
pub use model::{
    AppStatus, AppSummary, DetailStatus, Reading, Timestamp, Worker, WorkerList, WorkerStatus,
};
pub use names::{AppName, NameError, NameKind, Namespace};
#[cfg(any(feature = "client", test))]
pub use stats::{RequestStatistics, StatBucket, StatInterval, UserRequests};
