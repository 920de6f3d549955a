//! The one migration set, run unchanged on SQLite, PostgreSQL and the MySQL family. Never
//! edit what a shipped migration runs; a branch for a database it did not yet know (MySQL's
//! triggers, say) may be added, since no such database has run it.

use sea_orm_migration::prelude::*;

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

mod m20261126_000001_init;
mod m20261126_000002_applications;
mod m20261126_000003_review_chain;
mod m20261126_000004_audit_archive;
mod m20261126_000005_stats_columns;
mod m20261126_000006_audit_append_only;
mod m20261126_000007_stats_cube;
mod m20261126_000008_demo_runs;
mod m20261126_000009_approved_index;
mod m20261203_000010_api;
mod m20261204_000011_duration_cube;
mod m20261205_000012_rate_limits;
mod m20261205_000013_dict_version;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_init::Migration),
            Box::new(m20261126_000002_applications::Migration),
            Box::new(m20261126_000003_review_chain::Migration),
            Box::new(m20261126_000004_audit_archive::Migration),
            Box::new(m20261126_000005_stats_columns::Migration),
            Box::new(m20261126_000006_audit_append_only::Migration),
            Box::new(m20261126_000007_stats_cube::Migration),
            Box::new(m20261126_000008_demo_runs::Migration),
            Box::new(m20261126_000009_approved_index::Migration),
            Box::new(m20261203_000010_api::Migration),
            Box::new(m20261204_000011_duration_cube::Migration),
            Box::new(m20261205_000012_rate_limits::Migration),
            Box::new(m20261205_000013_dict_version::Migration),
        ]
    }
}

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

/// A column of the table being created that refers to another table's column. The
/// constraint is left unnamed, so each database names it as it did when the migrations
/// shipped, and has no ON DELETE action, as none of them had.
trait References {
    fn references(
        &mut self,
        column: impl IntoIden,
        table: impl IntoIden,
        to: impl IntoIden,
    ) -> &mut Self;
}

impl References for TableCreateStatement {
    fn references(
        &mut self,
        column: impl IntoIden,
        table: impl IntoIden,
        to: impl IntoIden,
    ) -> &mut Self {
        self.foreign_key(ForeignKey::create().from_col(column).to(table, to))
    }
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
            ]
        );
    }
}
