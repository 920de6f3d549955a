//! Statistics read the region and month of submission from the application itself, through
//! covering indexes, instead of joining units and formatting dates row by row.

use super::index;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum Applications {
    Table,
    DeclareRegion,
    SubmittedMonth,
    SubmittedAt,
    State,
    SeriesCode,
    LevelCode,
    FinalAt,
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    // One change per ALTER: SQLite allows no more.
    for column in [
        string_len_null(Applications::DeclareRegion, 6),
        string_len_null(Applications::SubmittedMonth, 7),
    ] {
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(column)
                .to_owned(),
        )
        .await?;
    }
    let db = m.get_connection();
    db.execute_unprepared(
        "UPDATE applications SET declare_region = (SELECT region_code FROM units WHERE units.id = applications.declare_unit_id) \
         WHERE submitted_at IS NOT NULL",
    )
    .await?;
    let month = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "to_char(to_timestamp(submitted_at / 1000) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        }
        sea_orm::DbBackend::MySql => {
            "DATE_FORMAT(FROM_UNIXTIME(submitted_at DIV 1000) + INTERVAL 8 HOUR, '%Y-%m')"
        }
        _ => "strftime('%Y-%m', submitted_at / 1000, 'unixepoch', '+8 hours')",
    };
    db.execute_unprepared(&format!(
        "UPDATE applications SET submitted_month = {month} WHERE submitted_at IS NOT NULL"
    ))
    .await?;
    // Everything the statistics read, so that they read the index alone; the regional
    // index leads with the region, the province's ends with it.
    let covered = || {
        [
            Applications::SubmittedAt,
            Applications::State,
            Applications::SeriesCode,
            Applications::LevelCode,
            Applications::SubmittedMonth,
            Applications::FinalAt,
        ]
    };
    m.create_index(index(
        "ix_applications_stats_region",
        Applications::Table,
        std::iter::once(Applications::DeclareRegion).chain(covered()),
    ))
    .await?;
    m.create_index(index(
        "ix_applications_stats",
        Applications::Table,
        covered().into_iter().chain([Applications::DeclareRegion]),
    ))
    .await?;
    Ok(())
}
