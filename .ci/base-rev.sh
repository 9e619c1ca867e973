#!/usr/bin/env bash
# Prints the default base revision of .ci/spec-gate.sh and .ci/semver.sh: the newest tag reachable
# from HEAD that matches v*, else HEAD~1. Exits 1 (printing nothing) when there is neither.
set -euo pipefail
cd "$(dirname "$0")/.."
if git describe --tags --abbrev=0 --match 'v*' HEAD 2>/dev/null; then
  exit 0
fi
if git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
  echo 'HEAD~1'
  exit 0
fi
exit 1
