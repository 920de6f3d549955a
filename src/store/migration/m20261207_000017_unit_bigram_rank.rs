//! The unit picker's two-character lookup reads its page straight from one index: each
//! bigram row says whether the bigram begins its unit's name (`gram_rank` 0) or lies inside
//! it (1), and `ix_unit_bigrams_ranked (gram, gram_rank, name_chars, name)` holds a bigram's
//! names in the ranking's own order: names starting with the query, then shorter names, then
//! by name. The page is the index's first twenty entries, with no second list of names
//! starting with the query, no `UNION` and no sort (`docs/PERFORMANCE.md`, run 15). It
//! replaces migration 16's `ix_unit_bigrams_names`, which only that lookup read.
//! `unit_search::bigram_rows` writes the rank with the bigrams.

use sea_orm_migration::prelude::*;

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(
        m,
        [
            "ALTER TABLE unit_bigrams ADD COLUMN gram_rank SMALLINT NOT NULL DEFAULT 1",
            // A bigram never holds whitespace, so it begins the name exactly when it is the
            // name's first two characters (`substr` counts characters on every database).
            "UPDATE unit_bigrams SET gram_rank = 0 WHERE gram = substr(name, 1, 2)",
            "CREATE INDEX ix_unit_bigrams_ranked ON unit_bigrams (gram, gram_rank, name_chars, name)",
        ],
    )
    .await?;
    m.drop_index(
        Index::drop()
            .name("ix_unit_bigrams_names")
            .table(Alias::new("unit_bigrams"))
            .to_owned(),
    )
    .await
}
