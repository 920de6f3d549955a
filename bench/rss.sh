#!/usr/bin/env bash
# Memory by page: for each page, a fresh release server on a copy of one SQLite dataset,
# driven by wrk, and its RSS before and after. Finds which page leaves memory behind (run 4
# in docs/PERFORMANCE.md: the 转入表's typesettings).
#
#   bench/rss.sh                       # every page, 512 connections, 6 s each
#   CONNS=1 PAGES="转入表" bench/rss.sh  # one page, one connection
#
# Environment: UNITS (5000), APPS (20000), CONNS (512), DURATION (6), PAGES (labels, space
# separated; default all), ZHICHENG_BIN (a built binary), BENCH_CACHE (the datasets kept by
# bench/http.sh and this script: ~/.cache/zhicheng-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
UNITS=${UNITS:-5000}
APPS=${APPS:-20000}
CONNS=${CONNS:-512}
DURATION=${DURATION:-6}
DEMO_PASSWORD='Demo#2026pass'
OP_PASSWORD='Bench#2026operator'

for tool in wrk sqlite3 curl; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk sqlite3 curl >/dev/null; break; }
done
if [ -z "${ZHICHENG_BIN:-}" ]; then
  cargo build --release --bin zhicheng
  BIN=$CARGO_TARGET_DIR/release/zhicheng
else
  BIN=$ZHICHENG_BIN
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/zrss.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. "$ROOT/bench/lib.sh"
FRONT=http://127.0.0.1:19700
BACKURL=http://127.0.0.1:19702
export ZHICHENG_FRONT_LISTEN=127.0.0.1:19700 ZHICHENG_BACK_LISTEN=127.0.0.1:19702
export ZHICHENG_CAPTCHA=off ZHICHENG_LOG=warn ZHICHENG_RATE_LIMIT_SCALE=1000000

# The dataset, made once and kept (the same cache and layout as bench/http.sh).
cache=${BENCH_CACHE:-$HOME/.cache/zhicheng-bench}/sqlite-$UNITS-$APPS
if [ ! -f "$cache/zhicheng.db" ]; then
  mkdir -p "$cache"
  export ZHICHENG_DATA_DIR=$cache ZHICHENG_DATABASE_URL="sqlite://$cache/zhicheng.db?mode=rwc"
  "$BIN" demo-data --units "$UNITS" --applications "$APPS" >"$cache/demo.log"
  printf '%s\n' "$OP_PASSWORD" | "$BIN" admin create --username bench_op --bureau 山东省 --role operator --password-stdin >/dev/null
fi
sql() { sqlite3 "$cache/zhicheng.db" "$1"; }
uuid() { echo "lower(substr(hex($1),1,8)||'-'||substr(hex($1),9,4)||'-'||substr(hex($1),13,4)||'-'||substr(hex($1),17,4)||'-'||substr(hex($1),21))"; }
person=$(sed -n 's/^sample accounts: person \([0-9X]*\),.*/\1/p' "$cache/demo.log")
big=$(sql "SELECT u.credit_code FROM units u JOIN (SELECT unit_id, COUNT(*) AS n FROM application_holders GROUP BY unit_id ORDER BY n DESC LIMIT 1) h ON h.unit_id = u.id")
serial=$(sql "SELECT serial FROM applications WHERE serial IS NOT NULL ORDER BY serial LIMIT 1")
approved=$(sql "SELECT $(uuid a.id) FROM applications a WHERE a.state = 'approved' ORDER BY a.final_at DESC LIMIT 1")
holder=$(sql "SELECT u.credit_code FROM applications a JOIN units u ON u.id = a.holder_unit_id WHERE $(uuid a.id) = '$approved'")

# label|URL|who signs in (front KIND ACCOUNT, back, or nobody)
pages=(
  "/healthz|$FRONT/healthz|"
  "login page|$FRONT/rsrc/|"
  "我的申报信息|$FRONT/rsrc/zc/transfer|person $person"
  "unit picker|$FRONT/rsrc/api/units?q=%E5%B8%82%E5%9C%BA|person $person"
  "外地调入审核|$FRONT/rsrc/zc/review|unit $big"
  "verify page|$FRONT/rsrc/verify/$serial|"
  "转入表|$FRONT/rsrc/zc/review/$approved/form.pdf|unit $holder"
  "统计分析|$BACKURL/sdmanager/stats|back"
)
echo "| page | RSS before MB | RSS after MB | req/s | non-2xx |"
echo "|---|---:|---:|---:|---:|"
for p in "${pages[@]}"; do
  IFS='|' read -r label url who <<<"$p"
  if [ -n "${PAGES:-}" ] && [[ " $PAGES " != *" $label "* ]]; then continue; fi
  rm -rf "$work/data" && mkdir -p "$work/data" && cp -a "$cache/." "$work/data/"
  export ZHICHENG_DATA_DIR=$work/data ZHICHENG_DATABASE_URL="sqlite://$work/data/zhicheng.db?mode=rwc"
  "$BIN" serve >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 150); do curl -fsS "$FRONT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  cookie=""
  case $who in
    back) cookie=$(login back admin bench_op "$OP_PASSWORD" | cut -f1) ;;
    ?*) read -r kind account <<<"$who"; cookie=$(login front "$kind" "$account" "$DEMO_PASSWORD" | cut -f1) ;;
  esac
  before=$(($(ps -o rss= -p "$server") / 1024))
  threads=$((CONNS < 2 ? 1 : 2))
  out=$(wrk -t"$threads" -c"$CONNS" -d"${DURATION}s" --timeout 10s -H "Cookie: $cookie" "$url")
  after=$(($(ps -o rss= -p "$server") / 1024))
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "| $label | $before | $after | $rps | ${bad:-0} |"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
echo
echo "$(nproc) cores; $UNITS units, $APPS applications (SQLite); wrk -c$CONNS -d${DURATION}s; one fresh server per page."
