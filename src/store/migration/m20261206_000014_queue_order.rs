//! The review queue's sort key on the holder rows: a copy of the application's submission
//! time, indexed with the unit, so that a queue page walks twenty index entries in order
//! instead of joining and sorting every application the unit ever held (on 1M applications
//! the busiest unit's first page cost 1.6× what it cost on 10k). `chain::hold` fills it,
//! `applications::move_to` refreshes it when a new round is submitted.

use sea_orm_migration::prelude::*;

forward_only!(up);

const STATEMENTS: [&str; 3] = [
    "ALTER TABLE application_holders ADD COLUMN submitted_at BIGINT",
    "UPDATE application_holders SET submitted_at = \
     (SELECT a.submitted_at FROM applications a WHERE a.id = application_holders.application_id)",
    "CREATE INDEX ix_application_holders_queue ON application_holders (unit_id, submitted_at, application_id)",
];

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(m, &STATEMENTS).await
}
