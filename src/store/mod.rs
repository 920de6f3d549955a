//! Storage: one connection type for SQLite, PostgreSQL and the MySQL family (MySQL, MariaDB,
//! TiDB, OceanBase), migrations and queries.
//!
//! Every query function takes a `&impl ConnectionTrait`, so a workflow step runs its
//! state change and its audit entry in the same transaction.

pub mod accounts;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod captcha;
pub mod chain;
pub mod dicts;
pub mod entities;
mod group;
pub use group::{COMMIT_SECONDS, Job, WAL_FRAMES};
pub mod idempotency;
pub mod limits;
pub mod local;
pub mod migration;
pub mod notices;
pub mod oversight;
pub mod reset;
pub mod review;
pub mod sessions;
pub mod stats;
pub mod tokens;
pub mod unit_search;

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, FromQueryResult, SqlErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a SQLite statement waits for a lock another connection holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How the platform opens its database, beyond the URL (from the settings).
#[derive(Clone, Copy, Debug, Default)]
pub struct DbOptions {
    /// SQLite: how many MiB of the database file to map and read in place (`mmap_size`);
    /// 0 reads every page with a system call into the connection's page cache.
    pub sqlite_mmap_mib: u32,
}

/// How the bundled SQLite was built (`.cargo/config.toml`, `LIBSQLITE3_FLAGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteBuild {
    /// `SQLITE_ENABLE_QPSG`: a cached statement keeps the plan it was prepared with, instead
    /// of being prepared again at each run whose bound values could change it.
    pub keeps_plans: bool,
    /// `SQLITE_ENABLE_MEMORY_MANAGEMENT` (libsqlite3-sys turns it on): the connections of the
    /// process share one page cache behind one global mutex, which every page fetched and
    /// released takes: about a tenth of a queue page's time on two cores (docs/PERFORMANCE.md,
    /// run 17).
    pub shared_page_cache: bool,
}

/// The database handle shared by the whole application.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite admits one writer; taking this lock first avoids `SQLITE_BUSY` between our own tasks.
    write_lock: Option<Arc<Mutex<()>>>,
    /// SQLite's group-commit queue (`Db::write`).
    group: Option<tokio::sync::mpsc::UnboundedSender<group::Queued>>,
    /// SQLite in a file: the hot reads on the request's own thread (`store::local`).
    reader: Option<Arc<local::Reader>>,
}

/// A write transaction; on SQLite it also holds the process-wide write lock until it ends.
pub struct WriteTx {
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Db {
    /// Connects by URL: `sqlite://path?mode=rwc`, `postgres://…` or `mysql://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::open(url, DbOptions::default()).await
    }

