#!/usr/bin/env bash
# Searching shards (issue #16): each corpus as one index, as 2 local
# shards (cglu-index --shards 2: a stub of glass lines) and as the same 2
# shards behind 2 xapian-tcpsrv on 127.0.0.1 (a stub of remote lines);
# each served by cglu-searchd with the answer cache off and loaded by
# load_bench: SEARCH at 1 connection (p50, p95) and at 8 (answers a
# second), with snippets (snippet=200) and without. The three set-ups take
# turns, ROUNDS times, and the medians are printed side by side, with the
# CPU each search cost the daemon and, for remote shards, the shard servers
# (utime + stime of their process groups across the 8-connection load).
# Usage: bench/shards.sh [BIN_DIR]
#   BIN_DIR holds cglu-index and cglu-searchd (default bin); load_bench is
#   build/bench/load_bench (make).
# Environment: CORPORA (default man-fr, under CGLU_BENCH_DATA or
# bench/data), ROUNDS (default 3, at most 9), LOAD_SECONDS (default 3, at
# most 30), LIMIT (hits a search, default 10, at most 100), SETUPS (some
# of "one local remote", the default, in that order). Indexes go to
# bench/out/shards-1-CORPUS and shards-2-CORPUS.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -le 1 ] || die "usage: $0 [BIN_DIR]"
cd "$(dirname "$0")/.."
bin=${1:-bin}
load=build/bench/load_bench
[ -x "$load" ] || die "no $load: build it (make)"
for t in "$bin/cglu-index" "$bin/cglu-searchd"; do
    [ -x "$t" ] || die "no $t: build it (make)"
done
command -v xapian-tcpsrv >/dev/null || die "no xapian-tcpsrv (Debian: xapian-tools)"
corpora=${CORPORA:-man-fr}
rounds=${ROUNDS:-3}
seconds=${LOAD_SECONDS:-3}
limit=${LIMIT:-10}
if ! [[ $rounds =~ ^[1-9]$ ]]; then die "ROUNDS must be 1 to 9"; fi
if ! [[ $limit =~ ^[0-9]+$ ]] || [ "$limit" -lt 1 ] || [ "$limit" -gt 100 ]; then
    die "LIMIT must be 1 to 100"
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ] || [ "$seconds" -gt 30 ]; then
    die "LOAD_SECONDS must be 1 to 30"
fi
data=${CGLU_BENCH_DATA:-bench/data}
queries=bench/queries.txt
setups=${SETUPS:-one local remote}
for s in $setups; do
    case $s in one | local | remote) ;; *) die "SETUPS: one, local or remote, not '$s'" ;; esac
done
out=$(mktemp -d)
groups=() # process groups started (the daemon, the shard servers)

stop_all() {
    local g i
    for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    for g in "${groups[@]}"; do
        for ((i = 0; i < 50; i++)); do
            kill -0 -- "-$g" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$g" 2>/dev/null || true
        wait "$g" 2>/dev/null || true
    done
    groups=()
}
trap 'stop_all; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

# start LOG CMD...: CMD in a process group of its own; pid = its pid
start() {
    local log=$1
    shift
    setsid "$@" </dev/null >"$log" 2>&1 &
    pid=$!
    groups+=("$pid")
}

# group_ticks PGID...: utime + stime of every live process of the groups
# (a process that exits while they are read is left out: cat fails on it)
group_ticks() {
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v gs="$*" '
        BEGIN { n = split(gs, a, " "); for (i = 1; i <= n; i++) g[a[i]] = 1 }
        { sub(/.*\) /, ""); if ($3 in g) t += $12 + $13 }
        END { print t + 0 }'
}
tck=$(getconf CLK_TCK)

# shard_servers DB: a read-only xapian-tcpsrv on 127.0.0.1 per shard of DB
# and $out/remote/XAPIANDB naming them, with DB's dictionary beside it
shard_servers() {
    local k port i hex
    mkdir -p "$out/remote"
    : >"$out/remote/XAPIANDB"
    for k in "$1"/shard-*; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        start "$out/tcpsrv.log" xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" "$k"
        hex=$(printf '0100007F:%04X' "$port")
        for ((i = 0; i < 100; i++)); do
            awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp && break
            kill -0 "$pid" 2>/dev/null || die "xapian-tcpsrv exited: $(cat "$out/tcpsrv.log")"
            sleep 0.1
        done
        echo "remote 127.0.0.1:$port" >>"$out/remote/XAPIANDB"
    done
    # the spelling words and synonyms, as one index has them (SCALING.md)
    rm -rf "$out/remote/dictionary"
    [ ! -d "$1/dictionary" ] || cp -r "$1/dictionary" "$out/remote/dictionary"
}

