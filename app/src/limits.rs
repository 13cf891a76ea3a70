//! How many scale actions one person may start in a short time (a token
//! bucket per actor, so a stuck script or a held-down Enter key cannot
//! flood the platform with scale calls), and how many sign-ins may be
//! checked with the platform.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Scale actions per person per minute, by default.
pub const DEFAULT_ACTIONS_PER_MINUTE: u32 = 20;

/// Buckets of scale actions, one per actor.
#[derive(Debug)]
pub struct ActionLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Default for ActionLimiter {
    fn default() -> Self {
        ActionLimiter::new(DEFAULT_ACTIONS_PER_MINUTE)
    }
}

impl ActionLimiter {
    /// `per_minute` actions a minute, any of them at once.
    pub fn new(per_minute: u32) -> Self {
        ActionLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::default(),
        }
    }

    /// Takes one action from `actor`'s bucket at `now`, or says how long
    /// until the next one is allowed.
    pub fn take(&self, actor: &str, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.per_minute);
        let per_sec = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Full buckets carry no information: drop them, so the map holds
        // only people who acted within the last minute.
        if buckets.len() > 1_000 {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < capacity
            });
        }
        let bucket = buckets.entry(actor.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = (bucket.tokens
            + now.saturating_duration_since(bucket.at).as_secs_f64() * per_sec)
            .min(capacity);
        bucket.at = now;
        if refilled >= 1.0 {
            bucket.tokens = refilled - 1.0;
            Ok(())
        } else {
            bucket.tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / per_sec))
        }
    }

    /// Gives back the action just taken from `actor` (it was refused
    /// further on, so it did not happen).
    fn give_back(&self, actor: &str) {
        let capacity = f64::from(self.per_minute);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bucket) = buckets.get_mut(actor) {
            bucket.tokens = (bucket.tokens + 1.0).min(capacity);
        }
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
/// oracle for guessed tokens. A bucket per client address, and one for all.
#[derive(Debug)]
pub struct SignInLimiter {
    per_address: ActionLimiter,
    overall: ActionLimiter,
    refused: std::sync::atomic::AtomicU64,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(SIGN_INS_PER_ADDRESS_PER_MINUTE, SIGN_INS_PER_MINUTE)
    }
}

impl SignInLimiter {
    pub fn new(per_address_per_minute: u32, per_minute: u32) -> Self {
        SignInLimiter {
            per_address: ActionLimiter::new(per_address_per_minute),
            overall: ActionLimiter::new(per_minute),
            refused: Default::default(),
        }
    }

    /// Takes one attempt for `address` at `now`, or says how long until
    /// the next one is allowed. A refused attempt costs nothing: one
    /// address's refused flood does not spend the allowance of all, and a
    /// refusal for all does not spend the address's own.
    pub fn take(&self, address: &str, now: Instant) -> Result<(), Duration> {
        let key = sign_in_key(address);
        let taken = self.per_address.take(&key, now).and_then(|()| {
            self.overall
                .take("", now)
                .inspect_err(|_| self.per_address.give_back(&key))
        });
        if taken.is_err() {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        taken
    }

    /// Attempts refused so far (for `/metrics`).
    pub fn refused(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ins_are_bounded_per_address_and_in_all() {
        let limiter = SignInLimiter::new(3, 5);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("10.0.0.1", t0), Ok(()));
        }
        let wait = limiter.take("10.0.0.1", t0).unwrap_err();
        assert!((19.9..=20.1).contains(&wait.as_secs_f64()), "{wait:?}");
        // Another address has its own allowance, until the total is spent.
        assert_eq!(limiter.take("10.0.0.2", t0), Ok(()));
        assert_eq!(limiter.take("10.0.0.3", t0), Ok(()));
        assert!(limiter.take("10.0.0.4", t0).is_err(), "five in all");
        assert_eq!(limiter.refused(), 2);
        // A minute on, the first address may try again.
        assert_eq!(
            limiter.take("10.0.0.1", t0 + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn refused_sign_ins_cost_neither_allowance() {
        let limiter = SignInLimiter::new(2, 3);
        let t0 = Instant::now();
        // One address's flood past its own allowance leaves the total be.
        for _ in 0..50 {
            let _ = limiter.take("10.0.0.1", t0);
        }
        assert_eq!(limiter.take("10.0.0.2", t0), Ok(()));
        // The total is spent now (two and one); a refusal for all does not
        // take from 10.0.0.3, which still has both of its own later.
        assert!(limiter.take("10.0.0.3", t0).is_err());
        assert!(limiter.take("10.0.0.3", t0).is_err());
        let later = t0 + Duration::from_secs(40);
        assert_eq!(limiter.take("10.0.0.3", later), Ok(()));
        assert_eq!(limiter.take("10.0.0.3", later), Ok(()));
    }

    #[test]
    fn ipv6_sign_ins_count_by_their_network() {
        assert_eq!(sign_in_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(sign_in_key("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_eq!(sign_in_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(sign_in_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(sign_in_key("unknown"), "unknown");
        let limiter = SignInLimiter::new(2, 100);
        let t0 = Instant::now();
        assert_eq!(limiter.take("2001:db8::1", t0), Ok(()));
        assert_eq!(limiter.take("2001:db8::2", t0), Ok(()));
        assert!(
            limiter.take("2001:db8::3", t0).is_err(),
            "a fresh address in the same /64 is the same client"
        );
        assert_eq!(limiter.take("2001:db8:0:1::1", t0), Ok(()));
    }

    #[test]
    fn a_person_gets_the_allowance_then_waits_for_it_to_refill() {
        let limiter = ActionLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("ana", t0), Ok(()));
        }
        let wait = limiter.take("ana", t0).unwrap_err();
        assert!(
            (19.9..=20.1).contains(&wait.as_secs_f64()),
            "one action every 20 s, got {wait:?}"
        );
        // Someone else is not held up.
        assert_eq!(limiter.take("bo", t0), Ok(()));
        // After the wait, exactly one more.
        let later = t0 + Duration::from_secs(20);
        assert_eq!(limiter.take("ana", later), Ok(()));
        assert!(limiter.take("ana", later).is_err());
        // A long pause refills to the allowance, never beyond.
        let much_later = later + Duration::from_secs(3_600);
        for _ in 0..3 {
            assert_eq!(limiter.take("ana", much_later), Ok(()));
        }
        assert!(limiter.take("ana", much_later).is_err());
    }
}
