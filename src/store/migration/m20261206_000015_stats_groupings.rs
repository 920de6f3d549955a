//! An index per grouping of 统计分析, each (key, n), so that the province's page reads each
//! grouping in key order from its index instead of sorting the cube's cells: on 1M
//! applications (124,000 cube cells, 320,000 duration cells) the five groupings and the
//! durations took 38–120 ms each through a temporary B-tree, 10–26 ms this way
//! (`docs/PERFORMANCE.md`, run 6). A region's page keeps reading the region indexes.
//! `store::stats` names the index on SQLite, whose planner otherwise takes these for a
//! region's page too and reads more than it must.

use sea_orm_migration::prelude::*;

forward_only!(up);

const STATEMENTS: [&str; 5] = [
    "CREATE INDEX ix_stats_cube_state ON stats_cube (state, n)",
    "CREATE INDEX ix_stats_cube_series ON stats_cube (series, n)",
    "CREATE INDEX ix_stats_cube_level ON stats_cube (level, n)",
    "CREATE INDEX ix_stats_cube_month ON stats_cube (month, n)",
    "CREATE INDEX ix_stats_durations_hours ON stats_durations (hours, n)",
];

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, &STATEMENTS).await
}
