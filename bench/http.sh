#!/usr/bin/env bash
# The deadline-peak benchmark: fills a fresh database with demo-data, starts the release
# server and drives it with wrk, logged in as a person, units and a province operator.
# Every figure is a ratio to the ceiling, the same server's /healthz measured in the same
# round (same middleware, no work); three interleaved rounds, the median kept.
#
#   bench/http.sh                                        # SQLite (the embedded default)
#   bench/http.sh postgres://postgres@127.0.0.1:5432/test  # and PostgreSQL (a scratch database)
#
# Environment: UNITS (100000), APPS (1000000), SMALL_APPS (10000: the growth check, on
# SMALL_UNITS units: as many applications a unit as the large dataset, UNITS/100 by default),
# MIXED_ONLY (1: only the mixed workload, on the large dataset: an A/B of the write path),
# DURATION (seconds per run, 8), CONNS (64), ROUNDS (3), SAVERS (people who save, each on
# an application of their own: 256), STEPS (applicants who 确定申报 in the one-shot run, whose
# employer then 通过 and 数据上报 them: 1000), MIX_APPLICANTS (more, for the mixed workload's
# one-shot share: 1000), STEP_DURATION (seconds of a one-shot run: 2), ZHICHENG_BIN (a built binary), BENCH_CACHE (where
# generated SQLite datasets are kept between runs: ~/.cache/zhicheng-bench).
# Results: bench/out/<backend>-<apps>.md (markdown tables) and .jsonl (every run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
UNITS=${UNITS:-100000}
APPS=${APPS:-1000000}
SMALL_APPS=${SMALL_APPS:-10000}
SMALL_UNITS=${SMALL_UNITS:-$(( UNITS * SMALL_APPS / APPS > 0 ? UNITS * SMALL_APPS / APPS : 1 ))}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-1000}
MIX_APPLICANTS=${MIX_APPLICANTS:-1000}
STEP_DURATION=${STEP_DURATION:-2}
PG=${1:-}
DEMO_PASSWORD='Demo#2026pass'
OP_PASSWORD='Bench#2026operator'

. "$ROOT/bench/lib.sh"
prepare
mkdir -p bench/out
work=$(mktemp -d /tmp/zbench.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$PG" ] && for db in zbench_large zbench_small; do psql "$PG" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

FRONT=http://127.0.0.1:19600
BACKURL=http://127.0.0.1:19602
export ZHICHENG_FRONT_LISTEN=127.0.0.1:19600 ZHICHENG_BACK_LISTEN=127.0.0.1:19602
export ZHICHENG_CAPTCHA=off ZHICHENG_LOG=warn ZHICHENG_RATE_LIMIT_SCALE=1000000

# check URL COOKIE: the page must answer 200 before it is measured.
check() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $2" "$1")
  [ "$code" = 200 ] || { echo "$1 answered $code, not 200" >&2; return 1; }
}

