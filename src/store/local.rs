//! SQLite reads on the request's own thread, for the statements every signed-in page runs.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is two hand-offs
//! between that thread and the runtime's, and each value is decoded twice (into sqlx's row,
//! then by name into sea-orm's). For the session and the lists a page shows, that was most of
//! the page's cost (docs/PERFORMANCE.md, runs 7 to 11). A [`Reader`] holds a few `rusqlite`
//! connections to the same file, opened `query_only`, and runs such a read where the request
//! runs: a few dozen microseconds of a worker thread, no hand-off.
//!
//! The statement text is the same on every database. A row type reads its columns by
//! position through [`Cols`], once for both drivers ([`FromCols`]): on PostgreSQL and the
//! MySQL family (and on an in-memory SQLite database, which another connection cannot see)
//! [`read_all`] goes through sea-orm as every other query does.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, RuntimeErr, TryGetable, Value};
use uuid::Uuid;

use super::Db;

/// At most this many connections are kept between reads: a read runs on a runtime worker
/// thread, so no more than the workers run at once; more are opened, then closed, if the
/// runtime has more threads than this.
const KEPT: usize = 8;

/// `rusqlite` connections to the database file, taken one per read.
pub struct Reader {
    path: PathBuf,
    mmap: u64,
    read_only: bool,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("path", &self.path).finish()
    }
}

impl Reader {
    /// A reader of the SQLite database at `path`, opened once to check that it can be;
    /// `read_only` for a database the platform opened read-only (`mode=ro`).
    pub fn open(path: &Path, mmap: u64, read_only: bool) -> Result<Self, DbErr> {
        let reader = Reader {
            path: path.to_owned(),
            mmap,
            read_only,
            idle: Mutex::new(Vec::new()),
        };
        let first = reader.connect()?;
        reader.put(first);
        Ok(reader)
    }

    fn connect(&self) -> Result<Connection, DbErr> {
        // Opened for writing (a reader of a database in WAL mode writes its shared-memory
        // index) but refusing every change (`query_only`): this connection only reads.
        let mode = if self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn = Connection::open_with_flags(&self.path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(err)?;
        conn.busy_timeout(super::BUSY_TIMEOUT).map_err(err)?;
        // 2 MiB of page cache (SQLite's default), not the pool's 8: these reads touch a few
        // index pages each, which the operating system caches for every connection, and each
        // connection's cache counts in the resident set (with 8 MiB each the server held 217
        // MB with 1,000 connections open, against 192 before, docs/PERFORMANCE.md run 12).
        conn.execute_batch(&format!(
            "PRAGMA query_only = ON; PRAGMA cache_size = -2048; PRAGMA mmap_size = {};",
            self.mmap
        ))
        .map_err(err)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    fn take(&self) -> Result<Connection, DbErr> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(c) => Ok(c),
            None => self.connect(),
        }
    }

    fn put(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEPT {
            idle.push(conn);
        }
    }

    /// Every row of `sql` with `values`, each read by `d`.
    pub fn all<D: Decode>(&self, sql: &str, values: &[Value], d: &D) -> Result<Vec<D::Out>, DbErr> {
        let conn = self.take()?;
        let out = read(&conn, sql, values, d);
        self.put(conn);
        out
    }

    /// Closes the kept connections (the last connection to close a SQLite database in WAL
    /// mode copies the log into it).
    pub fn close(&self) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn read<D: Decode>(
    conn: &Connection,
    sql: &str,
    values: &[Value],
    d: &D,
) -> Result<Vec<D::Out>, DbErr> {
    let mut st = conn.prepare_cached(sql).map_err(err)?;
    if st.parameter_count() != values.len() {
        return Err(DbErr::Type(format!(
            "{} parameters given to a statement of {}",
            values.len(),
            st.parameter_count()
        )));
    }
    for (i, v) in values.iter().enumerate() {
        bind(&mut st, i + 1, v)?;
    }
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        out.push(d.decode(&mut SqliteCols { row, at: 0 })?);
    }
    Ok(out)
}

fn bind(st: &mut rusqlite::Statement<'_>, i: usize, v: &Value) -> Result<(), DbErr> {
    let done = match v {
        Value::Bool(b) => st.raw_bind_parameter(i, b.map(i64::from)),
        Value::Int(n) => st.raw_bind_parameter(i, n),
        Value::BigInt(n) => st.raw_bind_parameter(i, n),
        Value::BigUnsigned(n) => match n.map(i64::try_from).transpose() {
            Ok(n) => st.raw_bind_parameter(i, n),
            Err(_) => return Err(DbErr::Type(format!("parameter {i} is beyond i64"))),
        },
        Value::String(s) => st.raw_bind_parameter(i, s.as_deref()),
        // As sqlx writes a UUID to SQLite: its sixteen bytes.
        Value::Uuid(u) => st.raw_bind_parameter(i, u.as_ref().map(|u| &u.as_bytes()[..])),
        other => {
            return Err(DbErr::Type(format!(
                "parameter {i}: {other:?} is not read on the request's thread"
            )));
        }
    };
    done.map_err(err)
}

fn err(e: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(format!(
        "SQLite (request's thread): {e}"
    )))
}

