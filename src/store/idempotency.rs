//! Answers kept for `Idempotency-Key`: the first request with a key claims it (a primary key
//! decides between two racing ones), its answer is stored, and a repeat replays it.

use sea_orm::ConnectionTrait;

use super::{exec, stmt, unique_violation};
use crate::error::Result;

/// Keys are kept this long.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;

/// What a key holds.
pub enum Claim {
    /// The key was free and is now ours: run the request.
    Fresh,
    /// Another request with this key is still running.
    Busy,
    /// The key was used for another request.
    Mismatch,
    /// The stored answer of the same request.
    Done {
        status: u16,
        content_type: String,
        body: String,
    },
}

pub async fn claim(
    c: &impl ConnectionTrait,
    owner: &str,
    key: &str,
    request_hash: &str,
    now: i64,
) -> Result<Claim> {
    let inserted = exec(
        c,
        "INSERT INTO idempotency_keys (owner, idem_key, request_hash, status, content_type, body, created_at) \
         VALUES (?, ?, ?, 0, '', '', ?)",
        vec![owner.into(), key.into(), request_hash.into(), now.into()],
    )
    .await;
    match inserted {
        Ok(_) => return Ok(Claim::Fresh),
        Err(e) if unique_violation(&e).is_some() => {}
        Err(e) => return Err(e.into()),
    }
    let r = c
        .query_one_raw(stmt(
            c.get_database_backend(),
            "SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE owner = ? AND idem_key = ?",
            vec![owner.into(), key.into()],
        ))
        .await?;
    let Some(r) = r else {
        // Purged between the insert and the read: the caller may simply retry.
        return Ok(Claim::Busy);
    };
    let hash: String = r.try_get("", "request_hash")?;
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    let status: i32 = r.try_get("", "status")?;
    if status == 0 {
        return Ok(Claim::Busy);
    }
    Ok(Claim::Done {
        status: status as u16,
        content_type: r.try_get("", "content_type")?,
        body: r.try_get("", "body")?,
    })
}

/// Stores the answer of a claimed key.
pub async fn finish(
    c: &impl ConnectionTrait,
    owner: &str,
    key: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> Result<()> {
    exec(
        c,
        "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE owner = ? AND idem_key = ?",
        vec![
            i32::from(status).into(),
            content_type.into(),
            body.into(),
            owner.into(),
            key.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Frees a key whose request failed unexpectedly, so that a retry runs again.
pub async fn release(c: &impl ConnectionTrait, owner: &str, key: &str) -> Result<()> {
    exec(
        c,
        "DELETE FROM idempotency_keys WHERE owner = ? AND idem_key = ?",
        vec![owner.into(), key.into()],
    )
    .await?;
    Ok(())
}

/// Forgets keys older than [`KEEP_MS`].
pub async fn purge(c: &impl ConnectionTrait, now: i64) -> Result<u64> {
    Ok(exec(
        c,
        "DELETE FROM idempotency_keys WHERE created_at < ?",
        vec![(now - KEEP_MS).into()],
    )
    .await?)
}
