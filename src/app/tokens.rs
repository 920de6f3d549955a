//! API tokens for integrations: created on an account page (the secret shown once), listed,
//! revoked; every change audited.

use uuid::Uuid;

use super::{AppState, Caller};
use crate::domain::account::{FieldErrors, parse_text};
use crate::domain::auth::SubjectKind;
use crate::error::{AppError, Result};
use crate::infra::crypto::random_token;
use crate::messages::Msg;
use crate::store::tokens::{self, NewToken, Scope, Token};

/// Live tokens a subject may hold at once.
pub const MAX_LIVE: usize = 10;
/// The longest validity, in days.
pub const MAX_DAYS: i64 = 365;
/// Every secret starts with this, so a leaked one is recognisable in logs and scanners.
pub const PREFIX: &str = "zc_";

/// A token as asked for on the page.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: String,
    pub scope: String,
    pub days: String,
}

/// Creates a token for `(kind, subject)` and returns it with its secret, which is not kept.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    owner: (SubjectKind, Uuid),
    r: &TokenRequest,
) -> Result<(Uuid, String)> {
    let mut errors = FieldErrors::default();
    let name = errors
        .check("name", parse_text(&r.name, 64, true))
        .unwrap_or_default();
    let scope = Scope::parse(&r.scope);
    if scope.is_none() {
        errors.add("scope", Msg::BadChoice);
    }
    let days = r
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d));
    if days.is_none() {
        errors.add("days", Msg::BadChoice);
    }
    let (Some(scope), Some(days)) = (scope, days) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = state.now_ms();
    let live = tokens::of_subject(&state.db.conn, owner.0, owner.1)
        .await?
        .iter()
        .filter(|t| t.live(now))
        .count();
    if live >= MAX_LIVE {
        return Err(AppError::Conflict(Msg::TooManyTokens));
    }
    let secret = format!("{PREFIX}{}", random_token(32));
    let tx = state.db.begin().await?;
    let id = tokens::insert(
        &*tx,
        &secret,
        NewToken {
            kind: owner.0,
            subject: owner.1,
            name: &name,
            scope,
            expires_at: now + days * 24 * 3600 * 1000,
        },
        now,
    )
    .await?;
    caller
        .record(
            &*tx,
            now,
            "api_token_create",
            format!("api_token:{id}"),
            format!("{name} {} {days}d", scope.as_str()),
        )
        .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// The subject's tokens, newest first.
pub async fn list(state: &AppState, owner: (SubjectKind, Uuid)) -> Result<Vec<Token>> {
    tokens::of_subject(&state.db.conn, owner.0, owner.1).await
}

/// Revokes one of the subject's own tokens; anyone else's is "not found".
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    owner: (SubjectKind, Uuid),
    id: &str,
) -> Result<()> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    if !tokens::revoke(&*tx, owner.0, owner.1, id, now).await? {
        return Err(AppError::NotFound);
    }
    caller
        .record(&*tx, now, "api_token_revoke", format!("api_token:{id}"), "")
        .await?;
    tx.commit().await?;
    Ok(())
}
