//! Image captchas: one row per challenge, answered once, valid for 10 minutes.

use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{exec, query_one_as};
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
    #[derive(FromQueryResult)]
    struct Challenge {
        answer_tag: String,
        expires_at: i64,
    }
    let sql = "SELECT answer_tag, expires_at FROM captchas WHERE id = ?";
    let Some(ch) = query_one_as::<Challenge>(c, sql, vec![id.into()]).await? else {
        return Ok(false);
    };
    exec(c, "DELETE FROM captchas WHERE id = ?", vec![id.into()]).await?;
    Ok(ch.expires_at > now && ch.answer_tag == keys.token_tag(&answer.trim().to_ascii_lowercase()))
}
