//! The JSON API's own tables: API tokens (stored as a SHA-256 of the secret, never the
//! secret) and the answers kept for `Idempotency-Key` replays.

use super::index;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

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

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
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
    m.create_index(index(
        "ix_api_tokens_subject",
        ApiTokens::Table,
        [ApiTokens::SubjectKind, ApiTokens::SubjectId],
    ))
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
    m.create_index(index(
        "ix_idempotency_keys_created",
        IdempotencyKeys::Table,
        [IdempotencyKeys::CreatedAt],
    ))
    .await
}
