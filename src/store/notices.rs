//! 站内消息: written in the same transaction as the change they announce.

use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::{exec, stmt};
use crate::domain::auth::SubjectKind;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Notice {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

pub async fn notify(
    c: &impl ConnectionTrait,
    to: (SubjectKind, Uuid),
    now: i64,
    title: &str,
    body: &str,
    link: &str,
) -> Result<()> {
    exec(
        c,
        "INSERT INTO notices (id, recipient_kind, recipient_id, title, body, link, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        vec![Uuid::now_v7().into(), to.0.as_str().into(), to.1.into(), title.into(), body.into(), link.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub async fn unread(c: &impl ConnectionTrait, to: (SubjectKind, Uuid)) -> Result<i64> {
    Ok(super::count(c, "SELECT COUNT(*) AS n FROM notices WHERE recipient_kind = ? AND recipient_id = ? AND read_at IS NULL", vec![Value::from(to.0.as_str()), to.1.into()]).await?)
}

/// The newest notices, at most `limit`.
pub async fn recent(
    c: &impl ConnectionTrait,
    to: (SubjectKind, Uuid),
    limit: u64,
) -> Result<Vec<Notice>> {
    before(c, to, None, limit).await
}

/// Notices older than `cursor` (the `(created_at, id)` of the last one seen), newest first.
pub async fn before(
    c: &impl ConnectionTrait,
    to: (SubjectKind, Uuid),
    cursor: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Notice>> {
    let mut cond = String::from("recipient_kind = ? AND recipient_id = ?");
    let mut values = vec![Value::from(to.0.as_str()), to.1.into()];
    if let Some((at, id)) = cursor {
        cond.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
        values.extend([at.into(), at.into(), id.into()]);
    }
    values.push((limit as i64).into());
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            &format!(
                "SELECT id, title, body, link, created_at, read_at FROM notices WHERE {cond} \
                 ORDER BY created_at DESC, id DESC LIMIT ?"
            ),
            values,
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Notice {
                id: r.try_get("", "id")?,
                title: r.try_get("", "title")?,
                body: r.try_get("", "body")?,
                link: r.try_get("", "link")?,
                created_at: r.try_get("", "created_at")?,
                read: r.try_get::<Option<i64>>("", "read_at")?.is_some(),
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(Into::into)
}

pub async fn mark_all_read(
    c: &impl ConnectionTrait,
    to: (SubjectKind, Uuid),
    now: i64,
) -> Result<u64> {
    Ok(exec(
        c,
        "UPDATE notices SET read_at = ? WHERE recipient_kind = ? AND recipient_id = ? AND read_at IS NULL",
        vec![now.into(), to.0.as_str().into(), to.1.into()],
    )
    .await?)
}
