//! `demo_runs`: what `zhicheng demo-data` generated, so it can refuse a database holding
//! anything else. Earlier the command created the table itself; `IF NOT EXISTS` keeps those
//! databases migrating.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000008_demo_runs"
    }
}

#[derive(DeriveIden)]
enum DemoRuns {
    Table,
    At,
    Units,
    Persons,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DemoRuns::Table)
                .if_not_exists()
                .col(big_integer(DemoRuns::At))
                .col(big_integer(DemoRuns::Units))
                .col(big_integer(DemoRuns::Persons))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "not reversible; restore a backup instead".into(),
        ))
    }
}
