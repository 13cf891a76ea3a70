// jemalloc serves the console's many short-lived allocations (a worker
// page decodes a thousand workers and renders a hundred rows) with about
// 15 % less CPU than glibc's allocator, and its background thread hands
// memory freed after a load spike back to the system within seconds.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts: purge pages left unused for
/// 5 s from a background thread (without it, purging waits for the next
/// allocation, so an idle console keeps its peak), straight back to the
/// system (no "muzzy" stage, which Linux would still count as resident).
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8; 60] =
    b"background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0\0";

/// Every 10 s, returns all unused dirty pages of every arena to the system.
/// The background thread's decay usually does this within seconds, but
/// after some loads (the bench's render rounds) consoles kept 70+ MiB for
/// minutes; an explicit purge is cheap and brings such memory back within
/// 10 s. (Memory after a load still varies from run to run: the README
/// gives the figures.)
#[cfg(not(target_env = "msvc"))]
fn spawn_memory_purge() {
    std::thread::Builder::new()
        .name("memory-purge".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(10));
                // A failure only means memory stays with the allocator a
                // while longer.
                purge_all_arenas();
            }
        })
        .expect("could not start the memory-purge thread");
}

/// jemalloc's `arena.<all>.purge` (4096 is MALLCTL_ARENAS_ALL); 0 when done.
#[cfg(not(target_env = "msvc"))]
fn purge_all_arenas() -> i32 {
    // SAFETY: a NUL-terminated name, and this control reads and writes
    // nothing, so every pointer is null and the length 0 (it refuses any
    // other form).
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    }
}

#[tokio::main]
async fn main() {
    // Everything else is set by environment variables (README,
    // "Configuration").
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("--version") => {
            println!(
                "everai-console {} (build {})",
                app::build_id::VERSION,
                app::build_id::id()
            );
            return;
        }
        Some(other) => {
            eprintln!(
                "everai-console: unknown argument {other:?}: the console takes only --version; \
                 it is configured by environment variables (see the README)"
            );
            std::process::exit(2);
        }
    }
    #[cfg(not(target_env = "msvc"))]
    spawn_memory_purge();
    if let Err(err) = server::run().await {
        eprintln!("everai-console: {err}");
        std::process::exit(1);
    }
}

#[cfg(all(test, not(target_env = "msvc")))]
mod tests {
    use tikv_jemalloc_ctl::{background_thread, opt, raw};

    #[test]
    fn the_allocator_runs_with_the_options_above() {
        assert!(
            opt::background_thread::read().unwrap(),
            "background thread off"
        );
        assert!(
            background_thread::read().unwrap(),
            "background thread not running"
        );
        // SAFETY: both options are ssize_t values in jemalloc.
        let dirty: isize = unsafe { raw::read(b"opt.dirty_decay_ms\0") }.unwrap();
        let muzzy: isize = unsafe { raw::read(b"opt.muzzy_decay_ms\0") }.unwrap();
        assert_eq!((dirty, muzzy), (5000, 0));
    }

    #[test]
    fn freed_memory_can_be_purged() {
        let big: Vec<Vec<u8>> = (0..64).map(|_| vec![1u8; 1 << 20]).collect();
        drop(big);
        assert_eq!(super::purge_all_arenas(), 0);
    }
}
