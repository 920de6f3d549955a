//! The review chain: who has held each application, reporting paths, final-review grants.

use sea_orm_migration::{prelude::*, schema::*};

/// Named after this file, as every shipped migration was.
#[derive(DeriveMigrationName)]
pub struct Migration;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
                .foreign_key(
                    ForeignKey::create()
                        .from(ApplicationHolders::Table, ApplicationHolders::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ApplicationHolders::Table, ApplicationHolders::UnitId)
                        .to(Units::Table, Units::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_application_holders_unit")
                .table(ApplicationHolders::Table)
                .col(ApplicationHolders::UnitId)
                .col(ApplicationHolders::Since)
                .to_owned(),
        )
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
                .foreign_key(
                    ForeignKey::create()
                        .from(ReportPaths::Table, ReportPaths::FromUnit)
                        .to(Units::Table, Units::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ReportPaths::Table, ReportPaths::ToUnit)
                        .to(Units::Table, Units::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_report_paths_from")
                .table(ReportPaths::Table)
                .col(ReportPaths::FromUnit)
                .col(ReportPaths::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_report_paths_to")
                .table(ReportPaths::Table)
                .col(ReportPaths::ToUnit)
                .col(ReportPaths::CreatedAt)
                .to_owned(),
        )
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
                .foreign_key(
                    ForeignKey::create()
                        .from(FinalGrants::Table, FinalGrants::UnitId)
                        .to(Units::Table, Units::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_final_grants_unit")
                .table(FinalGrants::Table)
                .col(FinalGrants::UnitId)
                .col(FinalGrants::LevelCode)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_final_grants_bureau")
                .table(FinalGrants::Table)
                .col(FinalGrants::BureauCode)
                .col(FinalGrants::State)
                .col(FinalGrants::CreatedAt)
                .to_owned(),
        )
        .await?;
        // The review list filters by applicant name.
        m.create_index(
            Index::create()
                .name("ix_persons_name")
                .table(Persons::Table)
                .col(Persons::Name)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        super::irreversible()
    }
}
