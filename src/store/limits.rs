//! Rate-limit windows and the stand-in lockouts of unknown login names, in the database so
//! that every node behind a proxy counts against one budget (migration 12). Each count is
//! one atomic upsert: the row lock it takes makes concurrent nodes queue for it, so two of
//! them can never both take the last slot. SQLite never comes here (`app::limit` counts in
//! memory there: one node, and a keystroke must not take its single write lock), but the
//! SQL is portable all the same.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, TransactionSession, TransactionTrait, Value};

use super::{exec, stmt};

/// A counter row: inserted with 1, or, when its key exists, counted up by one, or restarted
/// at 1 when its stamp is at or before `restart_at`.
struct Upsert<'a> {
    table: &'a str,
    /// Key columns with their values (the table's primary key, in order).
    key: &'a [(&'a str, Value)],
    counter: &'a str,
    stamp: &'a str,
    /// The stamp a new or restarted row gets.
    now: i64,
    restart_at: i64,
    /// Whether every count moves the stamp to `now` (a last-seen time) or only a restart
    /// does (the start of a window).
    stamp_every_time: bool,
}

/// The one upsert every count goes through, returning the counter after it. PostgreSQL and
/// SQLite: `INSERT … ON CONFLICT … DO UPDATE … RETURNING`, one statement. MySQL has neither
/// `ON CONFLICT` nor `RETURNING`: `ON DUPLICATE KEY UPDATE` (whose assignments run left to
/// right, so the counter is assigned before the stamp it reads) and a read of the row in the
/// same transaction, which holds the row's lock until it ends.
async fn upsert<C>(c: &C, u: &Upsert<'_>) -> Result<i64, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let Upsert {
        table: t,
        counter: n,
        stamp: s,
        ..
    } = *u;
    let cols: Vec<&str> = u.key.iter().map(|(c, _)| *c).collect();
    let key_cols = cols.join(", ");
    let marks = vec!["?"; cols.len()].join(", ");
    let insert = format!("INSERT INTO {t} ({key_cols}, {n}, {s}) VALUES ({marks}, 1, ?)");
    let mut values: Vec<Value> = u.key.iter().map(|(_, v)| v.clone()).collect();
    values.push(u.now.into());
    let backend = c.get_database_backend();
    if backend == DbBackend::MySql {
        let stamp = if u.stamp_every_time {
            "?".to_owned()
        } else {
            format!("IF({s} <= ?, ?, {s})")
        };
        let sql = format!(
            "{insert} ON DUPLICATE KEY UPDATE {n} = IF({s} <= ?, 1, {n} + 1), {s} = {stamp}"
        );
        values.push(u.restart_at.into());
        if !u.stamp_every_time {
            values.push(u.restart_at.into());
        }
        values.push(u.now.into());
        let tx = c.begin().await?;
        exec(&tx, &sql, values).await?;
        let found = tx
            .query_one_raw(stmt(
                backend,
                &format!(
                    "SELECT {n} AS n FROM {t} WHERE {}",
                    cols.iter()
                        .map(|c| format!("{c} = ?"))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                ),
                u.key.iter().map(|(_, v)| v.clone()).collect(),
            ))
            .await?;
        tx.commit().await?;
        return counter_of(found);
    }
    let stamp = if u.stamp_every_time {
        format!("excluded.{s}")
    } else {
        format!("CASE WHEN {t}.{s} <= ? THEN excluded.{s} ELSE {t}.{s} END")
    };
    let sql = format!(
        "{insert} ON CONFLICT ({key_cols}) DO UPDATE SET \
         {n} = CASE WHEN {t}.{s} <= ? THEN 1 ELSE {t}.{n} + 1 END, {s} = {stamp} \
         RETURNING {n} AS n"
    );
    values.push(u.restart_at.into());
    if !u.stamp_every_time {
        values.push(u.restart_at.into());
    }
    counter_of(c.query_one_raw(stmt(backend, &sql, values)).await?)
}

fn counter_of(row: Option<sea_orm::QueryResult>) -> Result<i64, DbErr> {
    let row = row.ok_or_else(|| DbErr::RecordNotFound("the counted row".into()))?;
    // PostgreSQL and SQLite read an INTEGER as 32 bits, MySQL as whatever it likes.
    row.try_get::<i32>("", "n")
        .map(i64::from)
        .or_else(|_| row.try_get::<i64>("", "n"))
}

