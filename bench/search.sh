#!/usr/bin/env bash
# Serve the man-fr index with cglu-searchd and load it with load_bench:
# PING, SEARCH with snippets and SEARCH without, over 1, 8 and 64
# connections, twice: with the answer cache off (--cache-size 0: every
# search runs against the index) and on (the default: the query file is
# cycled, so after its first pass every search is a cache hit); then a
# summary against the latency, throughput and memory targets. Figures go
# to stdout; bounded to about 3 minutes.
# Usage: bench/search.sh BIN_DIR [LOAD_BENCH]
#   BIN_DIR holds cglu-index and cglu-searchd; LOAD_BENCH defaults to
#   BIN_DIR/../bench/load_bench (make BUILD=x BIN=x/bin), then
#   build/bench/load_bench (plain make).
# Environment: LOAD_SECONDS (default 5, at most 30) and LOAD_REQUESTS
# (default 20000, at most 1000000) bound each run.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 BIN_DIR [LOAD_BENCH]"
cd "$(dirname "$0")/.."
bin=$1
load=${2:-}
if [ -z "$load" ]; then
    for l in "$bin/../bench/load_bench" build/bench/load_bench; do
        if [ -x "$l" ]; then
            load=$l
            break
        fi
    done
fi
[ -n "$load" ] && [ -x "$load" ] || die "no load_bench binary: build it (make) or pass its path"
[ -x "$bin/cglu-index" ] || die "$bin/cglu-index is missing"
[ -x "$bin/cglu-searchd" ] || die "$bin/cglu-searchd is missing"
corpus=${CGLU_BENCH_DATA:-bench/data}/man-fr
[ -d "$corpus" ] || die "corpus $corpus is missing: run bench/corpus.sh --small"
seconds=${LOAD_SECONDS:-5}
requests=${LOAD_REQUESTS:-20000}
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 30 ] ||
    die "LOAD_SECONDS must be 1 to 30"
[[ $requests =~ ^[0-9]+$ ]] && [ "$requests" -ge 1 ] && [ "$requests" -le 1000000 ] ||
    die "LOAD_REQUESTS must be 1 to 1000000"
db=bench/out/cglu-man-fr
queries=bench/queries.txt

# Incremental: a no-change rerun on an existing index takes a fraction of
# a second, so the index is reused whenever the corpus has not changed.
mkdir -p bench/out
t0=$(date +%s.%N)
"$bin/cglu-index" -q --db "$db" "$corpus" || die "cglu-index failed on $corpus"
t1=$(date +%s.%N)
awk -v t0="$t0" -v t1="$t1" -v db="$db" 'BEGIN { printf "index %s ready in %.2f s\n", db, t1 - t0 }'

log=$(mktemp)
pid=
stop_daemon() {
    local st=0 i
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "search.sh: warning: cglu-searchd ignored SIGTERM for 5 s, killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || st=$?
        [ "$st" -eq 0 ] || echo "search.sh: warning: cglu-searchd exited with status $st after SIGTERM" >&2
    fi
    pid=
}
trap 'stop_daemon; rm -f "$log"' EXIT
trap 'exit 130' INT TERM

rss_mb() {
    awk -v k="$2" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}
alive() {
    kill -0 "$pid" 2>/dev/null ||
        die "cglu-searchd died during '$1'; last log lines: $(tail -n 5 "$log")"
}

# One load_bench run; its line goes to stdout and into the variable named
# by $1. The timeout is a guard: load_bench stops itself after $seconds.
run() {
    local var=$1 out
    shift
    out=$(timeout $((seconds + 30)) "$load" --host "$host" "$@") ||
        die "load_bench failed ($*)"
    alive "$*"
    echo "$out"
    printf -v "$var" '%s' "$out"
}

field() { # field LINE WHAT: p50, qps or errors out of a load_bench line
    case $2 in
    p50) sed -E 's/.*latency p50 ([0-9.]+) ms.*/\1/' <<<"$1" ;;
    qps) sed -E 's/.* = ([0-9.]+) req\/s.*/\1/' <<<"$1" ;;
    errors) sed -E 's/.*errors ([0-9]+)$/\1/' <<<"$1" ;;
    esac
}