    /// [`Db::connect`] with the settings' tuning.
    pub async fn open(url: &str, options: DbOptions) -> anyhow::Result<Self> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10));
        let sqlite = url.starts_with("sqlite:");
        let mmap = u64::from(options.sqlite_mmap_mib) << 20;
        if sqlite {
            // The pool's default pings a connection every time it is taken: one more
            // hand-off to the connection's thread per statement, for a database in our own
            // process that cannot hang up.
            opts.test_before_acquire(false);
        } else {
            // A server, a proxy or a firewall may drop a connection left idle; a busy one
            // needs no ping before each statement.
            opts.test_before_acquire_if_idle_for(Duration::from_secs(30));
        }
        if url.starts_with("mysql:") {
            opts.max_connections(20).min_connections(1);
            // Text compares by code point, as on the other two databases (a case-insensitive
            // collation would make 'Admin' and 'admin' one user name); times are UTC.
            opts.map_sqlx_mysql_opts(|o| {
                o.charset("utf8mb4")
                    .collation("utf8mb4_bin")
                    .timezone(Some("+00:00".to_owned()))
                    .pipes_as_concat(true)
            });
            // Every connection reads committed rows, as PostgreSQL does: a version-guarded
            // update then sees the latest version whatever the engine's default level.
            opts.map_sqlx_mysql_pool_opts(|p| {
                p.after_connect(|conn, _| {
                    Box::pin(async move {
                        use sea_orm::sqlx::Executor;
                        conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                            .await?;
                        Ok(())
                    })
                })
            });
        } else if sqlite {
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT)
                    .pragma("secure_delete", "ON")
                    // 8 MiB of page cache per connection (the default is 2 MiB), 64 MiB for the
                    // pool: statistics read cubes, not the applications, and the operating
                    // system caches the file for all. At 32 MiB the server held 585 MB after
                    // the benchmark (bench/http.sh).
                    .pragma("cache_size", "-8192")
                    // The group writer's checkpointer copies the log back (store::group).
                    .pragma("wal_autocheckpoint", "0")
                    // When the log starts over, its file is cut back to 64 MiB: a peak's
                    // log would otherwise keep the disk it once took.
                    .pragma("journal_size_limit", "67108864")
                    // Pages read in place from the mapped file, not copied into the page
                    // cache by a system call each (settings: sqlite_mmap_mib).
                    .pragma("mmap_size", mmap.to_string())
            });
        } else {
            opts.max_connections(20).min_connections(1);
        }
        let conn = Database::connect(opts)
            .await
            .with_context(|| format!("connecting to {}", crate::settings::redact_url(url)))?;
        let mut db = Db {
            conn,
            write_lock: sqlite.then(|| Arc::new(Mutex::new(()))),
            group: None,
            reader: None,
        };
        if sqlite {
            let build = db.sqlite_build().await?;
            if !build.keeps_plans {
                tracing::warn!(
                    "SQLite was built without SQLITE_ENABLE_QPSG (.cargo/config.toml sets it): \
                     statements are prepared again at every run, and pages are slower"
                );
            }
            if build.shared_page_cache {
                tracing::warn!(
                    "SQLite was built with SQLITE_ENABLE_MEMORY_MANAGEMENT (.cargo/config.toml \
                     takes it out): every page read of every connection takes one global lock"
                );
            }
            db.start_group_commit();
            if let Some(path) = sqlite_file(url) {
                let read_only = sqlite_read_only(url);
                match local::Reader::open(&path, mmap, read_only) {
                    Ok(reader) => db.reader = Some(Arc::new(reader)),
                    // The pool's own connections still read everything, only slower.
                    Err(e) => tracing::warn!(
                        error = %e,
                        file = %path.display(),
                        "SQLite: no reads on the request's thread"
                    ),
                }
            }
        }
        Ok(db)
    }

    /// SQLite: the two build options `.cargo/config.toml` sets, read from `PRAGMA
    /// compile_options`.
    pub async fn sqlite_build(&self) -> Result<SqliteBuild, DbErr> {
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await?;
        let has = |option: &str| {
            rows.iter()
                .any(|r| r.try_get::<String>("", "compile_options").as_deref() == Ok(option))
        };
        Ok(SqliteBuild {
            keeps_plans: has("ENABLE_QPSG"),
            shared_page_cache: has("ENABLE_MEMORY_MANAGEMENT"),
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// The pool now: (open connections, idle ones, the maximum), for `/metrics`.
    pub fn pool_use(&self) -> (u32, u32, u32) {
        match self.backend() {
            DbBackend::Sqlite => {
                let p = self.conn.get_sqlite_connection_pool();
                (
                    p.size(),
                    p.num_idle() as u32,
                    p.options().get_max_connections(),
                )
            }
            DbBackend::MySql => {
                let p = self.conn.get_mysql_connection_pool();
                (
                    p.size(),
                    p.num_idle() as u32,
                    p.options().get_max_connections(),
                )
            }
            _ => {
                let p = self.conn.get_postgres_connection_pool();
                (
                    p.size(),
                    p.num_idle() as u32,
                    p.options().get_max_connections(),
                )
            }
        }
    }

    /// Whether the database answers now (`/readyz`), within two seconds.
    pub async fn reachable(&self) -> bool {
        let ping = self.conn.execute_unprepared("SELECT 1");
        matches!(
            tokio::time::timeout(Duration::from_secs(2), ping).await,
            Ok(Ok(_))
        )
    }

    /// How many of this build's migrations the database has not applied (`/readyz`: a node
    /// of a newer build on an older schema is not ready).
    /// Read-only, so that it works for a role with data rights only (the migrator's own
    /// status query first creates its table, which such a role may not).
    pub async fn pending_migrations(&self) -> anyhow::Result<usize> {
        let applied: std::collections::HashSet<String> = match self
            .conn
            .query_all_raw(stmt(
                self.backend(),
                "SELECT version FROM seaql_migrations",
                vec![],
            ))
            .await
        {
            Ok(rows) => rows
                .iter()
                .map(|r| r.try_get::<String>("", "version"))
                .collect::<Result<_, _>>()?,
            // No table yet: a database never migrated.
            Err(_) => Default::default(),
        };
        Ok(migration::Migrator::migrations()
            .iter()
            .filter(|m| !applied.contains(m.name()))
            .count())
    }

    /// Applies every pending migration; with none pending it changes nothing, so `serve`
    /// runs as a role without schema rights once the owner has migrated.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        if self.pending_migrations().await? == 0 {
            return Ok(());
        }
        migration::Migrator::up(&self.conn, None)
            .await
            .context("running migrations")
    }

    /// Closes every connection of the pool. On SQLite the last to close copies the
    /// write-ahead log into the database file and removes it: a command-line tool leaves one
    /// file behind (demo-data's 200,000 applications had left a 6.6 GB log beside a 0.6 GB
    /// database).
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close();
        }
        if let Err(e) = self.conn.clone().close().await {
            tracing::warn!(error = %e, "closing the database pool");
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<WriteTx, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // On SQLite the transaction takes the database's write lock at once (IMMEDIATE): a
        // transaction that read first and wrote later would fail outright, not wait, if
        // anything else had written in between (another process, a command-line tool).
        let txn = if guard.is_some() {
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(WriteTx { txn, _guard: guard })
    }
}

