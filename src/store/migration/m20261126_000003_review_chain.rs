//! The review chain: who has held each application, reporting paths, final-review grants.

use super::{keyed, table};
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::create(
        m,
        [
            table("application_holders")
                .col(uuid("application_id"))
                .col(uuid("unit_id"))
                .col(big_integer("since"))
                .primary_key(&["application_id", "unit_id"])
                .references("application_id", "applications", "id")
                .references("unit_id", "units", "id")
                .index("ix_application_holders_unit", &["unit_id", "since"]),
            // The live key is `from|series|level`: one live path per (unit, series, level).
            keyed("report_paths")
                .col(uuid("from_unit"))
                .col(uuid("to_unit"))
                .col(string_len("series_code", 8))
                .col(string_len("level_code", 8))
                .decided(false)
                .references("from_unit", "units", "id")
                .references("to_unit", "units", "id")
                .index("ix_report_paths_from", &["from_unit", "created_at"])
                .index("ix_report_paths_to", &["to_unit", "created_at"]),
            // The live key is `unit|level`.
            keyed("final_grants")
                .col(uuid("unit_id"))
                .col(string_len("level_code", 8))
                .col(string_len("bureau_code", 6))
                .decided(true)
                .references("unit_id", "units", "id")
                .index("ix_final_grants_unit", &["unit_id", "level_code"])
                .index(
                    "ix_final_grants_bureau",
                    &["bureau_code", "state", "created_at"],
                ),
        ],
    )
    .await?;

    // The review list filters by applicant name.
    m.create_index(super::index("ix_persons_name", "persons", ["name"]))
        .await
}