# measure PREFIX DAEMON_OPTIONS...: start cglu-searchd, warm it up, run
# the 9 loads; results go to variables named PREFIX_snip_8 and so on.
errors=0
measure() {
    local pre=$1 c v i first
    shift
    : >"$log"
    "$bin/cglu-searchd" --db "$db" --listen 127.0.0.1:0 "$@" 2>"$log" &
    pid=$!
    for i in $(seq 100); do
        [ -s "$log" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    first=$(head -n 1 "$log")
    [[ $first =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] ||
        die "cglu-searchd did not start (first stderr line: '$first'); log: $(tail -n 5 "$log")"
    host=127.0.0.1:${BASH_REMATCH[1]}
    threads=$(sed -n 's/.* \([0-9]*\) threads.*/\1/p' "$log" | head -n 1)
    echo "== cglu-searchd $* (pid $pid on $host, ${threads:-?} worker threads);" \
        "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    # Warm-up: the first searches load the index pages and grow the caches.
    run warm --connections 1 --requests 200 --queries "$queries" \
        --options "limit=10 snippet=200" --label "warm-up SEARCH"
    sleep 0.2
    printf -v "${pre}_idle" '%s' "$(rss_mb "$pid" VmRSS)"
    v=${pre}_idle
    echo "idle RSS after warm-up: ${!v} MB"
    for c in 1 8 64; do
        common=(--connections "$c" --seconds "$seconds" --requests "$requests")
        run "${pre}_ping_$c" "${common[@]}" --verb PING --label PING
        run "${pre}_snip_$c" "${common[@]}" --queries "$queries" \
            --options "limit=10 snippet=200" --label "SEARCH limit=10 snippet=200"
        run "${pre}_nosnip_$c" "${common[@]}" --queries "$queries" \
            --options "limit=10 snippet=0" --label "SEARCH limit=10 snippet=0"
    done
    printf -v "${pre}_load" '%s' "$(rss_mb "$pid" VmRSS)"
    printf -v "${pre}_peak" '%s' "$(rss_mb "$pid" VmHWM)"
    for v in ping_1 snip_1 nosnip_1 ping_8 snip_8 nosnip_8 ping_64 snip_64 nosnip_64; do
        v=${pre}_$v
        errors=$((errors + $(field "${!v}" errors)))
    done
    stop_daemon
}

measure nc --cache-size 0
measure c

echo "== summary"
awk -v sp="$(field "$nc_snip_1" p50)" -v sp8="$(field "$nc_snip_8" p50)" \
    -v np="$(field "$nc_nosnip_1" p50)" -v np8="$(field "$nc_nosnip_8" p50)" \
    -v sq="$(field "$nc_snip_8" qps)" -v pq="$(field "$nc_ping_8" qps)" \
    -v csq="$(field "$c_snip_8" qps)" -v cpq="$(field "$c_ping_8" qps)" \
    -v csp="$(field "$c_snip_1" p50)" \
    -v ir="$nc_idle" -v lr="$nc_load" -v hr="$nc_peak" \
    -v cir="$c_idle" -v clr="$c_load" -v chr="$c_peak" -v e="$errors" '
function verdict(ok) { return ok ? "met" : "MISSED" }
BEGIN {
    print "-- every search against the index (--cache-size 0):"
    printf "SEARCH with snippets p50, 1 conn: %.3f ms (target < 0.5 ms: %s); 8 conns: %.3f ms\n",
        sp, verdict(sp < 0.5), sp8
    printf "SEARCH snippet=0 p50, 1 conn: %.3f ms (target < 0.2 ms: %s); 8 conns: %.3f ms\n",
        np, verdict(np < 0.2), np8
    r = pq > 0 ? 100 * sq / pq : 0
    printf "SEARCH with snippets at 8 conns: %.0f req/s = %.1f%% of PING (%.0f req/s) (target >= 25%%: %s)\n",
        sq, r, pq, verdict(r >= 25)
    printf "idle RSS: %.1f MB (target < 30 MB: %s); after the load: %.1f MB, peak %.1f MB\n",
        ir, verdict(ir < 30), lr, hr
    print "-- answer cache on (default), every query repeated (all hits after the first pass):"
    r = cpq > 0 ? 100 * csq / cpq : 0
    printf "SEARCH with snippets at 8 conns: %.0f req/s = %.1f%% of PING (%.0f req/s) (target >= 25%%: %s); p50 1 conn %.3f ms\n",
        csq, r, cpq, verdict(r >= 25), csp
    printf "idle RSS: %.1f MB (target < 30 MB: %s); after the load: %.1f MB, peak %.1f MB\n",
        cir, verdict(cir < 30), clr, chr
    printf "errors over all runs: %d\n", e
}'
# Other work on the machine skews the figures: say how busy it was.
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cpus)"
