//! Server functions: thin wrappers that read server state and return data
//! the browser may see. Nothing secret (the upstream token, the upstream
//! URL) ever leaves through here.

pub mod apps;
pub mod audit;
pub mod scale;
pub mod session;
pub mod status;
pub mod worker;
pub mod workers;
