# Sourced by the scripts that drive a live server (api-check.sh, api-story.sh): builds the
# binary, gives the platform a scratch data folder and a fresh database, and starts and
# stops `zhicheng serve`.
#
#   fresh_platform NAME FRONT_PORT BACK_PORT [PG_URL]   # sets BIN, work, the environment
#   start_server                                        # serves until the script exits

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
cargo build --quiet --bin zhicheng
BIN="$CARGO_TARGET_DIR/debug/zhicheng"
work=$(mktemp -d)
server=""
fresh_db=""
fresh_pg=""

fresh_cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$fresh_pg" ] && psql "$fresh_pg" -qc "DROP DATABASE IF EXISTS $fresh_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap fresh_cleanup EXIT

fresh_platform() {
  fresh_db=$1
  fresh_pg=${4:-}
  export ZHICHENG_DATA_DIR="$work/data" ZHICHENG_FRONT_LISTEN="127.0.0.1:$2" ZHICHENG_BACK_LISTEN="127.0.0.1:$3"
  export ZHICHENG_LOG="${ZHICHENG_LOG:-warn}"
  mkdir -p "$work/data"
  if [ -n "$fresh_pg" ]; then
    psql "$fresh_pg" -qc "DROP DATABASE IF EXISTS $fresh_db" >/dev/null
    psql "$fresh_pg" -qc "CREATE DATABASE $fresh_db" >/dev/null
    export ZHICHENG_DATABASE_URL="${fresh_pg%/*}/$fresh_db"
  else
    export ZHICHENG_DATABASE_URL="sqlite://$work/data/zhicheng.db?mode=rwc"
  fi
}

start_server() {
  "$BIN" serve >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -fsS "http://$ZHICHENG_FRONT_LISTEN/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "zhicheng serve did not become ready:" >&2
  cat "$work/serve.log" >&2
  return 1
}
