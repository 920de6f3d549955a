#!/usr/bin/env bash
# One applicant for the workflow steps of bench/http.sh, ready for 确定申报: registered,
# with an application to UNIT whose every module and attachment is filled in (through the
# JSON API, as api-story does), and logged in on the pages. Prints one tab-separated line:
#   application id, session cookie header, form token, version
#
#   bench/applicant.sh INDEX   (environment: FRONT, BIN, DEMO_PASSWORD, STEP_UNIT, STEP_TITLE,
#                               STEP_SPECIALTY, STEP_SCAN: a small PDF to upload)
#
# INDEX makes the ID number and the phone unique: region 371002, which demo-data never uses.
set -euo pipefail
i=$1
API=$FRONT/rsrc/api/v1
id=$(python3 - "$i" <<'EOF'
import datetime, sys
i = int(sys.argv[1])
born = datetime.date(1975, 1, 1) + datetime.timedelta(days=i // 900)
body = "371002" + born.strftime("%Y%m%d") + "%03d" % (100 + i % 900)
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(body + "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11])
EOF
)
phone=166$(printf '%08d' "$i")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
# call METHOD PATH [JSON]: a JSON API call with the applicant's token (none before it has one).
call() { api "${token:-}" "$@"; }

call POST /register/person \
  "{\"name\":\"压测申报人\",\"id_number\":\"$id\",\"phone\":\"$phone\",\"password\":\"$DEMO_PASSWORD\",\"password2\":\"$DEMO_PASSWORD\"}" >/dev/null
token=$("$BIN" token --kind person --account "$id" --scope write --days 1 --name bench)
app=$(call POST /applications \
  "{\"phone\":\"$phone\",\"declare_unit_name\":\"$STEP_UNIT\",\"is_work_unit\":\"是\",\"level\":\"3\",\"title\":\"$STEP_TITLE\",\"specialty\":\"$STEP_SPECIALTY\",\"declare_method\":\"1\",\"title_year\":\"2018\"}" | jq -r .id)
call PUT "/applications/$app/original" \
  '{"title_name":"工程师","series":"05","level":"3","obtained_by":"评审","issuer":"江苏省工程技术中级评审委员会","approval_no":"苏职改〔2018〕12号","issuer_region":"江苏省","certificate_no":"JS2018-000123","obtained_date":"2018-06-30"}' >/dev/null
call PUT "/applications/$app/transfer" \
  '{"prev_employer":"南京某机械有限公司","prev_province":"江苏省","moved_date":"2024-03-01","how":"调动"}' >/dev/null
call PUT "/applications/$app/education" \
  '{"rows":[{"school":"东南大学","major":"机械工程","education":"大学本科","degree":"学士","graduated":"2012-07-01"}]}' >/dev/null
call PUT "/applications/$app/work" \
  '{"rows":[{"from":"2012-07-15","to":"2024-02-28","employer":"南京某机械有限公司","post":"工程师"}]}' >/dev/null
for slot in certificate approval transfer_proof social_insurance diploma photo; do
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -F "slot=$slot" \
    -F "file=@$STEP_SCAN;type=application/pdf" "$API/applications/$app/attachments"
done
detail=$(call GET "/applications/$app")
[ "$(jq '.gaps | length' <<<"$detail")" = 0 ] || { echo "applicant $i: the application still has gaps: $detail" >&2; exit 1; }
version=$(jq -r .version <<<"$detail")

# The page session: the cookies and the form token the 确定申报 form posts with.
IFS=$'\t' read -r cookie csrf < <(login front person "$id" "$DEMO_PASSWORD")
[ -n "$cookie" ] || exit 1 # login has said why
printf '%s\t%s\t%s\t%s\n' "$app" "$cookie" "$csrf" "$version"
