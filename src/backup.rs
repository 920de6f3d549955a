//! `zhicheng backup` and `zhicheng restore` (SECURITY item 41): a consistent copy of a live
//! platform, and a restore that proves itself before anyone serves from it.
//!
//! A backup is a folder: the database (SQLite through `VACUUM INTO`, which reads one
//! snapshot while writers go on; PostgreSQL through `pg_dump -Fc` on an exported snapshot),
//! the attachment files the snapshot references, and `manifest.json` with the row counts,
//! the audit chain's head, the sha256 of every file and a keyed check of the master key
//! (which never goes into the backup). The manifest is written last: a folder without one
//! is an interrupted backup and restore refuses it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, IsolationLevel, Statement,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::infra::crypto::Keys;
use crate::infra::files::FileStore;
use crate::settings::Settings;
use crate::store::audit::{self, Verification};

const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "zhicheng.db";
const PG_FILE: &str = "zhicheng.pgdump";
/// Why `backup` and `restore` refuse the MySQL family: each engine has its own consistent
/// online backup, which an operator of that engine already runs.
const MYSQL_BACKUP: &str = "zhicheng backup and restore handle SQLite and PostgreSQL; on the MySQL family \
     back up with the engine's own consistent tools (mysqldump --single-transaction, MariaDB's \
     mariadb-backup, TiDB's BR, OceanBase's physical backup) together with the attachment store";
/// What the master key's check value is computed over; the value reveals nothing of the key.
const KEY_CHECK: &str = "zhicheng backup key check";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub version: String,
    /// UTC milliseconds.
    pub created_at: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub database_file: String,
    pub database_sha256: String,
    /// Rows per table in the snapshot.
    pub counts: BTreeMap<String, i64>,
    pub audit_head: AuditHead,
    pub files: Vec<FileEntry>,
    /// Attachments deleted between the snapshot and the copy of their file: their rows are
    /// removed on restore, as the deletion that followed would have.
    pub vanished: Vec<String>,
    pub key_check: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// What a database snapshot holds that a backup must account for.
struct Facts {
    counts: BTreeMap<String, i64>,
    audit_head: AuditHead,
    /// (storage key, sha256 recorded at upload).
    attachments: Vec<(String, String)>,
}

fn query(backend: DbBackend, sql: &str) -> Statement {
    Statement::from_string(backend, sql.to_owned())
}

async fn tables(c: &impl ConnectionTrait) -> anyhow::Result<Vec<String>> {
    let backend = c.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        }
    };
    c.query_all_raw(query(backend, sql))
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<String>("", "name")?))
        .collect()
}

async fn facts(c: &impl ConnectionTrait) -> anyhow::Result<Facts> {
    let backend = c.get_database_backend();
    let mut counts = BTreeMap::new();
    for t in tables(c).await? {
        // Table names come from the catalogue, quoted all the same.
        let n =
            crate::store::count(c, &format!("SELECT COUNT(*) AS n FROM \"{t}\""), vec![]).await?;
        counts.insert(t, n);
    }
    let head = c
        .query_one_raw(query(
            backend,
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        ))
        .await?
        .context("the audit head row is missing")?;
    let audit_head = AuditHead {
        seq: head.try_get("", "seq")?,
        hash: head.try_get("", "hash")?,
    };
    let attachments = c
        .query_all_raw(query(
            backend,
            "SELECT storage_key, sha256 FROM attachments ORDER BY storage_key",
        ))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "storage_key")?, r.try_get("", "sha256")?)))
        .collect::<anyhow::Result<_>>()?;
    Ok(Facts {
        counts,
        audit_head,
        attachments,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn empty_or_missing(dir: &Path) -> anyhow::Result<bool> {
    Ok(!dir.exists() || std::fs::read_dir(dir)?.next().is_none())
}

/// The file of a `sqlite://PATH?…` URL.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    ensure!(url.starts_with("sqlite:"), "not a SQLite URL");
    crate::store::sqlite_file(url).context("the SQLite URL names no file")
}

/// Copies a live platform into `out` (a new or empty folder); the manifest written.
pub async fn backup(state: &AppState, out: &Path) -> anyhow::Result<Manifest> {
    ensure!(
        empty_or_missing(out)?,
        "{} is not empty: a backup goes into a new folder",
        out.display()
    );
    let backend = state.db.backend();
    ensure!(backend != DbBackend::MySql, "{MYSQL_BACKUP}");
    std::fs::create_dir_all(out.join("files"))
        .with_context(|| format!("creating {}", out.display()))?;
    let (database_file, facts) = match backend {
        DbBackend::Sqlite => {
            let file = out.join(SQLITE_FILE);
            // One read transaction: every write acknowledged before it is in the copy, and
            // the WAL is folded in (a plain copy of the file would lose it).
            let target = file.display().to_string().replace('\'', "''");
            state
                .db
                .conn
                .execute_unprepared(&format!("VACUUM INTO '{target}'"))
                .await
                .context("VACUUM INTO")?;
            let snapshot =
                sea_orm::Database::connect(format!("sqlite://{}?mode=ro", file.display())).await?;
            let facts = facts(&snapshot).await;
            snapshot.close().await.ok();
            (SQLITE_FILE, facts?)
        }
        _ => {
            let file = out.join(PG_FILE);
            // The dump and the facts read one exported snapshot, held open meanwhile.
            let tx = state
                .db
                .conn
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?;
            let snapshot: String = tx
                .query_one_raw(query(backend, "SELECT pg_export_snapshot() AS s"))
                .await?
                .context("no snapshot id")?
                .try_get("", "s")?;
            let facts = facts(&tx).await?;
            let status = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg(format!("--snapshot={snapshot}"))
                .arg(format!("--file={}", file.display()))
                .arg(format!("--dbname={}", state.settings.database_url))
                .status()
                .await
                .context("running pg_dump (install postgresql-client)")?;
            tx.commit().await?;
            ensure!(status.success(), "pg_dump failed: {status}");
            (PG_FILE, facts)
        }
    };
    let mut files = Vec::with_capacity(facts.attachments.len());
    let mut vanished = Vec::new();
    for (key, recorded) in &facts.attachments {
        let bytes = match state.files.get(key).await {
            Ok(b) => b,
            Err(e) => {
                if crate::store::attachments::key_exists(&state.db.conn, key)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?
                {
                    return Err(e.context(format!("attachment {key} is recorded but unreadable")));
                }
                vanished.push(key.clone());
                continue;
            }
        };
        let sha = sha256_hex(&bytes);
        ensure!(
            &sha == recorded,
            "attachment {key} differs from the checksum recorded at upload"
        );
        write_synced(&out.join("files").join(key), &bytes)?;
        files.push(FileEntry {
            key: key.clone(),
            size: bytes.len() as u64,
            sha256: sha,
        });
    }
    sync_dir(&out.join("files"))?;
    let manifest = Manifest {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: state.now_ms(),
        backend: if backend == DbBackend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
        .to_owned(),
        database_file: database_file.to_owned(),
        database_sha256: sha256_file(&out.join(database_file))?,
        counts: facts.counts,
        audit_head: facts.audit_head,
        files,
        vanished,
        key_check: state.keys.token_tag(KEY_CHECK),
    };
    write_synced(
        &out.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest).context("writing the manifest")?,
    )?;
    sync_dir(out)?;
    Ok(manifest)
}

