//! 审计日志 for auditors: entries filtered by time, actor, action and object, newest first,
//! and the hash chain's check. Auditors read; nobody edits or deletes entries.

use crate::app::AppState;
use crate::domain::auth::AdminRole;
use crate::error::Result;
use crate::store::audit::{self, Entry, Filter, Verification};

/// Auditors only.
pub fn require(role: AdminRole) -> Result<()> {
    super::admins::require_role(role, AdminRole::Auditor)
}

/// At most `limit` entries matching `filter`, keyset-paged by sequence number.
pub async fn search(
    state: &AppState,
    role: AdminRole,
    filter: &Filter,
    limit: u64,
) -> Result<Vec<Entry>> {
    require(role)?;
    audit::search(&state.db.conn, filter, limit).await
}

/// Walks the whole chain: intact, or the first entry that breaks it.
pub async fn verify(state: &AppState, role: AdminRole) -> Result<Verification> {
    require(role)?;
    audit::verify(&state.db.conn).await
}
