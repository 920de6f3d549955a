//! Statistics read the region and month of submission from the application itself, through
//! covering indexes, instead of joining units and formatting dates row by row.

use sea_orm_migration::{prelude::*, schema::*};

/// Named after this file, as every shipped migration was.
#[derive(DeriveMigrationName)]
pub struct Migration;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One change per ALTER: SQLite allows no more.
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(string_len_null(Applications::DeclareRegion, 6))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(string_len_null(Applications::SubmittedMonth, 7))
                .to_owned(),
        )
        .await?;
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
        let cols = [
            Applications::SubmittedAt,
            Applications::State,
            Applications::SeriesCode,
            Applications::LevelCode,
            Applications::SubmittedMonth,
            Applications::FinalAt,
        ];
        let mut regional = Index::create();
        regional
            .name("ix_applications_stats_region")
            .table(Applications::Table)
            .col(Applications::DeclareRegion);
        let mut province = Index::create();
        province
            .name("ix_applications_stats")
            .table(Applications::Table);
        for c in cols {
            regional.col(c);
        }
        for c in [
            Applications::SubmittedAt,
            Applications::State,
            Applications::SeriesCode,
            Applications::LevelCode,
            Applications::SubmittedMonth,
            Applications::FinalAt,
            Applications::DeclareRegion,
        ] {
            province.col(c);
        }
        m.create_index(regional.to_owned()).await?;
        m.create_index(province.to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        super::irreversible()
    }
}
