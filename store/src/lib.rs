//! The console's durable records, in an embedded SQLite file by default or
//! in PostgreSQL (so that several console replicas share them).
//!
//! For now that is the audit log of scale attempts: every attempt is written
//! *before* the platform is called and completed after, so a console that
//! dies in between leaves an entry that [`Store::recover`] marks "outcome
//! unknown" when it starts again.
//!
//! One set of portable SQL migrations (`migrations/`) and one set of queries
//! serve both databases, through sqlx's `Any` driver.

//! The kinds a record can be of ([`Action`], [`Outcome`]) need no
//! database: with the default feature `db` off (the browser build), only
//! they are compiled.

mod records;
pub use records::{Action, Outcome};

#[cfg(feature = "db")]
mod db;
#[cfg(feature = "db")]
pub use db::*;
