//! The state every use case and handler shares: database, keys, settings, clock, senders,
//! the file store and the dictionaries as last loaded.

use std::sync::{Arc, RwLock};

use crate::app::limit::RateLimiter;
use crate::crypto::Keys;
use crate::domain::clock::Clock;
use crate::settings::Settings;
use crate::sms::SmsSender;
use crate::store::Db;
use crate::store::dicts::Dicts;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Keys,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsSender>,
    pub limiter: Arc<RateLimiter>,
    pub files: Arc<dyn crate::files::FileStore>,
    /// The 转入表 typesetter, built on first use (font parsing costs a moment).
    pdf: Arc<std::sync::OnceLock<crate::pdf::Renderer>>,
    /// Set by tests only: the answers of the captchas drawn.
    pub captcha_log: Option<Arc<crate::captcha::CaptchaLog>>,
    dicts: Arc<RwLock<Arc<Dicts>>>,
}

impl AppState {
    /// The dictionaries as last loaded.
    pub fn dicts(&self) -> Arc<Dicts> {
        self.dicts.read().map(|d| d.clone()).unwrap_or_default()
    }

    /// Re-reads the dictionaries after an edit.
    pub async fn reload_dicts(&self) -> crate::error::Result<()> {
        let fresh = Arc::new(Dicts::load(&self.db.conn).await?);
        if let Ok(mut d) = self.dicts.write() {
            *d = fresh;
        }
        Ok(())
    }

    pub fn pdf(&self) -> &crate::pdf::Renderer {
        self.pdf
            .get_or_init(|| crate::pdf::Renderer::new(&self.settings.pdf_fonts))
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl AppState {
    pub fn new(
        db: Db,
        keys: Keys,
        settings: Settings,
        clock: Arc<dyn Clock>,
        sms: Arc<dyn SmsSender>,
        files: Arc<dyn crate::files::FileStore>,
        dicts: Arc<Dicts>,
    ) -> Self {
        AppState {
            db,
            keys,
            files,
            pdf: Arc::new(std::sync::OnceLock::new()),
            settings: Arc::new(settings),
            clock,
            sms,
            limiter: Arc::new(RateLimiter::default()),
            captcha_log: None,
            dicts: Arc::new(RwLock::new(dicts)),
        }
    }
}
