//! Housekeeping every five minutes: expired sessions, stale rate-limit windows, dormant
//! back-office accounts, orphaned attachment files; and every ten seconds, whether another
//! node changed the dictionaries.

use std::time::Duration;

use crate::app::{AppState, Caller};

/// Runs the housekeeping until the process ends (the server aborts it at shutdown).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        let mut dicts = tokio::time::interval(state.settings.dict_check);
        loop {
            tokio::select! {
                _ = tick.tick(), if state.settings.sweep => sweep(&state).await,
                _ = dicts.tick() => match state.refresh_dicts().await {
                    Ok(true) => tracing::info!("dictionaries changed elsewhere: reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = ?e, "checking the dictionaries' version failed"),
                },
            }
        }
    })
}

/// One pass of the five-minute work.
async fn sweep(state: &AppState) {
    let now = state.now_ms();
    match crate::store::sessions::purge_expired(&state.db.conn, now).await {
        Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "session purge failed"),
    }
    state.limiter.forget_old(now).await;
    if let Err(e) = disable_inactive(state, now).await {
        tracing::warn!(error = %e, "disabling inactive accounts failed");
    }
    if let Err(e) = sweep_orphans(state, now).await {
        tracing::warn!(error = %e, "orphan file sweep failed");
    }
}

/// Removes stored files whose database record never committed (older than an hour).
pub async fn sweep_orphans(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut removed = 0;
    for key in state.files.list_older(now - 3_600_000, 1000).await? {
        if key.ends_with(".tmp")
            || !crate::store::attachments::key_exists(&state.db.conn, &key)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            state.files.delete(&key).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "orphan files removed");
    }
    Ok(removed)
}

/// Back-office accounts unused for `inactive_days` are disabled and their sessions ended
/// (等保: no dormant privileged accounts). Each one is audited.
pub async fn disable_inactive(state: &AppState, now: i64) -> anyhow::Result<usize> {
    use crate::store::audit::Actor;
    let cutoff = now - i64::from(state.settings.inactive_days) * 86_400_000;
    let tx = state.db.begin().await?;
    let stale = crate::store::accounts::inactive_admins(&*tx, cutoff)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let housekeeping = Caller::new(Actor::system("housekeeping"), "local");
    for (id, username) in &stale {
        crate::store::exec(
            &*tx,
            "UPDATE admins SET disabled = TRUE, updated_at = ? WHERE id = ?",
            vec![now.into(), (*id).into()],
        )
        .await?;
        crate::store::sessions::delete_for_subject(
            &*tx,
            crate::domain::auth::SubjectKind::Admin,
            *id,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        housekeeping
            .record(
                &*tx,
                now,
                "account_disable_inactive",
                format!("admin:{id}"),
                format!(
                    "{username}: no login for {} days",
                    state.settings.inactive_days
                ),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    tx.commit().await?;
    Ok(stale.len())
}
