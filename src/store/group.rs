//! Group commit on SQLite: writes queued together share one transaction and one `fsync`.
//!
//! SQLite admits one writer, and with `synchronous=FULL` every commit waits for the disk
//! (about a millisecond here): one transaction per 保存 can never pass a thousand a second,
//! however fast the rest. [`Db::write`] queues the write for one task that takes every write
//! waiting, runs each in a savepoint of one transaction (a write that fails rolls back its
//! own savepoint and nothing else), commits once and only then answers each. A write is
//! answered only when it is on disk, as before; a write alone costs what it did.
//!
//! PostgreSQL and the MySQL family commit in groups themselves and take many writers: there
//! a write is simply its own transaction.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};
use tokio::sync::{mpsc, oneshot};

use super::Db;
use crate::error::{AppError, Result, contended};
use crate::messages::Msg;

/// A write's statements, run in the transaction (or savepoint) it is given.
pub type Job = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<()>> + Send>;

/// A queued write and where its outcome goes once committed.
pub(super) struct Queued {
    job: Job,
    done: oneshot::Sender<Result<()>>,
}

/// How long a group held the write lock, by phase: its writes' statements, then the commit
/// (its `fsync`; checkpoints run beside the writer).
pub const COMMIT_SECONDS: &str = "zhicheng_group_commit_seconds";

/// At most this many writes share a commit, so that one batch holds the write lock briefly.
const MAX_BATCH: usize = 128;

impl Db {
    /// Runs `job` in a write transaction and returns its outcome once committed: on SQLite
    /// through the group-commit queue, elsewhere in a transaction of its own.
    pub async fn write(&self, job: Job) -> Result<()> {
        let Some(queue) = &self.group else {
            let tx = self.begin().await?;
            if let Err(e) = run(job, &tx).await {
                tx.rollback().await?;
                return Err(e);
            }
            return Ok(tx.commit().await?);
        };
        let (done, outcome) = oneshot::channel();
        queue
            .send(Queued { job, done })
            .map_err(|_| anyhow::anyhow!("the group-commit writer has stopped"))?;
        outcome
            .await
            .map_err(|_| anyhow::anyhow!("the group-commit writer dropped a write"))?
    }

    /// The queue of [`Db::write`] and the task that empties it (SQLite only).
    pub(super) fn start_group_commit(&mut self) {
        let (queue, writes) = mpsc::unbounded_channel();
        self.group = Some(queue);
        let db = Db {
            group: None,
            ..self.clone()
        };
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(checkpointer(
            self.conn.clone(),
            self.write_lock.clone(),
            stopped,
        ));
        tokio::spawn(writer(db, writes, stop));
    }
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The write-ahead log's frames after the last checkpoint, for `/metrics`.
pub const WAL_FRAMES: &str = "zhicheng_sqlite_wal_frames";

/// Copies the write-ahead log into the database file every [`CHECKPOINT_EVERY`], beside the
/// writer rather than in its way; ends with the writer.
///
/// SQLite would otherwise checkpoint inside the commit that fills the log past 1,000 pages:
/// that commit, and every write queued behind it, would wait for the copy and the database
/// file's `fsync`. The pool's connections therefore do not checkpoint themselves
/// (`wal_autocheckpoint=0`, `Db::connect`). A PASSIVE checkpoint takes no lock that readers
/// or the writer wait for; it copies what no reader still needs.
///
/// The log starts over (and its file is cut back to `journal_size_limit`) only when a write
/// begins after a checkpoint copied all of it and no reader still reads from it. Under
/// writes that never pause, the write queued behind the last always began first, and the log
/// grew by 20 to 30 MB a second of 保存 until the load stopped. So once the log holds
/// [`RESTART_FRAMES`], the round copies twice: once beside the writer, which copies nearly
/// everything, then once holding the write lock between two group commits (a RESTART
/// checkpoint), which copies the little written meanwhile and waits, at most
/// [`RESTART_WAIT_MS`], for the readers of the log's last frames, so that the next write
/// starts the log over. A long reader (a backup's snapshot) makes it give up, not hold the
/// writes up.
async fn checkpointer(
    conn: DatabaseConnection,
    write_lock: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    mut stop: oneshot::Receiver<()>,
) {
    // The RESTART waits for readers only RESTART_WAIT_MS, on the connection it runs on,
    // which then waits as long as the others again.
    let restart = format!(
        "PRAGMA busy_timeout = {RESTART_WAIT_MS}; PRAGMA wal_checkpoint(RESTART); \
         PRAGMA busy_timeout = {}",
        super::BUSY_TIMEOUT.as_millis()
    );
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {}
        }
        let mut log = match checkpoint(&conn, "PRAGMA wal_checkpoint(PASSIVE)").await {
            Ok(log) => log,
            // The server closed the pool at shutdown.
            Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)) => return,
            Err(e) => {
                tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
                continue;
            }
        };
        if let Some(lock) = &write_lock
            && log >= RESTART_FRAMES
        {
            let _writes_wait = lock.lock().await;
            match checkpoint(&conn, &restart).await {
                Ok(now) => log = now,
                Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)) => return,
                Err(e) => tracing::warn!(error = %e, "restarting the write-ahead log failed"),
            }
        }
        metrics::gauge!(WAL_FRAMES).set(log as f64);
    }
}

