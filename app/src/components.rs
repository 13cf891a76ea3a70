//! Widgets shared by several pages.

pub mod app_header;
pub mod badges;
pub mod copy_link;
pub mod error_banner;
pub mod filter_bar;
pub mod header;
pub mod pager;
pub mod scale;
pub mod skeleton;
pub mod worker_table;
