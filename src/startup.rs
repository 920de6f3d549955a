//! Building the application state: settings → database (migrated) → keys → dictionaries →
//! attachment store. Serving it is `web::server`; `cli` puts the two together.

use std::sync::Arc;

use anyhow::Context;

pub use crate::app::AppState;
use crate::domain::clock::Clock;
use crate::infra::crypto::Keys;
use crate::infra::sms::SmsSender;
use crate::settings::Settings;
use crate::store::Db;
use crate::store::dicts::Dicts;

/// Opens the database, migrates it, seeds the dictionaries and loads the keys.
pub async fn prepare(
    settings: Settings,
    clock: Arc<dyn Clock>,
    sms: Arc<dyn SmsSender>,
) -> anyhow::Result<AppState> {
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "creating the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    std::fs::create_dir_all(&settings.data_dir).ok();
    crate::telemetry::metrics();
    let keys = Keys::load(&settings)?;
    let db = Db::open(
        &settings.database_url,
        crate::store::DbOptions {
            sqlite_mmap_mib: settings.sqlite_mmap_mib,
        },
    )
    .await?;
    db.migrate().await?;
    let tx = db.begin().await?;
    let added = crate::store::dicts::seed(&tx)
        .await
        .context("seeding the dictionaries")?;
    tx.commit().await?;
    if added > 0 {
        tracing::info!(added, "dictionary entries loaded");
    }
    let dicts = Arc::new(Dicts::load(&db.conn).await?);
    if !settings
        .pdf_fonts
        .iter()
        .chain(
            crate::infra::pdf::DEFAULT_FONTS
                .iter()
                .map(std::path::Path::new)
                .map(|p| p.to_path_buf())
                .collect::<Vec<_>>()
                .iter(),
        )
        .any(|p| p.is_file())
    {
        tracing::warn!(
            "no CJK font found for the 转入表: install fonts-wqy-microhei or set ZHICHENG_PDF_FONT"
        );
    }
    let files = crate::infra::files::open(&settings.files, &settings.data_dir)?;
    Ok(AppState::new(db, keys, settings, clock, sms, files, dicts))
}
