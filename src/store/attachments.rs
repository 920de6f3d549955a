//! Attachment records; the bytes live in the file store under `storage_key`.

use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::{exec, stmt};
use crate::domain::application::Slot;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: Uuid,
    pub slot: Slot,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: i64,
}

pub struct NewAttachment<'a> {
    pub slot: Slot,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
}

pub async fn insert(
    c: &impl ConnectionTrait,
    app: Uuid,
    now: i64,
    a: NewAttachment<'_>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    exec(
        c,
        "INSERT INTO attachments (id, application_id, slot, file_name, content_type, size, sha256, storage_key, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            id.into(),
            app.into(),
            a.slot.as_str().into(),
            a.file_name.into(),
            a.content_type.into(),
            a.size.into(),
            a.sha256.into(),
            a.storage_key.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(id)
}

fn from_row(r: &sea_orm::QueryResult) -> Result<Option<Attachment>> {
    let slot: String = r.try_get("", "slot")?;
    let Some(slot) = Slot::parse(&slot) else {
        return Ok(None);
    };
    Ok(Some(Attachment {
        id: r.try_get("", "id")?,
        slot,
        file_name: r.try_get("", "file_name")?,
        content_type: r.try_get("", "content_type")?,
        size: r.try_get("", "size")?,
        sha256: r.try_get("", "sha256")?,
        storage_key: r.try_get("", "storage_key")?,
        created_at: r.try_get("", "created_at")?,
    }))
}

const COLS: &str = "id, slot, file_name, content_type, size, sha256, storage_key, created_at";

/// An application's files in upload order (bounded by the per-slot cap).
pub async fn list(c: &impl ConnectionTrait, app: Uuid) -> Result<Vec<Attachment>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            &format!("SELECT {COLS} FROM attachments WHERE application_id = ? ORDER BY created_at, id LIMIT 200"),
            vec![Value::from(app)],
        ))
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        if let Some(a) = from_row(r)? {
            out.push(a);
        }
    }
    Ok(out)
}

pub async fn find(c: &impl ConnectionTrait, app: Uuid, id: Uuid) -> Result<Option<Attachment>> {
    let row = c
        .query_one_raw(stmt(
            c.get_database_backend(),
            &format!("SELECT {COLS} FROM attachments WHERE application_id = ? AND id = ?"),
            vec![app.into(), id.into()],
        ))
        .await?;
    match row {
        Some(r) => from_row(&r),
        None => Ok(None),
    }
}

pub async fn delete(c: &impl ConnectionTrait, app: Uuid, id: Uuid) -> Result<u64> {
    Ok(exec(
        c,
        "DELETE FROM attachments WHERE application_id = ? AND id = ?",
        vec![app.into(), id.into()],
    )
    .await?)
}

/// Whether a stored file still has a record (the orphan sweep asks).
pub async fn key_exists(c: &impl ConnectionTrait, key: &str) -> Result<bool> {
    Ok(super::count(
        c,
        "SELECT COUNT(*) AS n FROM attachments WHERE storage_key = ?",
        vec![key.into()],
    )
    .await?
        > 0)
}
