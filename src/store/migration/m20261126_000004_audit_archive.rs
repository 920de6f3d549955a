//! Anchors left by archiving old audit entries, so the chain still verifies after a prune.

use super::table;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    table("audit_archives")
        .col(big_integer("up_to_seq").primary_key())
        .col(string_len("last_hash", 64))
        .col(big_integer("entries"))
        .col(string_len("file", 500))
        .col(string_len("file_sha256", 64))
        .col(big_integer("archived_at"))
        .create(m)
        .await
}
