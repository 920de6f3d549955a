//! The review chain: who has held each application, reporting paths, final-review grants.

use super::{References, index};
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum ApplicationHolders {
    Table,
    ApplicationId,
    UnitId,
    Since,
}

#[derive(DeriveIden)]
enum ReportPaths {
    Table,
    Id,
    FromUnit,
    ToUnit,
    SeriesCode,
    LevelCode,
    State,
    /// `from|series|level` while the path is pending or active, NULL after: a unique index
    /// on it keeps one live path per (unit, series, level) on both databases.
    LiveKey,
    Opinion,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum FinalGrants {
    Table,
    Id,
    UnitId,
    LevelCode,
    BureauCode,
    State,
    /// `unit|level` while pending or active.
    LiveKey,
    Opinion,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Name,
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(ApplicationHolders::Table)
            .col(uuid(ApplicationHolders::ApplicationId))
            .col(uuid(ApplicationHolders::UnitId))
            .col(big_integer(ApplicationHolders::Since))
            .primary_key(
                Index::create()
                    .col(ApplicationHolders::ApplicationId)
                    .col(ApplicationHolders::UnitId),
            )
            .references(
                ApplicationHolders::ApplicationId,
                Applications::Table,
                Applications::Id,
            )
            .references(ApplicationHolders::UnitId, Units::Table, Units::Id)
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_application_holders_unit",
        ApplicationHolders::Table,
        [ApplicationHolders::UnitId, ApplicationHolders::Since],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(ReportPaths::Table)
            .col(pk_uuid(ReportPaths::Id))
            .col(uuid(ReportPaths::FromUnit))
            .col(uuid(ReportPaths::ToUnit))
            .col(string_len(ReportPaths::SeriesCode, 8))
            .col(string_len(ReportPaths::LevelCode, 8))
            .col(string_len(ReportPaths::State, 12))
            .col(string_len_null(ReportPaths::LiveKey, 60).unique_key())
            .col(text(ReportPaths::Opinion))
            .col(big_integer(ReportPaths::CreatedAt))
            .col(big_integer_null(ReportPaths::DecidedAt))
            .references(ReportPaths::FromUnit, Units::Table, Units::Id)
            .references(ReportPaths::ToUnit, Units::Table, Units::Id)
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_report_paths_from",
        ReportPaths::Table,
        [ReportPaths::FromUnit, ReportPaths::CreatedAt],
    ))
    .await?;
    m.create_index(index(
        "ix_report_paths_to",
        ReportPaths::Table,
        [ReportPaths::ToUnit, ReportPaths::CreatedAt],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(FinalGrants::Table)
            .col(pk_uuid(FinalGrants::Id))
            .col(uuid(FinalGrants::UnitId))
            .col(string_len(FinalGrants::LevelCode, 8))
            .col(string_len(FinalGrants::BureauCode, 6))
            .col(string_len(FinalGrants::State, 12))
            .col(string_len_null(FinalGrants::LiveKey, 60).unique_key())
            .col(text(FinalGrants::Opinion))
            .col(uuid_null(FinalGrants::DecidedBy))
            .col(big_integer(FinalGrants::CreatedAt))
            .col(big_integer_null(FinalGrants::DecidedAt))
            .references(FinalGrants::UnitId, Units::Table, Units::Id)
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_final_grants_unit",
        FinalGrants::Table,
        [FinalGrants::UnitId, FinalGrants::LevelCode],
    ))
    .await?;
    m.create_index(index(
        "ix_final_grants_bureau",
        FinalGrants::Table,
        [
            FinalGrants::BureauCode,
            FinalGrants::State,
            FinalGrants::CreatedAt,
        ],
    ))
    .await?;
    // The review list filters by applicant name.
    m.create_index(index("ix_persons_name", Persons::Table, [Persons::Name]))
        .await?;
    Ok(())
}