/// The path and the options of a `sqlite://PATH?…` URL.
fn sqlite_parts(url: &str) -> Option<(&str, impl Iterator<Item = &str>)> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Some((path, query.split('&')))
}

/// The file of a `sqlite://PATH?…` URL; `None` for an in-memory database, which no other
/// connection can open.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let (path, mut options) = sqlite_parts(url)?;
    let memory = path.is_empty() || path == ":memory:" || options.any(|kv| kv == "mode=memory");
    (!memory).then(|| std::path::PathBuf::from(path))
}

/// Whether a SQLite URL opens its database read-only (`mode=ro`).
fn sqlite_read_only(url: &str) -> bool {
    sqlite_parts(url).is_some_and(|(_, mut options)| options.any(|kv| kv == "mode=ro"))
}

/// Statement text built once per process, for a statement every request runs: one slot per
/// database and `variant` (below `N / 3`), filled by `build` on first use. Built per request
/// with `format!` or the query builder, such text cost as much as the reads (run 10).
pub(crate) fn built_once<const N: usize>(
    slots: &'static [std::sync::OnceLock<String>; N],
    backend: DbBackend,
    variant: usize,
    build: impl FnOnce() -> String,
) -> &'static str {
    let db = match backend {
        DbBackend::Sqlite => 0,
        DbBackend::Postgres => 1,
        _ => 2,
    };
    assert!(variant < N / 3, "statement variant {variant} has no slot");
    slots[db * (N / 3) + variant].get_or_init(build)
}

/// The text of `query` as the builder writes it for `backend`, for [`built_once`]. The
/// caller binds its own values at each run, in the order of `placeholders`, the values the
/// query was built with: a builder that placed them otherwise fails at first use instead
/// of binding a value to the wrong column.
pub(crate) fn query_text(
    query: impl sea_orm::QueryTrait,
    backend: DbBackend,
    placeholders: Vec<Value>,
    what: &str,
) -> String {
    let built = query.build(backend);
    assert_eq!(
        built.values.map(|v| v.0),
        Some(placeholders),
        "the parameters of {what} moved"
    );
    built.sql
}

