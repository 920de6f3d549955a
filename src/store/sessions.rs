//! Server-side sessions. The cookie holds a random token; the table holds only its SHA-256.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::entities::session;
use super::exec;
use crate::domain::auth::{ABSOLUTE_TIMEOUT, Realm, SubjectKind};
use crate::error::Result;
use crate::infra::crypto::{random_token, sha256_b64};

/// A session as created: the token goes to the cookie and is never stored.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

pub async fn create(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    subject: Uuid,
    ip: &str,
    cert_fingerprint: Option<&str>,
    now: i64,
) -> Result<NewSession> {
    let token = random_token(32);
    let csrf = random_token(24);
    session::ActiveModel {
        id_hash: Set(sha256_b64(token.as_bytes())),
        realm: Set(kind.realm().as_str().to_owned()),
        subject_kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject),
        csrf: Set(csrf.clone()),
        cert_fingerprint: Set(cert_fingerprint.map(str::to_owned)),
        ip: Set(ip.chars().take(64).collect()),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(NewSession { token, csrf })
}

pub async fn find(c: &impl ConnectionTrait, token: &str) -> Result<Option<session::Model>> {
    Ok(session::Entity::find_by_id(sha256_b64(token.as_bytes()))
        .one(c)
        .await?)
}

/// Marks activity; written at most once a minute per session to spare the database.
pub async fn touch(c: &impl ConnectionTrait, s: &session::Model, now: i64) -> Result<()> {
    if now - s.last_seen_at >= 60_000 {
        exec(
            c,
            "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?",
            vec![now.into(), s.id_hash.clone().into()],
        )
        .await?;
    }
    Ok(())
}

pub async fn delete(c: &impl ConnectionTrait, id_hash: &str) -> Result<()> {
    exec(
        c,
        "DELETE FROM sessions WHERE id_hash = ?",
        vec![id_hash.to_owned().into()],
    )
    .await?;
    Ok(())
}

/// Ends every session of an account (password reset, lock by an admin, disabling).
pub async fn delete_for_subject(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    id: Uuid,
) -> Result<u64> {
    Ok(exec(
        c,
        "DELETE FROM sessions WHERE subject_kind = ? AND subject_id = ?",
        vec![kind.as_str().into(), id.into()],
    )
    .await?)
}

/// Removes sessions that can no longer be used; run periodically.
pub async fn purge_expired(c: &impl ConnectionTrait, now: i64) -> Result<u64> {
    let front_idle = Realm::Front.idle_timeout().whole_milliseconds() as i64;
    let absolute = ABSOLUTE_TIMEOUT.whole_milliseconds() as i64;
    Ok(exec(
        c,
        "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
        vec![(now - front_idle).into(), (now - absolute).into()],
    )
    .await?)
}
