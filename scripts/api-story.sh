#!/usr/bin/env bash
# The README's worked example, run for real: the whole story of one 外地调入资格确认 with curl
# against the JSON API of a fresh server — register a person and two units, tokens, 新增 and
# every module, 附件材料, 确定申报, 通过 at the employer, 上报路径 and 数据上报 to its superior,
# 终审权限 granted by the city bureau, 终审通过, and the 转入表 downloaded and verified.
#
#   scripts/api-story.sh                                        # SQLite
#   scripts/api-story.sh postgres://postgres@127.0.0.1:5432/test  # PostgreSQL server
#   scripts/api-story.sh mysql://root@127.0.0.1:3306/test        # MySQL-family server
#
# Every call must answer as the README says; the script stops at the first that does not.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/fresh-platform.sh
fresh_platform api_story 19210 19212 "${1:-}"
start_server

API=http://127.0.0.1:19210/rsrc/api/v1
BACK=http://127.0.0.1:19212/sdmanager/api/v1
step() { echo "== $*"; }
# call TOKEN METHOD URL [JSON]: prints the answer; any 4xx/5xx stops the story.
call() {
  local token=$1 method=$2 url=$3 body=${4:-}
  local args=(-sS -w '\n%{http_code}' -X "$method" "$url" -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  local out code
  out=$(curl "${args[@]}")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "$code" -ge 400 ]; then
    echo "$method $url answered $code: $out" >&2
    return 1
  fi
  printf '%s' "$out"
}
expect() { # jq filter, wanted value, JSON
  local got
  got=$(jq -r "$1" <<<"$3")
  if [ "$got" != "$2" ]; then
    echo "expected $1 = $2, got $got in: $3" >&2
    exit 1
  fi
}

step "register: a person and two units (an employer in 济南 and its superior)"
PW='Story#2026pass'
call "" POST "$API/register/person" \
  "{\"name\":\"张三\",\"id_number\":\"37010219850315123X\",\"phone\":\"13912345678\",\"password\":\"$PW\",\"password2\":\"$PW\"}"
echo
call "" POST "$API/register/unit" \
  "{\"name\":\"济南市示例机械有限公司\",\"credit_code\":\"91370100MA3C00001H\",\"region\":\"370100\",\"contact\":\"李四\",\"contact_phone\":\"13800000001\",\"password\":\"$PW\",\"password2\":\"$PW\"}"
echo
superior=$(call "" POST "$API/register/unit" \
  "{\"name\":\"济南市示例集团有限公司\",\"credit_code\":\"91370100MA3C00002L\",\"region\":\"370100\",\"contact\":\"王五\",\"contact_phone\":\"13800000002\",\"password\":\"$PW\",\"password2\":\"$PW\"}")
echo "$superior"
superior_id=$(jq -r .id <<<"$superior")

step "tokens (on the pages: 访问令牌 → 新建令牌; here the operator's command line)"
printf '%s\n' 'Story#2026admin' | "$BIN" admin create --username jn_op --bureau 济南市 --role operator --password-stdin >/dev/null
P=$("$BIN" token --kind person --account 37010219850315123X --scope write --days 1 --name 示例)
A=$("$BIN" token --kind unit --account 91370100MA3C00001H --scope write --days 1 --name 示例)
B=$("$BIN" token --kind unit --account 91370100MA3C00002L --scope write --days 1 --name 示例)
OP=$("$BIN" token --kind admin --account jn_op --scope write --days 1 --name 示例)

step "the person: 新增 with 基本信息, then every module"
title=$(call "" GET "$API/dict/titles?level=3" | jq -r '.[] | select(.name=="工程师") | .id')
specialty=$(call "" GET "$API/dict/specialties?title=$title" | jq -r '.[] | select(.name=="机械工程") | .id')
app=$(call "$P" POST "$API/applications" \
  "{\"phone\":\"13912345678\",\"declare_unit_name\":\"济南市示例机械有限公司\",\"is_work_unit\":\"是\",\"level\":\"3\",\"title\":\"$title\",\"specialty\":\"$specialty\",\"declare_method\":\"1\",\"title_year\":\"2018\"}")
