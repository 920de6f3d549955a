//! The audit log is append-only in the database itself (SECURITY item 31): no UPDATE of an
//! entry ever, and a DELETE only of entries an archive anchor already covers, which is
//! what `zhicheng audit archive` prunes. A bug or an injected statement in the application
//! cannot rewrite history; only someone who can drop triggers (DDL rights the application's
//! role should not hold, see the README) could.

use sea_orm_migration::prelude::*;

forward_only!(up);

const SQLITE: [&str; 2] = [
    "CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log \
     WHEN OLD.seq > (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archives) \
     BEGIN SELECT RAISE(ABORT, 'audit entries are removed only after archiving'); END",
];

const POSTGRES: [&str; 3] = [
    "CREATE FUNCTION zc_audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP <> 'DELETE' THEN \
         RAISE EXCEPTION 'audit_log is append-only (%)', TG_OP; \
       END IF; \
       IF OLD.seq > (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archives) THEN \
         RAISE EXCEPTION 'audit entries are removed only after archiving'; \
       END IF; \
       RETURN OLD; \
     END $$",
    "CREATE TRIGGER tr_audit_log_guard BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION zc_audit_log_guard()",
    // TRUNCATE skips row triggers; refuse it as well.
    "CREATE TRIGGER tr_audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION zc_audit_log_guard()",
];

/// MySQL's TRUNCATE fires no trigger: the application's account must not hold the DROP
/// privilege that TRUNCATE needs (README, the MySQL family).
const MYSQL: [&str; 2] = [
    "CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW \
     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'",
    "CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW \
     BEGIN \
       IF OLD.seq > (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_archives) THEN \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit entries are removed only after archiving'; \
       END IF; \
     END",
];

async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let statements: &[&str] = match m.get_database_backend() {
        sea_orm::DbBackend::Postgres => &POSTGRES,
        sea_orm::DbBackend::MySql => &MYSQL,
        _ => &SQLITE,
    };
    super::run(m, statements).await
}
