#!/usr/bin/env bash
# Instructions per request, counted by callgrind: a figure that does not move with the
# machine's load or speed, for comparing two builds on a machine whose speed varies (run 10
# saw the same cold build take 1.6 times as long from one hour to the next). Each page gets
# WARM requests to warm up (enough for the pool's connections to have prepared their
# statements), then ROUNDS rounds of N counted ones on one keep-alive connection, against the
# server run under `valgrind --tool=callgrind` on a copy of a demo-data dataset. Counts are
# the whole process's (every thread), divided by N, the lowest of the rounds: background work
# (a checkpoint, a housekeeping sweep, a pool connection opened) lands in one round and
# would move a single count by a tenth.
#
#   bench/instructions.sh                       # the release build
#   bench/instructions.sh old/zhicheng new/zhicheng   # each binary in turn, same dataset
#
# Environment: UNITS (20000), APPS (200000), N (200), WARM (100), ROUNDS (3), BENCH_CACHE
# (as bench/http.sh).
# Prints one line per binary: each page and its instructions per request; `save` is a
# 保存 of a module (its transaction, audit row and commit included), `form` a download of a
# 转入表 by the unit that approved it (its audit row included). 统计分析 is left out: at
# 374M instructions a request (200k applications) its rounds would take an hour under
# callgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
UNITS=${UNITS:-20000}
APPS=${APPS:-200000}
N=${N:-200}
WARM=${WARM:-100}
ROUNDS=${ROUNDS:-3}
PG=""
DEMO_PASSWORD='Demo#2026pass'
OP_PASSWORD='Bench#2026operator'

. "$ROOT/bench/lib.sh"
[ $# -gt 0 ] && ZHICHENG_BIN=$1
prepare
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
bins=("$@")
[ ${#bins[@]} -eq 0 ] && bins=("$BIN")
work=$(mktemp -d /tmp/zinstr.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

FRONT=http://127.0.0.1:19610
BACKURL=http://127.0.0.1:19612
export ZHICHENG_FRONT_LISTEN=127.0.0.1:19610 ZHICHENG_BACK_LISTEN=127.0.0.1:19612
export ZHICHENG_CAPTCHA=off ZHICHENG_LOG=warn ZHICHENG_RATE_LIMIT_SCALE=1000000
# What `main` would otherwise set by running itself again, which would leave valgrind.
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=131072}
export MIMALLOC_ARENA_EAGER_COMMIT=${MIMALLOC_ARENA_EAGER_COMMIT:-0}

dataset data "$APPS"
clean=$work/clean
cp -a "$ZHICHENG_DATA_DIR" "$clean"
samples data

# req COUNT PATH [COOKIE [BODY]]: COUNT requests on one connection, GETs or, with a BODY,
# form POSTs; prints how many were not answered 200 (a GET) or 303 to `m=saved` (a POST).
req() {
  python3 - "$@" <<'PY'
import http.client, sys
n, path = int(sys.argv[1]), sys.argv[2]
cookie = sys.argv[3] if len(sys.argv) > 3 else ''
body = sys.argv[4] if len(sys.argv) > 4 else None
headers = {'Cookie': cookie} if cookie else {}
if body is not None:
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
c = http.client.HTTPConnection('127.0.0.1', 19610, timeout=120)
bad = 0
for _ in range(n):
    c.request('POST' if body is not None else 'GET', path, body=body, headers=headers)
    r = c.getresponse()
    r.read()
    if body is None:
        bad += r.status != 200
    else:
        bad += r.status != 303 or 'm=saved' not in (r.getheader('Location') or '')
print(bad)
PY
}

for bin in "${bins[@]}"; do
  rm -rf "$ZHICHENG_DATA_DIR" && cp -a "$clean" "$ZHICHENG_DATA_DIR"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$bin" serve >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do curl -fsS "$FRONT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  P=$(login front person "$person" "$DEMO_PASSWORD" | cut -f1)
  U=$(login front unit "$big" "$DEMO_PASSWORD" | cut -f1)
  H=$(login front unit "$holder" "$DEMO_PASSWORD" | cut -f1)
  bench_person # a person with an application to save (SAVER, SAVER_CSRF, APP_ID)
  line="$bin:"
  k=0
  for p in "/healthz|/healthz|" "我的申报信息|/rsrc/zc/transfer|$P" "queue|/rsrc/zc/review|$U" \
           "picker|/rsrc/api/units?q=%E5%B8%82%E5%9C%BA|$P" "verify|/rsrc/verify/$serial|" "form|/rsrc/zc/review/$approved/form.pdf|$H" \
           "save|/rsrc/zc/transfer/$APP_ID/module/transfer|$SAVER|_csrf=$SAVER_CSRF&$SAVE_FIELDS"; do
    IFS='|' read -r label path cookie body <<<"$p"
    args=("$path" "$cookie")
    [ -n "$body" ] && args+=("$body")
    req "$WARM" "${args[@]}" >/dev/null
    best=""
    for _ in $(seq "$ROUNDS"); do
      callgrind_control -z "$server" >/dev/null 2>&1
      bad=$(req "$N" "${args[@]}")
      [ "$bad" = 0 ] || { echo "$label: $bad of $N answers were not as expected" >&2; exit 1; }
      callgrind_control -d "page$k" "$server" >/dev/null 2>&1 # an ASCII word: a slash or Chinese breaks it
      k=$((k + 1)) # callgrind numbers its dumps
      for _ in $(seq 50); do [ -s "$work/cg.$server.$k" ] && break; sleep 0.2; done
      ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$server.$k")
      if [ -z "$best" ] || [ "$ir" -lt "$best" ]; then best=$ir; fi
    done
    line="$line $label $(( best / N ))"
  done
  echo "$line"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  rm -f "$work"/cg.*
done
