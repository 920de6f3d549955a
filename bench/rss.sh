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
PG=""

. "$ROOT/bench/lib.sh"
prepare
work=$(mktemp -d /tmp/zrss.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && stop
  rm -rf "$work"
}
trap cleanup EXIT

FRONT=http://127.0.0.1:19700
BACKURL=http://127.0.0.1:19702
export ZHICHENG_FRONT_LISTEN=127.0.0.1:19700 ZHICHENG_BACK_LISTEN=127.0.0.1:19702
export ZHICHENG_CAPTCHA=off ZHICHENG_LOG=warn ZHICHENG_RATE_LIMIT_SCALE=1000000

# The dataset (made once and kept, as for bench/http.sh) and who and what to open in it.
dataset rss "$APPS" >&2
samples rss

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
  rm -rf "$work/rss"
  dataset rss "$APPS" >/dev/null
  start
  cookie=""
  case $who in
    back) cookie=$(login back admin bench_op "$OP_PASSWORD" | cut -f1) ;;
    ?*) read -r kind account <<<"$who"; cookie=$(login front "$kind" "$account" "$DEMO_PASSWORD" | cut -f1) ;;
  esac
  before=$(rss_mb)
  threads=$((CONNS < 2 ? 1 : 2))
  out=$(wrk -t"$threads" -c"$CONNS" -d"${DURATION}s" --timeout 10s -H "Cookie: $cookie" "$url")
  after=$(rss_mb)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "| $label | $before | $after | $rps | ${bad:-0} |"
  stop
done
echo
echo "$(nproc) cores; $UNITS units, $APPS applications (SQLite); wrk -c$CONNS -d${DURATION}s; one fresh server per page."
