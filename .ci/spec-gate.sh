#!/usr/bin/env bash
# The gate on spec changes: compares openapi/jumio-kyx.yaml at HEAD with a base revision, prints
# the changes classified as major (breaking), minor (compatible addition) or patch (descriptions,
# examples), and fails unless info.version was raised at least as far as the changes need
# (README.md "Versioning") and CHANGELOG.md has an entry for the new version.
#
# The classification is api-smart-diff's (pinned, from npm; OpenAPI 3.0 rules that know requests
# from responses) plus the README's rules that it does not apply: a removed field, a changed type
# or format, a removed enumeration value, open enumerations (x-extensible-enum) and callbacks; the
# list is at the top of .ci/spec-gate.mjs, which holds the policy.
#
# Usage: bash .ci/spec-gate.sh [BASE_REV]
#   BASE_REV defaults to the newest tag reachable from HEAD that matches v*, else HEAD~1.
#   Both sides are read from git (committed files, not the working tree).
#   TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci) caches the tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# api-smart-diff and its dependencies, each pinned (no lockfile: the versions are the pins).
API_SMART_DIFF_VERSION=1.0.6
ALLOF_MERGE_VERSION=0.6.8
JSON_CRAWL_VERSION=0.5.3
JS_YAML_VERSION=4.1.0
ARGPARSE_VERSION=2.0.1
TOOLS_DIR="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-kyx-ci}"
NODE_TOOLS="$TOOLS_DIR/spec-gate-node"
SPEC=openapi/jumio-kyx.yaml

npm_version() {
  node -p "require(process.argv[1]).version" "$NODE_TOOLS/node_modules/$1/package.json" 2>/dev/null || true
}

source .ci/lib.sh
resolve_base "spec gate" .ci/spec-gate.sh "$@"
BASE_LABEL="$BASE_REV ($(git rev-parse --short "$BASE_COMMIT"))"
echo "Comparing $SPEC at HEAD ($(git rev-parse --short HEAD)) with $BASE_LABEL"

if ! git cat-file -e "$BASE_COMMIT:$SPEC" 2>/dev/null; then
  echo "spec gate: ok: $SPEC does not exist at $BASE_REV, nothing to compare against"
  exit 0
fi

if [ "$(npm_version api-smart-diff)" != "$API_SMART_DIFF_VERSION" ] ||
  [ "$(npm_version allof-merge)" != "$ALLOF_MERGE_VERSION" ] ||
  [ "$(npm_version json-crawl)" != "$JSON_CRAWL_VERSION" ] ||
  [ "$(npm_version js-yaml)" != "$JS_YAML_VERSION" ] ||
  [ "$(npm_version argparse)" != "$ARGPARSE_VERSION" ]; then
  echo "Installing api-smart-diff $API_SMART_DIFF_VERSION into $NODE_TOOLS"
  mkdir -p "$NODE_TOOLS"
  npm install --prefix "$NODE_TOOLS" --save-exact --no-audit --no-fund --loglevel=error \
    "api-smart-diff@$API_SMART_DIFF_VERSION" "allof-merge@$ALLOF_MERGE_VERSION" \
    "json-crawl@$JSON_CRAWL_VERSION" "js-yaml@$JS_YAML_VERSION" "argparse@$ARGPARSE_VERSION"
fi
echo "api-smart-diff $API_SMART_DIFF_VERSION (allof-merge $ALLOF_MERGE_VERSION, json-crawl $JSON_CRAWL_VERSION), js-yaml $JS_YAML_VERSION"

work_folder jumio-kyx-spec-gate
git show "$BASE_COMMIT:$SPEC" >"$WORK/base.yaml"
git show "HEAD:$SPEC" >"$WORK/head.yaml"
git show HEAD:CHANGELOG.md >"$WORK/CHANGELOG.md" 2>/dev/null || : >"$WORK/CHANGELOG.md"
node .ci/spec-gate.mjs "$NODE_TOOLS" "$BASE_LABEL" "$WORK/base.yaml" "$WORK/head.yaml" "$WORK/CHANGELOG.md"
