#!/usr/bin/env bash
# Two nodes behind nginx on one PostgreSQL database and one data folder: what one node does,
# the other sees. Two `zhicheng serve` processes (A and B) share a fresh database and the
# attachment folder; an nginx, configured from deploy/nginx-zhicheng.conf, sends requests to
# them in turn (round robin, nothing sticky). Through nginx and each node directly it checks:
#
#   - a session made through A works on B (and through nginx);
#   - wrong passwords on A then B lock the account, and the stand-in of an unknown number;
#   - the login rate limit is one budget: logins spread over both nodes are refused once
#     it is spent, on each;
#   - the same 通过 sent to both nodes at once has one winner, and the other a clean 409;
#   - an attachment uploaded through A downloads byte for byte through B.
#
#   scripts/multi-node.sh [postgres://postgres@127.0.0.1:5432/test]
#   scripts/multi-node.sh mysql://root@127.0.0.1:3306/test      # the MySQL family
#
# Prints `ok - …` or `not ok - …` per check and `N passed, M failed`; exits non-zero on a
# failure. Installs nginx with apt-get when it is missing. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL=${1:-postgres://postgres@127.0.0.1:5432/test}
case "$PG_URL" in
  sqlite:*) echo "SQLite is one node only: give a PostgreSQL or MySQL URL" >&2; exit 2 ;;
esac

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

. scripts/lib/fresh-platform.sh
# A free port from the kernel, for nginx.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
A_PORT=19410 B_PORT=19420 PROXY_PORT=$(free_port)
fresh_platform multi_node "$A_PORT" 19412 "$PG_URL"

# What every node needs alike: the same database, data folder, master key and settings.
ZHICHENG_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
# Captcha off: the checks count wrong passwords, which a captcha would stop at three.
# Trusted proxy: nginx, and this script, which names its clients in X-Forwarded-For to
# keep the checks' budgets apart.
export ZHICHENG_MASTER_KEY ZHICHENG_CAPTCHA=off ZHICHENG_TRUSTED_PROXIES=127.0.0.1
"$BIN" migrate >/dev/null

nginx_dir=$(mktemp -d)
nginx_pid=""
multi_cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$nginx_dir"
  fresh_cleanup
}
trap multi_cleanup EXIT

start_server serve-a.log
ZHICHENG_FRONT_LISTEN=127.0.0.1:$B_PORT ZHICHENG_BACK_LISTEN=127.0.0.1:19422 start_server serve-b.log

# nginx: the deploy example with the two nodes as its upstream, plain HTTP on a local port
# (no TLS, no redirect server), in the foreground under this script.
chmod 755 "$nginx_dir"
mkdir -m 1777 "$nginx_dir/tmp"
awk -v a="127.0.0.1:$A_PORT" -v b="127.0.0.1:$B_PORT" -v port="$PROXY_PORT" '
  /^upstream / { up = 1 }
  up && /^[[:space:]]*server / {
    if (!done) { sub(/server [^ ;]+/, "server " a); line = $0; sub(a, b, line); print; print line; done = 1 }
    next
  }
  up && /^}/ { up = 0 }
  /^server \{/ { block = ""; inblock = 1 }
  inblock { block = block $0 "\n"; if ($0 ~ /^}/) { inblock = 0; if (block !~ /return 301/) printf "%s", block }; next }
  { print }
' deploy/nginx-zhicheng.conf \
  | sed -e "s/listen 443 ssl;/listen 127.0.0.1:$PROXY_PORT;/" \
        -e '/listen \[::\]:443/d' -e '/http2 on;/d' -e '/ssl_/d' \
        -e 's/X-Forwarded-Proto https/X-Forwarded-Proto http/' >"$nginx_dir/site.conf"
cat >"$nginx_dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $nginx_dir/tmp/body;
  proxy_temp_path $nginx_dir/tmp/proxy;
  fastcgi_temp_path $nginx_dir/tmp/fastcgi;
  uwsgi_temp_path $nginx_dir/tmp/uwsgi;
  scgi_temp_path $nginx_dir/tmp/scgi;
  include $nginx_dir/site.conf;
}
EOF
"$NGINX" -t -q -p "$nginx_dir" -c "$nginx_dir/nginx.conf"
"$NGINX" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PROXY_PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