/// Frames (4 KiB each) in the write-ahead log from which the checkpointer starts it over.
const RESTART_FRAMES: i64 = 1_000;

/// How long a RESTART checkpoint waits for the log's readers, holding the writes up.
const RESTART_WAIT_MS: u64 = 20;

/// Runs a checkpoint (`sql`, a `wal_checkpoint` pragma, perhaps between others); the frames
/// in the log then.
async fn checkpoint(conn: &DatabaseConnection, sql: &str) -> Result<i64, DbErr> {
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            sql.to_owned(),
        ))
        .await?;
    // The busy_timeout pragmas answer rows of their own: the checkpoint's has `log`.
    Ok(rows
        .iter()
        .find_map(|r| r.try_get::<i64>("", "log").ok())
        .unwrap_or(0))
}

/// Takes the writes waiting, at least one, and commits them together; ends when every
/// handle of the database is gone, and then stops the checkpointer.
async fn writer(db: Db, mut writes: mpsc::UnboundedReceiver<Queued>, stop: oneshot::Sender<()>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while writes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        metrics::histogram!("zhicheng_group_commit_writes").record(batch.len() as f64);
        commit_together(&db, std::mem::take(&mut batch)).await;
    }
    let _ = stop.send(());
}

/// One transaction for `batch`: each write in a savepoint of its own (a single write needs
/// none), one commit, then every outcome.
///
/// The savepoints are one name reused, not SeaORM's nested transactions: a write that
/// succeeded releases it and the next opens it again in the same round trip, and one that
/// failed rolls back to it, which leaves it open where the next write starts. The writer's
/// statements are SQLite's whole write throughput, so a grouped write costs one statement
/// of bookkeeping instead of two.
async fn commit_together(db: &Db, batch: Vec<Queued>) {
    let started = std::time::Instant::now();
    let tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch.into_iter().map(|q| q.done), &e),
    };
    let alone = batch.len() == 1;
    if !alone && let Err(e) = tx.execute_unprepared("SAVEPOINT grouped").await {
        return fail_all(batch.into_iter().map(|q| q.done), &e);
    }
    let last = batch.len() - 1;
    let mut outcomes = Vec::with_capacity(batch.len());
    for (i, Queued { job, done }) in batch.into_iter().enumerate() {
        let outcome = run(job, &tx).await;
        let mark = match (&outcome, alone) {
            (_, true) => None,
            (Err(_), false) => Some("ROLLBACK TO grouped"),
            (Ok(()), false) if i < last => Some("RELEASE grouped; SAVEPOINT grouped"),
            // The commit releases the last.
            (Ok(()), false) => None,
        };
        outcomes.push((done, outcome));
        if let Some(sql) = mark
            && let Err(e) = tx.execute_unprepared(sql).await
        {
            // A savepoint that cannot be released or rolled back leaves the batch unsure:
            // the whole transaction goes instead.
            return fail_all(outcomes.into_iter().map(|o| o.0), &e);
        }
    }
    let statements = started.elapsed();
    let phase = |name: &'static str, took: std::time::Duration| {
        metrics::histogram!(COMMIT_SECONDS, "phase" => name).record(took.as_secs_f64());
    };
    phase("statements", statements);
    if alone && outcomes.iter().any(|o| o.1.is_err()) {
        // The one write failed: nothing of it may stay.
        if let Err(e) = tx.rollback().await {
            tracing::warn!(error = %e, "rolling back a failed write");
        }
    } else {
        let committed = tx.commit().await;
        phase("commit", started.elapsed() - statements);
        if let Err(e) = committed {
            return fail_all(outcomes.into_iter().map(|o| o.0), &e);
        }
    }
    for (done, outcome) in outcomes {
        // The writer's request may have gone (a closed connection): its write still stands.
        let _ = done.send(outcome);
    }
}

/// Runs one write; a panic in it fails that write, not the writer or the request's task.
async fn run(job: Job, tx: &DatabaseTransaction) -> Result<()> {
    AssertUnwindSafe(job(tx))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("a queued write panicked").into()))
}

/// Answers every write of a batch that could not be committed with the reason.
fn fail_all(waiting: impl Iterator<Item = oneshot::Sender<Result<()>>>, e: &DbErr) {
    tracing::error!(error = %e, "a group commit failed");
    for done in waiting {
        let _ = done.send(Err(if contended(e) {
            AppError::Conflict(Msg::Contended)
        } else {
            anyhow::anyhow!("committing a group of writes: {e}").into()
        }));
    }
}
