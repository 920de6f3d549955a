//! The UKEY listener: the back office over TLS that demands a client certificate
//! (`infra::tls::server_config`). The certificate's SHA-256 travels with each request so
//! that login and every later request can be matched to the certificate bound to the account.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::app::AppState;
use crate::infra::crypto::fingerprint;
use crate::infra::tls::server_config;
use crate::settings::TlsSettings;
use crate::web::context::PeerCert;

pub async fn serve(
    state: AppState,
    tls: TlsSettings,
    stop: super::server::Stop,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(tls.listen)
        .await
        .with_context(|| format!("binding the UKEY listener to {}", tls.listen))?;
    serve_until(state, &tls, listener, stop).await
}

/// Accepts TLS connections on a bound listener (tests bind port 0) until the process ends.
pub async fn serve_on(
    state: AppState,
    tls: &TlsSettings,
    listener: TcpListener,
) -> anyhow::Result<()> {
    serve_until(state, tls, listener, super::server::Stop::never()).await
}

/// Accepts TLS connections until `stop`; then accepts no more and waits for the open
/// connections to finish their requests (idle keep-alive connections are closed).
pub async fn serve_until(
    state: AppState,
    tls: &TlsSettings,
    listener: TcpListener,
    mut stop: super::server::Stop,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let acceptor = TlsAcceptor::from(Arc::new(server_config(tls)?));
    tracing::info!(
        "UKEY back office at https://{}/sdmanager",
        listener.local_addr()?
    );
    let router = crate::web::back_router(state, true);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait() => break,
        };
        let (tcp, addr) = match accepted {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match acceptor.accept(tcp).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::info!(%addr, error = %e, "TLS handshake refused");
                    return;
                }
            };
            let fingerprint = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| fingerprint(c.as_ref()));
            let Some(fingerprint) = fingerprint else {
                return;
            };
            let svc = router.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(PeerCert(fingerprint.clone()));
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
                req.map(axum::body::Body::new)
            });
            let svc = TowerToHyperService::new(svc);
            let builder = Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!(%addr, error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
