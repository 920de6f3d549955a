#!/usr/bin/env bash
# The test command: installs what the tests need beyond Rust (a CJK font for the 转入表 and
# poppler's pdftotext to read it back), then runs `cargo test` with any arguments given.
# Set ZHICHENG_TEST_DATABASE_URL=postgres://… to run the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
{ [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; } \
  || [ -n "${ZHICHENG_PDF_FONT:-}" ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "the tests need: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
exec cargo test "$@"
