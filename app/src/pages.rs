//! One module per page.

pub mod audit;
pub mod history;
pub mod home;
pub mod login;
pub mod not_found;
pub mod worker;
pub mod workers;
