#!/usr/bin/env bash
# Proves the Python wheel of the sandbox (sandbox/python/): builds it with maturin (pinned, from
# PyPI; release profile), installs it with pytest (pinned) and the Python client that
# openapi-python-client generates from the spec into a fresh virtual environment, and runs the
# 10011 flow of tests/other-languages/python_flow.py through the wheel's pytest fixture
# (tests/other-languages/test_sandbox_wheel.py) with PATH restricted to that environment and the
# system's /usr/bin:/bin, where no cargo or rustc is. Fails on any failure.
#
# Usage: bash .ci/wheel.sh [TOOLS_DIR]
#   TOOLS_DIR (or $TOOLS_DIR; default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) caches maturin
#   and openapi-python-client (the same environment as .ci/other-languages.sh). The wheel, the
#   generated client and the test environment live in a temporary folder, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
# One pin for the generator: the one .ci/other-languages.sh uses.
OPENAPI_PYTHON_CLIENT_VERSION="$(sed -n 's/^OPENAPI_PYTHON_CLIENT_VERSION=//p' .ci/other-languages.sh)"
TOOLS="${1:-${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}}"
MATURIN_VENV="$TOOLS/maturin-$MATURIN_VERSION"
GENERATOR_VENV="$TOOLS/other-languages-venv"
SPEC=openapi/jumio-kyx.yaml
HERE=tests/other-languages
# Without Rust: the test environment's scripts, then the system's.
NO_RUST_PATH_TAIL=/usr/bin:/bin

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

[ -n "$OPENAPI_PYTHON_CLIENT_VERSION" ] || fail "no OPENAPI_PYTHON_CLIENT_VERSION in .ci/other-languages.sh"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/jumio-kyx-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

step "Install maturin $MATURIN_VERSION and openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION into $TOOLS"
mkdir -p "$TOOLS"
if [ "$("$MATURIN_VENV/bin/maturin" --version 2>/dev/null)" != "maturin $MATURIN_VERSION" ]; then
  [ -x "$MATURIN_VENV/bin/python" ] || python3 -m venv "$MATURIN_VENV"
  "$MATURIN_VENV/bin/pip" install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
fi
if [ "$("$GENERATOR_VENV/bin/openapi-python-client" --version 2>/dev/null)" \
  != "openapi-python-client version: $OPENAPI_PYTHON_CLIENT_VERSION" ]; then
  [ -x "$GENERATOR_VENV/bin/python" ] || python3 -m venv "$GENERATOR_VENV"
  "$GENERATOR_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
fi
"$MATURIN_VENV/bin/maturin" --version

step "Build the wheel: maturin build --release (sandbox/python/pyproject.toml)"
(cd sandbox/python && "$MATURIN_VENV/bin/maturin" build --release --locked --out "$WORK/wheels")
VERSION="$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["workspace"]["package"]["version"])' Cargo.toml)"
WHEELS=("$WORK"/wheels/jumio_kyx_sandbox-"$VERSION"-*.whl)
[ -f "${WHEELS[0]}" ] || fail "no wheel jumio_kyx_sandbox-$VERSION-*.whl (the workspace version): $(ls "$WORK/wheels")"
[ "${#WHEELS[@]}" -eq 1 ] || fail "more than one wheel: ${WHEELS[*]}"
WHEEL="${WHEELS[0]}"
echo "wheel: $(basename "$WHEEL") ($(wc -c <"$WHEEL") bytes)"
python3 - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for wanted in ("/scripts/jumio-kyx-sandbox", "jumio_kyx_sandbox/__init__.py",
               "jumio_kyx_sandbox/pytest_plugin.py", "/entry_points.txt"):
    if not any(name.endswith(wanted) or name.startswith(wanted) for name in names):
        sys.exit(f"the wheel has no {wanted}: {names}")
print("contents:", ", ".join(sorted(names)))
EOF

step "Generate the Python client with openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION"
PATH="$GENERATOR_VENV/bin:$PATH" "$GENERATOR_VENV/bin/openapi-python-client" generate --path "$SPEC" \
  --config "$HERE/openapi-python-client.yaml" --output-path "$WORK/python-client" \
  >"$WORK/python-generate.log" 2>&1 || { cat "$WORK/python-generate.log" >&2; fail "generation failed"; }
if grep -q -E 'Warning|Error|Unable|Skipping' "$WORK/python-generate.log"; then
  cat "$WORK/python-generate.log" >&2
  fail "openapi-python-client did not generate the whole spec"
fi
echo "generated jumio_kyx_client into $WORK/python-client"

step "A fresh virtual environment with the wheel, pytest $PYTEST_VERSION and the generated client"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
  "$WHEEL" "pytest==$PYTEST_VERSION" "$WORK/python-client"
"$WORK/venv/bin/pip" list --disable-pip-version-check 2>/dev/null | grep -E '^(jumio-kyx-sandbox|jumio-kyx-client|pytest) '

step "pytest: the 10011 flow through the jumio_sandbox fixture, no Rust toolchain on PATH"
PATH="$WORK/venv/bin:$NO_RUST_PATH_TAIL" PYTHONDONTWRITEBYTECODE=1 bash -c '
  set -euo pipefail
  for tool in cargo rustc rustup; do
    if found="$(command -v "$tool")"; then
      echo "error: $tool is reachable on PATH ($found)" >&2
      exit 1
    fi
  done
  echo "PATH=$PATH: command -v cargo, rustc and rustup find nothing"
  echo "jumio-kyx-sandbox is $(command -v jumio-kyx-sandbox)"
  exec python -m pytest -v -p no:cacheprovider "$1"
' bash "$HERE/test_sandbox_wheel.py"
# The fixture stopped its sandbox at the end of the session (and the test's own one at its end).
if pgrep -f "^$WORK/venv/bin/jumio-kyx-sandbox " >/dev/null; then
  fail "a sandbox started by the fixture is still running: $(pgrep -a -f "^$WORK/venv/bin/jumio-kyx-sandbox ")"
fi
echo "no sandbox left running"