/// Builds a statement from SQL written with `?` placeholders, numbering them for PostgreSQL.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// SQL that differs between the databases, in one place.
pub mod dialect {
    use sea_orm::DbBackend;

    /// The integer type for `CAST(… AS …)`: MySQL casts to `SIGNED`.
    pub fn bigint(backend: DbBackend) -> &'static str {
        match backend {
            DbBackend::MySql => "SIGNED",
            _ => "BIGINT",
        }
    }

    /// Integer division of two integer expressions (MySQL's `/` gives a decimal).
    pub fn div(backend: DbBackend) -> &'static str {
        match backend {
            DbBackend::MySql => "DIV",
            _ => "/",
        }
    }

    /// The length of a text in characters (MySQL's `length` counts bytes).
    pub fn char_length(backend: DbBackend) -> &'static str {
        match backend {
            DbBackend::Sqlite => "length",
            _ => "char_length",
        }
    }

    /// After a table's name: on SQLite, `INDEXED BY index`, for a statement whose index the
    /// planner misjudges; the other databases choose their own.
    pub fn indexed_by(backend: DbBackend, index: &str) -> String {
        match backend {
            DbBackend::Sqlite => format!(" INDEXED BY {index}"),
            _ => String::new(),
        }
    }

    /// The end of an `INSERT` that skips a row whose unique `key` (its columns) is taken.
    /// MySQL's form sets a column to itself: `INSERT IGNORE` would also turn other errors
    /// (a missing foreign key) into warnings.
    pub fn on_conflict_ignore(backend: DbBackend, key: &str) -> String {
        match backend {
            DbBackend::MySql => {
                let col = key.split(',').next().unwrap_or(key).trim();
                format!(" ON DUPLICATE KEY UPDATE {col} = {col}")
            }
            _ => format!(" ON CONFLICT ({key}) DO NOTHING"),
        }
    }
}

/// Runs a statement and returns how many rows it changed.
pub async fn exec(c: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    let s = stmt(c.get_database_backend(), sql, values);
    Ok(c.execute_raw(s).await?.rows_affected())
}

/// Reads a text column holding a code through the type's `parse`; `$unknown` decides what
/// a code this build does not know becomes (`$s` is the stored text, `$i` the column).
macro_rules! code_column {
    ($($t:ty),+ => |$s:ident, $i:ident| $unknown:expr) => {$(
        impl sea_orm::TryGetable for $t {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                $i: I,
            ) -> std::result::Result<Self, sea_orm::TryGetError> {
                let $s = String::try_get_by(res, $i)?;
                Self::parse(&$s).map_or_else(|| $unknown, Ok)
            }
        }
    )+};
}

// An application state column read as the workflow's state: the one place stored state
// strings become `domain::workflow::State`, for every row type that derives
// `FromQueryResult`. The schema's CHECK constraint admits only known values, so anything
// else is a read error, never a silent default.
code_column!(crate::domain::workflow::State => |s, col| Err(
    sea_orm::TryGetError::DbErr(DbErr::Type(format!(
        "unknown application state {s:?} in {col:?}"
    )))
));
// A reporting path's or grant's standing; an unknown value reads as refused.
code_column!(crate::domain::chain::Standing => |_s, _col| Ok(Self::Refused));
// Codes this build may not know (an attachment's slot, a failed module, a token's subject
// kind and scope) read as absent (`TryGetError::Null`), so that a row read as `Option<T>`
// is skipped rather than failing the whole list.
code_column!(
    crate::domain::application::Slot,
    crate::domain::application::Module,
    crate::domain::auth::SubjectKind,
    tokens::Scope
    => |s, col| Err(unknown_code(s, col))
);

fn unknown_code(s: String, col: impl std::fmt::Debug) -> sea_orm::TryGetError {
    sea_orm::TryGetError::Null(format!("{col:?} (unknown code {s:?})"))
}

/// Runs a query written with `?` placeholders and reads every row as `T`.
pub async fn query_as<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(stmt(c.get_database_backend(), sql, values))
        .all(c)
        .await
}

