//! The unit picker's two-character lookup answers from one index: each bigram row keeps its
//! unit's name and the name's length in characters, indexed after the bigram, so that the
//! candidates are read from `ix_unit_bigrams_names` alone instead of each being joined to
//! `units` by its UUID (the statement for 市场 at 100k units: 114 → 65 µs on SQLite,
//! `docs/PERFORMANCE.md`, run 14), and come in the ranking's own order: shortest names first.
//! `unit_search::index_unit` writes both with the bigrams, a rename included.

use sea_orm_migration::prelude::*;

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let length = crate::store::dialect::char_length(m.get_database_backend());
    super::run(
        m,
        [
            "ALTER TABLE unit_bigrams ADD COLUMN name VARCHAR(200) NOT NULL DEFAULT ''".to_owned(),
            "ALTER TABLE unit_bigrams ADD COLUMN name_chars INTEGER NOT NULL DEFAULT 0".to_owned(),
            "UPDATE unit_bigrams SET name = \
             (SELECT u.name FROM units u WHERE u.id = unit_bigrams.unit_id)"
                .to_owned(),
            format!("UPDATE unit_bigrams SET name_chars = {length}(name)"),
            "CREATE INDEX ix_unit_bigrams_names ON unit_bigrams (gram, name_chars, name)"
                .to_owned(),
        ],
    )
    .await
}
