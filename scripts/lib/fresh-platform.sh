# Sourced by the scripts that drive a live server (api-check.sh, api-story.sh): builds the
# binary, gives the platform a scratch data folder and a fresh database, and starts and
# stops `zhicheng serve`.
#
#   fresh_platform NAME FRONT_PORT BACK_PORT [DB_URL]   # sets BIN, work, the environment
#   start_server [LOG]                                  # serves until the script exits
#
# start_server may run again with other listen addresses (another node on the same database
# and data folder); every server started is stopped on exit. LOG defaults to serve.log.
#
# DB_URL names a PostgreSQL (postgres://…) or MySQL-family (mysql://…) server; without it
# the platform runs on SQLite in the scratch folder.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
cargo build --quiet --bin zhicheng
BIN="$CARGO_TARGET_DIR/debug/zhicheng"
work=$(mktemp -d)
server=""
servers=()
fresh_db=""
fresh_pg=""

# Runs SQL on the server of a mysql:// URL (the database part ignored) with the mysql client.
fresh_mysql() {
  local rest=${1#mysql://} auth host port
  shift
  auth=root
  case "$rest" in *@*) auth=${rest%%@*}; rest=${rest#*@} ;; esac
  host=${rest%%/*}; port=3306
  case "$host" in *:*) port=${host##*:}; host=${host%:*} ;; esac
  local args=(-h "$host" -P "$port" -u "${auth%%:*}")
  case "$auth" in *:?*) args+=("-p${auth#*:}") ;; esac
  mysql "${args[@]}" "$@"
}

fresh_drop() {
  case "$fresh_pg" in
    mysql:*) fresh_mysql "$fresh_pg" -e "DROP DATABASE IF EXISTS $fresh_db" ;;
    ?*) PGOPTIONS=--client-min-messages=warning psql "$fresh_pg" -qc "DROP DATABASE IF EXISTS $fresh_db" >/dev/null ;;
  esac
}

fresh_cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  fresh_drop 2>/dev/null || true
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
    fresh_drop
    case "$fresh_pg" in
      mysql:*) fresh_mysql "$fresh_pg" -e "CREATE DATABASE $fresh_db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" ;;
      *) psql "$fresh_pg" -qc "CREATE DATABASE $fresh_db" >/dev/null ;;
    esac
    export ZHICHENG_DATABASE_URL="${fresh_pg%/*}/$fresh_db"
  else
    export ZHICHENG_DATABASE_URL="sqlite://$work/data/zhicheng.db?mode=rwc"
  fi
}

start_server() {
  local log="$work/${1:-serve.log}"
  "$BIN" serve >"$log" 2>&1 &
  server=$!
  servers+=("$server")
  for _ in $(seq 100); do
    curl -fsS "http://$ZHICHENG_FRONT_LISTEN/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "zhicheng serve did not become ready:" >&2
  cat "$log" >&2
  return 1
}
