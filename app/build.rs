//! Works out the console's build id (`CONSOLE_BUILD_ID`): one id shared by
//! the server binary and the browser code built from the same sources with
//! the same profile, and different when the profile or those sources differ.
//! It names what a page and its scripts must agree on; the server's own
//! code (`server/`) is not in it, so a release that changes only that keeps
//! the id (its version tells it apart).
//!
//! The `app` crate is compiled twice, into the server (feature `ssr`) and
//! into the browser's wasm (`hydrate`); this script runs for each and must
//! give both the same id. So it hashes what the two have in common — the
//! sources of the crates the browser code is built from, the lock file and
//! the workspace's manifest (profiles) — and the profile (`debug` or
//! `release`), never the features or the target. A debug wasm served by a
//! release binary, or a site left from an older checkout, then carries
//! another id, and the server refuses it at start (`server/src/site.rs`).
//!
//! The hash is 64-bit FNV-1a: an id, not a signature. Nothing but the
//! listed files and the profile enters it, so two machines building the
//! same commit with the same profile get the same id.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// Files and folders, relative to the workspace, whose contents make the
/// build: the crates the browser code is built from (and the migrations of
/// the store it shares with the server) and the workspace's manifest and
/// lock file.
const INPUTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "app/Cargo.toml",
    "app/build.rs",
    "app/src",
    "frontend/Cargo.toml",
    "frontend/src",
    "everai-api/Cargo.toml",
    "everai-api/src",
    "store/Cargo.toml",
    "store/src",
    "store/migrations",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest.parent().expect("app/ sits in the workspace");
    let mut files = Vec::new();
    for input in INPUTS {
        let path = workspace.join(input);
        println!("cargo::rerun-if-changed={}", path.display());
        collect(&path, &mut files);
    }
    files.sort();
    let mut hash = Fnv::new();
    // "release" or "debug": which of the two a custom profile inherits.
    let profile = std::env::var("PROFILE").expect("set by cargo");
    hash.write(profile.as_bytes());
    for file in &files {
        let relative = file.strip_prefix(workspace).expect("under the workspace");
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&[0]);
        let contents = fs::read(file)
            .unwrap_or_else(|e| panic!("cannot read {} for the build id: {e}", file.display()));
        hash.write(&(contents.len() as u64).to_le_bytes());
        hash.write(&contents);
    }
    println!("cargo::rustc-env=CONSOLE_BUILD_ID={:016x}", hash.finish());
}

/// Every file under `path` (or `path` itself), skipping editors' hidden
/// files, which do not make the build.
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.as_deref().is_some_and(|n| n.starts_with('.')) {
        return;
    }
    if path.is_dir() {
        let entries = fs::read_dir(path)
            .unwrap_or_else(|e| panic!("cannot list {} for the build id: {e}", path.display()));
        for entry in entries {
            collect(&entry.expect("a directory entry").path(), files);
        }
    } else if path.is_file() {
        files.push(path.to_path_buf());
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