/// A row's columns, read in the order the statement selects them.
pub trait Cols {
    /// The next column, as `T`.
    fn next<T: Col>(&mut self) -> Result<T, DbErr>;
    /// Whether the next column is NULL, without reading past it.
    fn null_next(&self) -> Result<bool, DbErr>;
    /// Passes over `n` columns.
    fn skip(&mut self, n: usize);
}

/// A row type read by position from either driver.
pub trait FromCols: Sized {
    fn from_cols(r: &mut impl Cols) -> Result<Self, DbErr>;
}

/// `impl FromCols for $t`: its fields read in the order given, which is the order in which
/// the statement selects their columns.
macro_rules! from_cols {
    ($t:ty => $($field:ident),* $(,)?) => {
        impl $crate::store::local::FromCols for $t {
            fn from_cols(
                r: &mut impl $crate::store::local::Cols,
            ) -> ::std::result::Result<Self, ::sea_orm::DbErr> {
                Ok(Self { $($field: r.next()?),* })
            }
        }
    };
}
pub(crate) use from_cols;

/// How the rows of one statement are read, when that depends on more than their type (the
/// joins a statement made for a site, say).
pub trait Decode {
    type Out;
    fn decode(&self, r: &mut impl Cols) -> Result<Self::Out, DbErr>;
}

/// The [`Decode`] of a [`FromCols`] type.
pub struct As<T>(std::marker::PhantomData<T>);

impl<T> As<T> {
    pub const fn rows() -> Self {
        As(std::marker::PhantomData)
    }
}

impl<T: FromCols> Decode for As<T> {
    type Out = T;
    fn decode(&self, r: &mut impl Cols) -> Result<T, DbErr> {
        T::from_cols(r)
    }
}

/// A column type both drivers can read: sea-orm's own reading, and SQLite's stored value.
pub trait Col: TryGetable + Sized {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String>;
}

struct SqliteCols<'a> {
    row: &'a rusqlite::Row<'a>,
    at: usize,
}

impl Cols for SqliteCols<'_> {
    fn next<T: Col>(&mut self) -> Result<T, DbErr> {
        let i = self.at;
        self.at += 1;
        let v = self.row.get_ref(i).map_err(err)?;
        T::from_sqlite(v).map_err(|e| DbErr::Type(format!("column {i}: {e}")))
    }

    fn null_next(&self) -> Result<bool, DbErr> {
        Ok(self.row.get_ref(self.at).map_err(err)? == ValueRef::Null)
    }

    fn skip(&mut self, n: usize) {
        self.at += n;
    }
}

struct OrmCols<'a> {
    row: &'a QueryResult,
    at: usize,
}

impl Cols for OrmCols<'_> {
    fn next<T: Col>(&mut self) -> Result<T, DbErr> {
        let i = self.at;
        self.at += 1;
        self.row.try_get_by_index(i)
    }

    fn null_next(&self) -> Result<bool, DbErr> {
        // Asked of a joined row's id: a UUID, however the database stores it.
        Ok(self
            .row
            .try_get_by_index::<Option<Uuid>>(self.at)?
            .is_none())
    }

    fn skip(&mut self, n: usize) {
        self.at += n;
    }
}

/// Every row of `sql` (written with `?` placeholders, or numbered for PostgreSQL as the query
/// builder writes it), each read by `d`: on the request's thread on a SQLite file, through
/// sea-orm elsewhere.
pub async fn read_with<D: Decode>(
    db: &Db,
    sql: &str,
    values: Vec<Value>,
    d: &D,
) -> Result<Vec<D::Out>, DbErr> {
    if let Some(reader) = &db.reader {
        return reader.all(sql, &values, d);
    }
    let rows = db
        .conn
        .query_all_raw(super::stmt(db.backend(), sql, values))
        .await?;
    rows.iter()
        .map(|row| d.decode(&mut OrmCols { row, at: 0 }))
        .collect()
}

/// Every row of `sql` as `T` ([`read_with`]).
pub async fn read_all<T: FromCols>(
    db: &Db,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, DbErr> {
    read_with(db, sql, values, &As::<T>::rows()).await
}

fn kind(v: ValueRef<'_>) -> String {
    format!("{:?}", v.data_type())
}

impl Col for String {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(str::to_owned)
                .map_err(|e| e.to_string()),
            v => Err(format!("text expected, {} found", kind(v))),
        }
    }
}

impl Col for i64 {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Integer(n) => Ok(n),
            v => Err(format!("integer expected, {} found", kind(v))),
        }
    }
}

impl Col for i32 {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        i32::try_from(i64::from_sqlite(v)?).map_err(|e| e.to_string())
    }
}

impl Col for bool {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        Ok(i64::from_sqlite(v)? != 0)
    }
}

impl Col for Uuid {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Uuid::from_slice(b).map_err(|e| e.to_string()),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map_err(|e| e.to_string())
                .and_then(|t| Uuid::parse_str(t).map_err(|e| e.to_string())),
            v => Err(format!("UUID expected, {} found", kind(v))),
        }
    }
}

impl Col for crate::domain::workflow::State {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        let s = String::from_sqlite(v)?;
        Self::parse(&s).ok_or_else(|| format!("unknown application state {s:?}"))
    }
}

impl<T: Col> Col for Option<T> {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_sqlite(v).map(Some),
        }
    }
}
