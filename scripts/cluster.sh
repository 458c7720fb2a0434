#!/usr/bin/env bash
# cluster.sh: a whole cglu-search cluster on 127.0.0.1, one machine standing
# in for several (issue #16; docs/SCALING.md, "A local cluster"): a master
# index of N shards written by cglu-index, a shard server (xapian-tcpsrv,
# read-only) per shard, a "front" cglu-searchd over a stub of remote lines
# naming them, xapian-replicate-server on the master and replicas kept
# current by xapian-replicate (every shard copied), a cglu-searchd per
# replica, and optionally HAProxy or nginx in front of the replicas' HTTP.
#
# Usage: scripts/cluster.sh start [OPTIONS] [DIR]
#        scripts/cluster.sh stop|status|index|clean [--state DIR]
#   start    index DIR (default corpus/) into STATE/master and start it all;
#            refused while a cluster runs under STATE; a start that fails
#            stops what it started
#   stop     stop every process start started (SIGTERM, SIGKILL after 10 s)
#   status   what runs, and where; exit 0 when all of it runs, 1 otherwise
#   index    index the cluster's DIR again into the master, with the
#            programs it was started with (its changes reach the replicas
#            within --interval seconds)
#   clean    remove STATE (the cluster must be stopped)
# Options:
#   --state DIR        indexes, pid files, logs (default var/cluster)
#   --bin DIR          cglu-index and cglu-searchd (default bin)
#   --shards N         shards of the master, a shard server each (default 2, 1..8)
#   --replicas N       copies kept current, a daemon each (default 1, 1..4)
#   --changesets N     changesets the master keeps for them (default 100)
#   --interval S       seconds between a replica's updates (default 1, 1..3600)
#   --port-base P      ports P, P+1... in start order (default: free ports)
#   --lb haproxy|nginx a load balancer in front of the replicas' HTTP
#   --cache-size BYTES the replicas' answer cache (cglu-searchd's; 0 off)
# Every address is 127.0.0.1. STATE/addresses lists them (NAME=HOST:PORT).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
me=${0##*/}
host=127.0.0.1
wait_s=30   # the longest any one start-up step may take
stop_s=10   # SIGTERM to SIGKILL

die() {
    echo "$me: error: $*" >&2
    exit 1
}
say() { echo "$me: $*"; }

usage() {
    sed -n '10,31s/^# \{0,1\}//p' "$0"
}

# number NAME VALUE MIN MAX: VALUE is a whole number in [MIN, MAX]
number() {
    if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
        die "$1 must be a number from $3 to $4, not '$2'"
    fi
}

# ---- processes: pid files "PID STARTTIME", one session each ----------

# stat_of PID: "STATE PGID STARTTIME" of a process ("" when gone)
stat_of() {
    local line rest
    read -r line 2>/dev/null <"/proc/$1/stat" || return 0
    rest=${line##*) } # the fields after the command name
    # shellcheck disable=SC2086 # split on purpose
    set -- $rest
    [ $# -ge 20 ] && echo "$1 $3 ${20}"
}

# ours NAME: prints the pid of NAME's process or group when either still
# lives and is the one start started (the start time tells a reused pid)
ours() {
    local f=$run/$1.pid pid start st
    [ -f "$f" ] || return 1
    read -r pid start <"$f" || return 1
    st=$(stat_of "$pid")
    if [ -n "$st" ]; then
        [ "${st##* }" = "$start" ] || return 1 # another process now
        [ "${st%% *}" != Z ] && { echo "$pid"; return 0; }
    fi
    [ -n "$(members "$pid")" ] && echo "$pid" # its children outlived it
}

# members PGID: the live processes of process group PGID (the command
# name, in parentheses, may hold blanks: the fields after its last ")";
# cat fails on a process that exits meanwhile, which is not a member)
members() {
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } |
        awk -v g="$1" '{ pid = $1; sub(/.*\) /, ""); if ($3 == g && $1 != "Z") print pid }'
}

# spawn NAME CMD...: CMD in a session of its own (so that its children go
# with it), output to run/NAME.log, its pid in run/NAME.pid
spawn() {
    local name=$1 pid
    shift
    setsid "$@" </dev/null >"$run/$name.log" 2>&1 &
    pid=$!
    echo "$pid $(stat_of "$pid" | cut -d' ' -f3)" >"$run/$name.pid"
    echo "$name" >>"$run/order"
}

# stop_all: every process of run/order: SIGTERM to each one's group, the
# last started first (the daemons before the shard servers they read),
# then a wait for all of them together; SIGKILL to those left after stop_s
stop_all() {
    local names=() live=() still=() i name pid
    [ -f "$run/order" ] || return 0
    mapfile -t names <"$run/order"
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do
        name=${names[$i]}
        pid=$(ours "$name") || continue
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        live+=("$name")
    done
    for ((i = 0; i < stop_s * 10 && ${#live[@]} > 0; i++)); do
        sleep 0.1
        still=()
        for name in "${live[@]}"; do
            if ours "$name" >/dev/null; then still+=("$name"); fi
        done
        live=("${still[@]}")
    done
    for name in "${live[@]}"; do
        pid=$(ours "$name") || continue
        say "$name (pid $pid) still runs after ${stop_s} s: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
    wait # our children, when a start failed
    rm -f "$run"/*.pid "$run/order" "$state/addresses"
}

# running: the first process of run/order that still runs ("" when none)
running() {
    local name pid
    [ -f "$run/order" ] || return 0
    while read -r name; do
        pid=$(ours "$name") && { echo "$name (pid $pid)"; return 0; }
    done <"$run/order"
    return 0
}

# listener PORT: the inode of the socket listening on 127.0.0.1:PORT ("" when
# none; read from /proc/net/tcp, so nothing connects to it)
listener() {
    local hex
    hex=$(printf '0100007F:%04X' "$1")
    awk -v a="$hex" '$2 == a && $4 == "0A" { print $10; exit }' /proc/net/tcp
}

# await_port NAME PORT: wait until NAME's process listens on PORT (its
# socket, not another program's on the same port)
await_port() {
    local i pid inode
    for ((i = 0; i < wait_s * 10; i++)); do
        pid=$(ours "$1") || die "$1 exited: $(tail -n 3 "$run/$1.log")"
        inode=$(listener "$2")
        if [ -n "$inode" ] && find "/proc/$pid/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    die "$1 (pid $pid) does not listen on $host:$2 after ${wait_s} s"
}

# await_daemon NAME: wait for cglu-searchd's "listening on" and "http on"
# lines; sets line_addr and http_addr
await_daemon() {
    local i log=$run/$1.log
    for ((i = 0; i < wait_s * 10; i++)); do
        if [ "$(wc -l <"$log")" -ge 2 ]; then
            line_addr=$(sed -n '1s/^listening on //p' "$log")
            http_addr=$(sed -n '2s/^http on //p' "$log")
            [[ $line_addr == $host:* && $http_addr == $host:* ]] ||
                die "$1 did not start: $(head -n 3 "$log")"
            return 0
        fi
        ours "$1" >/dev/null || die "$1 exited: $(tail -n 3 "$log")"
        sleep 0.1
    done
    die "$1 did not say where it listens in ${wait_s} s: $(tail -n 3 "$log")"
}

# free_ports N: the ports take_port gives without --port-base, N free
# ones the system picks at once (free when picked: a process that takes one
# meanwhile makes the start fail, and clean up)
free=()
free_ports() {
    [ -z "$port_base" ] || return 0
    read -r -a free < <(python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1")
}

# take_port: p = the next port (of --port-base, else of free_ports)
port_n=0
take_port() {
    if [ "$port_base" ]; then
        p=$((port_base + port_n))
    else
        p=${free[$port_n]}
    fi
    port_n=$((port_n + 1))
    if [ -n "$(listener "$p")" ]; then
        [ -z "$port_base" ] || die "$host:$p is in use by another program: another --port-base"
        die "$host:$p, free when picked, is taken by another program now: start again"
    fi
}

# daemon_ports: listen and http = the addresses of the next daemon (port 0
# without --port-base: it picks its own and says which)
daemon_ports() {
    if [ "$port_base" ]; then
        take_port
        listen=$host:$p
        take_port
        http=$host:$p
    else
        listen=$host:0
        http=$host:0
    fi
}

# write_stub DIR LINE...: DIR/XAPIANDB holding the lines, replaced at once
# The sharded index's dictionary (spelling words, synonyms: Xapian's
# remote protocol carries neither) beside the front daemon's stub, copied
# then renamed in (the daemon opens the new one; docs/SCALING.md).
put_dictionary() {
    local d=$state/remote.db/dictionary
    [ -d "$state/master/cglu.db/dictionary" ] || return 0
    rm -rf "$d.new" "$d.old"
    cp -r "$state/master/cglu.db/dictionary" "$d.new"
    [ ! -d "$d" ] || mv "$d" "$d.old"
    mv "$d.new" "$d"
    rm -rf "$d.old"
}

write_stub() {
    local dir=$1
    shift
    mkdir -p "$dir"
    printf '%s\n' "$@" >"$dir/XAPIANDB.tmp"
    mv -f "$dir/XAPIANDB.tmp" "$dir/XAPIANDB"
}

# ---- the load balancer's configuration, from docs/examples ------------

# lb_config KIND PORT HTTP_ADDR...: the example's sections with its bind
# (listen) line on 127.0.0.1:PORT and a server line per replica
lb_config() {
    local kind=$1 port=$2 servers="" a n=0
    shift 2
    for a in "$@"; do
        n=$((n + 1))
        if [ "$kind" = haproxy ]; then
            servers+="    server replica$n $a check"$'\n'
        else
            servers+="    server $a max_fails=2 fail_timeout=10s;"$'\n'
        fi
    done
    if [ "$kind" = haproxy ]; then
        # its notices (a replica down or up) to run/lb.log, not each request
        printf 'global\n    maxconn 1024\n    log stderr format raw local0 notice\n\n'
        awk -v bind="    bind $host:$port" -v servers="$servers" '
            /^[ \t]*bind / { print bind; next }
            /^[ \t]*server / { if (!done) printf "%s", servers; done = 1; next }
            { print }' "$root/docs/examples/haproxy.cfg"
    else
        printf 'daemon off;\nworker_processes 1;\npid %s/nginx.pid;\n' "$run/nginx"
        printf 'error_log %s/nginx-error.log;\nevents { worker_connections 1024; }\n' "$run/nginx"
        printf 'http {\n    access_log off;\n'
        for a in client_body proxy fastcgi uwsgi scgi; do
            printf '    %s_temp_path %s/%s;\n' "$a" "$run/nginx" "$a"
        done
        awk -v listen="    listen $host:$port;" -v servers="$servers" '
            /^[ \t]*listen / { print listen; next }
            /^[ \t]*server [0-9]/ { if (!done) printf "%s", servers; done = 1; next }
            { print }' "$root/docs/examples/nginx.conf"
        printf '}\n'
    fi
}

# ---- subcommands ------------------------------------------------------

cmd_start() {
    local src=$root/corpus shards=2 replicas=1 changesets=100 interval=1 lb="" cache=()
    port_base=""
    while [ $# -gt 0 ]; do
        case $1 in
        --state | --bin | --shards | --replicas | --changesets | --interval | --port-base | --lb | --cache-size)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
            --state) state=$2 ;;
            --bin) bin=$2 ;;
            --shards) shards=$2 ;;
            --replicas) replicas=$2 ;;
            --changesets) changesets=$2 ;;
            --interval) interval=$2 ;;
            --port-base) port_base=$2 ;;
            --lb) lb=$2 ;;
            --cache-size) cache=(--cache-size "$2") ;; # cglu-searchd checks it
            esac
            shift 2
            ;;
        -*) die "unknown option '$1' (try --help)" ;;
        *)
            src=$1
            shift
            [ $# -eq 0 ] || die "one folder only (try --help)"
            ;;
        esac
    done
    number --shards "$shards" 1 8
    number --replicas "$replicas" 1 4
    number --changesets "$changesets" 1 100000
    number --interval "$interval" 1 3600
    [ -z "$port_base" ] || number --port-base "$port_base" 1024 65000
    case $lb in
    "" | haproxy | nginx) ;;
    *) die "--lb must be haproxy or nginx, not '$lb'" ;;
    esac
    [ -d "$src" ] || die "no folder $src to index"
    src=$(cd "$src" && pwd)
    setup_paths
    local t tools="setsid xapian-tcpsrv xapian-replicate xapian-replicate-server $lb"
    for t in cglu-index cglu-searchd; do
        [ -x "$bin/$t" ] || die "no $t in $bin: build it (make)"
    done
    [ "$port_base" ] || tools+=" python3"
    for t in $tools; do
        command -v "$t" >/dev/null || die "$t is not installed (Debian: xapian-tools, haproxy, nginx, python3)"
    done

    mkdir -p "$run"
    local busy
    busy=$(running)
    [ -z "$busy" ] || die "a cluster runs under $state already ($busy): $me stop --state $state first"
    if [ -f "$state/source" ] && [ "$(cat "$state/source")" != "$src" ]; then
        die "$state holds an index of $(cat "$state/source"), not of $src: $me clean --state $state first, or another --state"
    fi
    rm -f "$run"/*.pid "$run"/*.log "$run/order" "$state/addresses"
    trap 'st=$?; if [ $st -ne 0 ]; then echo "$me: start failed: stopping what it started" >&2; stop_all; fi' EXIT

    # The master: N shards, each keeping changesets for the replicas.
    local master=$state/master/cglu.db k
    mkdir -p "$state/master"
    echo "$src" >"$state/source"
    echo "$bin" >"$state/bin"
    say "indexing $src into $master ($shards shards)"
    timeout 3600 "$bin/cglu-index" -q --shards "$shards" --changesets "$changesets" \
        --db "$master" "$src" || die "cglu-index failed on $src"
    local names=() remote=() p addrs=()
    free_ports $((shards + 2)) # the shard servers, replication, the balancer
    for ((k = 0; k < shards; k++)); do names+=("$(printf 'shard-%02d' "$k")"); done

    # A shard server per shard, read-only (xapian-tcpsrv's default).
    for k in "${names[@]}"; do
        take_port
        spawn "$k" xapian-tcpsrv --quiet --interface "$host" --port "$p" "$master/$k"
        await_port "$k" "$p"
        remote+=("remote $host:$p")
        addrs+=("${k//-/_}=$host:$p")
    done
    write_stub "$state/remote.db" "${remote[@]}"
    put_dictionary

    # The master's shards to the replicas: one client per shard and copy.
    local rport r copy lines=()
    take_port
    rport=$p
    spawn replication xapian-replicate-server -I "$host" -p "$rport" "$master"
    await_port replication "$rport"
    addrs+=("replication=$host:$rport")
    for k in "${names[@]}"; do lines+=("auto $k"); done
    for ((r = 1; r <= replicas; r++)); do
        copy=$state/replica-$r/cglu.db
        mkdir -p "$copy"
        for k in "${names[@]}"; do
            # the first copy at once (bounded), so the daemon has an index
            timeout "$wait_s" xapian-replicate -h "$host" -p "$rport" -m "$k" -o -r 0 -t 10 -q \
                "$copy/$k" || die "cannot copy $k into $copy"
        done
        write_stub "$copy" "${lines[@]}"
        for k in "${names[@]}"; do
            spawn "replica-$r-$k" xapian-replicate -h "$host" -p "$rport" -m "$k" -i "$interval" \
                -r 0 -t 10 -q "$copy/$k"
        done
    done

    # The daemons.
    local listen http replicas_http=() line_addr http_addr
    daemon_ports
    spawn front "$bin/cglu-searchd" --db "$state/remote.db" "${cache[@]}" \
        --listen "$listen" --http "$http"
    await_daemon front
    addrs+=("front_line=$line_addr" "front_http=$http_addr")
    for ((r = 1; r <= replicas; r++)); do
        daemon_ports
        spawn "replica-$r" "$bin/cglu-searchd" --db "$state/replica-$r/cglu.db" \
            --listen "$listen" --http "$http" "${cache[@]}"
        await_daemon "replica-$r"
        addrs+=("replica_${r}_line=$line_addr" "replica_${r}_http=$http_addr")
        replicas_http+=("$http_addr")
    done

    if [ "$lb" ]; then
        take_port
        mkdir -p "$run/nginx"
        lb_config "$lb" "$p" "${replicas_http[@]}" >"$run/$lb.conf"
        if [ "$lb" = haproxy ]; then
            haproxy -c -q -f "$run/$lb.conf" || die "haproxy refuses $run/$lb.conf"
            spawn lb haproxy -db -f "$run/$lb.conf"
        else
            nginx -t -q -p "$run/nginx" -e "$run/nginx/nginx-error.log" -c "$run/$lb.conf" ||
                die "nginx refuses $run/$lb.conf"
            spawn lb nginx -p "$run/nginx" -e "$run/nginx/nginx-error.log" -c "$run/$lb.conf"
        fi
        await_port lb "$p"
        addrs+=("lb_http=$host:$p")
    fi

    printf '%s\n' "${addrs[@]}" >"$state/addresses"
    show_status || die "a process of the cluster exited during the start"
    trap - EXIT
    say "started under $state; stop it with: $me stop --state $state"
}

# addr_of NAME: "line HOST:PORT http HOST:PORT " or "HOST:PORT " of NAME
addr_of() {
    local key=${1//-/_} k v
    [ -f "$state/addresses" ] || return 0
    while IFS='=' read -r k v; do
        case $k in
        "$key") printf '%s ' "$v" ;;
        "${key}_line") printf 'line %s ' "$v" ;;
        "${key}_http") printf 'http://%s/ ' "$v" ;;
        esac
    done <"$state/addresses"
}

# show_status: one line per process of run/order; 0 when all run
show_status() {
    local name pid what st=0 addr
    if [ ! -s "$run/order" ]; then
        say "no cluster under $state"
        return 1
    fi
    while read -r name; do
        case $name in
        shard-*) what="shard server of master/cglu.db/$name" ;;
        replication) what="replication server of master/cglu.db" ;;
        replica-*-shard-*) what="xapian-replicate of shard-${name##*-shard-} into ${name%-shard-*}/cglu.db" ;;
        front) what="cglu-searchd over the shard servers (remote.db)" ;;
        replica-*) what="cglu-searchd over $name/cglu.db" ;;
        lb) what="load balancer of the replicas' HTTP" ;;
        *) what=$name ;;
        esac
        addr=$(addr_of "$name")
        if pid=$(ours "$name"); then
            printf '  %-19s pid %-7s %s%s\n' "$name" "$pid" "$addr" "$what"
        else
            printf '  %-19s %-11s %s (log: %s)\n' "$name" "NOT RUNNING" "$what" "$run/$name.log"
            st=1
        fi
    done <"$run/order"
    if [ -f "$state/addresses" ] && grep -q '^lb_http=' "$state/addresses"; then
        say "search page through the load balancer: http://$(sed -n 's/^lb_http=//p' "$state/addresses")/"
    fi
    return $st
}

cmd_state_only() { # the options of stop, status, index, clean
    bin=""
    while [ $# -gt 0 ]; do
        case $1 in
        --state | --bin)
            [ $# -ge 2 ] || die "$1 needs a value"
            if [ "$1" = --state ]; then state=$2; else bin=$2; fi
            shift 2
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
        esac
    done
    if [ ! -d "$state" ]; then
        say "no cluster under $state"
        [ "$cmd" = stop ] || [ "$cmd" = clean ] # nothing to do: done
        exit
    fi
    # index: the programs the cluster was started with, unless told
    [ -n "$bin" ] || bin=$(cat "$state/bin" 2>/dev/null) || bin=$root/bin
    setup_paths
}

# setup_paths: state and bin made absolute (the state folder made first)
setup_paths() {
    mkdir -p "$state" 2>/dev/null || true
    [ -d "$state" ] || die "cannot make the state folder $state"
    state=$(cd "$state" && pwd)
    bin=$(cd "$bin" 2>/dev/null && pwd) || die "no folder $bin"
    run=$state/run
}

state=$root/var/cluster
bin=$root/bin
[ $# -ge 1 ] || {
    usage >&2
    exit 2
}
cmd=$1
shift
case $cmd in
start) cmd_start "$@" ;;
stop)
    cmd_state_only "$@"
    [ -f "$run/order" ] || { say "no cluster under $state"; exit 0; }
    stop_all
    say "stopped"
    ;;
status)
    cmd_state_only "$@"
    show_status
    ;;
index)
    cmd_state_only "$@"
    [ -f "$state/source" ] || die "no cluster index under $state: $me start first"
    timeout 3600 "$bin/cglu-index" --db "$state/master/cglu.db" "$(cat "$state/source")"
    put_dictionary
    ;;
clean)
    cmd_state_only "$@"
    busy=$(running)
    [ -z "$busy" ] || die "a cluster runs under $state ($busy): $me stop --state $state first"
    [ -f "$state/source" ] || [ ! -e "$state/master" ] || die "$state is not a cluster's folder"
    rm -rf "${state:?}/master" "$state/remote.db" "$state"/replica-* "$run" "$state/source" \
        "${state:?}/bin" "$state/addresses"
    rmdir "$state" 2>/dev/null || true
    say "removed the cluster under $state"
    ;;
-h | --help) usage ;;
*) die "unknown command '$cmd' (try --help)" ;;
esac
