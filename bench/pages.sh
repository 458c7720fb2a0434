#!/usr/bin/env bash
# Search cost against page size (issue #15): for each corpus, index it with
# each binary directory given, serve it with the answer cache off and load
# it with load_bench: SEARCH with snippets at 1 connection (p50, p95, p99)
# and 8 (answers/s), SEARCH without snippets the same; the binaries take
# turns, ROUNDS times, and the medians are printed side by side with the
# index size, so a baseline measured in the same run can be compared.
# Without snippets it also prints the daemon's CPU per search (utime +
# stime of the daemon from /proc/PID/stat across the load, over the
# answers) and, once per corpus, the in-process engine's
# (build/bench/match_bench, line "engine_run SEARCH snippet=0", on the
# first binary's index): the issue #15 ratio.
# Usage: bench/pages.sh BIN_DIR [BASE_BIN_DIR [OTHER_BIN_DIR]]
#   each BIN_DIR holds cglu-index and cglu-searchd; load_bench is
#   build/bench/load_bench (make).
# Environment: CORPORA (default "man-fr large-fr", under CGLU_BENCH_DATA or
# bench/data), ROUNDS (default 3), LOAD_SECONDS (default 3, at most 30).
# Indexes go to bench/out/pages-N-CORPUS (N: the binary's turn).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ $# -le 3 ] || die "usage: $0 BIN_DIR [BASE_BIN_DIR [OTHER_BIN_DIR]]"
cd "$(dirname "$0")/.."
bins=("$@")
load=build/bench/load_bench
[ -x "$load" ] || die "no $load: build it (make)"
for b in "${bins[@]}"; do
    [ -x "$b/cglu-index" ] && [ -x "$b/cglu-searchd" ] || die "$b lacks cglu-index or cglu-searchd"
done
corpora=${CORPORA:-man-fr large-fr}
rounds=${ROUNDS:-3}
seconds=${LOAD_SECONDS:-3}
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 9 ] || die "ROUNDS must be 1 to 9"
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 30 ] || die "LOAD_SECONDS must be 1 to 30"
data=${CGLU_BENCH_DATA:-bench/data}
queries=bench/queries.txt
out=$(mktemp -d)
pid=
stop_daemon() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    pid=
}
trap 'stop_daemon; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

# cpu_ticks PID: utime + stime of PID, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

# cpu_per LINE T0 T1: microseconds of CPU per answer of a load_bench LINE
cpu_per() {
    local n
    n=$(sed -E 's/.*: ([0-9]+) requests in.*/\1/' <<<"$1")
    awk -v a="$2" -v b="$3" -v n="$n" -v t="$tck" 'BEGIN { printf "%.1f\n", n ? (b - a) / t * 1e6 / n : 0 }'
}

# serve N CORPUS: one round of loads against binary N's index of CORPUS;
# figures appended to $out/N-CORPUS-FIGURE.
serve() {
    local n=$1 corpus=$2 db=bench/out/pages-$1-$2 log=$out/log host line
    "${bins[$n]}/cglu-searchd" --db "$db" --listen 127.0.0.1:0 --cache-size 0 2>"$log" &
    pid=$!
    host=$(searchd_host "$log" "$load" "$queries") || exit 1
    for snip in 200 0; do
        t0=$(cpu_ticks "$pid")
        line=$(timeout $((seconds + 30)) "$load" --host "$host" --connections 1 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "limit=10 snippet=$snip" --label x) ||
            die "load_bench failed"
        cpu_per "$line" "$t0" "$(cpu_ticks "$pid")" >>"$out/$n-$corpus-cpu1-$snip"
        for f in p50 p95 p99; do load_figure "$line" "$f" >>"$out/$n-$corpus-$f-$snip"; done
        t0=$(cpu_ticks "$pid")
        line=$(timeout $((seconds + 30)) "$load" --host "$host" --connections 8 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "limit=10 snippet=$snip" --label x) ||
            die "load_bench failed"
        cpu_per "$line" "$t0" "$(cpu_ticks "$pid")" >>"$out/$n-$corpus-cpu8-$snip"
        load_figure "$line" qps >>"$out/$n-$corpus-qps-$snip"
        [[ $line =~ errors\ 0$ ]] || die "errors in: $line"
    done
    stop_daemon
}

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for corpus in $corpora; do
    [ -d "$data/$corpus" ] || die "corpus $data/$corpus is missing: run bench/corpus.sh"
    for n in "${!bins[@]}"; do
        db=bench/out/pages-$n-$corpus
        rm -rf "$db"
        "${bins[$n]}/cglu-index" -q --db "$db" "$data/$corpus" || die "cglu-index failed"
        du -sb "$db" | cut -f1 >"$out/$n-$corpus-size"
    done
    for _ in $(seq "$rounds"); do
        for n in "${!bins[@]}"; do serve "$n" "$corpus"; done
        build/bench/match_bench "bench/out/pages-0-$corpus" "$queries" 3 |
            sed -nE 's/^engine_run SEARCH snippet=0 +median ([0-9.]+) .*/\1/p' >>"$out/inproc-$corpus"
    done
    echo "== $corpus (medians of $rounds rounds, ${seconds} s each, answer cache off)"
    printf "%-28s" ""
    for n in "${!bins[@]}"; do printf "%22s" "${bins[$n]}"; done
    echo
    for row in "size" "p50-200" "p95-200" "p99-200" "qps-200" "cpu1-200" "cpu8-200" "p50-0" "p95-0" "p99-0" \
        "qps-0" "cpu1-0" "cpu8-0"; do
        case $row in
        size) label="index size (MB)" ;;
        qps-200) label="snippets, 8 conns (req/s)" ;;
        qps-0) label="no snippets, 8 conns (req/s)" ;;
        cpu1-200) label="snippets, CPU/query 1 conn (us)" ;;
        cpu8-200) label="snippets, CPU/query 8 conns (us)" ;;
        cpu1-0) label="no snip, CPU/query 1 conn (us)" ;;
        cpu8-0) label="no snip, CPU/query 8 conns (us)" ;;
        *-200) label="snippets, 1 conn ${row%-*} (ms)" ;;
        *-0) label="no snippets, 1 conn ${row%-*} (ms)" ;;
        esac
        printf "%-28s" "$label"
        for n in "${!bins[@]}"; do
            if [ "$row" = size ]; then
                v=$(awk '{ printf "%.2f", $1 / 1e6 }' "$out/$n-$corpus-size")
            else
                v=$(median <"$out/$n-$corpus-${row%-*}-${row#*-}")
            fi
            printf "%22s" "$v"
        done
        echo
    done
    inproc=$(median <"$out/inproc-$corpus")
    echo "in-process engine_run snippet=0 (match_bench, median): $inproc us a query; daemon CPU per search" \
        "without snippets over it:"
    for n in "${!bins[@]}"; do
        printf "  %s: 1 conn %.2fx, 8 conns %.2fx\n" "${bins[$n]}" \
            "$(awk -v a="$(median <"$out/$n-$corpus-cpu1-0")" -v b="$inproc" 'BEGIN { print b ? a / b : 0 }')" \
            "$(awk -v a="$(median <"$out/$n-$corpus-cpu8-0")" -v b="$inproc" 'BEGIN { print b ? a / b : 0 }')"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
