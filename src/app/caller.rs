//! Who is acting and from where: what every use case needs to audit its step.

use std::fmt::Display;

use sea_orm::ConnectionTrait;

use super::AppState;
use crate::error::Result;
use crate::store::audit::{self, Actor, Event, Outcome};

/// The acting person, unit or bureau operator, and the client address, whichever interface
/// (page or API) the request came through.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub ip: String,
}

impl Caller {
    pub fn new(actor: Actor, ip: impl Display) -> Self {
        Caller {
            actor,
            ip: ip.to_string(),
        }
    }

    /// Appends a successful step by this caller to the audit log, inside the caller's
    /// transaction `c`.
    pub async fn record(
        &self,
        c: &impl ConnectionTrait,
        now: i64,
        action: &str,
        object: impl Display,
        detail: impl Into<String>,
    ) -> Result<()> {
        self.record_outcome(c, now, action, object, Outcome::Success, detail)
            .await
    }

    /// Audits a step that writes nothing else (a reveal, an export of personal data) through
    /// the writer's queue (`store::group`: on SQLite it shares a commit with the writes
    /// beside it), answered once on disk.
    pub async fn record_alone(
        &self,
        state: &AppState,
        action: &str,
        object: impl Display,
        detail: impl Into<String>,
    ) -> Result<()> {
        let (caller, action, object, detail, now) = (
            self.clone(),
            action.to_owned(),
            object.to_string(),
            detail.into(),
            state.now_ms(),
        );
        state
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move { caller.record(tx, now, &action, object, detail).await })
            }))
            .await
    }

    /// Appends a step by this caller with its `outcome` to the audit log, inside `c`: an
    /// attempt that was denied or failed is audited as well as one that succeeded.
    pub async fn record_outcome(
        &self,
        c: &impl ConnectionTrait,
        now: i64,
        action: &str,
        object: impl Display,
        outcome: Outcome,
        detail: impl Into<String>,
    ) -> Result<()> {
        audit::append(
            c,
            now,
            Event {
                actor: &self.actor,
                ip: &self.ip,
                action,
                object: object.to_string(),
                outcome,
                detail: detail.into(),
            },
        )
        .await?;
        Ok(())
    }
}