echo "$app"
id=$(jq -r .id <<<"$app")
call "$P" PUT "$API/applications/$id/original" \
  '{"title_name":"工程师","series":"05","level":"3","obtained_by":"评审","issuer":"江苏省工程技术中级评审委员会","approval_no":"苏职改〔2018〕12号","issuer_region":"江苏省","certificate_no":"JS2018-000123","obtained_date":"2018-06-30"}' >/dev/null
call "$P" PUT "$API/applications/$id/transfer" \
  '{"prev_employer":"南京某机械有限公司","prev_province":"江苏省","moved_date":"2024-03-01","how":"调动"}' >/dev/null
call "$P" PUT "$API/applications/$id/education" \
  '{"rows":[{"school":"东南大学","major":"机械工程","education":"大学本科","degree":"学士","graduated":"2012-07-01"}]}' >/dev/null
call "$P" PUT "$API/applications/$id/work" \
  '{"rows":[{"from":"2012-07-15","to":"2024-02-28","employer":"南京某机械有限公司","post":"工程师"}]}' >/dev/null

step "附件材料: one PDF per slot"
printf '%%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n' >"$work/scan.pdf"
for slot in certificate approval transfer_proof social_insurance diploma photo; do
  curl -sS --fail-with-body -H "Authorization: Bearer $P" -F "slot=$slot" -F "file=@$work/scan.pdf;type=application/pdf" \
    "$API/applications/$id/attachments" >/dev/null
done

step "确定申报 (with the pledge): 待审核 at the employer"
detail=$(call "$P" GET "$API/applications/$id")
expect '.gaps | length' 0 "$detail"
pos=$(call "$P" POST "$API/applications/$id/submit" "{\"version\":\"$(jq -r .version <<<"$detail")\",\"pledge\":true}")
expect .state pending "$pos"

step "the employer: 通过 (no final authority, so 待上报), a 上报路径 to the superior, 数据上报"
v=$(call "$A" GET "$API/review?held_now=true" | jq -r ".items[] | select(.id==\"$id\") | .version")
pos=$(call "$A" POST "$API/review/$id/approve" "{\"version\":\"$v\",\"opinion\":\"情况属实\"}")
expect .state to_report "$pos"
path=$(call "$A" POST "$API/paths" "{\"superior\":\"$superior_id\",\"series\":\"05\",\"level\":\"3\"}")
path=$(call "$B" POST "$API/paths/$(jq -r .id <<<"$path")/decide" '{"decision":"approve"}')
expect .state active "$path"
report=$(call "$A" POST "$API/report" "{\"items\":[{\"id\":\"$id\",\"version\":\"$(jq -r .version <<<"$pos")\"}]}")
expect '.reported[0]' "$id" "$report"

step "the superior asks for 终审权限; the city bureau grants it through the back-office API"
grant=$(call "$B" POST "$API/grants" '{"level":"3","bureau":"370100"}')
grant=$(call "$OP" POST "$BACK/grants/$(jq -r .id <<<"$grant")/decide" '{"decision":"approve"}')
expect .state active "$grant"

step "the superior: 通过 is now 终审通过"
v=$(call "$B" GET "$API/review?held_now=true" | jq -r ".items[] | select(.id==\"$id\") | .version")
pos=$(call "$B" POST "$API/review/$id/approve" "{\"version\":\"$v\",\"opinion\":\"同意\"}")
expect .state approved "$pos"

step "the person downloads the 转入表; anyone can verify it"
curl -sS --fail-with-body -H "Authorization: Bearer $P" -o "$work/form.pdf" "$API/applications/$id/form.pdf"
head -c 5 "$work/form.pdf" | grep -q '%PDF-'
serial=$(call "$P" GET "$API/applications/$id" | jq -r .serial)
curl -fsS "http://127.0.0.1:19210/rsrc/verify/$serial" | grep -q '该转入表真实有效'
echo "verified: /rsrc/verify/$serial"
call "$P" GET "$API/applications/$id/history" | jq -r '.[] | "\(.action)\t\(.to_state // "")\t\(.actor)"'
echo "the story is complete: application $id 终审通过, 转入表 $(wc -c <"$work/form.pdf") bytes"
