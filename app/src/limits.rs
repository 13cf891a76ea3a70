//! How many scale actions one person may start in a short time (a token
//! bucket per actor, so a stuck script or a held-down Enter key cannot
//! flood the platform with scale calls), and how many sign-ins may be
//! checked with the platform.
//!
//! The buckets live in the console's database
//! ([`console_store::Store::take`]), so a person gets the configured number
//! whichever replicas their requests reach, not that number per replica.

use std::time::Duration;

use console_store::{Allowance, Store, StoreError, Take};

/// Scale actions per person per minute, by default.
pub const DEFAULT_ACTIONS_PER_MINUTE: u32 = 20;

/// Scale actions each person may start: `per_minute` a minute, any of them
/// at once.
#[derive(Debug, Clone, Copy)]
pub struct ActionLimiter {
    allowance: Allowance,
}

impl Default for ActionLimiter {
    fn default() -> Self {
        ActionLimiter::new(DEFAULT_ACTIONS_PER_MINUTE)
    }
}

/// The store's clock: microseconds since the Unix epoch. Replicas share
/// buckets, so they count by the wall clock they share, not by each one's
/// monotonic clock.
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn wait(wait_us: i64) -> Duration {
    Duration::from_micros(wait_us.max(0) as u64)
}

impl ActionLimiter {
    pub fn new(per_minute: u32) -> Self {
        ActionLimiter {
            allowance: Allowance {
                per_minute: per_minute.max(1),
            },
        }
    }

    fn bucket(actor: &str) -> String {
        format!("scale:{actor}")
    }

    /// Takes one action from `actor`'s allowance at `now_us`, or says how
    /// long until the next one is allowed.
    pub async fn take(
        &self,
        store: &Store,
        actor: &str,
        now_us: i64,
    ) -> Result<Result<(), Duration>, StoreError> {
        Ok(
            match store
                .take(&Self::bucket(actor), self.allowance, now_us)
                .await?
            {
                Take::Taken => Ok(()),
                Take::Refused { wait_us } => Err(wait(wait_us)),
            },
        )
    }

    /// Gives back the action just taken from `actor` (another post of the
    /// same form had made it, so this one cost nothing).
    pub async fn give_back(&self, store: &Store, actor: &str) -> Result<(), StoreError> {
        store.give_back(&Self::bucket(actor), self.allowance).await
    }
}

/// What sign-in attempts from `address` are counted under: the address
/// itself, except that IPv6 addresses count by their /64 (one network, one
/// person: a host picks any address within its /64 at will).
pub fn sign_in_key(address: &str) -> String {
    let Ok(std::net::IpAddr::V6(v6)) = address.parse::<std::net::IpAddr>() else {
        return address.to_string();
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return v4.to_string();
    }
    let s = v6.segments();
    let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
    format!("{net}/64")
}

/// Sign-ins one client address may have checked with the platform per
/// minute, any of them at once: enough for a person who mistyped, far too
/// few to try tokens.
pub const SIGN_INS_PER_ADDRESS_PER_MINUTE: u32 = 5;
/// Sign-ins checked with the platform per minute in all, whoever asks.
pub const SIGN_INS_PER_MINUTE: u32 = 60;

/// Sign-in attempts that reach the platform: a token is checked by asking
/// the platform with it, so without a bound the console would be a free
/// oracle for guessed tokens. A bucket per client address, and one for all,
/// shared by the replicas.
#[derive(Debug)]
pub struct SignInLimiter {
    per_address: Allowance,
    overall: Allowance,
    refused: std::sync::atomic::AtomicU64,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(SIGN_INS_PER_ADDRESS_PER_MINUTE, SIGN_INS_PER_MINUTE)
    }
}

/// The bucket of every sign-in; an address's is `sign-in:` and its key.
const ALL_SIGN_INS: &str = "sign-ins";

impl SignInLimiter {
    pub fn new(per_address_per_minute: u32, per_minute: u32) -> Self {
        SignInLimiter {
            per_address: Allowance {
                per_minute: per_address_per_minute.max(1),
            },
            overall: Allowance {
                per_minute: per_minute.max(1),
            },
            refused: Default::default(),
        }
    }

    /// Takes one attempt for `address` at `now_us`, or says how long until
    /// the next one is allowed. A refused attempt costs nothing: one
    /// address's refused flood does not spend the allowance of all, and a
    /// refusal for all does not spend the address's own.
    pub async fn take(
        &self,
        store: &Store,
        address: &str,
        now_us: i64,
    ) -> Result<Result<(), Duration>, StoreError> {
        let own = format!("sign-in:{}", sign_in_key(address));
        let refused = match store.take(&own, self.per_address, now_us).await? {
            Take::Refused { wait_us } => Some(wait_us),
            Take::Taken => match store.take(ALL_SIGN_INS, self.overall, now_us).await? {
                Take::Taken => None,
                Take::Refused { wait_us } => {
                    store.give_back(&own, self.per_address).await?;
                    Some(wait_us)
                }
            },
        };
        Ok(match refused {
            None => Ok(()),
            Some(wait_us) => {
                self.refused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(wait(wait_us))
            }
        })
    }

