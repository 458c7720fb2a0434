#!/usr/bin/env bash
# The local cluster under load (issue #16; docs/SCALING.md, "A local
# cluster"): scripts/cluster.sh start on a copy of man-fr, 2 shards, 2
# replicas behind a load balancer, every answer cache off; then, ROUNDS
# times: SEARCH over the line protocol (load_bench) at 1 connection (p50)
# and 8 (answers a second) against the front daemon (2 remote shards) and
# replica 1's daemon (2 local shards); GET /search (wrk) at 8 connections
# against replica 1's HTTP and through the load balancer (both replicas);
# and how long a page indexed on the master takes to be served by replica
# 1's daemon and by the front one after its commit. Medians at the end. Then replica 2's
# daemon is killed (SIGKILL) during a wrk run through the load balancer
# (its answers must all be 200) and started again (how long until the
# balancer sends it searches again); then the cluster is stopped.
# Usage: bench/cluster.sh [BIN_DIR]
#   BIN_DIR holds cglu-index and cglu-searchd (default bin); load_bench is
#   build/bench/load_bench (make); wrk and haproxy (or nginx) installed.
# Environment: ROUNDS (default 3, at most 9), LOAD_SECONDS (default 3, at
# most 30), LB (haproxy, the default, or nginx). State under a temporary
# folder, removed at the end.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -le 1 ] || die "usage: $0 [BIN_DIR]"
cd "$(dirname "$0")/.."
bin=$(cd "${1:-bin}" && pwd)
load=build/bench/load_bench
[ -x "$load" ] || die "no $load: build it (make)"
rounds=${ROUNDS:-3}
seconds=${LOAD_SECONDS:-3}
lb=${LB:-haproxy}
if ! [[ $rounds =~ ^[1-9]$ ]]; then die "ROUNDS must be 1 to 9"; fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ] || [ "$seconds" -gt 30 ]; then
    die "LOAD_SECONDS must be 1 to 30"
fi
for t in wrk curl "$lb"; do command -v "$t" >/dev/null || die "$t is not installed"; done
corpus=${CGLU_BENCH_DATA:-bench/data}/man-fr
[ -d "$corpus" ] || die "corpus $corpus is missing: run bench/corpus.sh --small"
queries=bench/queries.txt
tmp=$(mktemp -d)
state=$tmp/cluster
cluster() { bash scripts/cluster.sh "$@"; }
trap 'cluster stop --state "$state" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cp -r "$corpus" "$tmp/site"
echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
cluster start --state "$state" --bin "$bin" --replicas 2 --lb "$lb" --cache-size 0 "$tmp/site"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "started in %.1f s (indexing included)\n", b - a }'
addr() { sed -n "s/^$1=//p" "$state/addresses"; }
declare -A at=([front]=$(addr front_line) [replica]=$(addr replica_1_line)
    [replica_http]=$(addr replica_1_http) [lb_http]=$(addr lb_http))
opts="limit=10 snippet=200"
for h in "${at[front]}" "${at[replica]}"; do
    timeout 120 "$load" --host "$h" --requests 200 --queries "$queries" --options "$opts" \
        --label warm >/dev/null || die "load_bench failed on $h"
done

# served HOST WORD: the daemon at HOST finds one page for WORD
served() {
    local out
    out=$("$bin/cglu-search" --host "$1" --json "$2") || return 1
    [[ $out == *'"total":1,'* ]]
}

# fresh WORD: milliseconds from the end of the master's index run (its
# commit) to WORD served by the front daemon and by replica 1's (at most
# 30 s; a look every 10 ms)
fresh() {
    local word=$1 a="" b="" now start
    printf 'Page %s\n\nUn texte %s.\n' "$word" "$word" >"$tmp/site/zz-$word.txt"
    cluster index --state "$state" >/dev/null
    start=$(date +%s%N)
    for _ in $(seq 3000); do
        now=$(date +%s%N)
        if [ -z "$a" ] && served "${at[front]}" "$word"; then a=$(((now - start) / 1000000)); fi
        if [ -z "$b" ] && served "${at[replica]}" "$word"; then b=$(((now - start) / 1000000)); fi
        if [ -n "$a" ] && [ -n "$b" ]; then break; fi
        sleep 0.01
    done
    if [ -z "$a" ] || [ -z "$b" ]; then die "$word not served after 30 s"; fi
    echo "$a" >>"$tmp/fresh-front"
    echo "$b" >>"$tmp/fresh-replica"
}

