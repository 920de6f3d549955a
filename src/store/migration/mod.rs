//! The one migration set, run unchanged on SQLite, PostgreSQL and the MySQL family. Never
//! edit what a shipped migration runs; a branch for a database it did not yet know (MySQL's
//! triggers, say) may be added, since no such database has run it.

use sea_orm_migration::{prelude::*, schema::*};

/// Declares a file's `Migration`: named after the file, as databases record it (a shipped
/// name never changes), running the file's `async fn up(m)`, and forward-only (see
/// [`irreversible`]). Defined before the modules so that each of them can use it.
macro_rules! forward_only {
    ($up:ident) => {
        #[derive(sea_orm_migration::prelude::DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl sea_orm_migration::prelude::MigrationTrait for Migration {
            async fn up(
                &self,
                m: &sea_orm_migration::prelude::SchemaManager,
            ) -> Result<(), sea_orm_migration::prelude::DbErr> {
                $up(m).await
            }

            async fn down(
                &self,
                _m: &sea_orm_migration::prelude::SchemaManager,
            ) -> Result<(), sea_orm_migration::prelude::DbErr> {
                super::irreversible()
            }
        }
    };
}

/// Declares each migration's module and the `Migrator` that runs them in the order given,
/// so that a migration is named once.
macro_rules! migrations {
    ($($name:ident),* $(,)?) => {
        $(mod $name;)*

        pub struct Migrator;

        #[async_trait::async_trait]
        impl MigratorTrait for Migrator {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![$(Box::new($name::Migration)),*]
            }
        }
    };
}

migrations![
    m20261126_000001_init,
    m20261126_000002_applications,
    m20261126_000003_review_chain,
    m20261126_000004_audit_archive,
    m20261126_000005_stats_columns,
    m20261126_000006_audit_append_only,
    m20261126_000007_stats_cube,
    m20261126_000008_demo_runs,
    m20261126_000009_approved_index,
    m20261203_000010_api,
    m20261204_000011_duration_cube,
    m20261205_000012_rate_limits,
    m20261205_000013_dict_version,
    m20261206_000014_queue_order,
    m20261206_000015_stats_groupings,
    m20261207_000016_unit_bigram_names,
    m20261207_000017_unit_bigram_rank,
    m20261208_000018_unit_bigram_page,
];

/// Every migration's `down`: the schema only moves forward; a backup is the way back.
fn irreversible() -> Result<(), DbErr> {
    Err(DbErr::Migration(
        "not reversible; restore a backup instead".into(),
    ))
}

/// Runs plain SQL statements in order.
async fn run(
    m: &SchemaManager<'_>,
    statements: impl IntoIterator<Item = impl AsRef<str>>,
) -> Result<(), DbErr> {
    let db = m.get_connection();
    for s in statements {
        db.execute_unprepared(s.as_ref()).await?;
    }
    Ok(())
}

/// Creates an index named `name` on `table` over `cols`, in that order; `.unique()` on the
/// result makes it a unique one.
fn index<C: IntoIden>(
    name: &str,
    table: impl IntoIden,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in cols {
        index.col(c);
    }
    index
}

/// A table for [`NewTable::create`]: its columns, keys and references in the order given,
/// then the indexes over it. Columns are named by their SQL names.
struct NewTable {
    name: &'static str,
    table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
}

/// A new table named `name`, to be given its columns.
fn table(name: &'static str) -> NewTable {
    NewTable {
        name,
        table: Table::create().table(name).to_owned(),
        indexes: Vec::new(),
    }
}

/// A new table whose rows are keyed by `id`, a UUIDv7 generated in Rust.
fn keyed(name: &'static str) -> NewTable {
    table(name).col(pk_uuid("id"))
}

impl NewTable {
    fn col(mut self, column: impl IntoColumnDef) -> Self {
        self.table.col(column);
        self
    }

    /// Created only if no table of that name exists.
    fn if_not_exists(mut self) -> Self {
        self.table.if_not_exists();
        self
    }

