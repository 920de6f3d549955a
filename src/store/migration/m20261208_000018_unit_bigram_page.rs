//! The unit picker's two-character page comes whole from one index: each bigram row keeps
//! its unit's region beside the name, and `ix_unit_bigrams_page (gram, gram_rank,
//! name_chars, name, unit_id, region_code)` holds, in the ranking's order, every column the
//! picker shows (the unit's id, name and region). The page is the index's first twenty
//! entries, with no join to `units`: run 15 found that join, a descent of the name index and
//! one of the table for each of the twenty, a fifth of the picker's cost
//! (`docs/PERFORMANCE.md`, run 16). It replaces migration 17's `ix_unit_bigrams_ranked`, the
//! same keys without the id and region. A unit's region is set when it registers and never
//! changes; `unit_search::index_unit` writes it with the bigrams, a rename included.

use sea_orm_migration::prelude::*;

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::run(
        m,
        [
            "ALTER TABLE unit_bigrams ADD COLUMN region_code VARCHAR(6) NOT NULL DEFAULT ''",
            "UPDATE unit_bigrams SET region_code = \
             (SELECT u.region_code FROM units u WHERE u.id = unit_bigrams.unit_id)",
            "CREATE INDEX ix_unit_bigrams_page ON unit_bigrams \
             (gram, gram_rank, name_chars, name, unit_id, region_code)",
        ],
    )
    .await?;
    m.drop_index(
        Index::drop()
            .name("ix_unit_bigrams_ranked")
            .table(Alias::new("unit_bigrams"))
            .to_owned(),
    )
    .await
}
