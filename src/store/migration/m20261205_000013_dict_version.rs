//! A version number for the dictionaries, raised by every 字典管理 edit and by a seed that
//! adds entries, so that each node of several notices within seconds that its cached
//! dictionaries are out of date (`app::housekeeping`) instead of serving them until a restart.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000013_dict_version"
    }
}

const STATEMENTS: [&str; 2] = [
    "CREATE TABLE dict_version (id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
    "INSERT INTO dict_version (id, version) VALUES (1, 0)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for s in STATEMENTS {
            db.execute_unprepared(s).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "not reversible; restore a backup instead".into(),
        ))
    }
}
