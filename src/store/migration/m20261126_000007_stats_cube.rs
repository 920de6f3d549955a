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

const KEY_COLUMNS: &str = "state, series_code, level_code, declare_region, submitted_month";

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

/// SQLite takes one writer at a time, so lock order does not arise there.
fn sqlite() -> Vec<String> {
    let upsert = |row: &str, guard: &str| {
        format!(
            "INSERT INTO stats_cube (month, region, series, level, state, n) SELECT {}, 1 {guard} \
             ON CONFLICT (month, region, series, level, state) DO UPDATE SET n = n + 1;",
            values(row)
        )
    };
    vec![
        format!(
            "CREATE TRIGGER tr_stats_cube_insert AFTER INSERT ON applications WHEN NEW.submitted_month IS NOT NULL \
             BEGIN {} END",
            upsert("NEW", "WHERE 1")
        ),
        format!(
            "CREATE TRIGGER tr_stats_cube_delete AFTER DELETE ON applications WHEN OLD.submitted_month IS NOT NULL \
             BEGIN UPDATE stats_cube SET n = n - 1 WHERE {}; END",
            cell("OLD")
        ),
        format!(
            "CREATE TRIGGER tr_stats_cube_update AFTER UPDATE OF {KEY_COLUMNS} ON applications \
             BEGIN UPDATE stats_cube SET n = n - 1 WHERE OLD.submitted_month IS NOT NULL AND {}; {} END",
            cell("OLD"),
            upsert("NEW", "WHERE NEW.submitted_month IS NOT NULL")
        ),
    ]
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

/// PostgreSQL's triggers for the cube table `cube`: one plpgsql function `zc_{cube}`, run
/// after every insert and delete of an application and after an update of `key_columns`,
/// that moves the row's count from the cell `old_key` names to the one `new_key` names
/// ([`smaller_key_first`]). Shared with the duration cube (migration 11).
pub(super) fn postgres_triggers(
    cube: &str,
    key_columns: &str,
    old_key: &str,
    new_key: &str,
    dec: &str,
    inc: &str,
) -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION zc_{cube}() RETURNS trigger LANGUAGE plpgsql AS $$ \
             DECLARE old_key text; new_key text; \
             BEGIN \
               IF TG_OP <> 'INSERT' THEN old_key := {old_key}; END IF; \
               IF TG_OP <> 'DELETE' THEN new_key := {new_key}; END IF; \
               IF old_key IS NOT DISTINCT FROM new_key THEN RETURN NULL; END IF; \
               {} \
               RETURN NULL; \
             END $$",
            smaller_key_first(dec, inc)
        ),
        format!(
            "CREATE TRIGGER tr_{cube}_write AFTER INSERT OR DELETE ON applications \
             FOR EACH ROW EXECUTE FUNCTION zc_{cube}()"
        ),
        format!(
            "CREATE TRIGGER tr_{cube}_update AFTER UPDATE OF {key_columns} ON applications \
             FOR EACH ROW EXECUTE FUNCTION zc_{cube}()"
        ),
    ]
}

/// MySQL's triggers for the cube table `cube`, one per event (no shared function, no
/// `UPDATE OF`): an insert counts into the cell `new_key` names, a delete out of
/// `old_key`'s, an update moves the count when the key changed ([`smaller_key_first`]).
pub(super) fn mysql_triggers(
    cube: &str,
    old_key: &str,
    new_key: &str,
    dec: &str,
    inc: &str,
) -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER tr_{cube}_insert AFTER INSERT ON applications FOR EACH ROW \
             BEGIN IF ({new_key}) IS NOT NULL THEN {inc} END IF; END"
        ),
        format!(
            "CREATE TRIGGER tr_{cube}_delete AFTER DELETE ON applications FOR EACH ROW \
             BEGIN IF ({old_key}) IS NOT NULL THEN {dec} END IF; END"
        ),
        format!(
            "CREATE TRIGGER tr_{cube}_update AFTER UPDATE ON applications FOR EACH ROW \
             BEGIN \
               DECLARE old_key VARCHAR(255) DEFAULT ({old_key}); \
               DECLARE new_key VARCHAR(255) DEFAULT ({new_key}); \
               IF NOT (old_key <=> new_key) THEN \
                 {} \
               END IF; \
             END",
            smaller_key_first(dec, inc)
        ),
    ]
}

/// The cell key of a row, NULL when the row does not count (PostgreSQL and MySQL alike).
fn key(row: &str) -> String {
    format!(
        "CASE WHEN {row}.submitted_month IS NULL THEN NULL ELSE concat_ws('|', {row}.submitted_month, \
         COALESCE({row}.declare_region, ''), COALESCE({row}.series_code, ''), COALESCE({row}.level_code, ''), {row}.state) END"
    )
}

fn mysql() -> Vec<String> {
    let dec = format!("UPDATE stats_cube SET n = n - 1 WHERE {};", cell("OLD"));
    let inc = format!(
        "INSERT INTO stats_cube (month, region, series, level, state, n) VALUES ({}, 1) \
         ON DUPLICATE KEY UPDATE n = n + 1;",
        values("NEW")
    );
    mysql_triggers("stats_cube", &key("OLD"), &key("NEW"), &dec, &inc)
}

fn postgres() -> Vec<String> {
    let dec = format!("UPDATE stats_cube SET n = n - 1 WHERE {};", cell("OLD"));
    let inc = format!(
        "INSERT INTO stats_cube (month, region, series, level, state, n) VALUES ({}, 1) \
         ON CONFLICT (month, region, series, level, state) DO UPDATE SET n = stats_cube.n + 1;",
        values("NEW")
    );
    postgres_triggers(
        "stats_cube",
        KEY_COLUMNS,
        &key("OLD"),
        &key("NEW"),
        &dec,
        &inc,
    )
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, TABLE).await?;
    super::run(m, [BACKFILL]).await?;
    let triggers = match m.get_database_backend() {
        sea_orm::DbBackend::Postgres => postgres(),
        sea_orm::DbBackend::MySql => mysql(),
        _ => sqlite(),
    };
    super::run(m, triggers).await
}
