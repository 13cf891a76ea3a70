//! The site (the browser's files) a console serves must come from the same
//! build as the console itself: the server draws pages that only that
//! build's browser code can hydrate. At start the console finds the build
//! id in the site's wasm (`app::build_id::MARK`) and refuses, in one line
//! naming both ids, a site of another build or none.
//!
//! It also finds the site when it is not told where: an unpacked `make
//! dist` archive has it in `site/` beside the binary.

use std::path::{Path, PathBuf};

use app::build_id;

/// Where the site is: `LEPTOS_SITE_ROOT` when set; else `site/` beside the
/// running binary when there is one (an unpacked archive); else Leptos's
/// own default, `target/site` under the working directory (a source tree).
pub fn root(configured: Option<String>, exe: Option<PathBuf>, leptos_default: &str) -> String {
    if let Some(root) = configured.filter(|r| !r.is_empty()) {
        return root;
    }
    if let Some(beside) = exe
        .as_deref()
        .and_then(Path::parent)
        .map(|dir| dir.join("site"))
        .filter(|site| site.is_dir())
    {
        return beside.to_string_lossy().into_owned();
    }
    leptos_default.to_string()
}

/// The build id found in `wasm`, a site's main browser code, if any: the
/// first tag followed by 16 hex digits (the tag may also stand alone, where
/// the code strips it off).
pub fn build_of(wasm: &[u8]) -> Option<&str> {
    let tag = build_id::TAG.as_bytes();
    wasm.windows(tag.len())
        .enumerate()
        .filter(|(_, w)| *w == tag)
        .find_map(|(at, _)| {
            let id = wasm.get(at + tag.len()..at + tag.len() + 16)?;
            id.iter()
                .all(u8::is_ascii_hexdigit)
                .then(|| std::str::from_utf8(id).expect("ASCII"))
        })
}

/// Checks that the site in `root` is from the build `expected`: its main
/// wasm (`<root>/<pkg>/<output name>.wasm`) carries that id.
pub fn check(root: &str, pkg_dir: &str, output_name: &str, expected: &str) -> Result<(), String> {
    let wasm = Path::new(root)
        .join(pkg_dir)
        .join(format!("{output_name}.wasm"));
    let bytes = std::fs::read(&wasm).map_err(|e| {
        format!(
            "no site of build {expected} to serve: cannot read {} ({e}); set LEPTOS_SITE_ROOT to \
             the site built with this binary",
            wasm.display()
        )
    })?;
    match build_of(&bytes) {
        Some(id) if id == expected => Ok(()),
        Some(id) => Err(format!(
            "the site in {root} is from build {id}, but this console is build {expected}: \
             serve the site built with it (LEPTOS_SITE_ROOT)"
        )),
        None => Err(format!(
            "the site in {root} carries no build id (an older build's), but this console is \
             build {expected}: serve the site built with it (LEPTOS_SITE_ROOT)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_with(wasm: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/everai_console.wasm"), wasm).unwrap();
        dir
    }

    fn wasm_marked(id: &str) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0 some code everai-console-build:(unknown) ".to_vec();
        wasm.extend_from_slice(format!("{}{id}", build_id::TAG).as_bytes());
        wasm.extend_from_slice(b" more data");
        wasm
    }

    #[test]
    fn a_site_of_this_build_is_served() {
        let site = site_with(&wasm_marked(build_id::id()));
        let root = site.path().to_str().unwrap();
        assert_eq!(check(root, "pkg", "everai_console", build_id::id()), Ok(()));
    }

    #[test]
    fn a_site_of_another_build_is_refused_naming_both() {
        let site = site_with(&wasm_marked("0123456789abcdef"));
        let root = site.path().to_str().unwrap();
        let err = check(root, "pkg", "everai_console", "fedcba9876543210").unwrap_err();
        assert!(err.contains("build 0123456789abcdef"), "{err}");
        assert!(err.contains("build fedcba9876543210"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn a_site_without_an_id_or_without_wasm_is_refused() {
        let site = site_with(b"\0asm\x01\0\0\0 everai-console-build:xyz");
        let root = site.path().to_str().unwrap();
        let err = check(root, "pkg", "everai_console", build_id::id()).unwrap_err();
        assert!(err.contains("carries no build id"), "{err}");

        let empty = tempfile::tempdir().unwrap();
        let root = empty.path().to_str().unwrap();
        let err = check(root, "pkg", "everai_console", build_id::id()).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
        assert!(err.contains(build_id::id()), "{err}");
    }

    #[test]
    fn the_site_is_looked_for_where_it_was_set_then_beside_the_binary() {
        let unpacked = tempfile::tempdir().unwrap();
        std::fs::create_dir(unpacked.path().join("site")).unwrap();
        let exe = unpacked.path().join("everai-console");
        assert_eq!(
            root(Some("/srv/site".into()), Some(exe.clone()), "target/site"),
            "/srv/site"
        );
        assert_eq!(
            root(None, Some(exe), "target/site"),
            unpacked.path().join("site").to_str().unwrap()
        );
        let source_tree = tempfile::tempdir().unwrap();
        let exe = source_tree.path().join("target/release/everai-console");
        assert_eq!(root(None, Some(exe), "target/site"), "target/site");
        assert_eq!(
            root(Some(String::new()), None, "target/site"),
            "target/site"
        );
    }
}