/// What a restore found, check by check.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
}

fn read_manifest(from: &Path) -> anyhow::Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "{} has no manifest: not a backup, or an interrupted one",
            from.display()
        )
    })?;
    let m: Manifest = serde_json::from_slice(&text).context("reading the manifest")?;
    ensure!(
        m.format == FORMAT,
        "backup format {} is not {FORMAT}",
        m.format
    );
    Ok(m)
}

/// Restores the backup in `from` into the empty database and data directory `settings`
/// name, then verifies it (see [`verify`]).
pub async fn restore(settings: &Settings, from: &Path) -> anyhow::Result<Report> {
    ensure!(
        !settings.database_url.starts_with("mysql:"),
        "{MYSQL_BACKUP}"
    );
    let m = read_manifest(from)?;
    let dump = from.join(&m.database_file);
    ensure!(
        sha256_file(&dump)? == m.database_sha256,
        "{} differs from the manifest",
        dump.display()
    );
    let files_dir = settings.data_dir.join("files");
    ensure!(
        empty_or_missing(&files_dir)?,
        "{} is not empty: restore goes into an empty data directory",
        files_dir.display()
    );
    // Attachments in a bucket go into an empty prefix just the same (the S3 client contacts
    // nothing until asked, so nothing is written before the checks below).
    if let crate::settings::FilesBackend::S3(s3) = &settings.files {
        let store = crate::infra::files::S3Files::new(s3)?;
        ensure!(
            store.list_older(i64::MAX, 1).await?.is_empty(),
            "the S3 prefix {:?} of bucket {} is not empty: restore goes into an empty one",
            s3.prefix,
            s3.bucket
        );
    }
    // Every file of the backup is checked before anything is written.
    for f in &m.files {
        let path = from.join("files").join(&f.key);
        let sha = sha256_file(&path)
            .with_context(|| format!("attachment {} is missing from the backup", f.key))?;
        ensure!(
            sha == f.sha256,
            "attachment {} in the backup differs from the manifest",
            f.key
        );
    }
    let sqlite = settings.database_url.starts_with("sqlite:");
    ensure!(
        sqlite == (m.backend == "sqlite"),
        "a {} backup cannot be restored into {}",
        m.backend,
        crate::settings::redact_url(&settings.database_url)
    );
    if sqlite {
        let target = sqlite_path(&settings.database_url)?;
        ensure!(
            !target.exists() || std::fs::metadata(&target)?.len() == 0,
            "{} already exists: restore goes into an empty data directory",
            target.display()
        );
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Copied, not read into memory: the database may be larger than the machine's RAM.
        std::fs::copy(&dump, &target)
            .with_context(|| format!("copying the database to {}", target.display()))?;
        std::fs::File::open(&target)?.sync_all()?;
    } else {
        let db = sea_orm::Database::connect(settings.database_url.clone()).await?;
        let existing = tables(&db).await?;
        db.close().await.ok();
        ensure!(
            existing.is_empty(),
            "the database already has {} tables: restore goes into an empty database",
            existing.len()
        );
        let status = tokio::process::Command::new("pg_restore")
            .arg("--no-owner")
            .arg("--no-privileges")
            .arg("--exit-on-error")
            .arg("--single-transaction")
            .arg(format!("--dbname={}", settings.database_url))
            .arg(&dump)
            .status()
            .await
            .context("running pg_restore (install postgresql-client)")?;
        ensure!(status.success(), "pg_restore failed: {status}");
    }
    let files = crate::infra::files::open(&settings.files, &settings.data_dir)?;
    for f in &m.files {
        let bytes = std::fs::read(from.join("files").join(&f.key))
            .with_context(|| format!("reading attachment {} from the backup", f.key))?;
        files.put(&f.key, &bytes).await?;
    }
    let db = sea_orm::Database::connect(settings.database_url.clone()).await?;
    for key in &m.vanished {
        crate::store::exec(
            &db,
            "DELETE FROM attachments WHERE storage_key = ?",
            vec![key.clone().into()],
        )
        .await?;
    }
    let keys = master_key(settings)?;
    let report = verify(&db, &*files, &m, keys.as_ref()).await;
    db.close().await.ok();
    report
}

