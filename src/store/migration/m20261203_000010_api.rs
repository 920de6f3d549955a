//! The JSON API's own tables: API tokens (stored as a SHA-256 of the secret, never the
//! secret) and the answers kept for `Idempotency-Key` replays.

use super::{keyed, table};
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::create(
        m,
        [
            keyed("api_tokens")
                .col(string_len("realm", 8))
                .subject()
                .col(string_len("name", 64))
                .col(string_len("token_hash", 64).unique_key())
                .col(string_len("scope", 8))
                .col(big_integer("created_at"))
                .col(big_integer("expires_at"))
                .col(big_integer_null("revoked_at"))
                .col(big_integer_null("last_used_at"))
                .index("ix_api_tokens_subject", &["subject_kind", "subject_id"]),
            table("idempotency_keys")
                .col(string_len("owner", 64))
                .col(string_len("idem_key", 128))
                .col(string_len("request_hash", 64))
                .col(integer("status"))
                .col(string_len("content_type", 100))
                .col(text("body"))
                .col(big_integer("created_at"))
                .primary_key(&["owner", "idem_key"])
                .index("ix_idempotency_keys_created", &["created_at"]),
        ],
    )
    .await
}
