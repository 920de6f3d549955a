//! One-time codes for 找回密码: 8 digits, 10 minutes, 5 tries, one a minute and 5 an hour per account.

use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::{exec, insert_new, query_one_as};
use crate::domain::auth::SubjectKind;
use crate::error::Result;
use crate::infra::crypto::Keys;

pub const LIFETIME_MS: i64 = 10 * 60_000;
const MAX_ATTEMPTS: i32 = 5;
const MIN_INTERVAL_MS: i64 = 60_000;
const PER_HOUR: i64 = 5;

/// Why no code was sent.
pub enum IssueRefusal {
    TooSoon,
}

/// Records a new code unless the account asked too recently or too often.
pub async fn issue(
    c: &impl ConnectionTrait,
    keys: &Keys,
    kind: SubjectKind,
    subject: Uuid,
    code: &str,
    now: i64,
) -> Result<Result<(), IssueRefusal>> {
    #[derive(FromQueryResult)]
    struct Recent {
        n: i64,
        last: Option<i64>,
    }
    let recent: Option<Recent> = query_one_as(
        c,
        "SELECT COUNT(*) AS n, MAX(created_at) AS last FROM reset_codes WHERE subject_kind = ? AND subject_id = ? AND created_at > ?",
        vec![kind.as_str().into(), subject.into(), (now - 3_600_000).into()],
    )
    .await?;
    if let Some(Recent { n, last }) = recent
        && (n >= PER_HOUR || last.is_some_and(|l| now - l < MIN_INTERVAL_MS))
    {
        return Ok(Err(IssueRefusal::TooSoon));
    }
    // A new code replaces any earlier one.
    exec(
        c,
        "UPDATE reset_codes SET used_at = ? WHERE subject_kind = ? AND subject_id = ? AND used_at IS NULL",
        vec![now.into(), kind.as_str().into(), subject.into()],
    )
    .await?;
    insert_new(
        c,
        "reset_codes",
        vec![
            ("subject_kind", kind.as_str().into()),
            ("subject_id", subject.into()),
            ("code_tag", keys.token_tag(code).into()),
            ("attempts", 0i32.into()),
            ("expires_at", (now + LIFETIME_MS).into()),
            ("used_at", Option::<i64>::None.into()),
            ("created_at", now.into()),
        ],
    )
    .await?;
    Ok(Ok(()))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Wrong,
    Expired,
}

/// Checks and, when right, consumes the account's current code.
pub async fn redeem(
    c: &impl ConnectionTrait,
    keys: &Keys,
    kind: SubjectKind,
    subject: Uuid,
    code: &str,
    now: i64,
) -> Result<Verdict> {
    #[derive(FromQueryResult)]
    struct Current {
        id: Uuid,
        code_tag: String,
        attempts: i32,
        expires_at: i64,
    }
    let current: Option<Current> = query_one_as(
        c,
        "SELECT id, code_tag, attempts, expires_at FROM reset_codes WHERE subject_kind = ? AND subject_id = ? AND used_at IS NULL ORDER BY created_at DESC LIMIT 1",
        vec![kind.as_str().into(), subject.into()],
    )
    .await?;
    let Some(Current {
        id,
        code_tag: tag,
        attempts,
        expires_at: expires,
    }) = current
    else {
        return Ok(Verdict::Expired);
    };
    if expires <= now || attempts >= MAX_ATTEMPTS {
        exec(
            c,
            "UPDATE reset_codes SET used_at = ? WHERE id = ?",
            vec![now.into(), id.into()],
        )
        .await?;
        return Ok(Verdict::Expired);
    }
    if tag != keys.token_tag(code.trim()) {
        exec(
            c,
            "UPDATE reset_codes SET attempts = attempts + 1 WHERE id = ?",
            vec![id.into()],
        )
        .await?;
        return Ok(Verdict::Wrong);
    }
    // Only one redemption can win: the update is conditional on the code being unused.
    let won = exec(
        c,
        "UPDATE reset_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(if won == 1 {
        Verdict::Ok
    } else {
        Verdict::Expired
    })
}
