# Sourced by the scripts of .ci/: what several of them do alike.

# The base revision of a gate (.ci/spec-gate.sh, .ci/semver.sh): sets BASE_REV and BASE_COMMIT.
# $1 names the gate in messages, $2 is the script (for its usage line), the rest are the script's
# arguments: [BASE_REV], by default the newest tag reachable from HEAD that matches v*, else HEAD~1.
# Exits 0 when there is neither (nothing to compare against), 2 on a usage error, 1 when BASE_REV
# is no revision of this repository.
resolve_base() {
  local gate="$1" script="$2"
  shift 2
  if [ "$#" -gt 1 ]; then
    echo "usage: bash $script [BASE_REV]" >&2
    exit 2
  fi
  if [ "$#" -eq 1 ]; then
    BASE_REV="$1"
  elif BASE_REV="$(git describe --tags --abbrev=0 --match 'v*' HEAD 2>/dev/null)"; then
    :
  elif git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
    BASE_REV='HEAD~1'
  else
    echo "$gate: ok: HEAD has no parent and no v* tag, nothing to compare against"
    exit 0
  fi
  BASE_COMMIT="$(git rev-parse --verify --quiet "$BASE_REV^{commit}")" ||
    { echo "$gate: FAIL: $BASE_REV is not a revision of this repository" >&2; exit 1; }
}

# A temporary folder in WORK, removed on exit together with the sandbox whose process id the
# script puts in SANDBOX_PID (stopped first). $1 names the folder.
work_folder() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  SANDBOX_PID=""
  trap cleanup_work EXIT
}

cleanup_work() {
  if [ -n "$SANDBOX_PID" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
