//! Accounts, sessions, dictionaries and the audit log.
//!
//! Times are UTC milliseconds in BIGINT columns: they compare the same way on both databases.

use super::{keyed, table};
use sea_orm_migration::{prelude::*, schema::*};

forward_only!(up);

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    if m.get_database_backend() == sea_orm::DbBackend::MySql {
        let version = m
            .get_connection()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::MySql,
                "SELECT VERSION() AS v",
            ))
            .await?
            .map(|r| r.try_get::<String>("", "v"))
            .transpose()?
            .unwrap_or_default();
        if version.contains("TiDB") {
            return Err(DbErr::Migration(
                "TiDB has no triggers, which keep the statistics cubes and guard the audit \
                 log: use MySQL, MariaDB or OceanBase (README, the MySQL family)"
                    .into(),
            ));
        }
        // Every table after this one: four-byte UTF-8 (names with rare characters) and
        // comparison by code point, as on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            .await?;
    }
    table("regions")
        .col(string_len("code", 6).primary_key())
        .col(string_len_uniq("name", 20))
        .col(string_len("short", 20))
        .listed()
        .create(m)
        .await?;
    for name in ["dict_levels", "dict_series", "dict_declare_methods"] {
        table(name)
            .col(string_len("code", 8).primary_key())
            .col(string_len_uniq("name", 40))
            .listed()
            .create(m)
            .await?;
    }
    super::create(
        m,
        [
            keyed("dict_titles")
                .col(string_len("series_code", 8))
                .col(string_len("level_code", 8))
                .col(string_len("name", 40))
                .col(text("aliases"))
                .listed()
                .references("series_code", "dict_series", "code")
                .references("level_code", "dict_levels", "code")
                .unique(
                    "ux_dict_titles_series_level_name",
                    &["series_code", "level_code", "name"],
                )
                .index("ix_dict_titles_level", &["level_code", "sort"]),
            keyed("dict_specialties")
                .col(string_len("series_code", 8))
                .col(string_len("name", 60))
                .listed()
                .references("series_code", "dict_series", "code")
                .unique("ux_dict_specialties_series_name", &["series_code", "name"]),
            keyed("persons")
                .col(string_len("name", 60))
                .col(text("id_cipher"))
                .col(string_len_uniq("id_hash", 64))
                .col(string_len("id_masked", 18))
                .col(string_len("sex", 2))
                .col(string_len("birth_date", 10))
                .phone("phone")
                .account(),
            keyed("units")
                .col(string_len_uniq("name", 200))
                .col(string_len_uniq("credit_code", 18))
                .col(string_len("region_code", 6))
                .col(string_len("contact_name", 60))
                .phone("contact_phone")
                .references("region_code", "regions", "code")
                .account()
                .index("ix_units_region", &["region_code", "name"]),
            keyed("admins")
                .col(string_len_uniq("username", 32))
                .col(string_len("display_name", 60))
                .col(string_len("bureau_code", 6))
                .col(string_len("role", 16))
                .col(string_len_null("cert_fingerprint", 95).unique_key())
                .col(uuid_null("created_by"))
                .col(big_integer_null("password_changed_at"))
                .references("bureau_code", "regions", "code")
                .account(),
            table("sessions")
                .col(string_len("id_hash", 64).primary_key())
                .col(string_len("realm", 8))
                .subject()
                .col(string_len("csrf", 64))
                .col(string_len_null("cert_fingerprint", 95))
                .col(string_len("ip", 64))
                .col(big_integer("created_at"))
                .col(big_integer("last_seen_at"))
                .index("ix_sessions_subject", &["subject_kind", "subject_id"])
                .index("ix_sessions_last_seen", &["last_seen_at"]),
            table("captchas")
                .col(string_len("id", 64).primary_key())
                .col(string_len("answer_tag", 64))
                .col(big_integer("expires_at"))
                .index("ix_captchas_expires", &["expires_at"]),
            keyed("reset_codes")
                .subject()
                .col(string_len("code_tag", 64))
                .col(integer("attempts").default(0))
                .col(big_integer("expires_at"))
                .col(big_integer_null("used_at"))
                .col(big_integer("created_at"))
                .index(
                    "ix_reset_codes_subject",
                    &["subject_kind", "subject_id", "created_at"],
                ),
            table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(big_integer("at"))
                .actor(100)
                .col(string_len("org", 200))
                .col(string_len("ip", 64))
                .col(string_len("action", 40))
                .col(string_len("object", 200))
                .col(string_len("outcome", 16))
                .col(text("detail"))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .index("ix_audit_at", &["at"])
                .index("ix_audit_action", &["action", "seq"])
                .index("ix_audit_actor", &["actor_id", "seq"]),
            table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string_len("hash", 64)),
        ],
    )
    .await?;

    m.exec_stmt(
        Query::insert()
            .into_table("audit_head")
            .columns(["id", "seq", "hash"])
            .values_panic([1.into(), 0i64.into(), "genesis".into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}
