#!/usr/bin/env bash
# Creates the PostgreSQL database and the two roles the README describes:
#   zhicheng_owner  owns the schema; `zhicheng migrate` and `zhicheng audit archive` run as it
#   zhicheng_app    what `zhicheng serve` runs as: data rights only, owns nothing, and may not
#                   rewrite the audit log (a table's owner could drop its append-only triggers)
# Usage (as a PostgreSQL superuser):
#   OWNER_PASSWORD=… APP_PASSWORD=… deploy/postgres-roles.sh [postgres://postgres@127.0.0.1:5432/postgres]
# Then, once: ZHICHENG_DATABASE_URL=postgres://zhicheng_owner:…@…/zhicheng zhicheng migrate
# and run this script again (or just its last block) so the new tables get the grants.
set -euo pipefail
ADMIN_URL="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="${ZHICHENG_DB:-zhicheng}"
: "${OWNER_PASSWORD:?set OWNER_PASSWORD}" "${APP_PASSWORD:?set APP_PASSWORD}"

psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -q \
  -v owner_pw="$OWNER_PASSWORD" -v app_pw="$APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE zhicheng_owner LOGIN PASSWORD %L', :'owner_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zhicheng_owner') \gexec
SELECT format('CREATE ROLE zhicheng_app LOGIN PASSWORD %L', :'app_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zhicheng_app') \gexec
SQL

if ! psql "$ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  # A UTF-8 ctype, or the trigram index on unit names does nothing for Chinese text.
  psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -qc \
    "CREATE DATABASE $DB OWNER zhicheng_owner TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
fi

DB_URL="${ADMIN_URL%/*}/$DB"
psql "$DB_URL" -v ON_ERROR_STOP=1 -q <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO zhicheng_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO zhicheng_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO zhicheng_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO zhicheng_app;
ALTER DEFAULT PRIVILEGES FOR ROLE zhicheng_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO zhicheng_app;
ALTER DEFAULT PRIVILEGES FOR ROLE zhicheng_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO zhicheng_app;
DO $$ BEGIN
  IF to_regclass('public.audit_log') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM zhicheng_app;
  END IF;
END $$;
SQL
echo "database $DB: zhicheng_owner owns it, zhicheng_app may read and write data"
