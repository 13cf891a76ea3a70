//! Which build of the console this is: one id shared by the server binary
//! and the browser code built with it (worked out by `app/build.rs`).
//!
//! The id sits in the browser code behind [`MARK`], so the server can find
//! it in a site's wasm and refuse, at start, to serve a site from another
//! build (`server/src/site.rs`); the page names the id it was drawn by, so
//! the browser code does not hydrate a page from another build either (a
//! rolling upgrade, where one replica draws the page and another sends the
//! wasm).

/// The id's tag and the id, as one string: this exact text is in every
/// wasm built from the sources, and in nothing else of the site.
pub const MARK: &str = concat!("everai-console-build:", env!("CONSOLE_BUILD_ID"));

/// The text before the id in [`MARK`].
pub const TAG: &str = "everai-console-build:";

/// Sixteen hex digits.
pub fn id() -> &'static str {
    &MARK[TAG.len()..]
}

/// The console's version, as in its manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The name of the page's `<meta>` whose content is the [`MARK`] of the
/// build that drew it.
pub const META: &str = "console-build";

/// Finds that `<meta>` ([`META`], spelt out: no formatting in the browser).
#[cfg(any(feature = "hydrate", test))]
const META_SELECTOR: &str = "meta[name=console-build]";

/// Whether the page in the browser was drawn by the server of this build:
/// hydrating another build's page would fail part-way.
#[cfg(feature = "hydrate")]
pub fn page_matches() -> bool {
    let drawn_by = leptos::prelude::document()
        .query_selector(META_SELECTOR)
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"));
    let matches = drawn_by.as_deref() == Some(MARK);
    if !matches {
        leptos::logging::error!(
            "This page is from {:?}, its scripts from {MARK}: reload it.",
            drawn_by.unwrap_or_default()
        );
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_sixteen_hex_digits_after_its_tag() {
        assert!(MARK.starts_with(TAG));
        assert_eq!(id().len(), 16);
        assert!(id().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn the_browser_looks_for_the_meta_the_server_writes() {
        assert_eq!(META_SELECTOR, format!("meta[name={META}]"));
    }
}
