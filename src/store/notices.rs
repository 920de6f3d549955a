//! 站内消息: written in the same transaction as the change they announce.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use super::{exec, insert_rows, query_as};
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

/// A `notices` row as stored: read when `read_at` is set.
#[derive(FromQueryResult)]
struct NoticeRow {
    id: Uuid,
    title: String,
    body: String,
    link: String,
    created_at: i64,
    read_at: Option<i64>,
}

impl From<NoticeRow> for Notice {
    fn from(r: NoticeRow) -> Self {
        Notice {
            id: r.id,
            title: r.title,
            body: r.body,
            link: r.link,
            created_at: r.created_at,
            read: r.read_at.is_some(),
        }
    }
}

pub async fn notify(
    c: &impl ConnectionTrait,
    to: (SubjectKind, Uuid),
    now: i64,
    title: &str,
    body: &str,
    link: &str,
) -> Result<()> {
    notify_all(c, now, &[(to, title, body, link)]).await
}

/// A message as [`notify_all`] writes it: to whom, title, body and link.
pub type Outgoing<'a> = ((SubjectKind, Uuid), &'a str, &'a str, &'a str);

/// Several messages in one statement: a workflow step leaves two or three, in the single
/// SQLite writer's transaction, where each statement counts.
pub async fn notify_all(c: &impl ConnectionTrait, now: i64, all: &[Outgoing<'_>]) -> Result<()> {
    let rows = all
        .iter()
        .map(|&(to, title, body, link)| {
            vec![
                Uuid::now_v7().into(),
                to.0.as_str().into(),
                to.1.into(),
                title.into(),
                body.into(),
                link.into(),
                now.into(),
                Option::<i64>::None.into(),
            ]
        })
        .collect();
    insert_rows(
        c,
        "notices",
        &[
            "id",
            "recipient_kind",
            "recipient_id",
            "title",
            "body",
            "link",
            "created_at",
            "read_at",
        ],
        rows,
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
    let rows: Vec<NoticeRow> = query_as(
        c,
        &format!(
            "SELECT id, title, body, link, created_at, read_at FROM notices WHERE {cond} \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ),
        values,
    )
    .await?;
    Ok(rows.into_iter().map(Notice::from).collect())
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
