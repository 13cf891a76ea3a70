//! Where the simulator's "now" comes from: the wall clock, optionally sped
//! up for demos and end-to-end tests, or a hand-moved clock for unit tests.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, the simulator's unit of time.
pub type Nanos = i64;

pub const SECOND: Nanos = 1_000_000_000;
pub const MINUTE: Nanos = 60 * SECOND;
pub const HOUR: Nanos = 60 * MINUTE;
pub const DAY: Nanos = 24 * HOUR;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Nanos;
}

/// The wall clock, running `scale` times faster from the moment it was made
/// (`scale` 1.0 is real time).
#[derive(Debug)]
pub struct ScaledClock {
    origin_wall: Nanos,
    origin: Instant,
    scale: f64,
}

impl ScaledClock {
    pub fn new(scale: f64) -> Self {
        let origin_wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as Nanos)
            .unwrap_or(0);
        ScaledClock {
            origin_wall,
            origin: Instant::now(),
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Nanos {
        let elapsed = self.origin.elapsed().as_nanos() as f64 * self.scale;
        self.origin_wall + elapsed as Nanos
    }
}

/// A clock that moves only when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at(now: Nanos) -> Self {
        ManualClock(Arc::new(AtomicI64::new(now)))
    }

    pub fn advance(&self, by: Nanos) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Nanos {
        self.0.load(Ordering::SeqCst)
    }
}
