#!/usr/bin/env bash
# The restore drill an operator runs (and CI runs on both databases): a platform with
# generated data is backed up with the real binary while writes go on, stopped with
# SIGTERM, restored into an empty database and data directory, verified, served, and a
# generated unit logs in on the restored copy.
#
#   scripts/backup-drill.sh                 # SQLite
#   scripts/backup-drill.sh postgres://postgres@127.0.0.1:5432/test   # PostgreSQL server
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
cargo build --quiet --bin zhicheng
BIN="$CARGO_TARGET_DIR/debug/zhicheng"
PG="${1:-}"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$PG" ]; then
    for db in drill_a drill_b; do psql "$PG" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# Each platform: its data directory, its database, its ports.
platform() { # name front back
  export ZHICHENG_DATA_DIR="$work/$1" ZHICHENG_FRONT_LISTEN="127.0.0.1:$2" ZHICHENG_BACK_LISTEN="127.0.0.1:$3"
  if [ -n "$PG" ]; then
    export ZHICHENG_DATABASE_URL="${PG%/*}/drill_$1"
  else
    export ZHICHENG_DATABASE_URL="sqlite://$work/$1/zhicheng.db?mode=rwc"
  fi
}
serve() { # front port; starts the server, waits for /readyz
  "$BIN" serve >"$work/serve-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not become ready" >&2; cat "$work/serve-$1.log" >&2; exit 1
}
stop() { # SIGTERM the last server; it must exit 0
  local pid=${pids[-1]}
  kill -TERM "$pid"
  wait "$pid" || { echo "the server did not stop cleanly on SIGTERM" >&2; exit 1; }
  unset 'pids[-1]'
}
login() { # front port, credit code: a unit login on the front site; prints the redirect
  local jar="$work/jar-$1" token
  token=$(curl -fsS -c "$jar" "http://127.0.0.1:$1/rsrc/" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | cut -d'"' -f4)
  curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -b "$jar" -c "$jar" \
    --data-urlencode "_csrf=$token" --data-urlencode kind=unit --data-urlencode "account=$2" \
    --data-urlencode 'password=Demo#2026pass' "http://127.0.0.1:$1/rsrc/login"
}
a_unit() { # a generated unit's credit code, read from the platform's database
  if [ -n "$PG" ]; then
    psql "$ZHICHENG_DATABASE_URL" -tAc "SELECT credit_code FROM units ORDER BY credit_code LIMIT 1"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT credit_code FROM units ORDER BY credit_code LIMIT 1').fetchone()[0])" "$ZHICHENG_DATA_DIR/zhicheng.db"
  fi
}

echo "== a platform with generated data"
platform a 19100 19102
[ -n "$PG" ] && psql "$PG" -qc "CREATE DATABASE drill_a" >/dev/null
"$BIN" demo-data --units 40 --applications 400 --seed 7
serve 19100
unit=$(a_unit)

echo "== backup while logins are written"
for _ in 1 2 3; do login 19100 "$unit" >/dev/null; done
( while :; do login 19100 "$unit" >/dev/null 2>&1 || true; done ) &
writer=$!
pids+=("$writer")
"$BIN" backup --out "$work/backup"
kill "$writer"; wait "$writer" 2>/dev/null || true
unset 'pids[-1]'
stop
[ -f "$work/backup/manifest.json" ] && [ ! -e "$work/backup/master.key" ]
grep -q '"seq": [1-9]' "$work/backup/manifest.json" || { echo "no audit entries in the backup" >&2; exit 1; }

echo "== restore into an empty platform (the master key is brought separately)"
platform b 19200 19202
[ -n "$PG" ] && psql "$PG" -qc "CREATE DATABASE drill_b" >/dev/null
mkdir -p "$work/b"
cp "$work/a/master.key" "$work/b/master.key"
"$BIN" restore --from "$work/backup" | tee "$work/restore.log"
grep -q "master key: the backup's" "$work/restore.log"
"$BIN" audit verify

echo "== serve the restored copy"
serve 19200
answer=$(login 19200 "$unit")
[ "$answer" = "303 http://127.0.0.1:19200/rsrc/portal" ] || { echo "login on the restored copy: $answer" >&2; exit 1; }
stop
if [ -n "$PG" ]; then echo "backup drill passed (PostgreSQL)"; else echo "backup drill passed (SQLite)"; fi
