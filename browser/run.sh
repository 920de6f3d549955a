#!/usr/bin/env bash
# Runs the browser tests. Needs Debian's chromium (/usr/bin/chromium or CHROMIUM_PATH) and a
# built binary (/root/.cache/zhicheng-target/debug/zhicheng or ZHICHENG_BIN).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm test