    /// Attempts this replica refused so far (for `/metrics`).
    pub fn refused(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000;

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn sign_ins_are_bounded_per_address_and_in_all() {
        let (limiter, store) = (SignInLimiter::new(3, 5), store().await);
        let take = |a: &'static str, t: i64| {
            let (limiter, store) = (&limiter, &store);
            async move { limiter.take(store, a, t).await.unwrap() }
        };
        let t0 = 1_000 * SEC;
        for _ in 0..3 {
            assert_eq!(take("10.0.0.1", t0).await, Ok(()));
        }
        let wait = take("10.0.0.1", t0).await.unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        // Another address has its own allowance, until the total is spent.
        assert_eq!(take("10.0.0.2", t0).await, Ok(()));
        assert_eq!(take("10.0.0.3", t0).await, Ok(()));
        assert!(take("10.0.0.4", t0).await.is_err(), "five in all");
        assert_eq!(limiter.refused(), 2);
        // A minute on, the first address may try again.
        assert_eq!(take("10.0.0.1", t0 + 60 * SEC).await, Ok(()));
    }

    #[tokio::test]
    async fn refused_sign_ins_cost_neither_allowance() {
        let (limiter, store) = (SignInLimiter::new(2, 3), store().await);
        let take = |a: &'static str, t: i64| {
            let (limiter, store) = (&limiter, &store);
            async move { limiter.take(store, a, t).await.unwrap() }
        };
        let t0 = 1_000 * SEC;
        // One address's flood past its own allowance leaves the total be.
        for _ in 0..50 {
            let _ = take("10.0.0.1", t0).await;
        }
        assert_eq!(take("10.0.0.2", t0).await, Ok(()));
        // The total is spent now (two and one); a refusal for all does not
        // take from 10.0.0.3, which still has both of its own later.
        assert!(take("10.0.0.3", t0).await.is_err());
        assert!(take("10.0.0.3", t0).await.is_err());
        let later = t0 + 40 * SEC;
        assert_eq!(take("10.0.0.3", later).await, Ok(()));
        assert_eq!(take("10.0.0.3", later).await, Ok(()));
    }

    #[tokio::test]
    async fn ipv6_sign_ins_count_by_their_network() {
        assert_eq!(sign_in_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(sign_in_key("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_eq!(sign_in_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(sign_in_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(sign_in_key("unknown"), "unknown");
        let (limiter, store) = (SignInLimiter::new(2, 100), store().await);
        let t0 = 1_000 * SEC;
        assert_eq!(
            limiter.take(&store, "2001:db8::1", t0).await.unwrap(),
            Ok(())
        );
        assert_eq!(
            limiter.take(&store, "2001:db8::2", t0).await.unwrap(),
            Ok(())
        );
        assert!(
            limiter
                .take(&store, "2001:db8::3", t0)
                .await
                .unwrap()
                .is_err(),
            "a fresh address in the same /64 is the same client"
        );
        assert_eq!(
            limiter.take(&store, "2001:db8:0:1::1", t0).await.unwrap(),
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_person_gets_the_allowance_then_waits_for_it_to_refill() {
        let (limiter, store) = (ActionLimiter::new(3), store().await);
        let take = |a: &'static str, t: i64| {
            let (limiter, store) = (&limiter, &store);
            async move { limiter.take(store, a, t).await.unwrap() }
        };
        let t0 = 1_000 * SEC;
        for _ in 0..3 {
            assert_eq!(take("ana", t0).await, Ok(()));
        }
        let wait = take("ana", t0).await.unwrap_err();
        assert_eq!(wait, Duration::from_secs(20), "one action every 20 s");
        // Someone else is not held up.
        assert_eq!(take("bo", t0).await, Ok(()));
        // After the wait, exactly one more.
        let later = t0 + 20 * SEC;
        assert_eq!(take("ana", later).await, Ok(()));
        assert!(take("ana", later).await.is_err());
        // What is given back may be taken again.
        limiter.give_back(&store, "ana").await.unwrap();
        assert_eq!(take("ana", later).await, Ok(()));
        // A long pause refills to the allowance, never beyond.
        let much_later = later + 3_600 * SEC;
        for _ in 0..3 {
            assert_eq!(take("ana", much_later).await, Ok(()));
        }
        assert!(take("ana", much_later).await.is_err());
    }
}
