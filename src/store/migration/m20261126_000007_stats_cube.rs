//! Statistics read a cube of counts instead of scanning a million applications: one row per
//! (month of submission, region, series, level, state), kept exact by triggers on every
//! insert, update and delete of an application, whatever code path makes it. A date range
//! that cuts a month reads the cut days from the applications' own index.
//!
//! On PostgreSQL two transactions moving applications between the same two cells in
//! opposite directions would deadlock if each locked its cells in its own order; the
//! trigger therefore always touches the smaller cell key first.

use sea_orm_migration::prelude::*;

forward_only!(up);

const TABLE: [&str; 2] = [
    "CREATE TABLE stats_cube (\
       month VARCHAR(7) NOT NULL, region VARCHAR(6) NOT NULL, series VARCHAR(16) NOT NULL, \
       level VARCHAR(16) NOT NULL, state VARCHAR(16) NOT NULL, n BIGINT NOT NULL, \
       PRIMARY KEY (month, region, series, level, state))",
    "CREATE INDEX ix_stats_cube_region ON stats_cube (region, series, month, level, state, n)",
];

const BACKFILL: &str = "INSERT INTO stats_cube (month, region, series, level, state, n) \
     SELECT submitted_month, COALESCE(declare_region, ''), COALESCE(series_code, ''), COALESCE(level_code, ''), state, COUNT(*) \
     FROM applications WHERE submitted_month IS NOT NULL \
     GROUP BY submitted_month, COALESCE(declare_region, ''), COALESCE(series_code, ''), COALESCE(level_code, ''), state";

fn cell(row: &str) -> String {
    format!(
        "month = {row}.submitted_month AND region = COALESCE({row}.declare_region, '') \
         AND series = COALESCE({row}.series_code, '') AND level = COALESCE({row}.level_code, '') AND state = {row}.state"
    )
}

fn values(row: &str) -> String {
    format!(
        "{row}.submitted_month, COALESCE({row}.declare_region, ''), COALESCE({row}.series_code, ''), \
         COALESCE({row}.level_code, ''), {row}.state"
    )
}

/// A cube of counts kept by triggers on `applications`, and the triggers for each database,
/// written once for this cube and the durations' (migration 11).
pub(super) struct Cube {
    /// The table, also the stem of its triggers' names (`tr_{table}_…`, `zc_{table}`).
    pub table: &'static str,
    /// The table's key: the columns that name a cell.
    pub cells: &'static str,
    /// The applications' columns whose update can move a row to another cell.
    pub key_columns: &'static str,
}

/// What a cube's triggers say of an application row, each given the row's name (`OLD` or
/// `NEW`) and returning SQL.
pub(super) struct Row<'a> {
    /// Whether the row counts (SQLite's triggers ask).
    pub counts: &'a dyn Fn(&str) -> String,
    /// The row's cell key, NULL when the row does not count (PostgreSQL's and MySQL's ask).
    pub key: &'a dyn Fn(&str) -> String,
    /// The condition on the cube selecting the row's cell.
    pub cell: &'a dyn Fn(&str) -> String,
    /// The values naming the row's cell.
    pub values: &'a dyn Fn(&str) -> String,
}

impl Cube {
    /// The triggers keeping the cube on `backend`, given what they say of a row.
    pub fn triggers(&self, backend: sea_orm::DbBackend, row: &Row) -> Vec<String> {
        match backend {
            sea_orm::DbBackend::Postgres => self.postgres(row),
            sea_orm::DbBackend::MySql => self.mysql(row),
            _ => self.sqlite(row),
        }
    }

    /// Counts a row out of the cell that `cell`, a condition on the cube, selects.
    fn dec(&self, cell: &str) -> String {
        format!("UPDATE {} SET n = n - 1 WHERE {cell};", self.table)
    }

    /// Counts a row into its cell: `source` gives the cell's values and a count of 1 (a
    /// `VALUES` or a `SELECT`), `bump` is the database's clause that adds 1 to a cell
    /// already there.
    fn inc(&self, source: &str, bump: &str) -> String {
        format!(
            "INSERT INTO {} ({}, n) {source} {bump};",
            self.table, self.cells
        )
    }

    /// SQLite's triggers. SQLite takes one writer at a time, so lock order does not arise
    /// there.
    fn sqlite(&self, row: &Row) -> Vec<String> {
        let Cube {
            table, key_columns, ..
        } = self;
        let upsert = |guard: &str| {
            self.inc(
                &format!("SELECT {}, 1 WHERE {guard}", (row.values)("NEW")),
                &format!("ON CONFLICT ({}) DO UPDATE SET n = n + 1", self.cells),
            )
        };
        let (counts, cell) = (row.counts, row.cell);
        vec![
            format!(
                "CREATE TRIGGER tr_{table}_insert AFTER INSERT ON applications WHEN {} BEGIN {} END",
                counts("NEW"),
                upsert("1")
            ),
            format!(
                "CREATE TRIGGER tr_{table}_delete AFTER DELETE ON applications WHEN {} BEGIN {} END",
                counts("OLD"),
                self.dec(&cell("OLD"))
            ),
            format!(
                "CREATE TRIGGER tr_{table}_update AFTER UPDATE OF {key_columns} ON applications \
                 BEGIN {} {} END",
                self.dec(&format!("{} AND {}", counts("OLD"), cell("OLD"))),
                upsert(&counts("NEW"))
            ),
        ]
    }

