//! `demo_runs`: what `zhicheng demo-data` generated, so it can refuse a database holding
//! anything else. Earlier the command created the table itself; `IF NOT EXISTS` keeps those
//! databases migrating.

use sea_orm_migration::{prelude::*, schema::*};

/// Named after this file, as every shipped migration was.
#[derive(DeriveMigrationName)]
pub struct Migration;

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
        super::irreversible()
    }
}