A=http://127.0.0.1:$A_PORT
B=http://127.0.0.1:$B_PORT
P=http://127.0.0.1:$PROXY_PORT
passed=0 failed=0
check() { # description, then a command that succeeds when the check holds
  local what=$1
  shift
  if "$@"; then
    echo "ok - $what"; passed=$((passed + 1))
  else
    echo "not ok - $what"; failed=$((failed + 1))
  fi
}
# post_json BASE PATH JSON [TOKEN] [CLIENT]: prints the body and, on the last line, the status.
post_json() {
  local args=(-sS -w '\n%{http_code}' -X POST "$1/rsrc/api/v1$2" -H 'Content-Type: application/json'
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" -H "X-Forwarded-For: ${5:-192.0.2.1}" -d "$3")
  [ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
  curl "${args[@]}"
}
status_of() { tail -n1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }
# login BASE JAR ACCOUNT PASSWORD CLIENT: the login page's form, as a browser posts it; prints
# the answer's body, or `redirect <location>` for a successful login.
login() {
  local html token
  html=$(curl -sS -c "$2" -b "$2" -H "X-Forwarded-For: $5" "$1/rsrc/")
  token=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$html" | head -n1 | sed 's/.*value="//; s/"$//')
  curl -sS -c "$2" -b "$2" -H "X-Forwarded-For: $5" -o "$work/login.html" \
    -w '%{http_code} %{redirect_url}\n' "$1/rsrc/login" \
    --data-urlencode "_csrf=$token" --data-urlencode "kind=person" \
    --data-urlencode "account=$3" --data-urlencode "password=$4" >"$work/login.status"
  if grep -q '^303 ' "$work/login.status"; then
    echo "redirect $(cut -d' ' -f2 "$work/login.status")"
  else
    cat "$work/login.html"
  fi
}

PW='Multi#2026pass'
person() { # ID NAME PHONE: registers a person through nginx
  local out
  out=$(post_json "$P" /register/person \
    "{\"name\":\"$2\",\"id_number\":\"$1\",\"phone\":\"$3\",\"password\":\"$PW\",\"password2\":\"$PW\"}")
  case "$(status_of "$out")" in 2??) ;; *) echo "registering $1: $out" >&2; exit 1 ;; esac
}
ID1=37010219850315123X ID2=110101199003070038 NOBODY=110101199003070011
person "$ID1" 张三 13912345678
person "$ID2" 李四 13912345679

echo "# sessions: one node logs in, the others know the session"
jar="$work/jar-1"
check "a login through node A answers with the portal" \
  grep -q '^redirect .*/rsrc/portal' <(login "$A" "$jar" "$ID1" "$PW" 198.51.100.1)
check "node B knows the session node A made" \
  grep -q 张三 <(curl -sS -b "$jar" -H 'X-Forwarded-For: 198.51.100.1' "$B/rsrc/zc")
check "so does nginx, on whichever node it picks (twice)" \
  bash -c "curl -sS -b '$jar' '$P/rsrc/zc' | grep -q 张三 && curl -sS -b '$jar' '$P/rsrc/zc' | grep -q 张三"

echo "# lockouts: wrong passwords on A, then B"
locked_after() { # ACCOUNT: five wrong passwords, A B A B A; the fifth answer says locked
  local base answer
  for i in 1 2 3 4 5; do
    base=$A
    [ $((i % 2)) = 0 ] && base=$B
    answer=$(login "$base" "$work/jar-lock" "$1" 'Wrong#pass1' 198.51.100.2)
    if [ "$i" -lt 5 ] && grep -q '账号已锁定' <<<"$answer"; then return 1; fi
  done
  grep -q '账号已锁定' <<<"$answer"
}
check "five wrong passwords, spread over A and B, lock the account" locked_after "$ID2"
check "node A refuses the right password while locked" \
  grep -q '账号已锁定' <(login "$A" "$work/jar-2" "$ID2" "$PW" 198.51.100.3)
