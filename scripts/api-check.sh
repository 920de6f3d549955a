#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against a live server on a seeded database, with the API
# tokens of a person, a unit, a city bureau's operator and the province bureau's operator,
# system administrator and auditor (each back-office role has calls of its own), every
# check on: the API must answer
# every generated request (valid or not) without a server error and as its OpenAPI
# document says.
#
#   scripts/api-check.sh                 # SQLite
#   scripts/api-check.sh postgres://postgres@127.0.0.1:5432/test   # PostgreSQL server
#   scripts/api-check.sh mysql://root@127.0.0.1:3306/test         # MySQL-family server
#
# ZHICHENG_API_CHECK_EXAMPLES sets the examples per operation (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PG="${1:-}"
EXAMPLES="${ZHICHENG_API_CHECK_EXAMPLES:-40}"
VENV="${ZHICHENG_SCHEMATHESIS_VENV:-$HOME/.cache/zhicheng-schemathesis}"
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'schemathesis>=4.32,<5'
fi
. scripts/lib/fresh-platform.sh
fresh_platform api_check 19200 19202 "$PG"

echo "== seeding"
# (Printed with echo: `tee /dev/stderr` would reopen, and truncate, a log file it points to.)
seeded=$("$BIN" demo-data --units 40 --applications 300 --seed 11)
echo "$seeded" >&2
sample=$(grep '^sample accounts:' <<<"$seeded")
person=$(sed -E 's/.*person ([0-9X]+),.*/\1/' <<<"$sample")
unit=$(sed -E 's/.*unit ([0-9A-Z]+).*/\1/' <<<"$sample")
for who in "api_op 济南市 operator" "api_prov 山东省 operator" "api_sys 山东省 system" "api_aud 山东省 auditor"; do
  read -r name bureau role <<<"$who"
  printf 'Api#Check2026pw\n' | "$BIN" admin create --username "$name" --bureau "$bureau" --role "$role" --password-stdin >/dev/null
done
person_token=$("$BIN" token --kind person --account "$person" --scope write --days 1 --name schemathesis)
unit_token=$("$BIN" token --kind unit --account "$unit" --scope write --days 1 --name schemathesis)
admin_token() { "$BIN" token --kind admin --account "$1" --scope write --days 1 --name schemathesis; }
op_token=$(admin_token api_op)
prov_token=$(admin_token api_prov)
sys_token=$(admin_token api_sys)
aud_token=$(admin_token api_aud)

start_server

status=0
check() { # who, schema URL, base URL, token
  echo "== schemathesis as $1"
  # From the scratch folder: schemathesis keeps a cache of past failures where it runs,
  # and CI must not depend on an earlier run's.
  (cd "$work" && "$VENV/bin/st" --config-file "$root/scripts/schemathesis.toml" run "$2" --url "$3" \
    -H "Authorization: Bearer $4" --checks all --max-examples "$EXAMPLES" --seed 2026 \
    --workers 1 --no-color --report junit --report-dir "$work/report-$1") || status=1
}
check person http://127.0.0.1:19200/rsrc/api/openapi.json http://127.0.0.1:19200 "$person_token"
check unit http://127.0.0.1:19200/rsrc/api/openapi.json http://127.0.0.1:19200 "$unit_token"
back=(http://127.0.0.1:19202/sdmanager/api/openapi.json http://127.0.0.1:19202)
check operator "${back[@]}" "$op_token"
check province-operator "${back[@]}" "$prov_token"
check system "${back[@]}" "$sys_token"
check auditor "${back[@]}" "$aud_token"
if grep -q ' 500 \| panicked' "$work/serve.log"; then
  echo "the server logged an error:" >&2; grep -m5 'ERROR\|panicked' "$work/serve.log" >&2; status=1
fi
exit $status
