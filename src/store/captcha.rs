//! Image captchas: one row per challenge, answered once, valid for 10 minutes.

use sea_orm::{ConnectionTrait, Value};

use super::{exec, stmt};
use crate::error::Result;
use crate::infra::crypto::Keys;

const LIFETIME_MS: i64 = 10 * 60_000;

pub async fn create(
    c: &impl ConnectionTrait,
    keys: &Keys,
    id: &str,
    answer: &str,
    now: i64,
) -> Result<()> {
    exec(
        c,
        "DELETE FROM captchas WHERE expires_at < ?",
        vec![now.into()],
    )
    .await?;
    exec(
        c,
        "INSERT INTO captchas (id, answer_tag, expires_at) VALUES (?, ?, ?)",
        vec![
            id.into(),
            keys.token_tag(&answer.to_ascii_lowercase()).into(),
            (now + LIFETIME_MS).into(),
        ],
    )
    .await?;
    Ok(())
}

/// Checks an answer; the challenge is used up whatever the answer.
pub async fn check(
    c: &impl ConnectionTrait,
    keys: &Keys,
    id: &str,
    answer: &str,
    now: i64,
) -> Result<bool> {
    let row = c
        .query_one_raw(stmt(
            c.get_database_backend(),
            "SELECT answer_tag, expires_at FROM captchas WHERE id = ?",
            vec![Value::from(id)],
        ))
        .await?;
    let Some(row) = row else { return Ok(false) };
    exec(c, "DELETE FROM captchas WHERE id = ?", vec![id.into()]).await?;
    let tag: String = row.try_get("", "answer_tag")?;
    let expires: i64 = row.try_get("", "expires_at")?;
    Ok(expires > now && tag == keys.token_tag(&answer.trim().to_ascii_lowercase()))
}