for r in $(seq "$rounds"); do
    for who in front replica; do
        h=${at[$who]}
        line=$(timeout $((seconds + 30)) "$load" --host "$h" --connections 1 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "$opts" --label x) || die "load_bench failed"
        [[ $line =~ errors\ 0$ ]] || die "errors in: $line"
        load_figure "$line" p50 >>"$tmp/$who-p50"
        line=$(timeout $((seconds + 30)) "$load" --host "$h" --connections 8 --seconds "$seconds" \
            --requests 1000000 --queries "$queries" --options "$opts" --label x) || die "load_bench failed"
        [[ $line =~ errors\ 0$ ]] || die "errors in: $line"
        load_figure "$line" qps >>"$tmp/$who-qps"
    done
    for who in replica_http lb_http; do
        w=$(QUERIES=$queries OPTIONS="limit=10&snippet=200" timeout $((seconds + 30)) \
            wrk -t2 -c8 -d"${seconds}s" --latency -s bench/http_search.lua "http://${at[$who]}")
        [ -z "$(wrk_figure "$w" non2xx)" ] || die "HTTP errors through $who: $w"
        wrk_figure "$w" p50 >>"$tmp/$who-p50"
        wrk_figure "$w" qps >>"$tmp/$who-qps"
    done
    fresh "xylophone$r$$"
    echo "round $r done"
done
cluster status --state "$state" >/dev/null || die "a process of the cluster stopped"

# searches_of HTTP_ADDR: the /search requests a daemon answered (/metrics)
searches_of() {
    { curl -s "http://$1/metrics" || true; } |
        awk '/^cglu_http_requests_total\{endpoint="search"/ { n += $NF } END { print n + 0 }'
}

# A replica lost under load: wrk through the load balancer for 3 s, replica
# 2's daemon killed (SIGKILL) after 1 s; then the daemon started again on
# its addresses, and the seconds until the balancer sends it searches.
read -r victim _ <"$state/run/replica-2.pid"
(
    sleep 1
    kill -KILL "$victim"
) &
w=$(QUERIES=$queries OPTIONS="limit=10&snippet=200" timeout 60 \
    wrk -t2 -c8 -d3s --latency -s bench/http_search.lua "http://${at[lb_http]}")
wait
[ -z "$(wrk_figure "$w" non2xx)" ] || die "answers other than 2xx through $lb while replica 2 died: $w"
failover="$(awk '/requests in/ { print $1 }' <<<"$w") answers through $lb in 3 s, all 2xx;"
failover+=" socket errors: $(awk '/Socket errors/ { sub(/^ */, ""); print }' <<<"$w" | grep . || echo none)"
# HAProxy takes it out after 2 failed checks (2 s apart): wait for that, so
# that what follows measures its coming back
if [ "$lb" = haproxy ]; then
    for _ in $(seq 150); do
        grep -q 'replica2 is DOWN' "$state/run/lb.log" && break
        sleep 0.1
    done
    grep -q 'replica2 is DOWN' "$state/run/lb.log" || die "HAProxy did not take replica 2 out in 15 s"
fi
"$bin/cglu-searchd" --db "$state/replica-2/cglu.db" --listen "$(addr replica_2_line)" \
    --http "$(addr replica_2_http)" --cache-size 0 2>"$tmp/again.log" &
again=$!
trap 'kill -TERM "$again" 2>/dev/null || true; cluster stop --state "$state" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
    grep -q '^http on' "$tmp/again.log" 2>/dev/null && break
    kill -0 "$again" 2>/dev/null || die "replica 2's daemon did not start again: $(cat "$tmp/again.log")"
    sleep 0.1
done
n0=$(searches_of "$(addr replica_2_http)")
t0=$(date +%s%N)
back=""
for _ in $(seq 300); do
    curl -s -o /dev/null "http://${at[lb_http]}/search?q=fichier&snippet=0" || true
    if [ "$(searches_of "$(addr replica_2_http)")" -gt "$n0" ]; then
        back=$((($(date +%s%N) - t0) / 1000000))
        break
    fi
    sleep 0.05
done
[ -n "$back" ] || die "$lb sent no search to replica 2 within 15 s of its restart"
kill -TERM "$again"
wait "$again" || true

t0=$(date +%s.%N)
cluster stop --state "$state" >/dev/null
t1=$(date +%s.%N)
echo "== medians of $rounds rounds, ${seconds} s each (SEARCH $opts, answer caches off)"
printf '%-52s %10s %10s\n' "" "p50 (ms)" "req/s"
printf '%-52s %10s %10s\n' "front daemon, 2 remote shards: line, 1 / 8 conns" \
    "$(median <"$tmp/front-p50")" "$(median <"$tmp/front-qps")"
printf '%-52s %10s %10s\n' "replica 1's daemon, 2 local shards: line, 1 / 8 conns" \
    "$(median <"$tmp/replica-p50")" "$(median <"$tmp/replica-qps")"
printf '%-52s %10s %10s\n' "replica 1's HTTP, wrk 8 conns" \
    "$(median <"$tmp/replica_http-p50")" "$(median <"$tmp/replica_http-qps")"
printf '%-52s %10s %10s\n' "$lb over 2 replicas, wrk 8 conns" \
    "$(median <"$tmp/lb_http-p50")" "$(median <"$tmp/lb_http-qps")"
echo "a page committed on the master, served after (ms): front $(sort -g "$tmp/fresh-front" | tr '\n' ' ')," \
    "replica 1 $(sort -g "$tmp/fresh-replica" | tr '\n' ' ')"
echo "replica 2 killed under load: $failover; after its restart, searches reach it again after $back ms"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "stopped in %.1f s\n", b - a }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
