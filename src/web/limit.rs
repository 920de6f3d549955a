//! Per-IP rate limits (fixed windows, in memory). Account lockouts live in the database;
//! these only slow a single client down.

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
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(Bucket, IpAddr), (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one event; `false` when the client is over budget.
    pub fn hit(&self, bucket: Bucket, ip: IpAddr, now: i64) -> bool {
        let (limit, window) = bucket.budget();
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        let entry = map.entry((bucket, ip)).or_insert((now, 0));
        if now - entry.0 >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }

    /// Events counted in the current window.
    pub fn count(&self, bucket: Bucket, ip: IpAddr, now: i64) -> u32 {
        let (_, window) = bucket.budget();
        let Ok(map) = self.windows.lock() else {
            return 0;
        };
        match map.get(&(bucket, ip)) {
            Some((start, n)) if now - start < window => *n,
            _ => 0,
        }
    }

    pub fn reset(&self, bucket: Bucket, ip: IpAddr) {
        if let Ok(mut map) = self.windows.lock() {
            map.remove(&(bucket, ip));
        }
    }

    pub fn forget_old(&self, now: i64) {
        if let Ok(mut map) = self.windows.lock() {
            map.retain(|(b, _), (start, _)| now - *start < b.budget().1);
        }
    }
}
