//! The state every use case and handler shares: database, keys, settings, clock, senders,
//! the file store and the dictionaries as last loaded.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::app::limit::RateLimiter;
use crate::domain::clock::Clock;
use crate::infra::crypto::Keys;
use crate::infra::sms::SmsSender;
use crate::settings::Settings;
use crate::store::Db;
use crate::store::dicts::Dicts;

/// Everything a handler needs; cheap to clone: one reference count.
///
/// The router's layers clone it well over a hundred times for each signed-in request. As a
/// struct of a dozen reference-counted parts it cost as many atomic updates per clone (on
/// counts both cores touch) and copied the expanded keys each time (docs/PERFORMANCE.md,
/// run 10).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub db: Db,
    pub keys: Keys,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsSender>,
    pub limiter: Arc<RateLimiter>,
    pub files: Arc<dyn crate::infra::files::FileStore>,
    /// The 转入表 typesetter, built on first use (font parsing costs a moment).
    pdf: std::sync::OnceLock<crate::infra::pdf::Renderer>,
    /// Set by tests only (once, before serving): the answers of the captchas drawn.
    pub captcha_log: std::sync::OnceLock<Arc<crate::infra::captcha::CaptchaLog>>,
    dicts: RwLock<Arc<Dicts>>,
    /// The `dict_version` the cached dictionaries were read at (-1: not known yet).
    dicts_version: std::sync::atomic::AtomicI64,
    /// Verify-page answers for approved serials with when they were read: a 转入表's QR code
    /// is opened far more often than anything it shows changes (approval is final).
    verified: std::sync::Mutex<HashMap<String, (i64, crate::store::applications::Verified)>>,
    /// 统计分析 figures being computed, by filter (`app::stats::summary`).
    pub(crate) stats_flights: crate::app::stats::Flights,
}

/// How long a verify answer is reused; a unit renamed shows after at most this long.
const VERIFIED_FOR_MS: i64 = 60_000;
/// Answers kept at most; beyond it the cache starts again (bounded memory under a spray).
const VERIFIED_MAX: usize = 20_000;

impl AppState {
    /// The dictionaries as last loaded.
    pub fn dicts(&self) -> Arc<Dicts> {
        self.dicts.read().map(|d| d.clone()).unwrap_or_default()
    }

    /// Re-reads the dictionaries after an edit.
    pub async fn reload_dicts(&self) -> crate::error::Result<()> {
        // The version first: an edit between the two reads is seen again at the next check.
        let version = crate::store::dicts::version(&self.db.conn).await?;
        let fresh = Arc::new(Dicts::load(&self.db.conn).await?);
        if let Ok(mut d) = self.dicts.write() {
            *d = fresh;
        }
        self.dicts_version
            .store(version, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Reloads the dictionaries when another node (or a seed) changed them since they were
    /// read; one primary-key read otherwise. `true` when it reloaded.
    pub async fn refresh_dicts(&self) -> crate::error::Result<bool> {
        let now = crate::store::dicts::version(&self.db.conn).await?;
        if now == self.dicts_version.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(false);
        }
        self.reload_dicts().await?;
        Ok(true)
    }

    pub fn pdf(&self) -> &crate::infra::pdf::Renderer {
        self.pdf
            .get_or_init(|| crate::infra::pdf::Renderer::new(&self.settings.pdf_fonts))
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A verify answer read less than a minute ago.
    pub fn verified_cached(&self, serial: &str) -> Option<crate::store::applications::Verified> {
        let now = self.now_ms();
        let map = self.verified.lock().ok()?;
        map.get(serial)
            .filter(|(at, _)| now - at < VERIFIED_FOR_MS)
            .map(|(_, v)| v.clone())
    }

    pub fn remember_verified(&self, serial: &str, v: &crate::store::applications::Verified) {
        let now = self.now_ms();
        if let Ok(mut map) = self.verified.lock() {
            if map.len() >= VERIFIED_MAX {
                map.clear();
            }
            map.insert(serial.to_owned(), (now, v.clone()));
        }
    }
}

impl AppState {
    pub fn new(
        db: Db,
        keys: Keys,
        settings: Settings,
        clock: Arc<dyn Clock>,
        sms: Arc<dyn SmsSender>,
        files: Arc<dyn crate::infra::files::FileStore>,
        dicts: Arc<Dicts>,
    ) -> Self {
        let limiter = Arc::new(RateLimiter::for_database(
            &db.conn,
            &keys,
            settings.rate_limit_scale,
        ));
        AppState(Arc::new(Shared {
            db,
            keys,
            files,
            pdf: std::sync::OnceLock::new(),
            settings: Arc::new(settings),
            clock,
            sms,
            limiter,
            captcha_log: std::sync::OnceLock::new(),
            dicts: RwLock::new(dicts),
            dicts_version: std::sync::atomic::AtomicI64::new(-1),
            verified: Default::default(),
            stats_flights: Default::default(),
        }))
    }
}
