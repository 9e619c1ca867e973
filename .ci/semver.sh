#!/usr/bin/env bash
# The gate on the Rust crates' public API: cargo-semver-checks (pinned) compares the API of
# jumio-kyx, and of jumio-kyx-sandbox where the base has that package, at HEAD with a base
# revision, and fails when a change needs a bigger version bump than the one made (for 0.x, the
# minor number is the major one: 0.1.0 -> 0.2.0 may break, 0.2.0 -> 0.2.1 may not; an unchanged
# version is checked as a minor release).
#
# Usage: bash .ci/semver.sh [BASE_REV]
#   BASE_REV defaults to the newest tag reachable from HEAD that matches v*, else HEAD~1.
#   TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) caches cargo-semver-checks,
#   installed with `cargo install --locked` (a long build the first time, about 15 minutes on 2
#   cores; its release profile's LTO and single codegen unit are turned off for that build).
#
# Features: cargo-semver-checks' default, which checks every feature but unstable-looking ones.
# At a base from before the workspace (0.1.0, HEAD~1 of the split), jumio-kyx had the features
# `sandbox` and `cli`: they are built for the baseline, and what they gated counts as removed, which
# 0.1.0 -> 0.2.0 allows. jumio-kyx-sandbox did not exist there and is not checked.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_SEMVER_CHECKS_VERSION=0.51.0
TOOLS_DIR="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}"
CARGO_TOOLS="$TOOLS_DIR/cargo"
PACKAGES=(jumio-kyx jumio-kyx-sandbox)
# One target folder for every crate that cargo-semver-checks documents (current and baseline, each
# package): their dependencies are then checked once, not once per package and side.
SEMVER_TARGET_DIR="$PWD/target/semver-checks-shared"

source .ci/lib.sh
resolve_base "semver" .ci/semver.sh "$@"

if [ "$("$CARGO_TOOLS/bin/cargo-semver-checks" --version 2>/dev/null)" \
  != "cargo-semver-checks $CARGO_SEMVER_CHECKS_VERSION" ]; then
  echo "Installing cargo-semver-checks $CARGO_SEMVER_CHECKS_VERSION into $CARGO_TOOLS"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked --root "$CARGO_TOOLS" "cargo-semver-checks@$CARGO_SEMVER_CHECKS_VERSION"
fi
"$CARGO_TOOLS/bin/cargo-semver-checks" --version

# The packages of a revision: the [package] names of its Cargo.toml files.
packages_at() {
  git ls-tree -r --name-only "$1" | grep -E '(^|/)Cargo\.toml$' | while read -r manifest; do
    git show "$1:$manifest" | python3 -c \
      'import sys, tomllib; print(tomllib.loads(sys.stdin.read()).get("package", {}).get("name", ""))'
  done
}
BASE_PACKAGES=" $(packages_at "$BASE_COMMIT" | tr '\n' ' ') "
HEAD_PACKAGES=" $(packages_at HEAD | tr '\n' ' ') "
has_package() {
  case "$1" in
    base) [[ "$BASE_PACKAGES" == *" $2 "* ]] ;;
    head) [[ "$HEAD_PACKAGES" == *" $2 "* ]] ;;
  esac
}

echo "Comparing the public API at HEAD ($(git rev-parse --short HEAD)) with $BASE_REV ($(git rev-parse --short "$BASE_COMMIT"))"
checked=()
for package in "${PACKAGES[@]}"; do
  if ! has_package base "$package"; then
    echo "semver: $package does not exist at $BASE_REV: not checked"
    continue
  fi
  has_package head "$package" ||
    { echo "semver: FAIL: $package exists at $BASE_REV but not at HEAD (a removed crate)" >&2; exit 1; }
  checked+=(--package "$package")
done
[ "${#checked[@]}" -gt 0 ] || { echo "semver: FAIL: none of ${PACKAGES[*]} exists at $BASE_REV" >&2; exit 1; }

if ! PATH="$CARGO_TOOLS/bin:$PATH" CARGO_TARGET_DIR="$SEMVER_TARGET_DIR" \
  cargo semver-checks "${checked[@]}" --baseline-rev "$BASE_COMMIT"; then
  echo "semver: FAIL: the public API changed more than the version bump allows (see above)" >&2
  exit 1
fi
echo "semver: ok"
