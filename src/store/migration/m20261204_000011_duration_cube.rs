//! 统计分析's durations (submission → final approval, median and 90th percentile) read a
//! cube too: one row per (month of submission, region, whole hours taken) counting the
//! approved applications, kept exact by triggers like `stats_cube` (migration 7). The
//! province's page on a million applications otherwise scanned every approved row.
//! Series is not a key (it would multiply the rows by thirty): a series filter scans.

use super::m20261126_000007_stats_cube::{Cube, Row};
use sea_orm_migration::prelude::*;

forward_only!(up);

const TABLE: [&str; 2] = [
    "CREATE TABLE stats_durations (\
       month VARCHAR(7) NOT NULL, region VARCHAR(6) NOT NULL, hours BIGINT NOT NULL, n BIGINT NOT NULL, \
       PRIMARY KEY (month, region, hours))",
    "CREATE INDEX ix_stats_durations_region ON stats_durations (region, month, hours, n)",
];

/// Whether a row counts: approved, with both times and a month.
fn counted(row: &str) -> String {
    format!(
        "{row}.state = 'approved' AND {row}.final_at IS NOT NULL AND {row}.submitted_at IS NOT NULL \
         AND {row}.submitted_month IS NOT NULL"
    )
}

/// Whole hours taken; `div` is the database's integer division (`/`, MySQL's `DIV`).
fn hours(row: &str, div: &str) -> String {
    format!("({row}.final_at - {row}.submitted_at) {div} 3600000")
}

fn cell(row: &str, div: &str) -> String {
    format!(
        "month = {row}.submitted_month AND region = COALESCE({row}.declare_region, '') \
         AND hours = {}",
        hours(row, div)
    )
}

fn values(row: &str, div: &str) -> String {
    format!(
        "{row}.submitted_month, COALESCE({row}.declare_region, ''), {}",
        hours(row, div)
    )
}

fn backfill(div: &str) -> String {
    format!(
        "INSERT INTO stats_durations (month, region, hours, n) \
         SELECT {}, COUNT(*) FROM applications a WHERE {} GROUP BY {}",
        values("a", div),
        counted("a"),
        values("a", div)
    )
}

const CUBE: Cube = Cube {
    table: "stats_durations",
    cells: "month, region, hours",
    key_columns: "state, final_at, submitted_at, submitted_month, declare_region",
};

/// The cell key of a row, NULL when the row does not count, on PostgreSQL or MySQL: the
/// hours padded so that keys compare as the cells do.
fn key(row: &str, backend: sea_orm::DbBackend) -> String {
    let hours = match backend {
        sea_orm::DbBackend::MySql => format!("CAST({} AS CHAR)", hours(row, "DIV")),
        _ => format!("({})::text", hours(row, "/")),
    };
    format!(
        "CASE WHEN {} THEN concat_ws('|', {row}.submitted_month, COALESCE({row}.declare_region, ''), \
         lpad({hours}, 12, '0')) END",
        counted(row)
    )
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = m.get_database_backend();
    let div = crate::store::dialect::div(backend);
    super::run(m, TABLE).await?;
    super::run(m, [backfill(div)]).await?;
    let triggers = CUBE.triggers(
        backend,
        &Row {
            counts: &counted,
            key: &|row| key(row, backend),
            cell: &|row| cell(row, div),
            values: &|row| values(row, div),
        },
    );
    super::run(m, triggers).await
}
