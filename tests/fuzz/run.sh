#!/bin/sh
# Run the libFuzzer targets built in BUILD: replay the regression inputs of
# tests/fuzz/regressions/<target>/, then fuzz each target for SECONDS from
# its checked-in seed corpus, and print one summary line per target.
# Usage: tests/fuzz/run.sh BUILD SECONDS TARGET...
# New corpus entries go to BUILD/corpus/<target>/ (scratch, never the
# checked-in tests/fuzz/corpus/), crash inputs to BUILD/artifacts/<target>/.
set -u
BUILD=$1
SECONDS_EACH=$2
shift 2
DIR=tests/fuzz
status=0
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

# Longest input per target: past the limits the code under test checks
# (a protocol line of 8192 bytes, a query of 8192) so that the too-long
# paths are reached; HTML and snippets need room for markup.
max_len() {
    case $1 in
    proto | http) echo 20000 ;;
    query) echo 10000 ;;
    extract | snip) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

for t in "$@"; do
    bin=$BUILD/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is missing (make fuzz builds it)"
        status=1
        continue
    fi
    # 1. regressions: every input that once crashed must pass now
    reg=$DIR/regressions/$t
    nreg=0
    regres=passed
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
        nreg=$(ls -A "$reg" | wc -l)
        # one run per file: the first failure would hide the others
        for f in "$reg"/*; do
            if ! "$bin" "$f" >"$BUILD/fuzz/$t.regress.log" 2>&1; then
                echo "fuzz: $t: regression $f fails:"
                grep -E 'ERROR|runtime error|invariant failed|SUMMARY' \
                    "$BUILD/fuzz/$t.regress.log" | head -n 10
                status=1
                regres=FAILED
            fi
        done
    fi
    # 2. fuzz from the seeds; the scratch dir comes first, so libFuzzer
    # writes what it finds there
    mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
    dict=
    [ -f "$DIR/dict/$t.dict" ] && dict=-dict=$DIR/dict/$t.dict
    log=$BUILD/fuzz/$t.log
    echo "fuzz: $t for ${SECONDS_EACH}s (log: $log)"
    /usr/bin/time -f '%U %S' -o "$BUILD/fuzz/$t.time" \
        "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
        -artifact_prefix="$BUILD/artifacts/$t/" $dict \
        "$BUILD/corpus/$t" "$DIR/corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1)
    # GNU time writes "Command exited with ..." first when rc != 0
    cpu=$(tail -n 1 "$BUILD/fuzz/$t.time" 2>/dev/null |
        awk '{ printf "%.1f", $1 + $2 }')
    if [ "$rc" -ne 0 ]; then
        status=1
        echo "fuzz: $t FAILED (exit $rc):"
        grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' "$log" |
            head -n 20
        res="CRASH (see $log, $BUILD/artifacts/$t/)"
    else
        res=ok
    fi
    printf '%s: %s, execs %s, %s, %s, cpu %ss, %s regressions %s\n' \
        "$t" "$res" "${execs:-?}" "${cov:-cov ?}" "${corp:-corp ?}" \
        "${cpu:-?}" "$nreg" "$regres" >>"$summary"
done
echo "== fuzz summary (${SECONDS_EACH}s per target)"
cat "$summary"
exit $status
