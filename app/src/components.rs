//! Widgets shared by several pages.

pub mod app_header;
pub mod badges;
pub mod copy_link;
pub mod error_banner;
pub mod header;
pub mod scale;
pub mod worker_table;