/// Runs a query written with `?` placeholders and reads its first row as `T`.
pub async fn query_one_as<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<T>, DbErr> {
    T::find_by_statement(stmt(c.get_database_backend(), sql, values))
        .one(c)
        .await
}

/// One column of the first row, by name (`SELECT … AS n`); `None` without a row.
pub async fn query_scalar<T: sea_orm::TryGetable>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
    col: &str,
) -> Result<Option<T>, DbErr> {
    let row = c
        .query_one_raw(stmt(c.get_database_backend(), sql, values))
        .await?;
    row.map(|r| r.try_get::<T>("", col)).transpose()
}

/// A version- or state-guarded update won (one row), or someone got there first (another
/// tab, a reviewer, a double click) and the request changes nothing.
pub fn guarded(rows: u64) -> crate::error::Result<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(crate::error::AppError::Conflict(
            crate::messages::Msg::AlreadyHandled,
        ))
    }
}

/// The name of the unique constraint or index a failed insert ran into, if that is why it failed.
pub fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => Some(detail),
        _ => None,
    }
}

/// A write's result with a unique-constraint violation turned into `taken(detail)` (`detail`
/// names the constraint or index): the schema decides "already exists", even under a race.
pub fn unique_or<T>(
    res: Result<T, DbErr>,
    taken: impl FnOnce(&str) -> crate::error::AppError,
) -> crate::error::Result<T> {
    res.map_err(|e| match unique_violation(&e) {
        Some(detail) => taken(&detail),
        None => e.into(),
    })
}

/// Inserts many rows with multi-row statements, chunked below both databases' parameter limits.
pub async fn insert_rows(
    c: &impl ConnectionTrait,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbErr> {
    let per_row = cols.len().max(1);
    let chunk = (30_000 / per_row).clamp(1, 1000);
    let row_sql = format!("({})", vec!["?"; per_row].join(", "));
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let batch: Vec<Vec<Value>> = it.by_ref().take(chunk).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            cols.join(", "),
            vec![row_sql.as_str(); batch.len()].join(", ")
        );
        exec(c, &sql, batch.into_iter().flatten().collect()).await?;
    }
    Ok(())
}

/// Inserts one row under a new id (keys are made in Rust: UUIDv7) and returns that id;
/// `cols` are the row's other columns with their values.
pub async fn insert_new(
    c: &impl ConnectionTrait,
    table: &str,
    cols: Vec<(&str, Value)>,
) -> Result<uuid::Uuid, DbErr> {
    let id = uuid::Uuid::now_v7();
    let (names, values): (Vec<&str>, Vec<Value>) =
        std::iter::once(("id", id.into())).chain(cols).unzip();
    insert_rows(c, table, &names, vec![values]).await?;
    Ok(id)
}

/// Runs a `SELECT COUNT(*) AS n …` and returns `n`.
pub async fn count(c: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<i64, DbErr> {
    Ok(query_scalar(c, sql, values, "n").await?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::{sqlite_file, sqlite_read_only};
    use std::path::PathBuf;

    #[test]
    fn a_sqlite_url_names_its_file_and_mode() {
        let file = |u| sqlite_file(u).map(|p: PathBuf| p.display().to_string());
        assert_eq!(
            file("sqlite://data/z.db?mode=rwc").as_deref(),
            Some("data/z.db")
        );
        assert_eq!(file("sqlite:/abs/z.db").as_deref(), Some("/abs/z.db"));
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("sqlite://z.db?cache=shared&mode=memory"), None);
        assert_eq!(file("postgres://h/db"), None);
        assert!(sqlite_read_only("sqlite://z.db?cache=shared&mode=ro"));
        assert!(!sqlite_read_only("sqlite://z.db?mode=rwc"));
        // An option's value that only contains the words does not count.
        assert!(!sqlite_read_only("sqlite://mode=ro.db?mode=rwc"));
        assert!(!sqlite_read_only("postgres://h/db?mode=ro"));
    }
}