/// The master key the restored platform will use, when one is configured already (the
/// restore never creates one: a new key could not read the backup's encrypted fields).
fn master_key(settings: &Settings) -> anyhow::Result<Option<Keys>> {
    if settings.master_key.is_some() || settings.data_dir.join("master.key").exists() {
        Ok(Some(Keys::load(settings)?))
    } else {
        Ok(None)
    }
}

/// Checks a restored platform against its manifest: the database's own integrity check,
/// the rows per table, every attachment present with its checksum, the audit chain intact
/// up to the same head, and the master key the one the backup was made with.
pub async fn verify(
    db: &DatabaseConnection,
    files: &dyn FileStore,
    m: &Manifest,
    keys: Option<&Keys>,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut problems = Vec::new();
    if db.get_database_backend() == DbBackend::Sqlite {
        let rows = db
            .query_all_raw(query(DbBackend::Sqlite, "PRAGMA integrity_check"))
            .await?;
        let verdict: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        if verdict == ["ok"] {
            report.lines.push("integrity_check: ok".into());
        } else {
            problems.push(format!("integrity_check: {}", verdict.join("; ")));
        }
    }
    let found = facts(db).await?;
    let mut expected = m.counts.clone();
    if let Some(n) = expected.get_mut("attachments") {
        *n -= m.vanished.len() as i64;
    }
    if found.counts == expected {
        let rows: i64 = found.counts.values().sum();
        report.lines.push(format!(
            "rows: {rows} in {} tables, as in the manifest",
            found.counts.len()
        ));
    } else {
        for (t, n) in &expected {
            let got = found.counts.get(t).copied().unwrap_or(-1);
            if got != *n {
                problems.push(format!("table {t}: {got} rows, the manifest says {n}"));
            }
        }
    }
    let listed: BTreeMap<&str, &str> = m
        .files
        .iter()
        .map(|f| (f.key.as_str(), f.sha256.as_str()))
        .collect();
    let mut checked = 0;
    for (key, recorded) in &found.attachments {
        match files.get(key).await {
            Ok(bytes) => {
                let sha = sha256_hex(&bytes);
                if &sha != recorded || listed.get(key.as_str()) != Some(&sha.as_str()) {
                    problems.push(format!("attachment {key}: checksum differs"));
                } else {
                    checked += 1;
                }
            }
            Err(_) => problems.push(format!("attachment {key}: file missing")),
        }
    }
    report.lines.push(format!(
        "attachments: {checked} files present with their checksums"
    ));
    match audit::verify(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    {
        Verification::Intact { entries } if found.audit_head == m.audit_head => {
            report.lines.push(format!(
                "audit chain: intact, {entries} entries, head #{}",
                m.audit_head.seq
            ))
        }
        Verification::Intact { .. } => problems.push(format!(
            "audit chain: head #{} is not the manifest's #{}",
            found.audit_head.seq, m.audit_head.seq
        )),
        Verification::Broken { seq, reason } => {
            problems.push(format!("audit chain: broken at #{seq}: {reason}"))
        }
    }
    match keys {
        Some(k) if k.token_tag(KEY_CHECK) == m.key_check => {
            report.lines.push("master key: the backup's".into())
        }
        Some(_) => problems.push(
            "master key: not the one the backup was made with (encrypted fields would not open)"
                .into(),
        ),
        None => report.lines.push(
            "master key: none configured yet; set ZHICHENG_MASTER_KEY (or put master.key in the data directory) before serving"
                .into(),
        ),
    }
    if problems.is_empty() {
        Ok(report)
    } else {
        bail!(
            "the restored platform does not match its backup:\n  {}",
            problems.join("\n  ")
        )
    }
}