# run LABEL CONNS URL [wrk env…]: one wrk run; prints its JSON line (also to the log).
run() {
  local label=$1 conns=$2 url=$3
  shift 3
  local line
  local threads=$(( conns < 2 ? 1 : 2 ))
  line=$(env WRK_THREADS=$threads "$@" wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$ROOT/bench/report.lua" "$url" | tail -n1)
  line=$(jq -c --arg l "$label" --argjson c "$conns" '. + {label: $l, conns: $c}' <<<"$line")
  echo "$line" >>"$OUT.jsonl"
  echo "$line"
}

# savers N: N such people, one line each in $work/saves.tsv (cookie, save path, body).
savers() {
  : >"$work/saves.tsv"
  for _ in $(seq "$1"); do
    bench_person
    printf '%s\t/rsrc/zc/transfer/%s/module/transfer\t_csrf=%s&%s\n' "$SAVER" "$APP_ID" "$SAVER_CSRF" "$SAVE_FIELDS" >>"$work/saves.tsv"
  done
}
uuid_lit() { # a uuid literal to compare a uuid column with, on either database
  if [ -n "$PG" ]; then echo "'$1'"; else echo "X'${1//-/}'"; fi
}

# credit_code: a valid, random 统一社会信用代码 of 济南 (GB 32100 check character).
credit_code() {
  python3 -c '
import random
cs = "0123456789ABCDEFGHJKLMNPQRTUWXY"
w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
body = "91370100MA3C" + "".join(random.choice(cs) for _ in range(5))
print(body + cs[(31 - sum(cs.index(c) * k for c, k in zip(body, w)) % 31) % 31])'
}

# The workflow steps are one-shot changes (确定申报, 通过, 数据上报 each move an application
# on), so each run sends a list of distinct requests, each once: a request sent twice is
# refused (4xx) and such a run is reported as having outlasted its list.
# steps_setup: an employer (STEP_UNIT) on an approved 上报路径 to a superior, so that its
# 通过 leaves an application 待上报; its page session (STEP_COOKIE, STEP_CSRF); and the
# dictionary ids an application needs.
steps_setup() {
  local code_a code_b sup path ta tb
  code_a=$(credit_code)
  code_b=$(credit_code)
  STEP_UNIT=济南市压测申报机械有限公司
  STEP_UNIT_ID=$(api "" POST /register/unit "{\"name\":\"$STEP_UNIT\",\"credit_code\":\"$code_a\",\"region\":\"370100\",\"contact\":\"李四\",\"contact_phone\":\"13800000001\",\"password\":\"$DEMO_PASSWORD\",\"password2\":\"$DEMO_PASSWORD\"}" | jq -r .id)
  sup=$(api "" POST /register/unit "{\"name\":\"济南市压测上级集团有限公司\",\"credit_code\":\"$code_b\",\"region\":\"370100\",\"contact\":\"王五\",\"contact_phone\":\"13800000002\",\"password\":\"$DEMO_PASSWORD\",\"password2\":\"$DEMO_PASSWORD\"}" | jq -r .id)
  ta=$("$BIN" token --kind unit --account "$code_a" --scope write --days 1 --name bench)
  tb=$("$BIN" token --kind unit --account "$code_b" --scope write --days 1 --name bench)
  path=$(api "$ta" POST /paths "{\"superior\":\"$sup\",\"series\":\"05\",\"level\":\"3\"}" | jq -r .id)
  api "$tb" POST "/paths/$path/decide" '{"decision":"approve"}' >/dev/null
  STEP_TITLE=$(api "" GET "/dict/titles?level=3" | jq -r '.[] | select(.name=="工程师") | .id')
  STEP_SPECIALTY=$(api "" GET "/dict/specialties?title=$STEP_TITLE" | jq -r '.[] | select(.name=="机械工程") | .id')
  STEP_SCAN=$work/scan.pdf
  printf '%%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n' >"$STEP_SCAN"
  export FRONT BIN DEMO_PASSWORD STEP_UNIT STEP_TITLE STEP_SPECIALTY STEP_SCAN
  IFS=$'\t' read -r STEP_COOKIE STEP_CSRF < <(login front unit "$code_a" "$DEMO_PASSWORD")
}

# applicants FROM COUNT FILE: COUNT applicants ready for 确定申报 (bench/applicant.sh), four
# at a time, one line each appended to FILE.
applicants() {
  seq "$1" $(($1 + $2 - 1)) | xargs -P 4 -I{} "$ROOT/bench/applicant.sh" {} >>"$3"
  [ "$(wc -l <"$3")" -ge "$2" ] || { echo "only $(wc -l <"$3") of $2 applicants were prepared" >&2; return 1; }
}

# step_state STATE: how many of the employer's applications are in STATE.
step_state() {
  sql "SELECT COUNT(*) FROM applications WHERE declare_unit_id = $(uuid_lit "$STEP_UNIT_ID") AND state = '$1'"
}

# submit_list APPLICANTS: the 确定申报 requests of those applicants whose application is
# still a draft.
submit_list() {
  local drafts
  drafts=$(sql "SELECT $(uuid_col id) FROM applications WHERE declare_unit_id = $(uuid_lit "$STEP_UNIT_ID") AND state = 'draft'")
  awk -F'\t' -v OFS='\t' 'NR == FNR { draft[$1] = 1; next } ($1 in draft) { print $2, "/rsrc/zc/transfer/" $1 "/submit", "_csrf=" $3 "&version=" $4 "&pledge=on" }' \
    <(printf '%s\n' "$drafts") "$1"
}

# review_list STATE: the employer's 通过 (STATE pending) or 数据上报 (STATE to_report) of
# every application of its in STATE.
review_list() {
  sql "SELECT $(uuid_col id), version FROM applications WHERE holder_unit_id = $(uuid_lit "$STEP_UNIT_ID") AND state = '$1'" |
    tr '|' '\t' | while IFS=$'\t' read -r id v; do
      if [ "$1" = pending ]; then
        printf '%s\t/rsrc/zc/review/%s/approve\t_csrf=%s&version=%s&opinion=%%E6%%83%%85%%E5%%86%%B5%%E5%%B1%%9E%%E5%%AE%%9E\n' "$STEP_COOKIE" "$id" "$STEP_CSRF" "$v"
      else
        printf '%s\t/rsrc/zc/report\t_csrf=%s&pick=%s%%3A%s\n' "$STEP_COOKIE" "$STEP_CSRF" "$id" "$v"
      fi
    done
}

# step LABEL LIST FROM: one run of a one-shot step over LIST, then a check that exactly the
# answered requests moved an application out of state FROM.
step() {
  local label=$1 list=$2 from=$3 before line moved ok
  if [ ! -s "$list" ]; then
    echo "$label: not measured, no application was left to take it (raise STEPS)" | tee -a "$work/steps.txt" >&2
    return 0
  fi
  before=$(step_state "$from")
  line=$(DURATION=$STEP_DURATION run "$label" "$CONNS" "$FRONT/rsrc/" WRK_SAVES="$list" WRK_ONESHOT=1)
  moved=$(( before - $(step_state "$from") ))
  ok=$(jq '.requests - .http_errors - .socket_errors' <<<"$line")
  if [ "$(jq '.http_errors' <<<"$line")" -gt 0 ]; then
    echo "$label: the run outlasted its list of $(wc -l <"$list") ($(jq .http_errors <<<"$line") refused after it); the rate is that of the steps, over the time from the first request to the last step answered" | tee -a "$work/steps.txt" >&2
    # The rate kept is that of the steps done while they lasted, not of the refusals that
    # followed nor of the idle end of the run.
    sed -i '$d' "$OUT.jsonl"
    jq -c '.rps = .steps_rps' <<<"$line" >>"$OUT.jsonl"
  fi
  echo "$label: $ok answered, $moved applications left $from" | tee -a "$work/steps.txt"
}


# mixed: the mixed deadline workload at rising concurrency (page reads 70 %, saves 25 %,
# and 5 % one-shot steps: 确定申报 and 通过, alternately, from lists made afresh for each
# run), until p99 passes 100 ms. Uses measure's sessions (P, U) and serial.
mixed() {
  local mix=$work/mix.tsv
  {
    printf '20\tGET\t/rsrc/zc/transfer\t%s\t\n' "$P"
    printf '20\tGET\t/rsrc/zc/review\t%s\t\n' "$U"
    printf '10\tGET\t/rsrc/zc/review?level=3&state=pending\t%s\t\n' "$U"
    printf '10\tGET\t/rsrc/api/units?q=%%E5%%B8%%82%%E5%%9C%%BA\t%s\t\n' "$P"
    printf '5\tGET\t/rsrc/verify/%s\t\t\n' "$serial"
    printf '5\tGET\t/rsrc/\t\t\n'
    printf '25\tSAVE\t-\t\t\n'
    printf '5\tONCE\t-\t\t\n'
  } >"$mix"
  # The server's latency histograms by route before and after: where the mixed workload's
  # slow answers were (bench/out/<backend>-<apps>-mixed-{before,after}.prom; read them with
  # bench/slow-routes.py).
  curl -fsS "$BACKURL/metrics" >"$OUT-mixed-before.prom" || true
  for c in 16 32 64 128 256 512; do
    paste -d'\n' <(submit_list "$work/applicants2.tsv") <(review_list pending) | grep -v '^$' >"$work/once.tsv" || true
    local line; line=$(run "mixed" "$c" "$FRONT/rsrc/" WRK_MIX="$mix" WRK_SAVES="$work/saves.tsv" WRK_ONCE="$work/once.tsv")
    if [ "$(jq '.http_errors' <<<"$line")" -gt 0 ]; then
      echo "mixed at $c: $(jq .http_errors <<<"$line") refused (the one-shot list of $(wc -l <"$work/once.tsv") ran out: raise MIX_APPLICANTS)" | tee -a "$work/steps.txt"
    fi
    if [ "$(jq '.p99 > 100' <<<"$line")" = true ]; then break; fi
  done
  curl -fsS "$BACKURL/metrics" >"$OUT-mixed-after.prom" || true
}

# measure NAME APPS UNITS: the whole run on one dataset.
measure() {
  local name=$1 apps=$2 UNITS=$3
  OUT=$ROOT/bench/out/$([ -n "$PG" ] && echo postgres || echo sqlite)-$apps
  : >"$OUT.jsonl"
  dataset "$name" "$apps"
  start
  sleep 2
  local idle_rss; idle_rss=$(rss_mb)

  # The applicants of the workflow steps first: preparing them takes minutes, longer than a
  # back-office session stays alive unused, so the measured sessions log in after.
  : >"$work/steps.txt"
  local t0=$SECONDS
  steps_setup
  : >"$work/applicants1.tsv"
  : >"$work/applicants2.tsv"
  applicants 1 "$STEPS" "$work/applicants1.tsv"
  applicants $((STEPS + 1)) "$MIX_APPLICANTS" "$work/applicants2.tsv"
  echo "applicants: $STEPS + $MIX_APPLICANTS ready for 确定申报 in $((SECONDS - t0)) s"

  # Who: the sample person; the unit holding the most applications; the holder of an
  # approved one (its 转入表); the province operator; a person who saves.
  local person unit big serial approved holder
  samples "$name"
  local big_n; big_n=$(sql "SELECT COUNT(*) FROM application_holders h JOIN units u ON u.id = h.unit_id WHERE u.credit_code = '$big'")
  # The deep page: the unit's last (0-based), at most page 50.
  local deep=$(( (big_n + 19) / 20 - 1 )); [ "$deep" -gt 50 ] && deep=50; [ "$deep" -lt 0 ] && deep=0
  local P U H O
  P=$(login front person "$person" "$DEMO_PASSWORD" | cut -f1)
  U=$(login front unit "$big" "$DEMO_PASSWORD" | cut -f1)
  H=$(login front unit "$holder" "$DEMO_PASSWORD" | cut -f1)
  O=$(login back admin bench_op "$OP_PASSWORD" | cut -f1)
  t0=$SECONDS
  savers "${SAVERS:-256}"
  echo "savers: ${SAVERS:-256} people with an application each in $((SECONDS - t0)) s"
  local S=$SAVER
  local save_url=$FRONT/rsrc/zc/transfer/$APP_ID/module/transfer
  local save_body="_csrf=$SAVER_CSRF&$SAVE_FIELDS"
  local pages=(
    "login page|$FRONT/rsrc/|"
    "我的申报信息|$FRONT/rsrc/zc/transfer|$P"
    "外地调入审核 page 1|$FRONT/rsrc/zc/review|$U"
    "外地调入审核 filtered|$FRONT/rsrc/zc/review?level=3&state=pending|$U"
    "外地调入审核 deep page|$FRONT/rsrc/zc/review?page=$deep|$U"
    "unit picker (JSON)|$FRONT/rsrc/api/units?q=%E5%B8%82%E5%9C%BA|$P"
    "verify page|$FRONT/rsrc/verify/$serial|"
    "转入表 download|$FRONT/rsrc/zc/review/$approved/form.pdf|$H"
    "统计分析 (province)|$BACKURL/sdmanager/stats|$O"
  )
  for p in "${pages[@]}"; do
    IFS='|' read -r label url cookie <<<"$p"
    check "$url" "$cookie"
  done
  local saved
  saved=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: $S" -H 'Content-Type: application/x-www-form-urlencoded' --data "$save_body" "$save_url")
  case "$saved" in "303 "*m=saved*) ;; *) echo "保存 answered $saved" >&2; return 1 ;; esac
  local before; before=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'application_save'")
  [ -n "${MIXED_ONLY:-}" ] && { mixed; stop; return; }
  for r in $(seq "$ROUNDS"); do
    echo "== round $r"
    run "ceiling (/healthz)" "$CONNS" "$FRONT/healthz"
    for p in "${pages[@]}"; do
      IFS='|' read -r label url cookie <<<"$p"
      run "$label" "$CONNS" "$url" WRK_COOKIE="$cookie"
    done
    run "保存 (module, audited)" "$CONNS" "$FRONT/rsrc/" WRK_SAVES="$work/saves.tsv"
  done
  local after; after=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'application_save'")
  local saved_ok; saved_ok=$(jq -s '[.[] | select(.label == "保存 (module, audited)") | .requests - .http_errors - .socket_errors] | add' "$OUT.jsonl")

  # The workflow steps: 确定申报 by STEPS applicants, then their employer's 通过 and 数据上报,
  # before the mixed workload: its one-shot share (确定申报 of MIX_APPLICANTS more, and 通过)
  # draws on the same employer, and at rising concurrency it approves every application left
  # pending (run 14 found none left for 通过 when it ran after).
  submit_list "$work/applicants1.tsv" >"$work/submits.tsv"
  step "确定申报" "$work/submits.tsv" draft
  review_list pending >"$work/approvals.tsv"
  step "通过" "$work/approvals.tsv" pending
  review_list to_report >"$work/reports.tsv"
  step "数据上报" "$work/reports.tsv" to_report

  # Latency alone (one connection): how the queue and 我的申报信息 grow with the data, the
  # unit picker's p95, a warm 转入表 and the province's statistics.
  for p in "${pages[@]:1:5}" "${pages[7]}" "${pages[8]}"; do
    IFS='|' read -r label url cookie <<<"$p"
    check "$url" "$cookie" # still signed in: a redirect to the login would be measured instead
    run "alone: $label" 1 "$url" WRK_COOKIE="$cookie"
  done

  mixed

  # Memory: after the runs, and holding 1,000 connections.
  local after_rss; after_rss=$(rss_mb)
  wrk -t2 -c1000 -d6s --timeout 10s "$FRONT/healthz" >/dev/null &
  local w=$!
  sleep 4
  local conn_rss; conn_rss=$(rss_mb)
  wait $w
  stop
  report "$apps" "$idle_rss" "$after_rss" "$conn_rss" "$before" "$after" "$saved_ok" "$big_n"
}

