//! Rate limits per client address or per account (fixed windows, in memory). Account
//! lockouts live in the database; these only slow a single client down.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// What is being limited, with its budget per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Login,
    LoginFailure,
    Register,
    Sms,
    Captcha,
    /// The unit picker's search, typed as one goes (SECURITY item 27).
    UnitSearch,
    /// Excel exports, each a bounded but heavy query.
    Export,
    /// Audit entries for refused accesses, so a scanner cannot flood the log.
    Refusal,
}

impl Bucket {
    /// (allowed events, window in milliseconds)
    fn budget(self) -> (u32, i64) {
        match self {
            Bucket::Login => (30, 60_000),
            Bucket::LoginFailure => (1000, 3_600_000),
            Bucket::Register => (20, 600_000),
            Bucket::Sms => (5, 600_000),
            Bucket::Captcha => (60, 60_000),
            Bucket::UnitSearch => (120, 60_000),
            Bucket::Export => (30, 600_000),
            Bucket::Refusal => (30, 600_000),
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(Bucket, Who), (i64, u32)>>,
    unknown: Mutex<HashMap<[u8; 32], StandIn>>,
    /// Budgets are multiplied by this (0 reads as 1): `Settings::rate_limit_scale`.
    scale: u32,
}

/// Whom a budget belongs to: a client address, or an account (for what logged-in users do,
/// so that an office behind one address is not one budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Ip(IpAddr),
    Account(uuid::Uuid),
}

/// The failure count and lock a login name that belongs to nobody would have if it were an
/// account, so that the fifth wrong password answers "locked" for registered and unknown
/// names alike (SECURITY item 6: no account enumeration).
#[derive(Clone, Copy, Default)]
struct StandIn {
    failed: i32,
    locked_until: Option<i64>,
    last: i64,
}

/// At most this many unknown names are remembered; beyond it new names count from zero, which
/// bounds memory under a spray of random names.
const MAX_UNKNOWN: usize = 100_000;

impl RateLimiter {
    /// A limiter whose budgets are `scale` times the usual ones (load tests only).
    pub fn scaled(scale: u32) -> RateLimiter {
        RateLimiter {
            scale,
            ..Default::default()
        }
    }

    /// Counts one event; `false` when the client is over budget.
    pub fn hit(&self, bucket: Bucket, ip: IpAddr, now: i64) -> bool {
        self.hit_by(bucket, Who::Ip(ip), now)
    }

    /// Counts one event of `who`; `false` when over budget.
    pub fn hit_by(&self, bucket: Bucket, who: Who, now: i64) -> bool {
        let (limit, window) = bucket.budget();
        let limit = limit.saturating_mul(self.scale.max(1));
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        let entry = map.entry((bucket, who)).or_insert((now, 0));
        if now - entry.0 >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }

    /// Counts one event of an account; over budget it is the error that answers 429.
    pub fn allow(&self, bucket: Bucket, account: uuid::Uuid, now: i64) -> crate::error::Result<()> {
        if self.hit_by(bucket, Who::Account(account), now) {
            Ok(())
        } else {
            Err(crate::error::AppError::TooManyRequests)
        }
    }

    /// Events counted in the current window.
    pub fn count(&self, bucket: Bucket, ip: IpAddr, now: i64) -> u32 {
        let (_, window) = bucket.budget();
        let Ok(map) = self.windows.lock() else {
            return 0;
        };
        match map.get(&(bucket, Who::Ip(ip))) {
            Some((start, n)) if now - start < window => *n,
            _ => 0,
        }
    }

    pub fn forget_old(&self, now: i64) {
        if let Ok(mut map) = self.windows.lock() {
            map.retain(|(b, _), (start, _)| now - *start < b.budget().1);
        }
        let keep = crate::domain::auth::LOCK_DURATION.whole_milliseconds() as i64 * 4;
        if let Ok(mut map) = self.unknown.lock() {
            map.retain(|_, s| now - s.last < keep);
        }
    }

    /// The stand-in counters of an unknown login name: (wrong passwords, lock end).
    pub fn unknown_account(&self, name: &str) -> (i32, Option<i64>) {
        let key = key_of(name);
        self.unknown
            .lock()
            .ok()
            .and_then(|m| m.get(&key).map(|s| (s.failed, s.locked_until)))
            .unwrap_or_default()
    }

    /// One more wrong password for an unknown login name, by the rule real accounts follow.
    pub fn unknown_account_failed(&self, name: &str, now: i64) -> (i32, Option<i64>) {
        let key = key_of(name);
        let Ok(mut map) = self.unknown.lock() else {
            return (0, None);
        };
        let current = map.get(&key).copied().unwrap_or_default();
        let (failed, lock) = crate::domain::auth::after_failure(current.failed, now);
        if map.len() < MAX_UNKNOWN || map.contains_key(&key) {
            map.insert(
                key,
                StandIn {
                    failed,
                    locked_until: lock.or(current.locked_until),
                    last: now,
                },
            );
        }
        (failed, lock)
    }
}

fn key_of(name: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(name.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_locks_on_the_fifth_failure_like_an_account() {
        let l = RateLimiter::default();
        for i in 1..5 {
            assert_eq!(l.unknown_account_failed("front:person:X", 1_000), (i, None));
        }
        let (failed, lock) = l.unknown_account_failed("front:person:X", 1_000);
        assert_eq!(failed, 0);
        assert!(lock.is_some_and(|u| u > 1_000));
        assert_eq!(l.unknown_account("front:person:X").1, lock);
        assert_eq!(l.unknown_account("front:person:Y"), (0, None));
    }

    #[test]
    fn a_scaled_limiter_multiplies_every_budget() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let (usual, scaled) = (RateLimiter::default(), RateLimiter::scaled(3));
        let count = |l: &RateLimiter| (0..200).take_while(|_| l.hit(Bucket::Login, ip, 5)).count();
        assert_eq!(count(&usual), 30);
        assert_eq!(count(&scaled), 90);
    }
}
