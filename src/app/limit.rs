//! Rate limits per client address or per account (fixed windows), and the stand-in lockouts
//! of login names that belong to nobody. Account lockouts live in the accounts' rows.
//!
//! On a server database (PostgreSQL, MySQL) every count is one upsert in the database
//! (`store::limits`), so that several nodes behind a proxy share one budget: two nodes must
//! not each grant the whole of it. On SQLite, which is one node by nature, they are counted
//! in memory, so that a keystroke in the unit picker never takes SQLite's single write lock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use sea_orm::{DatabaseConnection, DbBackend};

use crate::infra::crypto::Keys;

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
    const ALL: [Bucket; 8] = [
        Bucket::Login,
        Bucket::LoginFailure,
        Bucket::Register,
        Bucket::Sms,
        Bucket::Captcha,
        Bucket::UnitSearch,
        Bucket::Export,
        Bucket::Refusal,
    ];

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

    /// The name stored in `rate_limits.bucket`.
    fn as_str(self) -> &'static str {
        match self {
            Bucket::Login => "login",
            Bucket::LoginFailure => "login_failure",
            Bucket::Register => "register",
            Bucket::Sms => "sms",
            Bucket::Captcha => "captcha",
            Bucket::UnitSearch => "unit_search",
            Bucket::Export => "export",
            Bucket::Refusal => "refusal",
        }
    }
}

/// The platform's rate limiter: in memory on SQLite, in the database otherwise.
pub struct RateLimiter {
    counts: Counts,
    /// Budgets are multiplied by this (0 reads as 1): `Settings::rate_limit_scale`.
    scale: u32,
}

enum Counts {
    Memory {
        windows: Mutex<HashMap<(Bucket, Who), (i64, u32)>>,
        unknown: Mutex<HashMap<[u8; 32], StandIn>>,
    },
    /// Shared by every node on the database. Stand-ins are keyed by a keyed hash of the
    /// name, so the table never holds a login name (nor a hash one could test guesses on).
    Database(Box<Shared>),
}

struct Shared {
    conn: DatabaseConnection,
    keys: Keys,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::scaled(1)
    }
}

/// Whom a budget belongs to: a client address, or an account (for what logged-in users do,
/// so that an office behind one address is not one budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Ip(IpAddr),
    Account(uuid::Uuid),
}

impl Who {
    /// The key stored in `rate_limits.who`.
    fn key(self) -> String {
        match self {
            // An IPv4 client on a dual-stack socket is the same client as on an IPv4 one.
            Who::Ip(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some() => {
                format!(
                    "ip:{}",
                    v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
                )
            }
            Who::Ip(ip) => format!("ip:{ip}"),
            Who::Account(id) => format!("account:{id}"),
        }
    }
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

/// At most this many unknown names are remembered in memory; beyond it new names count from
/// zero, which bounds memory under a spray of random names.
const MAX_UNKNOWN: usize = 100_000;

/// Rows the housekeeping removes per bucket (and of stand-ins) in one pass, so that one pass
/// never holds the database for long; what remains goes in the next.
const PURGE_BATCH: u32 = 20_000;

/// A stand-in is forgotten this long after its last failure (its lock has long ended).
fn standin_keep() -> i64 {
    crate::domain::auth::LOCK_DURATION.whole_milliseconds() as i64 * 4
}

impl RateLimiter {
    /// An in-memory limiter whose budgets are `scale` times the usual ones (load tests only).
    pub fn scaled(scale: u32) -> RateLimiter {
        RateLimiter {
            counts: Counts::Memory {
                windows: Mutex::default(),
                unknown: Mutex::default(),
            },
            scale,
        }
    }

    /// The limiter for a platform on `conn`: in memory on SQLite (one node), in the database
    /// on a server database, where every node shares it.
    pub fn for_database(conn: &DatabaseConnection, keys: &Keys, scale: u32) -> RateLimiter {
        if conn.get_database_backend() == DbBackend::Sqlite {
            return RateLimiter::scaled(scale);
        }
        RateLimiter {
            counts: Counts::Database(Box::new(Shared {
                conn: conn.clone(),
                keys: keys.clone(),
            })),
            scale,
        }
    }

    /// Whether the counts are shared through the database.
    pub fn is_shared(&self) -> bool {
        matches!(self.counts, Counts::Database(_))
    }

    fn limit(&self, bucket: Bucket) -> u32 {
        bucket.budget().0.saturating_mul(self.scale.max(1))
    }

    /// Counts one event; `false` when the client is over budget.
    pub async fn hit(&self, bucket: Bucket, ip: IpAddr, now: i64) -> bool {
        self.hit_by(bucket, Who::Ip(ip), now).await
    }

    /// Counts one event of `who`; `false` when over budget. When the database cannot count
    /// (it is down), the event passes, with a warning: the request needs the database anyway.
    pub async fn hit_by(&self, bucket: Bucket, who: Who, now: i64) -> bool {
        let (_, window) = bucket.budget();
        let limit = self.limit(bucket);
        match &self.counts {
            Counts::Memory { windows, .. } => {
                let Ok(mut map) = windows.lock() else {
                    return true;
                };
                let entry = map.entry((bucket, who)).or_insert((now, 0));
                if now - entry.0 >= window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                entry.1 <= limit
            }
            Counts::Database(shared) => {
                let conn = &shared.conn;
                match crate::store::limits::hit(conn, bucket.as_str(), &who.key(), now, window)
                    .await
                {
                    Ok(n) => n <= i64::from(limit),
                    Err(e) => {
                        tracing::warn!(error = %e, bucket = bucket.as_str(), "rate limit not counted");
                        true
                    }
                }
            }
        }
    }

    /// Counts one event of an account; over budget it is the error that answers 429.
    pub async fn allow(
        &self,
        bucket: Bucket,
        account: uuid::Uuid,
        now: i64,
    ) -> crate::error::Result<()> {
        if self.hit_by(bucket, Who::Account(account), now).await {
            Ok(())
        } else {
            Err(crate::error::AppError::TooManyRequests)
        }
    }

    /// Events counted in the current window.
    pub async fn count(&self, bucket: Bucket, ip: IpAddr, now: i64) -> u32 {
        let (_, window) = bucket.budget();
        match &self.counts {
            Counts::Memory { windows, .. } => {
                let Ok(map) = windows.lock() else {
                    return 0;
                };
                match map.get(&(bucket, Who::Ip(ip))) {
                    Some((start, n)) if now - start < window => *n,
                    _ => 0,
                }
            }
            Counts::Database(shared) => {
                let conn = &shared.conn;
                let who = Who::Ip(ip).key();
                match crate::store::limits::count(conn, bucket.as_str(), &who, now, window).await {
                    Ok(n) => u32::try_from(n).unwrap_or(u32::MAX),
                    Err(e) => {
                        tracing::warn!(error = %e, bucket = bucket.as_str(), "rate limit not read");
                        0
                    }
                }
            }
        }
    }

    /// Forgets ended windows and stale stand-ins (the housekeeping, every few minutes); in
    /// the database at most a bounded batch per pass.
    pub async fn forget_old(&self, now: i64) {
        let keep = standin_keep();
        match &self.counts {
            Counts::Memory { windows, unknown } => {
                if let Ok(mut map) = windows.lock() {
                    map.retain(|(b, _), (start, _)| now - *start < b.budget().1);
                }
                if let Ok(mut map) = unknown.lock() {
                    map.retain(|_, s| now - s.last < keep);
                }
            }
            Counts::Database(shared) => {
                let conn = &shared.conn;
                let buckets: Vec<(&str, i64)> = Bucket::ALL
                    .iter()
                    .map(|b| (b.as_str(), b.budget().1))
                    .collect();
                match crate::store::limits::purge(conn, now, &buckets, keep, PURGE_BATCH).await {
                    Ok(n) if n > 0 => {
                        tracing::info!(removed = n, "ended rate-limit windows removed")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "rate-limit purge failed"),
                }
            }
        }
    }

    /// The stand-in counters of an unknown login name: (wrong passwords, lock end).
    pub async fn unknown_account(
        &self,
        name: &str,
        now: i64,
    ) -> crate::error::Result<(i32, Option<i64>)> {
        match &self.counts {
            Counts::Memory { unknown, .. } => {
                let key = key_of(name);
                Ok(unknown
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&key).map(|s| (s.failed, s.locked_until)))
                    .unwrap_or_default())
            }
            Counts::Database(shared) => Ok(crate::store::limits::standin(
                &shared.conn,
                &standin_hash(&shared.keys, name),
                now,
                standin_keep(),
            )
            .await?),
        }
    }