check "so does node B" \
  grep -q '账号已锁定' <(login "$B" "$work/jar-2" "$ID2" "$PW" 198.51.100.3)
check "an unknown number locks alike over both nodes (no account enumeration)" locked_after "$NOBODY"
check "and stays locked on either" \
  grep -q '账号已锁定' <(login "$B" "$work/jar-3" "$NOBODY" "$PW" 198.51.100.4)

echo "# the login rate limit: one budget over both nodes"
# The budget is thirty a minute per client. The locked account answers without checking a
# password, so the thirty fit in the minute even on a debug build.
spread_logins() { # thirty logins from one client: A, B and nginx in turn; none refused
  local base
  for i in $(seq 30); do
    case $((i % 3)) in 0) base=$A ;; 1) base=$B ;; *) base=$P ;; esac
    if grep -q '操作过于频繁' <(login "$base" "$work/jar-4" "$ID2" "$PW" 198.51.100.5); then
      echo "login $i was refused" >&2; return 1
    fi
  done
}
started=$(date +%s)
check "thirty logins from one client, spread over A, B and nginx, all pass" spread_logins
check "the next one on node A is refused" \
  grep -q '操作过于频繁' <(login "$A" "$work/jar-4" "$ID2" "$PW" 198.51.100.5)
check "and on node B ($(( $(date +%s) - started )) s after the first)" \
  grep -q '操作过于频繁' <(login "$B" "$work/jar-4" "$ID2" "$PW" 198.51.100.5)
check "another client behind the proxy still logs in" \
  grep -q '^redirect .*/rsrc/portal' <(login "$P" "$work/jar-5" "$ID1" "$PW" 198.51.100.6)
budget_sql="SELECT n FROM rate_limits WHERE bucket = 'login' AND who = 'ip:198.51.100.5'"
case "$ZHICHENG_DATABASE_URL" in
  mysql:*) budget=$(fresh_mysql "$ZHICHENG_DATABASE_URL" -N -e "$budget_sql" "${ZHICHENG_DATABASE_URL##*/}") ;;
  *) budget=$(psql "$ZHICHENG_DATABASE_URL" -tAc "$budget_sql") ;;
esac
check "the budget is a row in the shared database, not a node's memory" [ "$budget" = 32 ]

echo "# an application: attachments through A, 确定申报, and a race for 通过"
out=$(post_json "$P" /register/unit \
  "{\"name\":\"济南市示例机械有限公司\",\"credit_code\":\"91370100MA3C00001H\",\"region\":\"370100\",\"contact\":\"李四\",\"contact_phone\":\"13800000001\",\"password\":\"$PW\",\"password2\":\"$PW\"}")
case "$(status_of "$out")" in 2??) ;; *) echo "registering the unit: $out" >&2; exit 1 ;; esac
PT=$("$BIN" token --kind person --account "$ID1" --scope write --days 1 --name 多节点)
UT=$("$BIN" token --kind unit --account 91370100MA3C00001H --scope write --days 1 --name 多节点)
api() { # METHOD BASE PATH [JSON]: the person's call; stops the script on a 4xx/5xx
  local args=(-sS --fail-with-body -X "$1" "$2/rsrc/api/v1$3" -H "Authorization: Bearer $PT"
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)")
  [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}"
}
title=$(api GET "$P" "/dict/titles?level=3" | jq -r '.[] | select(.name=="工程师") | .id')
specialty=$(api GET "$P" "/dict/specialties?title=$title" | jq -r '.[] | select(.name=="机械工程") | .id')
id=$(api POST "$P" /applications \
  "{\"phone\":\"13912345678\",\"declare_unit_name\":\"济南市示例机械有限公司\",\"is_work_unit\":\"是\",\"level\":\"3\",\"title\":\"$title\",\"specialty\":\"$specialty\",\"declare_method\":\"1\",\"title_year\":\"2018\"}" | jq -r .id)
api PUT "$P" "/applications/$id/original" \
  '{"title_name":"工程师","series":"05","level":"3","obtained_by":"评审","issuer":"江苏省工程技术中级评审委员会","approval_no":"苏职改〔2018〕12号","issuer_region":"江苏省","certificate_no":"JS2018-000123","obtained_date":"2018-06-30"}' >/dev/null
