//! The JSON API's own tables: API tokens (stored as a SHA-256 of the secret, never the
//! secret) and the answers kept for `Idempotency-Key` replays.

use sea_orm_migration::{prelude::*, schema::*};

/// Named after this file, as every shipped migration was.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Realm,
    SubjectKind,
    SubjectId,
    Name,
    TokenHash,
    Scope,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Owner,
    IdemKey,
    RequestHash,
    Status,
    ContentType,
    Body,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_uuid(ApiTokens::Id))
                .col(string_len(ApiTokens::Realm, 8))
                .col(string_len(ApiTokens::SubjectKind, 8))
                .col(uuid(ApiTokens::SubjectId))
                .col(string_len(ApiTokens::Name, 64))
                .col(string_len(ApiTokens::TokenHash, 64).unique_key())
                .col(string_len(ApiTokens::Scope, 8))
                .col(big_integer(ApiTokens::CreatedAt))
                .col(big_integer(ApiTokens::ExpiresAt))
                .col(big_integer_null(ApiTokens::RevokedAt))
                .col(big_integer_null(ApiTokens::LastUsedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_tokens_subject")
                .table(ApiTokens::Table)
                .col(ApiTokens::SubjectKind)
                .col(ApiTokens::SubjectId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(string_len(IdempotencyKeys::Owner, 64))
                .col(string_len(IdempotencyKeys::IdemKey, 128))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(integer(IdempotencyKeys::Status))
                .col(string_len(IdempotencyKeys::ContentType, 100))
                .col(text(IdempotencyKeys::Body))
                .col(big_integer(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::Owner)
                        .col(IdempotencyKeys::IdemKey),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_idempotency_keys_created")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        super::irreversible()
    }
}