# serve SETUP CORPUS: one round of loads against SETUP's index of CORPUS;
# figures appended to $out/SETUP-CORPUS-FIGURE-SNIPPET
serve() {
    local setup=$1 corpus=$2 db log=$out/log host line t0 s snip f
    case $setup in
    one) db=bench/out/shards-1-$corpus ;;
    local) db=bench/out/shards-2-$corpus ;;
    remote)
        shard_servers "bench/out/shards-2-$corpus"
        db=$out/remote
        ;;
    esac
    start "$log" "$bin/cglu-searchd" --db "$db" --listen 127.0.0.1:0 --cache-size 0
    host=$(searchd_host "$log" "$load" "$queries") || exit 1
    for snip in 200 0; do
        s=$setup-$corpus
        line=$(timeout $((seconds + 30)) "$load" --host "$host" --connections 1 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "limit=$limit snippet=$snip" --label x) ||
            die "load_bench failed"
        [[ $line =~ errors\ 0$ ]] || die "errors in: $line"
        for f in p50 p95; do load_figure "$line" "$f" >>"$out/$s-$f-$snip"; done
        t0=$(group_ticks "${groups[@]}")
        line=$(timeout $((seconds + 30)) "$load" --host "$host" --connections 8 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "limit=$limit snippet=$snip" --label x) ||
            die "load_bench failed"
        [[ $line =~ errors\ 0$ ]] || die "errors in: $line"
        load_figure "$line" qps >>"$out/$s-qps-$snip"
        awk -v a="$t0" -v b="$(group_ticks "${groups[@]}")" -v t="$tck" \
            -v n="$(sed -E 's/.*: ([0-9]+) requests in.*/\1/' <<<"$line")" \
            'BEGIN { printf "%.1f\n", n ? (b - a) / t * 1e6 / n : 0 }' >>"$out/$s-cpu-$snip"
    done
    stop_all
}

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p bench/out
for corpus in $corpora; do
    [ -d "$data/$corpus" ] || die "corpus $data/$corpus is missing: run bench/corpus.sh"
    for n in 1 2; do
        [ $n = 1 ] && [[ " $setups " != *" one "* ]] && continue
        [ $n = 2 ] && [[ " $setups " != *" local "* && " $setups " != *" remote "* ]] && continue
        rm -rf "bench/out/shards-$n-$corpus"
        # one index is a plain database, not a stub of one shard
        shards=()
        [ "$n" = 1 ] || shards=(--shards "$n")
        "$bin/cglu-index" -q "${shards[@]}" --db "bench/out/shards-$n-$corpus" "$data/$corpus" ||
            die "cglu-index failed"
    done
    for _ in $(seq "$rounds"); do
        for setup in $setups; do serve "$setup" "$corpus"; done
    done
    echo "== $corpus (medians of $rounds rounds, ${seconds} s each, answer cache off, limit=$limit)"
    printf "%-34s" ""
    for setup in $setups; do
        case $setup in one) printf "%14s" "1 index" ;; local) printf "%14s" "2 local" ;; *) printf "%14s" "2 remote" ;; esac
    done
    echo
    for row in p50-200 p95-200 qps-200 cpu-200 p50-0 p95-0 qps-0 cpu-0; do
        case $row in
        qps-200) label="snippets, 8 conns (req/s)" ;;
        qps-0) label="no snippets, 8 conns (req/s)" ;;
        cpu-200) label="snippets, CPU a search (us)" ;;
        cpu-0) label="no snippets, CPU a search (us)" ;;
        *-200) label="snippets, 1 conn ${row%-*} (ms)" ;;
        *-0) label="no snippets, 1 conn ${row%-*} (ms)" ;;
        esac
        printf "%-34s" "$label"
        for setup in $setups; do
            printf "%14s" "$(median <"$out/$setup-$corpus-${row%-*}-${row#*-}")"
        done
        echo
    done
    for n in 1 2; do
        db=bench/out/shards-$n-$corpus
        [ -d "$db" ] || continue
        echo "index of $n: $(du -sb "$db" | cut -f1) bytes, documents:" \
            "$(for k in "$db" "$db"/shard-*; do
                [ -f "$k/iamglass" ] && xapian-delve "$k" | sed -n 's/^number of documents = //p'
            done | tr '\n' ' ')"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
