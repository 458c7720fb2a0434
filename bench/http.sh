#!/usr/bin/env bash
# HTTP against the line protocol on one daemon, one index, the same
# queries, answer cache off (every request searches the index): wrk (GET
# /search) and load_bench (SEARCH lines), alternating, ROUNDS times, at 1
# and 8 connections; prints each run, then medians and the ratios that
# docs/BENCHMARKS.md records (HTTP throughput / line throughput at 8
# connections, HTTP p50 - line p50). Bounded: ROUNDS x 4 runs of
# LOAD_SECONDS.
# Usage: bench/http.sh BIN_DIR LOAD_BENCH [ROUNDS]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 BIN_DIR LOAD_BENCH [ROUNDS]"
cd "$(dirname "$0")/.."
bin=$1
load=$2
rounds=${3:-5}
seconds=${LOAD_SECONDS:-5}
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] ||
    die "ROUNDS must be 1 to 20"
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 30 ] ||
    die "LOAD_SECONDS must be 1 to 30"
corpus=${CGLU_BENCH_DATA:-bench/data}/man-fr
[ -d "$corpus" ] || die "corpus $corpus is missing: run bench/corpus.sh --small"
db=bench/out/cglu-man-fr
queries=bench/queries.txt
mkdir -p bench/out
"$bin/cglu-index" -q --db "$db" "$corpus" || die "cglu-index failed on $corpus"

log=$(mktemp)
out=$(mktemp)
"$bin/cglu-searchd" --db "$db" --listen 127.0.0.1:0 --http 127.0.0.1:0 \
    --cache-size 0 2>"$log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" "$out"' EXIT
for _ in $(seq 100); do
    [ "$(wc -l <"$log")" -ge 2 ] && break
    sleep 0.1
done
line=$(sed -n 's/^listening on //p' "$log")
http=$(sed -n 's/^http on //p' "$log")
[ -n "$line" ] && [ -n "$http" ] || die "cglu-searchd did not start: $(cat "$log")"
echo "== cglu-searchd on $line (line) and $http (HTTP), --cache-size 0;" \
    "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up: both paths, so the index pages are in memory.
"$load" --host "$line" --requests 300 --queries "$queries" \
    --options "limit=10 snippet=200" --label warm-up >/dev/null
QUERIES=$queries OPTIONS="limit=10&snippet=200" \
    wrk -t1 -c1 -d1s -s bench/http_search.lua "http://$http" >/dev/null

# "kind conns p50_ms qps" lines into $out.
for r in $(seq "$rounds"); do
    for c in 1 8; do
        l=$("$load" --host "$line" --connections "$c" --seconds "$seconds" \
            --requests 10000000 --queries "$queries" \
            --options "limit=10 snippet=200" --label "line $c")
        echo "round $r: $l"
        p50=$(sed -E 's/.*latency p50 ([0-9.]+) ms.*/\1/' <<<"$l")
        qps=$(sed -E 's/.* = ([0-9.]+) req\/s.*/\1/' <<<"$l")
        echo "line $c $p50 $qps" >>"$out"
        w=$(QUERIES=$queries OPTIONS="limit=10&snippet=200" \
            wrk -t1 -c"$c" -d"${seconds}s" --latency \
            -s bench/http_search.lua "http://$http")
        p50=$(wrk_figure "$w" p50)
        qps=$(wrk_figure "$w" qps)
        non2xx=$(wrk_figure "$w" non2xx)
        echo "round $r: http $c connections: p50 $p50 ms, $qps req/s${non2xx:+, NON-2XX $non2xx}"
        [ -z "$non2xx" ] || die "HTTP answered errors"
        echo "http $c $p50 $qps" >>"$out"
    done
done
kill -0 "$pid" || die "cglu-searchd died"
echo "== medians over $rounds rounds (SEARCH limit=10 snippet=200, cache off)"
for c in 1 8; do
    for k in line http; do
        awk -v k=$k -v c=$c '$1 == k && $2 == c { print $3 }' "$out" | sort -g >"$log.p"
        awk -v k=$k -v c=$c '$1 == k && $2 == c { print $4 }' "$out" | sort -g >"$log.q"
        p=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$log.p")
        q=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$log.q")
        printf -v "p_${k}_$c" '%s' "$p"
        printf -v "q_${k}_$c" '%s' "$q"
        echo "$k, $c connections: p50 $p ms, $q req/s"
    done
done
rm -f "$log.p" "$log.q"
awk -v lq="$q_line_8" -v hq="$q_http_8" -v lp1="$p_line_1" -v hp1="$p_http_1" \
    -v lp8="$p_line_8" -v hp8="$p_http_8" 'BEGIN {
    printf "HTTP throughput at 8 connections: %.1f%% of the line protocol (target >= 90%%)\n", 100 * hq / lq
    printf "HTTP p50 overhead: %+.3f ms at 1 connection, %+.3f ms at 8 (target <= 0.05 ms)\n", hp1 - lp1, hp8 - lp8
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cpus)"
