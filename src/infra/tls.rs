//! The UKEY listener: TLS that demands a client certificate from the configured CA.
//! The certificate's SHA-256 travels with each request so that login and every later
//! request can be matched to the certificate bound to the account.

use std::fs::File;
use std::io::BufReader;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::app::AppState;
use crate::crypto::fingerprint;
use crate::settings::TlsSettings;
use crate::web::context::PeerCert;

fn read_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let mut r =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let certs = rustls_pemfile::certs(&mut r)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(!certs.is_empty(), "no certificate in {}", path.display());
    Ok(certs)
}

fn read_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    let mut r =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    rustls_pemfile::private_key(&mut r)
        .with_context(|| format!("reading {}", path.display()))?
        .with_context(|| format!("no private key in {}", path.display()))
}

/// The TLS configuration: our certificate, client certificates required (and not revoked,
/// when CRLs are configured; they are read at start), TLS 1.2 and 1.3 only.
pub fn server_config(tls: &TlsSettings) -> anyhow::Result<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for ca in read_certs(&tls.client_ca)? {
        roots.add(ca).context("adding the client CA")?;
    }
    let mut crls = Vec::new();
    for path in &tls.crls {
        let mut r = BufReader::new(
            File::open(path).with_context(|| format!("opening {}", path.display()))?,
        );
        for crl in rustls_pemfile::crls(&mut r) {
            crls.push(crl.with_context(|| format!("reading {}", path.display()))?);
        }
    }
    let mut builder =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if !crls.is_empty() {
        // The UKEYs come straight from the configured CA: its CRLs decide.
        builder = builder.with_crls(crls).only_check_end_entity_revocation();
    }
    let verifier = builder
        .build()
        .context("building the client certificate verifier")?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(read_certs(&tls.cert)?, read_key(&tls.key)?)
        .context("loading the server certificate and key")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

pub async fn serve(
    state: AppState,
    tls: TlsSettings,
    stop: crate::startup::Stop,
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
    serve_until(state, tls, listener, crate::startup::Stop::never()).await
}

/// Accepts TLS connections until `stop`; then accepts no more and waits for the open
/// connections to finish their requests (idle keep-alive connections are closed).
pub async fn serve_until(
    state: AppState,
    tls: &TlsSettings,
    listener: TcpListener,
    mut stop: crate::startup::Stop,
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
