//! A version number for the dictionaries, raised by every 字典管理 edit and by a seed that
//! adds entries, so that each node of several notices within seconds that its cached
//! dictionaries are out of date (`app::housekeeping`) instead of serving them until a restart.

use sea_orm_migration::prelude::*;

/// Named after this file, as every shipped migration was.
#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: [&str; 2] = [
    "CREATE TABLE dict_version (id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
    "INSERT INTO dict_version (id, version) VALUES (1, 0)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        super::run(m, &STATEMENTS).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        super::irreversible()
    }
}
