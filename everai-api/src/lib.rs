//! The EverAI worker API: its data (always available, also in the browser)
//! and, with the `client` feature, a typed HTTP client (server side only).
//!
//! The wire format follows the platform's API reference and its published
//! Python client: see `shared/reference/everai-worker-api.md`.

pub mod model;
pub mod names;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
mod error;
#[cfg(feature = "client")]
pub mod gateway;

#[cfg(feature = "client")]
pub use client::{Client, ClientOptions, MAX_SCALE_COUNT, ScaleDown};
#[cfg(feature = "client")]
pub use error::ApiError;
#[cfg(feature = "client")]
pub use gateway::{Clock, Gateway, GatewayOptions, Listed, Sharing};
pub use model::{
    AppStatus, AppSummary, DetailStatus, Reading, Timestamp, Worker, WorkerList, WorkerStatus,
};
pub use names::{AppName, NameError, NameKind, Namespace};
