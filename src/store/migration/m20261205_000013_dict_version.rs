//! A version number for the dictionaries, raised by every 字典管理 edit and by a seed that
//! adds entries, so that each node of several notices within seconds that its cached
//! dictionaries are out of date (`app::housekeeping`) instead of serving them until a restart.

use sea_orm_migration::prelude::*;

forward_only!(up);

const STATEMENTS: [&str; 2] = [
    "CREATE TABLE dict_version (id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
    "INSERT INTO dict_version (id, version) VALUES (1, 0)",
];

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, &STATEMENTS).await
}
