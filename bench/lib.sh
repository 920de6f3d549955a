# Shared by the bench/ scripts: the tools and the binary, the dataset, the server, a page
# login and a JSON API call. They need FRONT (and BACKURL for the back office) and a scratch
# directory in `work`; the dataset also UNITS, OP_PASSWORD and PG (empty for SQLite);
# bench_person also BIN and DEMO_PASSWORD.

# prepare: the tools a benchmark needs, the release binary in BIN (ZHICHENG_BIN, or built),
# and as many open files as allowed.
prepare() {
  local need=()
  command -v wrk >/dev/null || need+=(wrk)
  command -v jq >/dev/null || need+=(jq)
  command -v curl >/dev/null || need+=(curl)
  command -v sqlite3 >/dev/null || need+=(sqlite3)
  command -v python3 >/dev/null || need+=(python3)
  # The 转入表 is typeset with a CJK font; without one its download answers 409.
  { [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; } \
    || [ -n "${ZHICHENG_PDF_FONT:-}" ] || need+=(fonts-wqy-microhei)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  if [ -z "${ZHICHENG_BIN:-}" ]; then
    cargo build --release --bin zhicheng
    BIN=$CARGO_TARGET_DIR/release/zhicheng
  else
    BIN=$ZHICHENG_BIN
  fi
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# sql QUERY: one value from the platform's database.
sql() {
  # The server may hold the write lock for a moment: wait for it as the server's own
  # connections do, rather than fail with "database is locked" and read nothing.
  if [ -n "$PG" ]; then psql "$ZHICHENG_DATABASE_URL" -tAc "$1"; else sqlite3 -cmd '.timeout 5000' "$ZHICHENG_DATA_DIR/zhicheng.db" "$1"; fi
}
uuid_col() { # a uuid column as text on either database
  if [ -n "$PG" ]; then echo "$1::text"; else echo "lower(substr(hex($1),1,8)||'-'||substr(hex($1),9,4)||'-'||substr(hex($1),13,4)||'-'||substr(hex($1),17,4)||'-'||substr(hex($1),21))"; fi
}

# dataset NAME APPS: a fresh database with demo-data and a province operator.
dataset() {
  export ZHICHENG_DATA_DIR="$work/$1"
  mkdir -p "$ZHICHENG_DATA_DIR"
  if [ -n "$PG" ]; then
    psql "$PG" -qc "DROP DATABASE IF EXISTS zbench_$1" >/dev/null
    psql "$PG" -qc "CREATE DATABASE zbench_$1" >/dev/null
    export ZHICHENG_DATABASE_URL="${PG%/*}/zbench_$1"
  else
    export ZHICHENG_DATABASE_URL="sqlite://$ZHICHENG_DATA_DIR/zhicheng.db?mode=rwc"
  fi
  # SQLite datasets are kept (BENCH_CACHE) and copied for each run: demo-data takes minutes.
  local cache=${BENCH_CACHE:-$HOME/.cache/zhicheng-bench}/sqlite-$UNITS-$2
  if [ -z "$PG" ] && [ -f "$cache/zhicheng.db" ]; then
    cp -a "$cache/." "$ZHICHENG_DATA_DIR/"
    echo "demo-data: copied from $cache"
  else
    local t0=$SECONDS
    "$BIN" demo-data --units "$UNITS" --applications "$2" >"$ZHICHENG_DATA_DIR/demo.log"
    echo "demo-data: $UNITS units, $2 applications in $((SECONDS - t0)) s"
    printf '%s\n' "$OP_PASSWORD" | "$BIN" admin create --username bench_op --bureau 山东省 --role operator --password-stdin >/dev/null
    if [ -z "$PG" ]; then
      mkdir -p "$cache" && cp -a "$ZHICHENG_DATA_DIR/." "$cache/"
    fi
  fi
  cp "$ZHICHENG_DATA_DIR/demo.log" "$work/$1-demo.log"
}

# start / stop: the server on the dataset, ready when /readyz answers; rss_mb: its memory.
start() {
  "$BIN" serve >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 150); do
    curl -fsS "$FRONT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$work/serve.log" >&2
  return 1
}
stop() {
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}
rss_mb() { echo $(( $(ps -o rss= -p "$server") / 1024 )); }

# samples NAME: the accounts and applications a run signs in as and opens, into the caller's
# variables: person (the sample person), big (the unit holding the most applications),
# serial (a 转入表's), approved (an approved application) and holder (the unit holding it).
samples() {
  person=$(sed -n 's/^sample accounts: person \([0-9X]*\),.*/\1/p' "$work/$1-demo.log")
  big=$(sql "SELECT u.credit_code FROM units u JOIN (SELECT unit_id, COUNT(*) AS n FROM application_holders GROUP BY unit_id ORDER BY n DESC LIMIT 1) h ON h.unit_id = u.id")
  serial=$(sql "SELECT serial FROM applications WHERE serial IS NOT NULL ORDER BY serial LIMIT 1")
  approved=$(sql "SELECT $(uuid_col a.id) FROM applications a WHERE a.state = 'approved' ORDER BY a.final_at DESC LIMIT 1")
  holder=$(sql "SELECT u.credit_code FROM applications a JOIN units u ON u.id = a.holder_unit_id WHERE $(uuid_col a.id) = '$approved'")
}


# login SITE KIND ACCOUNT PASSWORD: prints "cookie-header<TAB>csrf" of a fresh session.
login() {
  local jar="$work/jar.$RANDOM" site=$1 base token code
  if [ "$site" = front ]; then base=$FRONT/rsrc; else base=$BACKURL/sdmanager; fi
  curl -s -c "$jar" -b "$jar" -o /dev/null "$base/"
  token=$(awk '$6 ~ /csrf$/ {print $7}' "$jar")
  if [ "$site" = front ]; then
    code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' "$base/login" \
      --data-urlencode "_csrf=$token" --data-urlencode "kind=$2" --data-urlencode "account=$3" --data-urlencode "password=$4")
  else
    code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' "$base/login" \
      --data-urlencode "_csrf=$token" --data-urlencode "username=$3" --data-urlencode "password=$4")
  fi
  [ "$code" = 303 ] || { echo "login of $3 answered $code" >&2; return 1; }
  # The form token is renewed at login: the one to post with is the jar's now.
  printf '%s\t%s\n' "$(awk '$6 ~ /^zc_/ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")" "$(awk '$6 ~ /csrf$/ {print $7}' "$jar")"
}


