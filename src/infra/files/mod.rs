//! Where attachment bytes live: one small interface with two implementations, the local
//! disk (`local`, the default) and an S3-compatible object store (`s3`). Either one returns
//! from `put` only once the bytes are durable, so a record that commits after it always
//! has its file.

mod local;
mod s3;

use std::path::Path;
use std::sync::Arc;

use anyhow::bail;

pub use local::LocalFiles;
pub use s3::{S3Files, S3Settings, install_tls_provider};

/// Where attachments are stored (`ZHICHENG_FILES_BACKEND`).
#[derive(Debug, Clone)]
pub enum FilesBackend {
    /// `<data_dir>/files/` on this machine (the default).
    Local,
    /// An S3-compatible bucket.
    S3(S3Settings),
}

/// Storage for uploaded files, addressed by generated keys.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync + 'static {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()>;
    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>>;
    /// Removes a file; one that is not there is not an error (an invalid key is).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Keys of files older than `older_than_ms` (UTC ms), for the orphan sweep; at most `limit`.
    async fn list_older(&self, older_than_ms: i64, limit: usize) -> anyhow::Result<Vec<String>>;

    /// Whether files can be stored and read back now (`/readyz`): a probe written durably,
    /// read and removed.
    async fn probe(&self) -> anyhow::Result<()> {
        let key = format!("probe-{}", uuid::Uuid::now_v7().simple());
        let body = b"readyz";
        self.put(&key, body).await?;
        let back = self.get(&key).await;
        self.delete(&key).await?;
        anyhow::ensure!(back? == body, "the probe read back differs");
        Ok(())
    }
}

/// The one rule for storage keys, whatever the backend: ASCII letters, digits, `-` and `.`,
/// not empty and not starting with a dot. Keys are generated (`<uuid>.bin`), so this only
/// ever refuses a bug or a tampered record, and no key can leave its folder or prefix.
pub fn check_key(key: &str) -> anyhow::Result<()> {
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        || key.starts_with('.')
    {
        bail!("invalid storage key");
    }
    Ok(())
}

/// The store the settings choose: `<data_dir>/files/` or an S3 bucket (under a prefix).
pub fn open(backend: &FilesBackend, data_dir: &Path) -> anyhow::Result<Arc<dyn FileStore>> {
    Ok(match backend {
        FilesBackend::Local => Arc::new(LocalFiles::new(data_dir.join("files"))?),
        FilesBackend::S3(s3) => {
            tracing::info!(
                bucket = %s3.bucket,
                prefix = %s3.prefix,
                endpoint = s3.endpoint.as_deref().unwrap_or("(default)"),
                "attachments on S3-compatible storage"
            );
            Arc::new(S3Files::new(s3)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_names_that_cannot_leave_their_folder() {
        for ok in [
            "0190f2a1b2c34d5e6f708192a3b4c5d6.bin",
            "probe-0190f2a1b2c3",
            "a",
            "A-b.c.tmp",
        ] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "../etc/passwd",
            "a/b",
            "/abs",
            "a\\b",
            "a b",
            "a_b",
            "a%2Fb",
            "a\0b",
            "名字.bin",
            "a?b",
            "a#b",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }
}
