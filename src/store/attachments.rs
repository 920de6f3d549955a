//! Attachment records; the bytes live in the file store under `storage_key`.

use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::{exec, insert_new, query_as, query_one_as};
use crate::domain::application::Slot;
use crate::error::Result;

#[derive(Debug, Clone, FromQueryResult)]
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
    let id = insert_new(
        c,
        "attachments",
        vec![
            ("application_id", app.into()),
            ("slot", a.slot.as_str().into()),
            ("file_name", a.file_name.into()),
            ("content_type", a.content_type.into()),
            ("size", a.size.into()),
            ("sha256", a.sha256.into()),
            ("storage_key", a.storage_key.into()),
            ("created_at", now.into()),
        ],
    )
    .await?;
    Ok(id)
}

const COLS: &str = "id, slot, file_name, content_type, size, sha256, storage_key, created_at";

/// An application's files in upload order (bounded by the per-slot cap).
pub async fn list(c: &impl ConnectionTrait, app: Uuid) -> Result<Vec<Attachment>> {
    let rows: Vec<Option<Attachment>> = query_as(
        c,
        &format!("SELECT {COLS} FROM attachments WHERE application_id = ? ORDER BY created_at, id LIMIT 200"),
        vec![app.into()],
    )
    .await?;
    // Files of a slot this build does not know are left out.
    Ok(rows.into_iter().flatten().collect())
}

pub async fn find(c: &impl ConnectionTrait, app: Uuid, id: Uuid) -> Result<Option<Attachment>> {
    let row: Option<Option<Attachment>> = query_one_as(
        c,
        &format!("SELECT {COLS} FROM attachments WHERE application_id = ? AND id = ?"),
        vec![app.into(), id.into()],
    )
    .await?;
    Ok(row.flatten())
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