# api TOKEN METHOD PATH [JSON]: one JSON API call; any 4xx/5xx stops the benchmark.
api() {
  local args=(-fsS -X "$2" "$FRONT/rsrc/api/v1$3" -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)")
  [ -n "$1" ] && args+=(-H "Authorization: Bearer $1")
  [ $# -gt 3 ] && args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}"
}

# The fields of the 调入信息 module a saver saves (bench_person).
SAVE_FIELDS="prev_employer=%E5%8D%97%E4%BA%AC%E6%9F%90%E6%9C%BA%E6%A2%B0%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8&prev_province=%E6%B1%9F%E8%8B%8F%E7%9C%81&moved_date=2024-03-01&how=%E8%B0%83%E5%8A%A8"

# A new person with one application through the API, logged in on the pages: the one who
# saves modules (a demo person's ID number is not in the database in clear).
bench_person() {
  local id phone body unit token code tries=0
  # A random ID number or mobile may already be registered (the demo's 1M people): the
  # registration then answers 422, and another pair is drawn.
  while :; do
    id=$(python3 -c '
import random
body = "370102" + str(random.randint(1970, 1999)) + "%02d%02d" % (random.randint(1, 12), random.randint(1, 28)) + "%03d" % random.randint(0, 999)
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(body + "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11])')
    phone=139$(printf '%08d' $((RANDOM * RANDOM % 100000000)))
    code=$(curl -sS -o "$work/registered.json" -w '%{http_code}' -H 'Content-Type: application/json' "$FRONT/rsrc/api/v1/register/person" \
      -d "{\"name\":\"压测\",\"id_number\":\"$id\",\"phone\":\"$phone\",\"password\":\"$DEMO_PASSWORD\",\"password2\":\"$DEMO_PASSWORD\"}")
    [ "$code" = 201 ] && break
    tries=$((tries + 1))
    if [ "$code" != 422 ] || [ "$tries" -ge 5 ]; then
      echo "registering a bench person answered $code: $(cat "$work/registered.json")" >&2
      return 1
    fi
  done
  token=$("$BIN" token --kind person --account "$id" --scope write --days 1 --name bench)
  unit=$(sql "SELECT name FROM units ORDER BY credit_code LIMIT 1")
  body=$(jq -cn --arg u "$unit" --arg p "$phone" '{phone:$p, declare_unit_name:$u, is_work_unit:"是", level:"3", declare_method:"1", title_year:"2018"}')
  APP_ID=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" "$FRONT/rsrc/api/v1/applications" -d "$body" | jq -r .id)
  IFS=$'\t' read -r SAVER SAVER_CSRF < <(login front person "$id" "$DEMO_PASSWORD")
}
