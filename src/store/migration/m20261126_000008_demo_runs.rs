//! `demo_runs`: what `zhicheng demo-data` generated, so it can refuse a database holding
//! anything else. Earlier the command created the table itself; `IF NOT EXISTS` keeps those
//! databases migrating.

use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum DemoRuns {
    Table,
    At,
    Units,
    Persons,
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
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