api PUT "$P" "/applications/$id/transfer" \
  '{"prev_employer":"南京某机械有限公司","prev_province":"江苏省","moved_date":"2024-03-01","how":"调动"}' >/dev/null
api PUT "$P" "/applications/$id/education" \
  '{"rows":[{"school":"东南大学","major":"机械工程","education":"大学本科","degree":"学士","graduated":"2012-07-01"}]}' >/dev/null
api PUT "$P" "/applications/$id/work" \
  '{"rows":[{"from":"2012-07-15","to":"2024-02-28","employer":"南京某机械有限公司","post":"工程师"}]}' >/dev/null
# A PDF with 200 kB of random content, so that a copy cannot pass by accident.
{ printf '%%PDF-1.4\n1 0 obj<<>>endobj\n'; head -c 150000 /dev/urandom | base64; printf 'trailer<<>>\n%%%%EOF\n'; } >"$work/scan.pdf"
for slot in certificate approval transfer_proof social_insurance diploma photo; do
  curl -sS --fail-with-body -H "Authorization: Bearer $PT" -F "slot=$slot" \
    -F "file=@$work/scan.pdf;type=application/pdf" "$A/rsrc/api/v1/applications/$id/attachments" \
    | jq -r .id >"$work/file-$slot"
done
file=$(cat "$work/file-certificate")
curl -sS --fail-with-body -H "Authorization: Bearer $PT" -o "$work/from-b.pdf" \
  "$B/rsrc/api/v1/applications/$id/attachments/$file"
check "an attachment uploaded through node A downloads byte for byte through node B" \
  cmp -s "$work/scan.pdf" "$work/from-b.pdf"
curl -sS --fail-with-body -H "Authorization: Bearer $PT" -o "$work/from-p.pdf" \
  "$P/rsrc/api/v1/applications/$id/attachments/$(cat "$work/file-photo")"
check "and through nginx" cmp -s "$work/scan.pdf" "$work/from-p.pdf"

version=$(api GET "$B" "/applications/$id" | jq -r .version)
api POST "$B" "/applications/$id/submit" "{\"version\":\"$version\",\"pledge\":true}" >/dev/null
v=$(curl -sS -H "Authorization: Bearer $UT" "$A/rsrc/api/v1/review?held_now=true" \
  | jq -r ".items[] | select(.id==\"$id\") | .version")
race() { # BASE: the unit's 通过 with the version both read
  curl -sS -o "$work/race-$2.json" -w '%{http_code}\n' -X POST "$1/rsrc/api/v1/review/$id/approve" \
    -H "Authorization: Bearer $UT" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" \
    -d "{\"version\":\"$v\",\"opinion\":\"情况属实\"}" >"$work/race-$2.code"
}
race "$A" a & ra=$!
race "$B" b & rb=$!
wait "$ra" "$rb"
codes=$(sort "$work/race-a.code" "$work/race-b.code" | tr '\n' ' ')
check "通过 sent to A and B at once: one 200 and one 409 (got $codes)" [ "$codes" = "200 409 " ]
loser=a
grep -q 409 "$work/race-b.code" && loser=b
has_code() { jq -e '.code | type == "string" and length > 0' "$1" >/dev/null; }
check "the 409 is a clean JSON error with its code ($(jq -c . "$work/race-$loser.json" 2>/dev/null | head -c 200))" \
  has_code "$work/race-$loser.json"
check "the application moved once: 待上报, one approval in its history" bash -c \
  "[ \"\$(curl -sS -H 'Authorization: Bearer $PT' '$P/rsrc/api/v1/applications/$id' | jq -r .state)\" = to_report ] &&
   [ \"\$(curl -sS -H 'Authorization: Bearer $PT' '$P/rsrc/api/v1/applications/$id/history' | jq '[.[] | select(.to_state == \"to_report\")] | length')\" = 1 ]"

check "neither node logged a panic or a 500" \
  bash -c "! grep -l 'panicked\| 500 ' '$work/serve-a.log' '$work/serve-b.log'"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
