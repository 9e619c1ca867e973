#!/usr/bin/env bash
# Fuzzes the `jumio-kyx sandbox` against openapi/jumio-kyx.yaml with schemathesis (pinned, from PyPI):
# no 5xx, and every status code, content type and response body as the spec declares them.
#
# Usage: .ci/schemathesis.sh [TOOLS_DIR]
#   TOOLS_DIR (or $TOOLS_DIR) holds the Python virtual environment; default ~/.cache/jumio-kyx-tools.
#   SCHEMATHESIS_MAX_EXAMPLES (default 30) and SCHEMATHESIS_MAX_TIME (seconds per run, default 40)
#   bound the run: three runs (token, access-token and transaction-token operations), about 2.5 min.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${1:-${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-tools}}"
VENV="$TOOLS/schemathesis-$SCHEMATHESIS_VERSION"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-30}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-40}"
USER_AGENT="jumio-kyx-ci schemathesis/$SCHEMATHESIS_VERSION"
CLIENT_ID=ci-client
CLIENT_SECRET=ci-secret

if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "Installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  mkdir -p "$TOOLS"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cd "$ROOT"
cargo build --quiet -p jumio-kyx-sandbox --locked

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
source .ci/lib.sh
work_folder jumio-kyx-schemathesis

JUMIO_SANDBOX_CLIENT_SECRET="$CLIENT_SECRET" target/debug/jumio-kyx-sandbox \
  --addr "127.0.0.1:$PORT" --client-id "$CLIENT_ID" --processing-delay-ms 50 --max-accounts 2000 --no-rate-limits \
  >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
  if curl --silent --fail --user-agent "$USER_AGENT" "$BASE/" >/dev/null; then
    break
  fi
  if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
    echo "the sandbox did not start:" >&2
    cat "$WORK/sandbox.log" >&2
    exit 1
  fi
  sleep 0.1
done

json_field() {
  python3 -c 'import json, sys; value = json.load(sys.stdin); exec("for key in sys.argv[1:]:\n    value = value[int(key) if isinstance(value, list) else key]"); print(value)' "$@"
}

ACCESS_TOKEN="$(curl --silent --fail --user-agent "$USER_AGENT" --user "$CLIENT_ID:$CLIENT_SECRET" \
  --data grant_type=client_credentials "$BASE/oauth2/token" | json_field access_token)"
# A workflow execution whose transaction token authorises the upload and finalize operations.
TRANSACTION_TOKEN="$(curl --silent --fail --user-agent "$USER_AGENT" \
  --header "Authorization: Bearer $ACCESS_TOKEN" --header 'Content-Type: application/json' \
  --data '{"customerInternalReference":"schemathesis","workflowDefinition":{"key":10011}}' \
  "$BASE/api/v1/accounts" | json_field workflowExecution credentials 0 api token)"

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# Run from the scratch directory: schemathesis keeps its state (.schemathesis/) in the working directory.
run() {
  (cd "$WORK" && "$VENV/bin/schemathesis" run "$ROOT/openapi/jumio-kyx.yaml" --url "$BASE" \
    --checks "$CHECKS" --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --max-response-time 5 \
    --request-timeout 10 --workers 1 --seed 4711 --suppress-health-check all \
    --header "User-Agent: $USER_AGENT" --output-truncate true "$@")
}

status=0
echo "== token endpoint (client credentials)"
run --include-operation-id requestAccessToken --auth "$CLIENT_ID:$CLIENT_SECRET" || status=1
echo "== account, retrieval and status operations (access token)"
run --exclude-operation-id requestAccessToken --exclude-operation-id uploadCredentialPart \
  --exclude-operation-id uploadPreparedData --exclude-operation-id finalizeWorkflowExecution \
  --header "Authorization: Bearer $ACCESS_TOKEN" || status=1
echo "== upload and finalize operations (transaction token)"
run --include-operation-id uploadCredentialPart --include-operation-id uploadPreparedData \
  --include-operation-id finalizeWorkflowExecution \
  --header "Authorization: Bearer $TRANSACTION_TOKEN" || status=1

if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
  echo "the sandbox died during the run:" >&2
  cat "$WORK/sandbox.log" >&2
  status=1
fi
exit "$status"
