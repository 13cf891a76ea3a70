//! A simulator of the EverAI platform's worker API, faithful enough that the
//! console (and the platform's own Python client) cannot tell the difference.
//!
//! It serves the platform's paths and JSON shapes over HTTP, requires the
//! bearer token, and runs a world whose workers start, serve requests, fail
//! and go away over time. Use it in-process ([`Simulator::spawn`]) or as the
//! `everai-sim` binary.

pub mod clock;
pub mod faults;
pub(crate) mod http;
pub mod rng;
pub mod scaler;
pub mod stats;
pub mod world;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::Router;

use crate::{
    clock::{Clock, ScaledClock},
    faults::Faults,
    rng::Rng,
    world::World,
};

/// Settings of the demo simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The bearer token clients must send.
    pub token: String,
    /// Seed of the demo world: the same seed gives the same world.
    pub seed: u64,
    /// How much faster than real time the world runs (1.0 is real time).
    pub time_scale: f64,
    pub faults: Faults,
}

/// A running simulated platform; clones share the same world.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    /// Accepted bearer tokens, each with the user it belongs to.
    tokens: Mutex<std::collections::HashMap<String, String>>,
    faults: Mutex<(Faults, Rng)>,
    /// API calls received (after the token check), by the user whose
    /// token they carried and kind.
    calls: Mutex<std::collections::BTreeMap<(String, &'static str), u64>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").finish_non_exhaustive()
    }
}

impl Simulator {
    /// A simulator of `world`, on `clock`, accepting `token`.
    pub fn new(world: World, clock: Arc<dyn Clock>, token: impl Into<String>) -> Self {
        Simulator {
            inner: Arc::new(Inner {
                world: Mutex::new(world),
                clock,
                tokens: Mutex::new([(token.into(), "console".to_string())].into()),
                faults: Mutex::new((Faults::default(), Rng::new(0x5EED))),
                calls: Mutex::default(),
            }),
        }
    }

    /// The seeded demo world on the (possibly sped-up) wall clock.
    pub fn demo(config: &SimConfig) -> Self {
        let clock = Arc::new(ScaledClock::new(config.time_scale));
        let world = world::demo_world(config.seed, clock.now());
        let sim = Simulator::new(world, clock, config.token.clone());
        sim.set_faults(config.faults.clone());
        sim
    }

    /// Accepts `token` too, as belonging to user `name` (the platform gives
    /// each person their own token).
    pub fn add_user(&self, name: impl Into<String>, token: impl Into<String>) {
        self.inner
            .tokens
            .lock()
            .expect("tokens lock")
            .insert(token.into(), name.into());
    }

    /// The user a bearer token belongs to, if the simulator accepts it.
    fn user_of(&self, token: &str) -> Option<String> {
        self.inner
            .tokens
            .lock()
            .expect("tokens lock")
            .get(token)
            .cloned()
    }

    /// API calls received so far, by kind: `list_workers`, `list_apps`,
    /// `scale_up`, `scale_down` (also at `GET /_sim/calls`).
    pub fn calls(&self) -> std::collections::BTreeMap<&'static str, u64> {
        let mut all = std::collections::BTreeMap::new();
        for ((_, kind), n) in self.inner.calls.lock().expect("calls lock").iter() {
            *all.entry(*kind).or_default() += n;
        }
        all
    }

    /// [`Simulator::calls`] made with `user`'s token only (the token the
    /// simulator was started with belongs to `console`).
    pub fn calls_of(&self, user: &str) -> std::collections::BTreeMap<&'static str, u64> {
        self.inner
            .calls
            .lock()
            .expect("calls lock")
            .iter()
            .filter(|((u, _), _)| u == user)
            .map(|((_, kind), n)| (*kind, *n))
            .collect()
    }

    fn count_call(&self, user: &str, kind: &'static str) {
        *self
            .inner
            .calls
            .lock()
            .expect("calls lock")
            .entry((user.to_string(), kind))
            .or_default() += 1;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.inner.faults.lock().expect("faults lock").0 = faults;
    }

    /// Sets what scale-ups of `namespace`/`app` past its `maxWorkers` do
    /// (also at `PUT /_sim/apps/{ns}/{app}/scaling`).
    pub fn set_past_max(
        &self,
        namespace: &str,
        app: &str,
        past_max: world::PastMax,
    ) -> Result<(), world::SimError> {
        let mut world = self.inner.world.lock().expect("world lock");
        world.app_mut(namespace, app)?.past_max = past_max;
        Ok(())
    }

    /// The HTTP API.
    pub fn router(&self) -> Router {
        http::router(self.clone())
    }

    /// Serves the API on `addr` (port 0 for any free port) in the
    /// background; returns the address it listens on.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::error!(%err, "the EverAI simulator stopped");
            }
        });
        Ok(bound)
    }
}
