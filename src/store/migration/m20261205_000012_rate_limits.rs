//! Rate limits and the stand-in lockouts of unknown login names in the database, so that
//! several nodes on one server database share one budget (issue 11). A window is one row
//! per (bucket, client or account), counted up by a single upsert (`store::limits`). A
//! stand-in is keyed by a keyed hash of the login name as typed, never the name itself.
//! SQLite (one node by nature) keeps counting in memory, but has the tables too: one schema.

use sea_orm_migration::prelude::*;

forward_only!(up);

const STATEMENTS: [&str; 4] = [
    "CREATE TABLE rate_limits (\
       bucket VARCHAR(16) NOT NULL, who VARCHAR(64) NOT NULL, \
       window_start BIGINT NOT NULL, n BIGINT NOT NULL, \
       PRIMARY KEY (bucket, who))",
    // The housekeeping's purge, per bucket, oldest windows first.
    "CREATE INDEX ix_rate_limits_window ON rate_limits (bucket, window_start)",
    "CREATE TABLE login_standins (\
       name_hash VARCHAR(64) NOT NULL PRIMARY KEY, failed INTEGER NOT NULL, \
       locked_until BIGINT NULL, last_at BIGINT NOT NULL)",
    "CREATE INDEX ix_login_standins_last ON login_standins (last_at)",
];

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, &STATEMENTS).await
}
