//! Anchors left by archiving old audit entries, so the chain still verifies after a prune.

use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

#[derive(DeriveIden)]
enum AuditArchives {
    Table,
    UpToSeq,
    LastHash,
    Entries,
    File,
    FileSha256,
    ArchivedAt,
}

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(AuditArchives::Table)
            .col(big_integer(AuditArchives::UpToSeq).primary_key())
            .col(string_len(AuditArchives::LastHash, 64))
            .col(big_integer(AuditArchives::Entries))
            .col(string_len(AuditArchives::File, 500))
            .col(string_len(AuditArchives::FileSha256, 64))
            .col(big_integer(AuditArchives::ArchivedAt))
            .to_owned(),
    )
    .await
}
