#!/usr/bin/env bash
# Attachments on S3-compatible storage, against a real S3 server on this machine: installs
# moto's S3 server (PyPI, in a venv cached under ~/.cache), starts it on 127.0.0.1 on a free
# port, creates a bucket and runs the integration tests that need it (`cargo test --test api
# s3`). Without ZHICHENG_TEST_S3_ENDPOINT those tests skip with a note; this script sets it.
#
#   bash scripts/s3-check.sh            # extra arguments go to the test binary
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhicheng-target}"
VENV="${ZHICHENG_S3_VENV:-$HOME/.cache/zhicheng-moto}"
MOTO_VERSION="5.2.6"

# 1. moto's server, once (the venv is reused while it has that version).
if ! "$VENV/bin/python" -c "import moto, flask; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  echo "installing moto[server] $MOTO_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION"
fi

# 2. A free port on 127.0.0.1, and the server on it.
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ENDPOINT="http://127.0.0.1:$PORT"
LOG=$(mktemp -t zhicheng-moto.XXXXXX.log)
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$ENDPOINT/moto-api/" 2>/dev/null && break
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$LOG"; echo "the S3 server did not start" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "$ENDPOINT/moto-api/" || { cat "$LOG"; echo "the S3 server does not answer" >&2; exit 1; }

# 3. The bucket (moto takes unsigned requests; a real server would want a signature).
BUCKET="zhicheng-test"
curl -fsS -o /dev/null -X PUT "$ENDPOINT/$BUCKET"
echo "S3 server (moto $MOTO_VERSION) at $ENDPOINT, bucket $BUCKET"

# 4. The tests that need it; each one works under a prefix of its own.
export ZHICHENG_TEST_S3_ENDPOINT="$ENDPOINT"
export ZHICHENG_TEST_S3_BUCKET="$BUCKET"
export ZHICHENG_TEST_S3_ACCESS_KEY_ID="testing"
export ZHICHENG_TEST_S3_SECRET_ACCESS_KEY="testing"
cargo test --test api s3 -- "$@"