    /// PostgreSQL's triggers: one plpgsql function `zc_{table}`, run after every insert and
    /// delete of an application and after an update of the key columns, that moves the
    /// row's count from the old row's cell to the new one's (either key NULL when the row
    /// does not count), [`smaller_key_first`].
    fn postgres(&self, row: &Row) -> Vec<String> {
        let Cube {
            table, key_columns, ..
        } = self;
        let inc = self.inc(
            &format!("VALUES ({}, 1)", (row.values)("NEW")),
            &format!(
                "ON CONFLICT ({}) DO UPDATE SET n = {table}.n + 1",
                self.cells
            ),
        );
        vec![
            format!(
                "CREATE FUNCTION zc_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 DECLARE old_key text; new_key text; \
                 BEGIN \
                   IF TG_OP <> 'INSERT' THEN old_key := {}; END IF; \
                   IF TG_OP <> 'DELETE' THEN new_key := {}; END IF; \
                   IF old_key IS NOT DISTINCT FROM new_key THEN RETURN NULL; END IF; \
                   {} \
                   RETURN NULL; \
                 END $$",
                (row.key)("OLD"),
                (row.key)("NEW"),
                smaller_key_first(&self.dec(&(row.cell)("OLD")), &inc)
            ),
            format!(
                "CREATE TRIGGER tr_{table}_write AFTER INSERT OR DELETE ON applications \
                 FOR EACH ROW EXECUTE FUNCTION zc_{table}()"
            ),
            format!(
                "CREATE TRIGGER tr_{table}_update AFTER UPDATE OF {key_columns} ON applications \
                 FOR EACH ROW EXECUTE FUNCTION zc_{table}()"
            ),
        ]
    }

    /// MySQL's triggers, one per event (no shared function, no `UPDATE OF`): an insert
    /// counts into the new row's cell, a delete out of the old one's, an update moves the
    /// count when the key changed ([`smaller_key_first`]).
    fn mysql(&self, row: &Row) -> Vec<String> {
        let table = self.table;
        let (old_key, new_key) = ((row.key)("OLD"), (row.key)("NEW"));
        let dec = self.dec(&(row.cell)("OLD"));
        let inc = self.inc(
            &format!("VALUES ({}, 1)", (row.values)("NEW")),
            "ON DUPLICATE KEY UPDATE n = n + 1",
        );
        vec![
            format!(
                "CREATE TRIGGER tr_{table}_insert AFTER INSERT ON applications FOR EACH ROW \
                 BEGIN IF ({new_key}) IS NOT NULL THEN {inc} END IF; END"
            ),
            format!(
                "CREATE TRIGGER tr_{table}_delete AFTER DELETE ON applications FOR EACH ROW \
                 BEGIN IF ({old_key}) IS NOT NULL THEN {dec} END IF; END"
            ),
            format!(
                "CREATE TRIGGER tr_{table}_update AFTER UPDATE ON applications FOR EACH ROW \
                 BEGIN \
                   DECLARE old_key VARCHAR(255) DEFAULT ({old_key}); \
                   DECLARE new_key VARCHAR(255) DEFAULT ({new_key}); \
                   IF NOT (old_key <=> new_key) THEN \
                     {} \
                   END IF; \
                 END",
                smaller_key_first(&dec, &inc)
            ),
        ]
    }
}

/// The statements that move a row's count between two cells, given `old_key` and `new_key`
/// (either NULL when the row does not count) and `dec` and `inc`, the statements for each
/// cell: the smaller key is touched first, so that two opposite moves at once cannot
/// deadlock. The same body serves PostgreSQL's trigger function and MySQL's update trigger.
fn smaller_key_first(dec: &str, inc: &str) -> String {
    format!(
        "IF new_key IS NULL OR (old_key IS NOT NULL AND old_key < new_key) THEN \
           IF old_key IS NOT NULL THEN {dec} END IF; \
           IF new_key IS NOT NULL THEN {inc} END IF; \
         ELSE \
           {inc} \
           IF old_key IS NOT NULL THEN {dec} END IF; \
         END IF;"
    )
}

const CUBE: Cube = Cube {
    table: "stats_cube",
    cells: "month, region, series, level, state",
    key_columns: "state, series_code, level_code, declare_region, submitted_month",
};

/// The cell key of a row, NULL when the row does not count (PostgreSQL and MySQL alike).
fn key(row: &str) -> String {
    format!(
        "CASE WHEN {row}.submitted_month IS NULL THEN NULL ELSE concat_ws('|', {row}.submitted_month, \
         COALESCE({row}.declare_region, ''), COALESCE({row}.series_code, ''), COALESCE({row}.level_code, ''), {row}.state) END"
    )
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, TABLE).await?;
    super::run(m, [BACKFILL]).await?;
    let triggers = CUBE.triggers(
        m.get_database_backend(),
        &Row {
            counts: &|row| format!("{row}.submitted_month IS NOT NULL"),
            key: &key,
            cell: &cell,
            values: &values,
        },
    );
    super::run(m, triggers).await
}