    /// One more wrong password for an unknown login name, by the rule real accounts follow.
    pub async fn unknown_account_failed(
        &self,
        name: &str,
        now: i64,
    ) -> crate::error::Result<(i32, Option<i64>)> {
        let unknown = match &self.counts {
            Counts::Memory { unknown, .. } => unknown,
            Counts::Database(shared) => {
                return Ok(crate::store::limits::standin_failed(
                    &shared.conn,
                    &standin_hash(&shared.keys, name),
                    now,
                    standin_keep(),
                )
                .await?);
            }
        };
        let key = key_of(name);
        let Ok(mut map) = unknown.lock() else {
            return Ok((0, None));
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
        Ok((failed, lock))
    }
}

fn key_of(name: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(name.as_bytes()).into()
}

/// The stored key of a stand-in: keyed, because the names are ID numbers and credit codes,
/// few enough that a plain hash could be reversed by trying them all.
fn standin_hash(keys: &Keys, name: &str) -> String {
    keys.blind_index("login-standin", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_name_locks_on_the_fifth_failure_like_an_account() {
        let l = RateLimiter::default();
        for i in 1..5 {
            let counted = l.unknown_account_failed("front:person:X", 1_000).await;
            assert_eq!(counted.unwrap(), (i, None));
        }
        let (failed, lock) = l
            .unknown_account_failed("front:person:X", 1_000)
            .await
            .unwrap();
        assert_eq!(failed, 0);
        assert!(lock.is_some_and(|u| u > 1_000));
        assert_eq!(
            l.unknown_account("front:person:X", 1_000).await.unwrap().1,
            lock
        );
        assert_eq!(
            l.unknown_account("front:person:Y", 1_000).await.unwrap(),
            (0, None)
        );
    }

    #[tokio::test]
    async fn a_scaled_limiter_multiplies_every_budget() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let (usual, scaled) = (RateLimiter::default(), RateLimiter::scaled(3));
        let mut counts = Vec::new();
        for l in [&usual, &scaled] {
            let mut n = 0;
            while n < 200 && l.hit(Bucket::Login, ip, 5).await {
                n += 1;
            }
            counts.push(n);
        }
        assert_eq!(counts, [30, 90]);
    }

    #[test]
    fn a_mapped_ipv4_client_is_the_ipv4_client() {
        let v4: IpAddr = "10.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(Who::Ip(v4).key(), Who::Ip(mapped).key());
        assert_eq!(Who::Ip(v4).key(), "ip:10.0.0.1");
    }
}
