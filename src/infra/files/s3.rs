//! Attachments in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …) under a key prefix,
//! so that several deployments can share one bucket.
//!
//! Durability: S3 answers a PUT with 200 only once the object is stored, and the upload
//! carries a SHA-256 checksum for the server to verify (AWS does), so `put` returning means
//! the bytes are there, intact. There is no temporary object: a PUT is atomic, a reader sees
//! the whole object or none.

use std::time::Duration;

use anyhow::Context;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStoreExt, PutPayload, RetryConfig};
use secrecy::{ExposeSecret, SecretString};

use super::{FileStore, check_key};

/// An S3-compatible bucket for the attachments (`ZHICHENG_S3_*`).
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// `http(s)://host:port` of an S3-compatible server; unset means AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// Object names start with `<prefix>/` (no slashes at either end), so several
    /// deployments can share a bucket; empty means the bucket's top level.
    pub prefix: String,
    pub access_key_id: SecretString,
    pub secret_access_key: SecretString,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Objects listed per request by the orphan sweep (the S3 maximum).
const LIST_PAGE: usize = 1000;

pub struct S3Files {
    store: AmazonS3,
    /// The prefix without slashes at either end; empty for the bucket's top level.
    prefix: String,
}

/// Makes ring, the provider this platform is built with, rustls's provider for the process:
/// the S3 client's TLS asks for it when the client is built, and panics without one. Call it
/// before building any `object_store` client; a second call changes nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl S3Files {
    /// Configures the client; nothing is contacted until the first request (`/readyz` says
    /// whether the bucket answers).
    pub fn new(s: &S3Settings) -> anyhow::Result<Self> {
        // A request that cannot succeed fails within seconds rather than after the
        // library's three minutes of retries: an upload has a time limit, `/readyz` too.
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(s.access_key_id.expose_secret())
            .with_secret_access_key(s.secret_access_key.expose_secret())
            .with_virtual_hosted_style_request(false)
            .with_checksum_algorithm(Checksum::SHA256)
            // One key at a time; single DELETEs are the part of the API every server has.
            .with_disable_bulk_delete(true)
            .with_retry(retry)
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            );
        if let Some(endpoint) = &s.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        install_tls_provider();
        let store = builder
            .build()
            .with_context(|| format!("configuring the S3 bucket {}", s.bucket))?;
        Ok(S3Files {
            store,
            prefix: s.prefix.clone(),
        })
    }

    fn path(&self, key: &str) -> anyhow::Result<Path> {
        check_key(key)?;
        Ok(if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        })
    }

    /// The key of an object directly under the prefix, or `None` for anything else in the
    /// bucket (another deployment's objects are never touched).
    fn key_of(&self, location: &Path) -> Option<String> {
        let key = location.filename()?;
        match self.path(key) {
            Ok(p) if &p == location => Some(key.to_owned()),
            _ => None,
        }
    }
}

fn not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

#[async_trait::async_trait]
impl FileStore for S3Files {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes.to_vec()))
            .await
            .with_context(|| format!("storing file {key} in S3"))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.path(key)?;
        let read = async {
            let got = self.store.get(&path).await?;
            got.bytes().await
        };
        let bytes = read
            .await
            .with_context(|| format!("reading stored file {key} from S3"))?;
        Ok(bytes.to_vec())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) => Ok(()),
            // S3 answers a DELETE of a missing key with success anyway; some servers do not.
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing stored file {key} from S3")),
        }
    }

    async fn list_older(&self, older_than_ms: i64, limit: usize) -> anyhow::Result<Vec<String>> {
        // With the delimiter, objects in deeper "folders" (another deployment's prefix
        // inside this one) come back as common prefixes, not as objects.
        let prefix = (!self.prefix.is_empty()).then(|| format!("{}/", self.prefix));
        let mut out = Vec::new();
        let mut page_token = None;
        loop {
            let page = self
                .store
                .list_paginated(
                    prefix.as_deref(),
                    PaginatedListOptions {
                        delimiter: Some("/".into()),
                        max_keys: Some(LIST_PAGE),
                        page_token: page_token.take(),
                        ..Default::default()
                    },
                )
                .await
                .context("listing stored files in S3")?;
            for meta in &page.result.objects {
                if meta.last_modified.timestamp_millis() < older_than_ms
                    && let Some(key) = self.key_of(&meta.location)
                {
                    out.push(key);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            match page.page_token {
                Some(t) => page_token = Some(t),
                None => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: Option<&str>) -> S3Settings {
        S3Settings {
            bucket: "zhicheng".into(),
            region: "cn-north-1".into(),
            endpoint: endpoint.map(str::to_owned),
            prefix: "files".into(),
            access_key_id: SecretString::from("key"),
            secret_access_key: SecretString::from("secret"),
        }
    }

    /// The client is built at configuration time: an HTTPS endpoint, and AWS's own, must get a
    /// TLS client (with ring as rustls's provider) rather than an error or a panic.
    #[test]
    fn https_clients_are_built_with_ring() {
        for endpoint in [Some("https://s3.example.internal:9000"), None] {
            let files = S3Files::new(&settings(endpoint)).expect("an HTTPS client is built");
            assert_eq!(files.prefix, "files");
        }
    }
}