/// Counts one event of `who` in `bucket`; the count in the current window after it. A
/// window starts at the first event and lasts `window` milliseconds.
pub async fn hit<C>(c: &C, bucket: &str, who: &str, now: i64, window: i64) -> Result<i64, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    upsert(
        c,
        &Upsert {
            table: "rate_limits",
            key: &[("bucket", bucket.into()), ("who", who.into())],
            counter: "n",
            stamp: "window_start",
            now,
            restart_at: now - window,
            stamp_every_time: false,
        },
    )
    .await
}

/// Events of `who` counted in `bucket`'s current window.
pub async fn count(
    c: &impl ConnectionTrait,
    bucket: &str,
    who: &str,
    now: i64,
    window: i64,
) -> Result<i64, DbErr> {
    super::count(
        c,
        "SELECT n FROM rate_limits WHERE bucket = ? AND who = ? AND window_start > ?",
        vec![bucket.into(), who.into(), (now - window).into()],
    )
    .await
}

/// The stand-in counters of an unknown login name (by its hash): (wrong passwords, lock
/// end), or nothing after `keep` milliseconds without a failure.
pub async fn standin(
    c: &impl ConnectionTrait,
    name_hash: &str,
    now: i64,
    keep: i64,
) -> Result<(i32, Option<i64>), DbErr> {
    let row = c
        .query_one_raw(stmt(
            c.get_database_backend(),
            "SELECT failed, locked_until FROM login_standins WHERE name_hash = ? AND last_at > ?",
            vec![name_hash.into(), (now - keep).into()],
        ))
        .await?;
    match row {
        Some(r) => Ok((r.try_get("", "failed")?, r.try_get("", "locked_until")?)),
        None => Ok((0, None)),
    }
}

/// One more wrong password for an unknown login name, by the rule accounts follow
/// ([`after_failure`](crate::domain::auth::after_failure)): the new count and, on the
/// fifth, the lock. One transaction: the upsert locks the row until the lock is written, so
/// concurrent failures on several nodes count one by one, as on an account.
pub async fn standin_failed<C>(
    c: &C,
    name_hash: &str,
    now: i64,
    keep: i64,
) -> Result<(i32, Option<i64>), DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let tx = c.begin().await?;
    let counted = upsert(
        &tx,
        &Upsert {
            table: "login_standins",
            key: &[("name_hash", name_hash.into())],
            counter: "failed",
            stamp: "last_at",
            now,
            restart_at: now - keep,
            stamp_every_time: true,
        },
    )
    .await?;
    let counted = i32::try_from(counted).unwrap_or(i32::MAX);
    let (failed, lock) = crate::domain::auth::after_failure(counted - 1, now);
    if lock.is_some() {
        exec(
            &tx,
            "UPDATE login_standins SET failed = ?, locked_until = ? WHERE name_hash = ?",
            vec![failed.into(), lock.into(), name_hash.into()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok((failed, lock))
}

/// Removes windows that have ended and stand-ins unused for `keep` milliseconds, at most
/// `max` rows of each bucket and `max` stand-ins per call; how many went.
pub async fn purge(
    c: &impl ConnectionTrait,
    now: i64,
    buckets: &[(&str, i64)],
    keep: i64,
    max: u32,
) -> Result<u64, DbErr> {
    let mysql = c.get_database_backend() == DbBackend::MySql;
    let mut removed = 0;
    for (bucket, window) in buckets {
        let ended = now - window;
        // The outer condition is checked again on a row a node renewed meanwhile, so a
        // window that restarted is kept. MySQL cannot delete from a table its subquery
        // reads, but has DELETE … LIMIT.
        removed += if mysql {
            exec(
                c,
                "DELETE FROM rate_limits WHERE bucket = ? AND window_start <= ? LIMIT ?",
                vec![(*bucket).into(), ended.into(), i64::from(max).into()],
            )
            .await?
        } else {
            exec(
                c,
                "DELETE FROM rate_limits WHERE bucket = ? AND window_start <= ? AND who IN \
                 (SELECT who FROM rate_limits WHERE bucket = ? AND window_start <= ? LIMIT ?)",
                vec![
                    (*bucket).into(),
                    ended.into(),
                    (*bucket).into(),
                    ended.into(),
                    i64::from(max).into(),
                ],
            )
            .await?
        };
    }
    let stale = now - keep;
    removed += if mysql {
        exec(
            c,
            "DELETE FROM login_standins WHERE last_at <= ? LIMIT ?",
            vec![stale.into(), i64::from(max).into()],
        )
        .await?
    } else {
        exec(
            c,
            "DELETE FROM login_standins WHERE last_at <= ? AND name_hash IN \
             (SELECT name_hash FROM login_standins WHERE last_at <= ? LIMIT ?)",
            vec![stale.into(), stale.into(), i64::from(max).into()],
        )
        .await?
    };
    Ok(removed)
}
