//! 外地调入 applications with their history, review marks, attachments, notices,
//! and the unit-name search indexes.

use super::{keyed, table};
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    super::create(
        m,
        [
            keyed("applications")
                .col(uuid("person_id"))
                // The person while the application is unfinished, NULL after: a unique
                // index on it allows one unfinished application per person on both
                // databases.
                .col(uuid_null("open_person_id").unique_key())
                .col(string_len("state", 12))
                .col(integer("version"))
                .col(integer("round"))
                .col(uuid_null("holder_unit_id"))
                .col(uuid_null("declare_unit_id"))
                .col(boolean_null("is_work_unit"))
                .col(uuid_null("work_unit_id"))
                .phone("phone")
                .col(string_len_null("level_code", 8))
                .col(string_len_null("series_code", 8))
                .col(uuid_null("title_id"))
                .col(uuid_null("specialty_id"))
                .col(string_len_null("declare_method_code", 8))
                .col(integer_null("title_year"))
                .col(text("original"))
                .col(text("transfer"))
                .col(text("education"))
                .col(text("work"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("submitted_at"))
                .col(big_integer_null("final_at"))
                .col(string_len_null("serial", 40).unique_key())
                .references("person_id", "persons", "id")
                .references("holder_unit_id", "units", "id")
                .references("declare_unit_id", "units", "id")
                .references("work_unit_id", "units", "id")
                .index("ix_applications_person", &["person_id", "created_at"])
                .index(
                    "ix_applications_holder",
                    &["holder_unit_id", "state", "submitted_at"],
                )
                .index(
                    "ix_applications_declare_unit",
                    &["declare_unit_id", "submitted_at"],
                )
                .index("ix_applications_state", &["state", "submitted_at"]),
            keyed("application_events")
                .col(uuid("application_id"))
                .col(big_integer("at"))
                .actor(200)
                .col(uuid_null("unit_id"))
                .col(string_len("action", 16))
                .col(string_len("from_state", 12))
                .col(string_len("to_state", 12))
                .col(text("opinion"))
                .references("application_id", "applications", "id")
                .index("ix_application_events_app", &["application_id", "at"])
                .index("ix_application_events_unit", &["unit_id", "application_id"]),
            keyed("module_reviews")
                .col(uuid("application_id"))
                .col(integer("round"))
                .col(string_len("module", 16))
                .col(uuid("unit_id"))
                .col(text("opinion"))
                .col(big_integer("created_at"))
                .references("application_id", "applications", "id")
                .unique(
                    "ux_module_reviews_round_module",
                    &["application_id", "round", "module"],
                ),
            keyed("attachments")
                .col(uuid("application_id"))
                .col(string_len("slot", 24))
                .col(string_len("file_name", 200))
                .col(string_len("content_type", 40))
                .col(big_integer("size"))
                .col(string_len("sha256", 64))
                .col(string_len_uniq("storage_key", 80))
                .col(big_integer("created_at"))
                .references("application_id", "applications", "id")
                .index("ix_attachments_app", &["application_id", "slot"]),
            keyed("notices")
                .col(string_len("recipient_kind", 8))
                .col(uuid("recipient_id"))
                .col(string_len("title", 100))
                .col(text("body"))
                .col(string_len("link", 200))
                .col(big_integer("created_at"))
                .col(big_integer_null("read_at"))
                .index(
                    "ix_notices_recipient",
                    &["recipient_kind", "recipient_id", "created_at"],
                ),
            // Two-character unit-name search: every bigram of every name, looked up exactly.
            table("unit_bigrams")
                .col(string_len("gram", 8))
                .col(uuid("unit_id"))
                .primary_key(&["gram", "unit_id"])
                .references("unit_id", "units", "id")
                .index("ix_unit_bigrams_unit", &["unit_id"]),
        ],
    )
    .await?;

    // Three characters and more: the database's own trigram index.
    let db = m.get_connection();
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.execute_unprepared("CREATE VIRTUAL TABLE units_fts USING fts5(name, unit_id UNINDEXED, tokenize = 'trigram')")
                .await?;
        }
        DbBackend::Postgres => {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ix_units_name_trgm ON units USING gin (name gin_trgm_ops)",
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
