# Shared by bench/http.sh and bench/applicant.sh: a page login and a JSON API call.
# They need FRONT (and BACKURL for the back office) and a scratch directory in `work`.

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
