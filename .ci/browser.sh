#!/usr/bin/env bash
# Runs the sandbox's Web journey in a real browser: headless Chromium (Debian's chromium and
# chromium-driver), driven by selenium 4.51.0 from PyPI under pytest 9.2.0 (tests/browser/). The
# journey is embedded in an iFrame by a local page that checks its postMessage events, goes to the
# local successUrl and errorUrl receivers, refuses bad files and takes retries, and works with
# JavaScript off; the Rust CLI then reads the result. Fails on any failure.
#
# Usage: bash .ci/browser.sh [TOOLS_DIR]
#   TOOLS_DIR (or $TOOLS_DIR; default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) holds the
#   Python environment. Installs chromium and chromium-driver with apt-get (as root) unless
#   /usr/bin/chromium and /usr/bin/chromedriver are there already. Screenshots of every step, one
#   folder per test, and junit.xml go to ${CI_OUTPUT_DIR:-target/ci-output}/browser/.
#   BROWSER_TESTS_PYTEST_ARGS adds arguments to pytest (a -k filter, say).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${1:-${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}}"
HERE=tests/browser
REQUIREMENTS="$HERE/requirements.txt"
# One environment per set of pins: a changed requirements.txt gets a fresh one.
VENV="$TOOLS/browser-venv-$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
OUT="${CI_OUTPUT_DIR:-target/ci-output}/browser"
TARGET="${CARGO_TARGET_DIR:-target}/debug"
CLIENT_ID=browser-tests
# The short session timeout of the second sandbox, for the test of an idle session.
SESSION_TIMEOUT_SECS=3
STARTED_AT=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jumio-kyx-browser.XXXXXX")"
SANDBOX_PIDS=()
SANDBOX_NAMES=()
cleanup() {
  local pid
  for pid in "${SANDBOX_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # A browser or driver outlives pytest only when pytest was killed: its profile is under $WORK.
  for pid in $(pgrep -f -- "$WORK/" || true); do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

step "Chromium and ChromeDriver (Debian's chromium and chromium-driver)"
if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
  echo "already installed"
else
  [ "$(id -u)" -eq 0 ] || fail "installing chromium and chromium-driver needs root (apt-get)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
# Debian's launcher script can print a shell warning about /dev/shm; the version is the last line.
CHROMIUM_VERSION="$("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
CHROMEDRIVER_VERSION="$("$CHROMEDRIVER" --version)"
echo "$CHROMIUM_VERSION"
echo "$CHROMEDRIVER_VERSION"
browser_major="$(grep -o -E '[0-9]+\.' <<<"$CHROMIUM_VERSION" | head -n 1)"
driver_major="$(grep -o -E '[0-9]+\.' <<<"$CHROMEDRIVER_VERSION" | head -n 1)"
[ -n "$browser_major" ] && [ "$browser_major" = "$driver_major" ] ||
  fail "Chromium ($CHROMIUM_VERSION) and ChromeDriver ($CHROMEDRIVER_VERSION) are not of one major version"

step "Python environment with selenium and pytest ($REQUIREMENTS) in $VENV"
mkdir -p "$TOOLS"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
"$VENV/bin/pip" list --disable-pip-version-check 2>/dev/null | grep -E '^(selenium|pytest) '

step "Build the sandbox and the CLI"
cargo build --locked -p jumio-kyx-sandbox -p jumio-kyx-cli
[ -x "$TARGET/jumio-kyx-sandbox" ] && [ -x "$TARGET/jumio-kyx" ] || fail "no binaries in $TARGET"

CLIENT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
# start_sandbox NAME VARIABLE FLAGS...: starts a sandbox on a free loopback port (it picks the port
# itself and prints its base URL) and sets VARIABLE to that URL once `GET /` answers.
start_sandbox() {
  local name="$1" variable="$2" url="" pid
  shift 2
  JUMIO_SANDBOX_CLIENT_SECRET="$CLIENT_SECRET" "$TARGET/jumio-kyx-sandbox" --addr 127.0.0.1:0 \
    --client-id "$CLIENT_ID" --no-rate-limits "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  pid=$!
  SANDBOX_PIDS+=("$pid")
  SANDBOX_NAMES+=("$name")
  for _ in $(seq 1 200); do
    url="$(sed -n 's/^Jumio KYX sandbox listening on \(http:[^ ]*\)$/\1/p' "$WORK/$name.out")"
    if [ -n "$url" ] &&
      curl --silent --fail --max-time 2 --user-agent "jumio-kyx browser-tests" "$url/" >/dev/null; then
      printf -v "$variable" '%s' "${url%/}"
      echo "sandbox $name: ${url%/} ($*)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$WORK/$name.log" >&2
      fail "the sandbox $name did not start"
    fi
    sleep 0.05
  done
  fail "the sandbox $name did not answer within 10 s"
}

step "Start the sandboxes"
start_sandbox main SANDBOX_URL --processing-delay-ms 300
start_sandbox short-session SHORT_SESSION_URL --processing-delay-ms 300 \
  --session-timeout "${SESSION_TIMEOUT_SECS}s"

step "pytest $HERE in headless Chromium"
rm -rf "$OUT"
mkdir -p "$OUT"
status=0
BROWSER_TESTS_SANDBOX_URL="$SANDBOX_URL" \
  BROWSER_TESTS_SHORT_SESSION_URL="$SHORT_SESSION_URL" \
  BROWSER_TESTS_SESSION_TIMEOUT_SECS="$SESSION_TIMEOUT_SECS" \
  BROWSER_TESTS_CLIENT_ID="$CLIENT_ID" \
  BROWSER_TESTS_CLIENT_SECRET="$CLIENT_SECRET" \
  BROWSER_TESTS_CLI="$TARGET/jumio-kyx" \
  BROWSER_TESTS_CHROMIUM="$CHROMIUM" \
  BROWSER_TESTS_CHROMEDRIVER="$CHROMEDRIVER" \
  BROWSER_TESTS_OUTPUT_DIR="$OUT" \
  SE_OFFLINE=true PYTHONDONTWRITEBYTECODE=1 \
  "$VENV/bin/python" -m pytest -v -p no:cacheprovider --rootdir "$HERE" --basetemp "$WORK/pytest" \
  --junitxml "$OUT/junit.xml" ${BROWSER_TESTS_PYTEST_ARGS:-} "$HERE" || status=$?

for i in "${!SANDBOX_PIDS[@]}"; do
  if ! kill -0 "${SANDBOX_PIDS[$i]}" 2>/dev/null; then
    echo "the sandbox ${SANDBOX_NAMES[$i]} died during the run" >&2
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  for name in "${SANDBOX_NAMES[@]}"; do
    echo "--- sandbox $name, the last lines of its log" >&2
    tail -n 40 "$WORK/$name.log" >&2
  done
fi
echo "screenshots: $(find "$OUT" -name '*.png' | wc -l) in $OUT"
echo "browser tests took $((SECONDS - STARTED_AT)) s"
exit "$status"
