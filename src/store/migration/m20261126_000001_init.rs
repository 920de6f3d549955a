//! Accounts, sessions, dictionaries and the audit log.
//!
//! Times are UTC milliseconds in BIGINT columns: they compare the same way on both databases.

use super::{References, index};
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum Regions {
    Table,
    Code,
    Name,
    Short,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum DictLevels {
    Table,
    Code,
    Name,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum DictSeries {
    Table,
    Code,
    Name,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum DictTitles {
    Table,
    Id,
    SeriesCode,
    LevelCode,
    Name,
    Aliases,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum DictSpecialties {
    Table,
    Id,
    SeriesCode,
    Name,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum DictDeclareMethods {
    Table,
    Code,
    Name,
    Sort,
    Enabled,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    Name,
    IdCipher,
    IdHash,
    IdMasked,
    Sex,
    BirthDate,
    PhoneCipher,
    PhoneMasked,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Name,
    CreditCode,
    RegionCode,
    ContactName,
    ContactPhoneCipher,
    ContactPhoneMasked,
}

#[derive(DeriveIden)]
enum Admins {
    Table,
    Id,
    Username,
    DisplayName,
    BureauCode,
    Role,
    CertFingerprint,
    CreatedBy,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    Realm,
    SubjectKind,
    SubjectId,
    Csrf,
    CertFingerprint,
    Ip,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Captchas {
    Table,
    Id,
    AnswerTag,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ResetCodes {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    CodeTag,
    Attempts,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    Org,
    Ip,
    Action,
    Object,
    Outcome,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

/// Columns shared by every account table: password, lockout and lifecycle.
fn account_columns(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(string(Alias::new("password_hash")))
        .col(integer(Alias::new("failed_logins")).default(0))
        .col(big_integer_null(Alias::new("locked_until")))
        .col(boolean(Alias::new("must_change_password")).default(false))
        .col(boolean(Alias::new("disabled")).default(false))
        .col(big_integer(Alias::new("created_at")))
        .col(big_integer(Alias::new("updated_at")))
        .col(big_integer_null(Alias::new("last_login_at")))
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    if m.get_database_backend() == sea_orm::DbBackend::MySql {
        let version = m
            .get_connection()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::MySql,
                "SELECT VERSION() AS v",
            ))
            .await?
            .map(|r| r.try_get::<String>("", "v"))
            .transpose()?
            .unwrap_or_default();
        if version.contains("TiDB") {
            return Err(DbErr::Migration(
                "TiDB has no triggers, which keep the statistics cubes and guard the audit \
                 log: use MySQL, MariaDB or OceanBase (README, the MySQL family)"
                    .into(),
            ));
        }
        // Every table after this one: four-byte UTF-8 (names with rare characters) and
        // comparison by code point, as on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            .await?;
    }
    m.create_table(
        Table::create()
            .table(Regions::Table)
            .col(string_len(Regions::Code, 6).primary_key())
            .col(string_len_uniq(Regions::Name, 20))
            .col(string_len(Regions::Short, 20))
            .col(integer(Regions::Sort))
            .col(boolean(Regions::Enabled).default(true))
            .to_owned(),
    )
    .await?;
    for (table, code, name, sort, enabled) in [
        (
            DictLevels::Table.into_iden(),
            DictLevels::Code.into_iden(),
            DictLevels::Name.into_iden(),
            DictLevels::Sort.into_iden(),
            DictLevels::Enabled.into_iden(),
        ),
        (
            DictSeries::Table.into_iden(),
            DictSeries::Code.into_iden(),
            DictSeries::Name.into_iden(),
            DictSeries::Sort.into_iden(),
            DictSeries::Enabled.into_iden(),
        ),
        (
            DictDeclareMethods::Table.into_iden(),
            DictDeclareMethods::Code.into_iden(),
            DictDeclareMethods::Name.into_iden(),
            DictDeclareMethods::Sort.into_iden(),
            DictDeclareMethods::Enabled.into_iden(),
        ),
    ] {
        m.create_table(
            Table::create()
                .table(table)
                .col(string_len(code, 8).primary_key())
                .col(string_len_uniq(name, 40))
                .col(integer(sort))
                .col(boolean(enabled).default(true))
                .to_owned(),
        )
        .await?;
    }
    m.create_table(
        Table::create()
            .table(DictTitles::Table)
            .col(pk_uuid(DictTitles::Id))
            .col(string_len(DictTitles::SeriesCode, 8))
            .col(string_len(DictTitles::LevelCode, 8))
            .col(string_len(DictTitles::Name, 40))
            .col(text(DictTitles::Aliases))
            .col(integer(DictTitles::Sort))
            .col(boolean(DictTitles::Enabled).default(true))
            .references(DictTitles::SeriesCode, DictSeries::Table, DictSeries::Code)
            .references(DictTitles::LevelCode, DictLevels::Table, DictLevels::Code)
            .to_owned(),
    )
    .await?;
    m.create_index(
        index(
            "ux_dict_titles_series_level_name",
            DictTitles::Table,
            [
                DictTitles::SeriesCode,
                DictTitles::LevelCode,
                DictTitles::Name,
            ],
        )
        .unique()
        .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_dict_titles_level",
        DictTitles::Table,
        [DictTitles::LevelCode, DictTitles::Sort],
    ))
    .await?;
    m.create_table(
        Table::create()
            .table(DictSpecialties::Table)
            .col(pk_uuid(DictSpecialties::Id))
            .col(string_len(DictSpecialties::SeriesCode, 8))
            .col(string_len(DictSpecialties::Name, 60))
            .col(integer(DictSpecialties::Sort))
            .col(boolean(DictSpecialties::Enabled).default(true))
            .references(
                DictSpecialties::SeriesCode,
                DictSeries::Table,
                DictSeries::Code,
            )
            .to_owned(),
    )
    .await?;
    m.create_index(
        index(
            "ux_dict_specialties_series_name",
            DictSpecialties::Table,
            [DictSpecialties::SeriesCode, DictSpecialties::Name],
        )
        .unique()
        .to_owned(),
    )
    .await?;

    let mut persons = Table::create();
    persons
        .table(Persons::Table)
        .col(pk_uuid(Persons::Id))
        .col(string_len(Persons::Name, 60))
        .col(text(Persons::IdCipher))
        .col(string_len_uniq(Persons::IdHash, 64))
        .col(string_len(Persons::IdMasked, 18))
        .col(string_len(Persons::Sex, 2))
        .col(string_len(Persons::BirthDate, 10))
        .col(text(Persons::PhoneCipher))
        .col(string_len(Persons::PhoneMasked, 11));
    account_columns(&mut persons);
    m.create_table(persons.to_owned()).await?;

    let mut units = Table::create();
    units
        .table(Units::Table)
        .col(pk_uuid(Units::Id))
        .col(string_len_uniq(Units::Name, 200))
        .col(string_len_uniq(Units::CreditCode, 18))
        .col(string_len(Units::RegionCode, 6))
        .col(string_len(Units::ContactName, 60))
        .col(text(Units::ContactPhoneCipher))
        .col(string_len(Units::ContactPhoneMasked, 11))
        .references(Units::RegionCode, Regions::Table, Regions::Code);
    account_columns(&mut units);
    m.create_table(units.to_owned()).await?;
    m.create_index(index(
        "ix_units_region",
        Units::Table,
        [Units::RegionCode, Units::Name],
    ))
    .await?;

    let mut admins = Table::create();
    admins
        .table(Admins::Table)
        .col(pk_uuid(Admins::Id))
        .col(string_len_uniq(Admins::Username, 32))
        .col(string_len(Admins::DisplayName, 60))
        .col(string_len(Admins::BureauCode, 6))
        .col(string_len(Admins::Role, 16))
        .col(string_len_null(Admins::CertFingerprint, 95).unique_key())
        .col(uuid_null(Admins::CreatedBy))
        .col(big_integer_null(Admins::PasswordChangedAt))
        .references(Admins::BureauCode, Regions::Table, Regions::Code);
    account_columns(&mut admins);
    m.create_table(admins.to_owned()).await?;

    m.create_table(
        Table::create()
            .table(Sessions::Table)
            .col(string_len(Sessions::IdHash, 64).primary_key())
            .col(string_len(Sessions::Realm, 8))
            .col(string_len(Sessions::SubjectKind, 8))
            .col(uuid(Sessions::SubjectId))
            .col(string_len(Sessions::Csrf, 64))
            .col(string_len_null(Sessions::CertFingerprint, 95))
            .col(string_len(Sessions::Ip, 64))
            .col(big_integer(Sessions::CreatedAt))
            .col(big_integer(Sessions::LastSeenAt))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_sessions_subject",
        Sessions::Table,
        [Sessions::SubjectKind, Sessions::SubjectId],
    ))
    .await?;
    m.create_index(index(
        "ix_sessions_last_seen",
        Sessions::Table,
        [Sessions::LastSeenAt],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(Captchas::Table)
            .col(string_len(Captchas::Id, 64).primary_key())
            .col(string_len(Captchas::AnswerTag, 64))
            .col(big_integer(Captchas::ExpiresAt))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_captchas_expires",
        Captchas::Table,
        [Captchas::ExpiresAt],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(ResetCodes::Table)
            .col(pk_uuid(ResetCodes::Id))
            .col(string_len(ResetCodes::SubjectKind, 8))
            .col(uuid(ResetCodes::SubjectId))
            .col(string_len(ResetCodes::CodeTag, 64))
            .col(integer(ResetCodes::Attempts).default(0))
            .col(big_integer(ResetCodes::ExpiresAt))
            .col(big_integer_null(ResetCodes::UsedAt))
            .col(big_integer(ResetCodes::CreatedAt))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "ix_reset_codes_subject",
        ResetCodes::Table,
        [
            ResetCodes::SubjectKind,
            ResetCodes::SubjectId,
            ResetCodes::CreatedAt,
        ],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table(AuditLog::Table)
            .col(big_integer(AuditLog::Seq).primary_key())
            .col(big_integer(AuditLog::At))
            .col(string_len(AuditLog::ActorKind, 8))
            .col(uuid_null(AuditLog::ActorId))
            .col(string_len(AuditLog::ActorLabel, 100))
            .col(string_len(AuditLog::Org, 200))
            .col(string_len(AuditLog::Ip, 64))
            .col(string_len(AuditLog::Action, 40))
            .col(string_len(AuditLog::Object, 200))
            .col(string_len(AuditLog::Outcome, 16))
            .col(text(AuditLog::Detail))
            .col(string_len(AuditLog::PrevHash, 64))
            .col(string_len(AuditLog::Hash, 64))
            .to_owned(),
    )
    .await?;
    m.create_index(index("ix_audit_at", AuditLog::Table, [AuditLog::At]))
        .await?;
    m.create_index(index(
        "ix_audit_action",
        AuditLog::Table,
        [AuditLog::Action, AuditLog::Seq],
    ))
    .await?;
    m.create_index(index(
        "ix_audit_actor",
        AuditLog::Table,
        [AuditLog::ActorId, AuditLog::Seq],
    ))
    .await?;
    m.create_table(
        Table::create()
            .table(AuditHead::Table)
            .col(integer(AuditHead::Id).primary_key())
            .col(big_integer(AuditHead::Seq))
            .col(string_len(AuditHead::Hash, 64))
            .to_owned(),
    )
    .await?;
    m.exec_stmt(
        Query::insert()
            .into_table(AuditHead::Table)
            .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
            .values_panic([1.into(), 0i64.into(), "genesis".into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}
