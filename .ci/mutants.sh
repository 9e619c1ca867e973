#!/usr/bin/env bash
# Mutation testing of the Rust code a change touched: cargo-mutants (pinned) mutates the lines of
# `git diff BASE_REV` and runs the tests of `.cargo/mutants.toml` (the library's unit tests and the
# `it` integration target of the mutated package) against each mutant. A mutant that no test
# catches fails the step: the changed code has behaviour that no test checks.
#
# Usage: bash .ci/mutants.sh [BASE_REV]
#   BASE_REV defaults to HEAD~1 (on main: the previous commit of main, so a merge is checked whole).
#   TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) caches cargo-mutants.
#   MUTANTS_BUDGET (default 4) is the most mutants tested: a larger diff is sampled (every n-th
#   mutant, from an offset the fixed MUTANTS_SEED, default 1, picks), and the step says how many of
#   how many it tested.
#   MUTANTS_TIMEOUT (default 90, about 4 times the slower `it` target) is the longest test run of
#   one mutant, in seconds.
#   MUTANTS_TARGET_DIR (default target, the folder of the earlier CI steps) holds the builds of the
#   mutated copies: the dependencies the test step built are reused there.
#
# Cost, measured on 2 cores shared with other builds: one build of the workspace crates in the
# scratch copy (3 minutes), then 40 s to 2 minutes per mutant (an incremental build of the library,
# the sandbox and the `it` target, and the tests, whose `it` targets run for about 20 s; a mutant
# that makes them hang costs MUTANTS_TIMEOUT): 4 mutants take 6 to 11 minutes, which keeps CI
# under 40 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_MUTANTS_VERSION=27.1.0
TOOLS_DIR="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}"
MUTANTS_ROOT="$TOOLS_DIR/cargo-mutants"
BUDGET="${MUTANTS_BUDGET:-4}"
SEED="${MUTANTS_SEED:-1}"
TIMEOUT="${MUTANTS_TIMEOUT:-90}"
# The packages whose tests `.cargo/mutants.toml` runs (`--lib --test it`); the cli's tests are
# targets of their own.
PACKAGES=(jumio-kyx jumio-kyx-sandbox)

if [ "$#" -gt 1 ]; then
  echo "usage: bash .ci/mutants.sh [BASE_REV]" >&2
  exit 2
fi
BASE_REV="${1:-HEAD~1}"
if ! BASE_COMMIT="$(git rev-parse --verify --quiet "$BASE_REV^{commit}")"; then
  if [ "$#" -eq 0 ]; then
    echo "mutants: ok: HEAD has no parent, no change to test"
    exit 0
  fi
  echo "mutants: FAIL: $BASE_REV is not a revision of this repository" >&2
  exit 1
fi

changed="$(git diff --name-only "$BASE_COMMIT" -- '*.rs')"
if [ -z "$changed" ]; then
  echo "mutants: ok: no Rust file changed since $BASE_REV ($(git rev-parse --short "$BASE_COMMIT")), nothing to mutate"
  exit 0
fi

if [ "$("$MUTANTS_ROOT/bin/cargo-mutants" mutants --version 2>/dev/null)" \
  != "cargo-mutants $CARGO_MUTANTS_VERSION" ]; then
  echo "Installing cargo-mutants $CARGO_MUTANTS_VERSION into $MUTANTS_ROOT"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked cargo-mutants --version "$CARGO_MUTANTS_VERSION" --root "$MUTANTS_ROOT"
fi
export PATH="$MUTANTS_ROOT/bin:$PATH"
cargo mutants --version

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git diff "$BASE_COMMIT" >"$work/change.diff"

package_args=()
for package in "${PACKAGES[@]}"; do
  package_args+=(--package "$package")
done

# One build folder for every mutant (cargo-mutants tests them one at a time: `-j 1`, its default).
export CARGO_TARGET_DIR="${MUTANTS_TARGET_DIR:-$PWD/target}"

cargo mutants --in-diff "$work/change.diff" "${package_args[@]}" --list >"$work/all.txt"
total="$(grep -c . "$work/all.txt" || true)"
echo "mutants: $total mutants in the Rust code changed since $BASE_REV ($(git rev-parse --short "$BASE_COMMIT")):"
echo "$changed" | sed 's/^/  /'
if [ "$total" -eq 0 ]; then
  echo "mutants: ok: the change holds no mutant (tests, comments, or code excluded in .cargo/mutants.toml)"
  exit 0
fi

selection=()
if [ "$total" -gt "$BUDGET" ]; then
  # A fixed sample, so that a rerun of the same change tests the same mutants: every n-th mutant of
  # the list (cargo-mutants' round-robin shards), from an offset the seed picks. (`--re` cannot
  # select single mutants: it does not filter every kind of mutant.)
  shards=$(((total + BUDGET - 1) / BUDGET))
  shard=$((SEED % shards))
  selection=(--shard "$shard/$shards" --sharding round-robin)
  sampled="$(cargo mutants --in-diff "$work/change.diff" "${package_args[@]}" "${selection[@]}" --list | grep -c . || true)"
  echo "mutants: sampled $sampled of $total mutants: one in $shards, from offset $shard (MUTANTS_BUDGET=$BUDGET, MUTANTS_SEED=$SEED)"
fi

status=0
nice -n 19 cargo mutants --in-diff "$work/change.diff" "${package_args[@]}" "${selection[@]}" \
  --timeout "$TIMEOUT" --output "$work" --no-shuffle || status=$?

outcomes="$work/mutants.out"
for kind in caught missed timeout unviable; do
  count=0
  [ -f "$outcomes/$kind.txt" ] && count="$(grep -c . "$outcomes/$kind.txt" || true)"
  printf -v "n_$kind" '%s' "$count"
done
echo "mutants: summary: tested $((n_caught + n_missed + n_timeout + n_unviable)) of $total: caught $n_caught, missed $n_missed, timeouts $n_timeout, unviable $n_unviable"
case "$status" in
  0) echo "mutants: ok" ;;
  2)
    echo "mutants: FAIL: $n_missed mutants survived the tests (no test checks what they change):" >&2
    sed 's/^/  /' "$outcomes/missed.txt" >&2
    exit 1
    ;;
  3)
    # A mutant that makes the tests hang is caught, only slowly.
    echo "mutants: ok: no mutant survived; $n_timeout made the tests run past ${TIMEOUT}s:"
    sed 's/^/  /' "$outcomes/timeout.txt"
    ;;
  *)
    echo "mutants: FAIL: cargo mutants exited with $status (4: the tests fail without any mutant)" >&2
    exit 1
    ;;
esac
