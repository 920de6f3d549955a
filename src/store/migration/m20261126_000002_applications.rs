//! 外地调入 applications with their history, review marks, attachments, notices,
//! and the unit-name search indexes.

use super::{References, index};
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    PersonId,
    /// The person while the application is unfinished, NULL after: a unique index on it
    /// allows one unfinished application per person on both databases.
    OpenPersonId,
    State,
    Version,
    Round,
    HolderUnitId,
    DeclareUnitId,
    IsWorkUnit,
    WorkUnitId,
    PhoneCipher,
    PhoneMasked,
    LevelCode,
    SeriesCode,
    TitleId,
    SpecialtyId,
    DeclareMethodCode,
    TitleYear,
    Original,
    Transfer,
    Education,
    Work,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    FinalAt,
    Serial,
}

#[derive(DeriveIden)]
enum ApplicationEvents {
    Table,
    Id,
    ApplicationId,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    UnitId,
    Action,
    FromState,
    ToState,
    Opinion,
}

#[derive(DeriveIden)]
enum ModuleReviews {
    Table,
    Id,
    ApplicationId,
    Round,
    Module,
    UnitId,
    Opinion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    ApplicationId,
    Slot,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    RecipientKind,
    RecipientId,
    Title,
    Body,
    Link,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum UnitBigrams {
    Table,
    Gram,
    UnitId,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Applications::Table)
            .col(pk_uuid(Applications::Id))
            .col(uuid(Applications::PersonId))
            .col(uuid_null(Applications::OpenPersonId).unique_key())
            .col(string_len(Applications::State, 12))
            .col(integer(Applications::Version))
            .col(integer(Applications::Round))
            .col(uuid_null(Applications::HolderUnitId))
            .col(uuid_null(Applications::DeclareUnitId))
            .col(boolean_null(Applications::IsWorkUnit))
            .col(uuid_null(Applications::WorkUnitId))
            .col(text(Applications::PhoneCipher))
            .col(string_len(Applications::PhoneMasked, 11))
            .col(string_len_null(Applications::LevelCode, 8))
            .col(string_len_null(Applications::SeriesCode, 8))
            .col(uuid_null(Applications::TitleId))
            .col(uuid_null(Applications::SpecialtyId))
            .col(string_len_null(Applications::DeclareMethodCode, 8))
            .col(integer_null(Applications::TitleYear))
            .col(text(Applications::Original))
            .col(text(Applications::Transfer))
            .col(text(Applications::Education))
            .col(text(Applications::Work))
            .col(big_integer(Applications::CreatedAt))
            .col(big_integer(Applications::UpdatedAt))
            .col(big_integer_null(Applications::SubmittedAt))
            .col(big_integer_null(Applications::FinalAt))
            .col(string_len_null(Applications::Serial, 40).unique_key())
            .references(Applications::PersonId, Persons::Table, Persons::Id)
            .references(Applications::HolderUnitId, Units::Table, Units::Id)
            .references(Applications::DeclareUnitId, Units::Table, Units::Id)
            .references(Applications::WorkUnitId, Units::Table, Units::Id)
            .to_owned(),
    )
    .await?;
    for (name, cols) in [
        (
            "ix_applications_person",
            vec![Applications::PersonId, Applications::CreatedAt],
        ),
        (
            "ix_applications_holder",
            vec![
                Applications::HolderUnitId,
                Applications::State,
                Applications::SubmittedAt,
            ],
        ),
        (
            "ix_applications_declare_unit",
            vec![Applications::DeclareUnitId, Applications::SubmittedAt],
        ),
        (
            "ix_applications_state",
            vec![Applications::State, Applications::SubmittedAt],
        ),
    ] {
        m.create_index(index(name, Applications::Table, cols))
            .await?;
    }

    m.create_table(
        Table::create()
            .table(ApplicationEvents::Table)
            .col(pk_uuid(ApplicationEvents::Id))
            .col(uuid(ApplicationEvents::ApplicationId))
            .col(big_integer(ApplicationEvents::At))
            .col(string_len(ApplicationEvents::ActorKind, 8))
            .col(uuid_null(ApplicationEvents::ActorId))
            .col(string_len(ApplicationEvents::ActorLabel, 200))
            .col(uuid_null(ApplicationEvents::UnitId))
            .col(string_len(ApplicationEvents::Action, 16))
            .col(string_len(ApplicationEvents::FromState, 12))
            .col(string_len(ApplicationEvents::ToState, 12))
            .col(text(ApplicationEvents::Opinion))
            .references(
                ApplicationEvents::ApplicationId,
                Applications::Table,
                Applications::Id,
            )
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_application_events_app",
        ApplicationEvents::Table,
        [ApplicationEvents::ApplicationId, ApplicationEvents::At],
    ))
    .await?;
    m.create_index(index(
        "ix_application_events_unit",
        ApplicationEvents::Table,
        [ApplicationEvents::UnitId, ApplicationEvents::ApplicationId],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(ModuleReviews::Table)
            .col(pk_uuid(ModuleReviews::Id))
            .col(uuid(ModuleReviews::ApplicationId))
            .col(integer(ModuleReviews::Round))
            .col(string_len(ModuleReviews::Module, 16))
            .col(uuid(ModuleReviews::UnitId))
            .col(text(ModuleReviews::Opinion))
            .col(big_integer(ModuleReviews::CreatedAt))
            .references(
                ModuleReviews::ApplicationId,
                Applications::Table,
                Applications::Id,
            )
            .to_owned(),
    )
    .await?;
    m.create_index(
        index(
            "ux_module_reviews_round_module",
            ModuleReviews::Table,
            [
                ModuleReviews::ApplicationId,
                ModuleReviews::Round,
                ModuleReviews::Module,
            ],
        )
        .unique()
        .to_owned(),
    )
    .await?;

    m.create_table(
        Table::create()
            .table(Attachments::Table)
            .col(pk_uuid(Attachments::Id))
            .col(uuid(Attachments::ApplicationId))
            .col(string_len(Attachments::Slot, 24))
            .col(string_len(Attachments::FileName, 200))
            .col(string_len(Attachments::ContentType, 40))
            .col(big_integer(Attachments::Size))
            .col(string_len(Attachments::Sha256, 64))
            .col(string_len_uniq(Attachments::StorageKey, 80))
            .col(big_integer(Attachments::CreatedAt))
            .references(
                Attachments::ApplicationId,
                Applications::Table,
                Applications::Id,
            )
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_attachments_app",
        Attachments::Table,
        [Attachments::ApplicationId, Attachments::Slot],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(Notices::Table)
            .col(pk_uuid(Notices::Id))
            .col(string_len(Notices::RecipientKind, 8))
            .col(uuid(Notices::RecipientId))
            .col(string_len(Notices::Title, 100))
            .col(text(Notices::Body))
            .col(string_len(Notices::Link, 200))
            .col(big_integer(Notices::CreatedAt))
            .col(big_integer_null(Notices::ReadAt))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_notices_recipient",
        Notices::Table,
        [
            Notices::RecipientKind,
            Notices::RecipientId,
            Notices::CreatedAt,
        ],
    ))
    .await?;

    // Two-character unit-name search: every bigram of every name, looked up exactly.
    m.create_table(
        Table::create()
            .table(UnitBigrams::Table)
            .col(string_len(UnitBigrams::Gram, 8))
            .col(uuid(UnitBigrams::UnitId))
            .primary_key(
                Index::create()
                    .col(UnitBigrams::Gram)
                    .col(UnitBigrams::UnitId),
            )
            .references(UnitBigrams::UnitId, Units::Table, Units::Id)
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_unit_bigrams_unit",
        UnitBigrams::Table,
        [UnitBigrams::UnitId],
    ))
    .await?;

    // Three characters and more: the database's own trigram index.
    let db = m.get_connection();
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.execute_unprepared("CREATE VIRTUAL TABLE units_fts USING fts5(name, unit_id UNINDEXED, tokenize = 'trigram')")
                .await?;
        }
        DbBackend::Postgres => {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ix_units_name_trgm ON units USING gin (name gin_trgm_ops)",
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
