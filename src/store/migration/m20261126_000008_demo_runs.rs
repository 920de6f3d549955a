//! `demo_runs`: what `zhicheng demo-data` generated, so it can refuse a database holding
//! anything else. Earlier the command created the table itself; `IF NOT EXISTS` keeps those
//! databases migrating.

use super::table;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    table("demo_runs")
        .if_not_exists()
        .col(big_integer("at"))
        .col(big_integer("units"))
        .col(big_integer("persons"))
        .create(m)
        .await
}
