//! Attachments on this machine's disk, written durably (temporary file, fsync, rename, fsync
//! of the folder).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{FileStore, check_key};

/// Files under `<data_dir>/files/`, outside any web root, under generated names.
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    pub fn new(root: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        Ok(LocalFiles { root })
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[async_trait::async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(key)?;
        let dir = self.root.clone();
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || write_durably(&dir, &path, &bytes)).await?
    }

    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.path(key)?;
        tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading stored file {key}"))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing stored file {key}")),
        }
    }

    async fn list_older(&self, older_than_ms: i64, limit: usize) -> anyhow::Result<Vec<String>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for entry in std::fs::read_dir(&root)? {
                let entry = entry?;
                let modified = entry.metadata()?.modified()?;
                let ms = modified
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                if ms < older_than_ms
                    && let Some(name) = entry.file_name().to_str()
                {
                    out.push(name.to_owned());
                    if out.len() >= limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await?
    }
}
