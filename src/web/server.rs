//! Serving the platform: the front site, the back office and (when configured) the UKEY
//! listener, until a stop signal; then the requests in flight finish and the pool closes.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::settings::Settings;

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
/// line may run longer (`super::UPLOAD_TIMEOUT`); a shutdown cuts it and the page says to retry.
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
    let housekeeping = crate::app::housekeeping::spawn(state.clone());
    let watch = crate::telemetry::watch_runtime();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |rx: tokio::sync::watch::Receiver<bool>| async move {
        Stop(Some(rx)).wait().await;
    };
    // Every answer leaves at once: axum 0.8 leaves Nagle's algorithm on, under which a
    // response written in two parts waits for the client's delayed ACK of the first.
    let nodelay = |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY refused");
        }
    };
    let front = axum::serve(
        listeners.front.tap_io(nodelay),
        super::front_router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let back = axum::serve(
        listeners.back.tap_io(nodelay),
        super::back_router(state.clone(), false)
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stop_rx.clone()));
    let tls_stop = Stop(Some(stop_rx.clone()));
    let tls = async {
        match &state.settings.back_tls {
            Some(tls) => super::ukey::serve(state.clone(), tls.clone(), tls_stop).await,
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
            watch.abort();
            return r;
        }
        _ = stop => {}
    }
    tracing::info!("shutting down: no new connections; finishing the requests in flight");
    let _ = stop_tx.send(true);
    housekeeping.abort();
    watch.abort();
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
    state.db.close().await;
    tracing::info!("stopped");
    result
}
