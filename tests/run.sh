#!/bin/sh
# Run every unit test (cmocka binaries in BUILD/tests) and integration test
# (tests/integration/test_*.py, driving the programs in BIN), then print one
# closing line "N passed, N failed" for the whole suite.
# Usage: tests/run.sh BUILD BIN
set -u
BUILD=${1:-build}
BIN=${2:-bin}
CGLU_BIN=$(cd "$BIN" && pwd)
export CGLU_BIN
PY=${PYTHON:-python3}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # $1: pattern holding N; prints N or 0
    sed -n "$1" "$log" | tail -n 1
}

# tally TEST RC PASSED FAILED COUNT: add what TEST, which exited RC,
# reported (empty: 0); an exit status other than 0 with no failure counted
# is one failure, "without a COUNT".
tally() {
    p=${3:-0}
    f=${4:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "run.sh: $1 exited $2 without a $5" >&2
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    timeout 300 "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    tally "$t" "$rc" "$(count 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')" \
        "$(count 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')" \
        "cmocka failure count"
done

for t in tests/integration/test_*.py; do
    [ -f "$t" ] || continue
    timeout 900 "$PY" "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    f=${line#*passed, }
    tally "$t" "$rc" "${line%% passed*}" "${f%% failed*}" "failure count"
done

# The search page and widget in Debian's chromium (tests/browser/run.sh,
# which starts the daemon of BIN itself).
if [ -f tests/browser/run.sh ]; then
    timeout 400 sh tests/browser/run.sh >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    f=${line#*passed, }
    tally tests/browser/run.sh "$rc" "${line%% passed*}" "${f%% failed*}" \
        "failure count"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
