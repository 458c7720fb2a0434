# shellcheck shell=bash
# lib.sh: what the bench scripts share; sourced (. "$(dirname "$0")/lib.sh"),
# never run.

# die MESSAGE: "SCRIPT: error: MESSAGE" on stderr, then exit 1.
die() {
    echo "${0##*/}: error: $*" >&2
    exit 1
}

# input_size DIR: prints "FILES BYTES" of the .txt/.html/.htm files under
# DIR, the input an indexer reads (MB figures are BYTES / 10^6).
input_size() {
    find "$1" -type f \( -name '*.txt' -o -name '*.html' -o -name '*.htm' \) \
        -printf '%s\n' | awk '{ s += $1; n++ } END { print n + 0, s + 0 }'
}

# index_figures DB TIMEFILE: sets rss_kb (the peak RSS that /usr/bin/time -v
# wrote to TIMEFILE), docs (DB's document count, "" when xapian-delve
# cannot tell) and index_bytes (DB's size on disk).
index_figures() {
    rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$2")
    docs=$(xapian-delve "$1" | awk -F' = ' '/number of documents/ { print $2 }')
    index_bytes=$(du -sb "$1" | cut -f1)
}

# median: the median of the numbers on stdin, one a line (0 when none)
median() { sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }

# load_figure LINE WHAT: a figure of a load_bench result line: qps
# (answers a second), or p50, p95, p99 (milliseconds)
load_figure() {
    case $2 in
    qps) sed -E 's/.* = ([0-9.]+) req\/s.*/\1/' <<<"$1" ;;
    *) sed -E "s/.* $2 ([0-9.]+) ms.*/\\1/" <<<"$1" ;;
    esac
}

# wrk_figure OUTPUT WHAT: a figure of wrk's output (run with --latency):
# p50 (milliseconds), qps (Requests/sec) or non2xx ("" when none)
wrk_figure() {
    case $2 in
    p50) awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
              else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
              printf "%.3f\n", v }' <<<"$1" ;;
    qps) awk '$1 == "Requests/sec:" { print $2 }' <<<"$1" ;;
    non2xx) awk '/Non-2xx/ { print $NF }' <<<"$1" ;;
    esac
}

# searchd_host LOG LOAD_BENCH QUERIES: the HOST:PORT of a cglu-searchd
# starting with its stderr in LOG (its first line, waited for up to 10 s),
# once 400 searches of QUERIES by LOAD_BENCH warmed it up.
# Call as host=$(searchd_host "$log" "$load" "$queries") || exit 1.
searchd_host() {
    local first
    for _ in $(seq 100); do
        [ -s "$1" ] && break
        sleep 0.1
    done
    first=$(head -n 1 "$1")
    [[ $first =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] || die "cglu-searchd did not start: $first"
    timeout 60 "$2" --host "127.0.0.1:${BASH_REMATCH[1]}" --requests 400 --queries "$3" \
        --options "limit=10 snippet=200" --label warm >/dev/null || die "load_bench failed"
    echo "127.0.0.1:${BASH_REMATCH[1]}"
}
