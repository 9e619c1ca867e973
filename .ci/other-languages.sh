#!/usr/bin/env bash
# Proves that openapi/jumio-kyx.yaml serves other languages: installs the pinned tools, then
#   1. lints the spec with Spectral (spectral:oas recommended + the conventions in .spectral.yaml),
#      warnings included;
#   2. renders the human-readable docs with `redocly build-docs` (one HTML file, not kept);
#   3. generates TypeScript types with openapi-typescript and type-checks
#      tests/other-languages/flow.ts against them (tsc --noEmit, strict);
#   4. generates a Python client with openapi-python-client, installs it, starts the jumio-kyx
#      sandbox and runs tests/other-languages/python_flow.py (the 10011 flow) with that client.
# Generated code lives in a temporary folder and is removed on exit. Fails on the first failure.
#
# Usage: bash .ci/other-languages.sh
#   TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) caches the tools between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
OPENAPI_TYPESCRIPT_VERSION=7.13.0
TYPESCRIPT_VERSION=5.9.3
SPECTRAL_CLI_VERSION=6.16.3
REDOCLY_CLI_VERSION=2.11.1
TOOLS_DIR="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}"
SPEC=openapi/jumio-kyx.yaml
HERE=tests/other-languages
PY_VENV="$TOOLS_DIR/other-languages-venv"
NODE_TOOLS="$TOOLS_DIR/other-languages-node"
BIN="$NODE_TOOLS/node_modules/.bin"
REDOCLY="$TOOLS_DIR/node/node_modules/.bin/redocly"

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

source .ci/lib.sh
work_folder jumio-kyx-other-languages

# The version of an npm package installed under the prefix $1, or nothing.
npm_version() {
  node -p "require(process.argv[1]).version" "$1/node_modules/$2/package.json" 2>/dev/null || true
}

step "Install the pinned tools into $TOOLS_DIR"
mkdir -p "$TOOLS_DIR"
if [ "$("$PY_VENV/bin/openapi-python-client" --version 2>/dev/null)" \
  != "openapi-python-client version: $OPENAPI_PYTHON_CLIENT_VERSION" ]; then
  [ -x "$PY_VENV/bin/python" ] || python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
fi
if [ "$(npm_version "$NODE_TOOLS" openapi-typescript)" != "$OPENAPI_TYPESCRIPT_VERSION" ] ||
  [ "$(npm_version "$NODE_TOOLS" typescript)" != "$TYPESCRIPT_VERSION" ] ||
  [ "$(npm_version "$NODE_TOOLS" @stoplight/spectral-cli)" != "$SPECTRAL_CLI_VERSION" ]; then
  npm install --prefix "$NODE_TOOLS" --save-exact --no-audit --no-fund --loglevel=error \
    "openapi-typescript@$OPENAPI_TYPESCRIPT_VERSION" "typescript@$TYPESCRIPT_VERSION" \
    "@stoplight/spectral-cli@$SPECTRAL_CLI_VERSION"
fi
# Redocly CLI as .ci/run installs it (same folder, same version).
if [ "$("$REDOCLY" --version 2>/dev/null)" != "$REDOCLY_CLI_VERSION" ]; then
  npm install --prefix "$TOOLS_DIR/node" --no-audit --no-fund --loglevel=error \
    "@redocly/cli@$REDOCLY_CLI_VERSION"
fi
echo "openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION," \
  "openapi-typescript $OPENAPI_TYPESCRIPT_VERSION, typescript $TYPESCRIPT_VERSION," \
  "spectral-cli $SPECTRAL_CLI_VERSION, redocly $REDOCLY_CLI_VERSION"

step "Spectral: spectral:oas recommended + the conventions of .spectral.yaml, warnings fail"
"$BIN/spectral" lint "$SPEC" --ruleset .spectral.yaml --fail-severity=warn

step "Render the API docs with redocly build-docs"
"$REDOCLY" build-docs "$SPEC" --output "$WORK/docs/jumio-kyx.html"
DOCS_BYTES="$(wc -c <"$WORK/docs/jumio-kyx.html")"
[ "$DOCS_BYTES" -gt 100000 ] || fail "the rendered docs are only $DOCS_BYTES bytes"
for text in "Jumio KYX Platform API" createAccount uploadCredentialPart WorkflowExecutionDetails; do
  grep -q "$text" "$WORK/docs/jumio-kyx.html" || fail "the rendered docs do not mention $text"
done
echo "docs: $DOCS_BYTES bytes"

step "TypeScript: openapi-typescript types, tsc --noEmit (strict) on $HERE/flow.ts"
mkdir -p "$WORK/typescript"
"$BIN/openapi-typescript" "$SPEC" --output "$WORK/typescript/jumio-kyx.ts"
cp "$HERE/flow.ts" "$HERE/tsconfig.json" "$WORK/typescript/"
"$BIN/tsc" --project "$WORK/typescript/tsconfig.json"
echo "typescript: flow.ts type-checks against the generated types"

step "Python: generate the client with openapi-python-client and install it"
# The venv's bin on PATH: the generator formats its output with the ruff it depends on.
PATH="$PY_VENV/bin:$PATH" "$PY_VENV/bin/openapi-python-client" generate --path "$SPEC" \
  --config "$HERE/openapi-python-client.yaml" --output-path "$WORK/python-client" \
  2>&1 | tee "$WORK/python-generate.log"
# It exits 0 when it skips an operation or a schema it cannot handle; that is a failure here.
if grep -q -E 'Warning|Error|Unable|Skipping' "$WORK/python-generate.log"; then
  fail "openapi-python-client did not generate the whole spec (see above)"
fi
"$PY_VENV/bin/pip" install --quiet --disable-pip-version-check "$WORK/python-client"

step "Python: the 10011 flow against the sandbox with the generated client"
cargo build -p jumio-kyx-sandbox --locked
PORT="$("$PY_VENV/bin/python" -c \
  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
target/debug/jumio-kyx-sandbox --addr "127.0.0.1:$PORT" >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
# Wait until the sandbox answers its health check (at most about 10 s).
if ! "$PY_VENV/bin/python" - "$BASE" <<'EOF'; then
import sys, time, urllib.request
request = urllib.request.Request(sys.argv[1] + "/", headers={"User-Agent": "jumio-kyx-ci"})
for _ in range(200):
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
  cat "$WORK/sandbox.log" >&2
  fail "the sandbox did not start"
fi
"$PY_VENV/bin/python" "$HERE/python_flow.py" "$BASE" sandbox-client sandbox-secret ||
  { echo "--- sandbox log" >&2; cat "$WORK/sandbox.log" >&2; fail "the Python flow failed"; }
