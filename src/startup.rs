//! Building the application: settings → database → keys → dictionaries → routers → listeners.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use crate::app::AppState;
use crate::domain::clock::{Clock, SystemClock};
use crate::infra::crypto::Keys;
use crate::infra::sms::{LogSms, SmsSender};
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
    let db = Db::connect(&settings.database_url).await?;
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

/// Bound listeners, for `serve` and for tests that want port 0.
pub struct Listeners {
    pub front: TcpListener,
    pub back: TcpListener,
}

impl Listeners {
    pub async fn bind(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Listeners {
            front: TcpListener::bind(settings.front_listen)
                .await
                .with_context(|| format!("binding the front site to {}", settings.front_listen))?,
            back: TcpListener::bind(settings.back_listen)
                .await
                .with_context(|| format!("binding the back office to {}", settings.back_listen))?,
        })
    }
}

/// How long requests in flight may run on after a shutdown signal: the request timeout
/// plus a margin, so that every request that could still succeed does. An upload on a slow
/// line may run longer (`web::UPLOAD_TIMEOUT`); a shutdown cuts it and the page says to retry.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(35);

/// The signal to stop serving, shared by every listener; `None` never comes.
#[derive(Clone)]
pub struct Stop(Option<tokio::sync::watch::Receiver<bool>>);

impl Stop {
    /// A stop that never comes (a listener run on its own).
    pub fn never() -> Stop {
        Stop(None)
    }

    /// Resolves once the stop is given (or its sender is gone).
    pub async fn wait(&mut self) {
        match &mut self.0 {
            Some(rx) => {
                let _ = rx.wait_for(|stopped| *stopped).await;
            }
            None => std::future::pending().await,
        }
    }
}

/// SIGTERM (systemd, containers) or Ctrl-C.
pub async fn shutdown_signal() {
    let term = async {
        #[cfg(unix)]
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Serves both sites (and the UKEY listener when configured) until SIGTERM or Ctrl-C.
pub async fn run(state: AppState, listeners: Listeners) -> anyhow::Result<()> {
    run_until(state, listeners, shutdown_signal()).await
}

/// Serves until `stop` resolves; then accepts no new connections, lets requests in flight
/// finish (at most [`SHUTDOWN_GRACE`]), closes the database pool and returns.
pub async fn run_until(
    state: AppState,
    listeners: Listeners,
    stop: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let front_addr = listeners.front.local_addr()?;
    let back_addr = listeners.back.local_addr()?;
    tracing::info!("front site at http://{front_addr}/rsrc/");
    tracing::info!("back office at http://{back_addr}/sdmanager");
    let housekeeping = spawn_housekeeping(state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |rx: tokio::sync::watch::Receiver<bool>| async move {
        Stop(Some(rx)).wait().await;
    };
    let front = axum::serve(
        listeners.front,
        crate::web::front_router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let back = axum::serve(
        listeners.back,
        crate::web::back_router(state.clone(), false)
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let tls_stop = Stop(Some(stop_rx.clone()));
    let tls = async {
        match &state.settings.back_tls {
            Some(tls) => crate::web::ukey::serve(state.clone(), tls.clone(), tls_stop).await,
            None => Ok(()),
        }
    };
    let servers = async {
        let (f, b, t) = tokio::join!(
            async { front.await.context("front site stopped") },
            async { back.await.context("back office stopped") },
            async { tls.await.context("UKEY listener stopped") },
        );
        f.and(b).and(t)
    };
    tokio::pin!(servers);
    tokio::select! {
        r = &mut servers => {
            housekeeping.abort();
            return r;
        }
        _ = stop => {}
    }
    tracing::info!("shutting down: no new connections; finishing the requests in flight");
    let _ = stop_tx.send(true);
    housekeeping.abort();
    let result = match tokio::time::timeout(SHUTDOWN_GRACE, &mut servers).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(
                grace = ?SHUTDOWN_GRACE,
                "requests still running at the end of the grace period; stopping anyway"
            );
            Ok(())
        }
    };
    if let Err(e) = state.db.conn.clone().close().await {
        tracing::warn!(error = %e, "closing the database pool");
    }
    tracing::info!("stopped");
    result
}

/// Starts the real platform: system clock, log SMS sender.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listeners = Listeners::bind(&settings).await?;
    let state = prepare(settings, Arc::new(SystemClock), Arc::new(LogSms)).await?;
    run(state, listeners).await
}

/// Removes expired sessions and stale rate-limit windows every few minutes.
fn spawn_housekeeping(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = state.now_ms();
            match crate::store::sessions::purge_expired(&state.db.conn, now).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
            state.limiter.forget_old(now).await;
            if let Err(e) = disable_inactive(&state, now).await {
                tracing::warn!(error = %e, "disabling inactive accounts failed");
            }
            if let Err(e) = sweep_orphans(&state, now).await {
                tracing::warn!(error = %e, "orphan file sweep failed");
            }
        }
    })
}

/// Removes stored files whose database record never committed (older than an hour).
pub async fn sweep_orphans(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut removed = 0;
    for key in state.files.list_older(now - 3_600_000, 1000).await? {
        if key.ends_with(".tmp")
            || !crate::store::attachments::key_exists(&state.db.conn, &key)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            state.files.delete(&key).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "orphan files removed");
    }
    Ok(removed)
}

/// Back-office accounts unused for `inactive_days` are disabled and their sessions ended
/// (等保: no dormant privileged accounts). Each one is audited.
pub async fn disable_inactive(state: &AppState, now: i64) -> anyhow::Result<usize> {
    use crate::store::audit::{self, Actor, Event, Outcome};
    let cutoff = now - i64::from(state.settings.inactive_days) * 86_400_000;
    let tx = state.db.begin().await?;
    let stale = crate::store::accounts::inactive_admins(&*tx, cutoff)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for (id, username) in &stale {
        crate::store::exec(
            &*tx,
            "UPDATE admins SET disabled = TRUE, updated_at = ? WHERE id = ?",
            vec![now.into(), (*id).into()],
        )
        .await?;
        crate::store::sessions::delete_for_subject(
            &*tx,
            crate::domain::auth::SubjectKind::Admin,
            *id,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        audit::append(
            &*tx,
            now,
            Event {
                actor: &Actor::system("housekeeping"),
                ip: "local",
                action: "account_disable_inactive",
                object: format!("admin:{id}"),
                outcome: Outcome::Success,
                detail: format!(
                    "{username}: no login for {} days",
                    state.settings.inactive_days
                ),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    tx.commit().await?;
    Ok(stale.len())
}