    /// A primary key over several columns.
    fn primary_key(mut self, cols: &[&'static str]) -> Self {
        let mut key = Index::create();
        for &c in cols {
            key.col(c);
        }
        self.table.primary_key(&mut key);
        self
    }

    /// A column that refers to another table's column. The constraint is left unnamed, so
    /// each database names it as it did when the migrations shipped, and has no ON DELETE
    /// action, as none of them had.
    fn references(mut self, column: &'static str, table: &'static str, to: &'static str) -> Self {
        self.table
            .foreign_key(ForeignKey::create().from_col(column).to(table, to));
        self
    }

    /// An index over `cols`, in that order, created after the table.
    fn index(mut self, name: &str, cols: &[&'static str]) -> Self {
        self.indexes
            .push(index(name, self.name, cols.iter().copied()));
        self
    }

    /// A unique index over `cols`, created after the table.
    fn unique(mut self, name: &str, cols: &[&'static str]) -> Self {
        self.indexes.push(
            index(name, self.name, cols.iter().copied())
                .unique()
                .to_owned(),
        );
        self
    }

    /// The password, lockout and lifecycle columns every account table has.
    fn account(self) -> Self {
        self.col(string("password_hash"))
            .col(integer("failed_logins").default(0))
            .col(big_integer_null("locked_until"))
            .col(boolean("must_change_password").default(false))
            .col(boolean("disabled").default(false))
            .col(big_integer("created_at"))
            .col(big_integer("updated_at"))
            .col(big_integer_null("last_login_at"))
    }

    /// A phone number kept encrypted, `{name}_cipher`, and masked for display,
    /// `{name}_masked`.
    fn phone(self, name: &str) -> Self {
        self.col(text(Alias::new(format!("{name}_cipher"))))
            .col(string_len(Alias::new(format!("{name}_masked")), 11))
    }

    /// A dictionary entry's `sort`, its place in lists, and `enabled`, whether it is
    /// offered (at first it is).
    fn listed(self) -> Self {
        self.col(integer("sort"))
            .col(boolean("enabled").default(true))
    }

    /// Whom a row belongs to: `subject_kind` (person, unit or admin) and `subject_id`.
    fn subject(self) -> Self {
        self.col(string_len("subject_kind", 8))
            .col(uuid("subject_id"))
    }

    /// Who did what a row records: `actor_kind`, `actor_id` (NULL where no account acted)
    /// and `actor_label`, its name at the time, of up to `label` characters.
    fn actor(self, label: u32) -> Self {
        self.col(string_len("actor_kind", 8))
            .col(uuid_null("actor_id"))
            .col(string_len("actor_label", label))
    }

    /// A request its reviewer decides (a reporting path, a final-review grant): its `state`,
    /// its `live_key` while pending or active and NULL after (a unique index on it keeps
    /// one live request per key on every database), the decision's `opinion`, with
    /// `by_operator` the `decided_by` operator (a path's reviewer is its receiving unit),
    /// and when it was made (`created_at`) and decided (`decided_at`).
    fn decided(self, by_operator: bool) -> Self {
        let t = self
            .col(string_len("state", 12))
            .col(string_len_null("live_key", 60).unique_key())
            .col(text("opinion"));
        let t = if by_operator {
            t.col(uuid_null("decided_by"))
        } else {
            t
        };
        t.col(big_integer("created_at"))
            .col(big_integer_null("decided_at"))
    }

    /// Creates the table, then its indexes.
    async fn create(self, m: &SchemaManager<'_>) -> Result<(), DbErr> {
        m.create_table(self.table).await?;
        for index in self.indexes {
            m.create_index(index).await?;
        }
        Ok(())
    }
}

/// Creates the tables in order, each with its indexes.
async fn create(
    m: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = NewTable>,
) -> Result<(), DbErr> {
    for t in tables {
        t.create(m).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Databases record migrations by name: a name must never change once shipped.
    #[test]
    fn names_are_the_shipped_ones() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "m20261126_000001_init",
                "m20261126_000002_applications",
                "m20261126_000003_review_chain",
                "m20261126_000004_audit_archive",
                "m20261126_000005_stats_columns",
                "m20261126_000006_audit_append_only",
                "m20261126_000007_stats_cube",
                "m20261126_000008_demo_runs",
                "m20261126_000009_approved_index",
                "m20261203_000010_api",
                "m20261204_000011_duration_cube",
                "m20261205_000012_rate_limits",
                "m20261205_000013_dict_version",
                "m20261206_000014_queue_order",
                "m20261206_000015_stats_groupings",
                "m20261207_000016_unit_bigram_names",
                "m20261207_000017_unit_bigram_rank",
                "m20261208_000018_unit_bigram_page",
            ]
        );
    }
}