# report APPS IDLE AFTER CONN BEFORE AFTER SAVED_OK BIG_N: the markdown tables.
report() {
  local backend; backend=$([ -n "$PG" ] && echo PostgreSQL || echo SQLite)
  {
    echo "### $backend, $UNITS units, $1 applications"
    echo
    echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; wrk -t2 -c$CONNS, ${DURATION} s per run, $ROUNDS interleaved rounds, median kept; the ceiling is /healthz of the same server in the same round. The review queue is that of the unit holding the most applications ($8)."
    echo
    echo "| page | req/s | p50 ms | p99 ms | ratio to the ceiling |"
    echo "|---|---:|---:|---:|---:|"
    jq -rs '
      def median: sort | .[length / 2 | floor];
      [.[] | select(.conns > 1 and .label != "mixed")] as $runs
      | ($runs | map(select(.label == "ceiling (/healthz)")) | map(.rps) | median) as $ceil
      | $runs | group_by(.label) | sort_by(.[0].label == "ceiling (/healthz)" | not)
      | .[] | (map(.rps) | median) as $rps
      | "| \(.[0].label) | \($rps | floor) | \(map(.p50) | median) | \(map(.p99) | median) | \(($rps / $ceil * 1000 | floor) / 1000) |"
    ' "$OUT.jsonl"
    echo
    echo "One connection alone (latency as the data grows):"
    echo
    echo "| page | p50 ms | p95 ms | p99 ms |"
    echo "|---|---:|---:|---:|"
    jq -r 'select(.conns == 1) | "| \(.label) | \(.p50) | \(.p95) | \(.p99) |"' "$OUT.jsonl"
    echo
    echo "Mixed deadline workload (70 % page reads, 25 % saves, 5 % 确定申报 and 通过), rising concurrency until p99 passes 100 ms:"
    echo
    echo "| connections | req/s | p50 ms | p99 ms |"
    echo "|---:|---:|---:|---:|"
    jq -r 'select(.label == "mixed") | "| \(.conns) | \(.rps | floor) | \(.p50) | \(.p99) |"' "$OUT.jsonl"
    echo
    echo "Durable saves ($([ -n "$PG" ] && echo "PostgreSQL, synchronous_commit on" || echo "SQLite, \`synchronous=FULL\`")): $7 answered 303 (saved) in the 保存 runs, $(( $6 - $5 )) audit rows written; the difference, $(( $6 - $5 - $7 )), is the saves in flight when wrk stopped (at most $CONNS a run), which the server finished and wrk no longer counted."
    echo "RSS: $2 MB idle, $3 MB after the runs, $4 MB holding 1,000 connections."
    echo
    echo "Workflow steps (one-shot, each over a list of distinct applications, ${STEP_DURATION} s at $CONNS connections):"
    echo
    sed 's/^/- /' "$work/steps.txt"
    echo
  } | tee "$OUT.md"
}

measure large "$APPS" "$UNITS"
[ "$SMALL_APPS" -gt 0 ] && [ -z "${MIXED_ONLY:-}" ] && measure small "$SMALL_APPS" "$SMALL_UNITS"
echo "results: bench/out/"
