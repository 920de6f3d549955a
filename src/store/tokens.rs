//! API tokens: a random secret shown once, stored as its SHA-256; scoped read or write,
//! expiring, revocable, tied to one person, unit or back-office user.

use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::{exec, insert_new, query_as, query_one_as};
use crate::domain::auth::SubjectKind;
use crate::error::Result;
use crate::infra::crypto::sha256_b64;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Scope::Read => "只读",
            Scope::Write => "读写",
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Token {
    pub id: Uuid,
    #[sea_orm(from_alias = "subject_kind")]
    pub kind: SubjectKind,
    #[sea_orm(from_alias = "subject_id")]
    pub subject: Uuid,
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl Token {
    pub fn live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

const COLUMNS: &str =
    "id, subject_kind, subject_id, name, scope, created_at, expires_at, revoked_at, last_used_at";

pub struct NewToken<'a> {
    pub kind: SubjectKind,
    pub subject: Uuid,
    pub name: &'a str,
    pub scope: Scope,
    pub expires_at: i64,
}

/// Stores a token for `secret` and returns its id.
pub async fn insert(
    c: &impl ConnectionTrait,
    secret: &str,
    t: NewToken<'_>,
    now: i64,
) -> Result<Uuid> {
    let id = insert_new(
        c,
        "api_tokens",
        vec![
            ("realm", t.kind.realm().as_str().into()),
            ("subject_kind", t.kind.as_str().into()),
            ("subject_id", t.subject.into()),
            ("name", t.name.into()),
            ("token_hash", sha256_b64(secret.as_bytes()).into()),
            ("scope", t.scope.as_str().into()),
            ("created_at", now.into()),
            ("expires_at", t.expires_at.into()),
        ],
    )
    .await?;
    Ok(id)
}

/// The live token whose secret is `secret` (the caller marks it used: [`Token::use_due`]).
pub async fn authenticate(
    c: &impl ConnectionTrait,
    secret: &str,
    now: i64,
) -> Result<Option<Token>> {
    // A token of a kind or scope this build does not know authenticates nothing.
    let t: Option<Option<Token>> = query_one_as(
        c,
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = ?"),
        vec![sha256_b64(secret.as_bytes()).into()],
    )
    .await?;
    let Some(t) = t.flatten() else {
        return Ok(None);
    };
    if !t.live(now) {
        return Ok(None);
    }
    Ok(Some(t))
}

impl Token {
    /// Whether a use now should be recorded: at most once a minute, to spare the database.
    pub fn use_due(&self, now: i64) -> bool {
        self.last_used_at.is_none_or(|at| now - at >= 60_000)
    }
}

/// Records a use of the token `id`.
pub async fn mark_used(c: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<()> {
    exec(
        c,
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// The subject's tokens, newest first (bounded).
pub async fn of_subject(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    subject: Uuid,
) -> Result<Vec<Token>> {
    let rows: Vec<Option<Token>> = query_as(
        c,
        &format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE subject_kind = ? AND subject_id = ? \
             ORDER BY created_at DESC, id DESC LIMIT 100"
        ),
        vec![kind.as_str().into(), subject.into()],
    )
    .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// Revokes one of the subject's live tokens; false when there is none by that id.
pub async fn revoke(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    subject: Uuid,
    id: Uuid,
    now: i64,
) -> Result<bool> {
    let n = exec(
        c,
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND subject_kind = ? AND subject_id = ? AND revoked_at IS NULL",
        vec![now.into(), id.into(), kind.as_str().into(), subject.into()],
    )
    .await?;
    Ok(n == 1)
}

/// Revokes every token of a subject (account disabled, password reset).
pub async fn revoke_all(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    subject: Uuid,
    now: i64,
) -> Result<u64> {
    Ok(exec(
        c,
        "UPDATE api_tokens SET revoked_at = ? WHERE subject_kind = ? AND subject_id = ? AND revoked_at IS NULL",
        vec![now.into(), kind.as_str().into(), subject.into()],
    )
    .await?)
}
