#!/usr/bin/env bash
# bench/drill.sh: the failover drill (bench/README.md, "Failover drill"); `bench/run drill` runs it.
# Three sysplexd nodes in network namespaces on one bridged segment, a three-member etcd cluster on
# a management segment. N1 owns the DVIPA D1 (VIPADEFINE MOVEABLE IMMEDIATE) and distributes its
# port 8080 to N2 and N3 (kernel servers behind their TAPs); N2 backs it up at rank 100, N3 at 90.
# Per run: sinks in every node, a wire recorder on the bridge, long-lived TCP connections and a UDP
# stream (to D1's undistributed port 9000: its owner delivers it) from a client; SIGKILL of N1 (the
# takeover to N2), a restart of N1 (the takeback); then drill_analyze.py measures from the traffic.
# The topology is built once; every run starts from N1 owning D1 again.
# usage: bench/drill.sh [--runs N] [--out FILE.json] [--connections N] [--pps R] [--interval-ms I]
#                       [--heartbeat-ms H] [--miss-count M]      (as root; BUILD_DIR as bench/run)
set -u
export LC_ALL=C  # $EPOCHREALTIME with a decimal point
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SYSPLEXD=$BUILD_DIR/bin/sysplexd
SYSPLEXCTL=$BUILD_DIR/bin/sysplexctl
PY=/usr/bin/python3
# The traffic and its sinks run below the nodes' priority, so on a small machine the load cannot starve
# the nodes' control threads (heartbeats); the sinks' and the wire's times are the kernel's anyway.
LOAD="nice -n 5 $PY"
RUNS=3 OUT="" CONNS=500 PPS=2000 INTERVAL_MS=100 HB_MS=100 MISS=3
PRE_S=2        # traffic before the kill
TAKEOVER_S=4   # from the kill to the restart
AFTER_S=3      # after N1 has D1 back and its connection table

die() { echo "bench/drill.sh: $*" >&2; exit 1; }
usage() { sed -n '10,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 takes a positive integer (got '$2')"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=${2:-}; posint "$1" "$RUNS"; shift 2 ;;
        --out) OUT=${2:?}; shift 2 ;;
        --connections) CONNS=${2:-}; posint "$1" "$CONNS"; shift 2 ;;
        --pps) PPS=${2:-}; posint "$1" "$PPS"; shift 2 ;;
        --interval-ms) INTERVAL_MS=${2:-}; posint "$1" "$INTERVAL_MS"; shift 2 ;;
        --heartbeat-ms) HB_MS=${2:-}; posint "$1" "$HB_MS"; shift 2 ;;
        --miss-count) MISS=${2:-}; posint "$1" "$MISS"; shift 2 ;;
        *) usage ;;
    esac
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, DPDK)"
[ -x "$SYSPLEXD" ] && [ -x "$SYSPLEXCTL" ] || die "no $SYSPLEXD or $SYSPLEXCTL (bench/run drill builds them)"
command -v etcd >/dev/null && command -v etcdctl >/dev/null || die "needs etcd-server and etcd-client"
OUT=${OUT:-$ROOT/bench/results/drill-$(date +%Y%m%d-%H%M%S).json}
mkdir -p "$(dirname "$OUT")" || die "cannot create $(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

# lib.sh names, records and on any exit removes every namespace, veth, process and DPDK prefix.
. "$ROOT/tests/integration/lib.sh"
IT_KEEP_LOGS=${IT_KEEP_LOGS-1}  # a failed drill keeps its logs (the path is printed)
it_init

D1=198.18.1.50
CLIENT=198.18.1.100
MGMT=198.19.0.1
NS_L=$(it_name drL)   # the bridges: br0 data, br1 management (etcd)
NS_C=$(it_name drC)   # the client
KEY=$IT_TMPDIR/group.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"
ENDPOINTS="http://$MGMT:23791 http://$MGMT:23792 http://$MGMT:23793"
ETCDCTL="etcdctl --endpoints=$MGMT:23791,$MGMT:23792,$MGMT:23793 --command-timeout=5s"
STARTS=0

# Stops one process we started (or reaps one that ended) and forgets it, so the final cleanup never
# signals a pid the system has given to someone else meanwhile.
forget_pid() {
    local keep=() p
    for p in "${IT_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    IT_PIDS=("${keep[@]}")
}
stop_pid() { it_kill "$1" "${2:-5}"; forget_pid "$1"; }
reap_pid() { wait "$1" 2>/dev/null; forget_pid "$1"; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }
wait_line() {  # wait_line SECONDS FILE PATTERN [FROM_LINE]: a line matching PATTERN after FROM_LINE
    local deadline=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$deadline" ]; do
        tail -n +"$((${4:-0} + 1))" "$2" 2>/dev/null | grep -q "$3" && return 0
        sleep 0.05
    done
    return 1
}
lines_of() { wc -l <"$1" 2>/dev/null || echo 0; }

# ---- topology --------------------------------------------------------------------------------
attach() {  # attach NS IFNAME BRIDGE: a veth from NS into the bridge; PEER_<IFNAME> is its bridge end
    local peer; peer=$(it_name "b$2")
    it_veth "$1" "$2" "$NS_L" "$peer" && ip -n "$NS_L" link set "$peer" master "$3" || return 1
    printf -v "PEER_$2" '%s' "$peer"
}
build_segments() {
    it_netns "$NS_L" && it_netns "$NS_C" || return 1
    local br
    for br in br0 br1; do ip -n "$NS_L" link add $br type bridge && ip -n "$NS_L" link set $br up || return 1; done
    ip -n "$NS_L" addr add $MGMT/24 dev br1 && attach "$NS_C" cl0 br0 && ip -n "$NS_C" addr add $CLIENT/24 dev cl0 &&
        ip netns exec "$NS_C" "$PY" "$ROOT/tests/integration/txcsum_off.py" cl0
}
start_etcd() {
    local i cluster="m1=http://$MGMT:23801,m2=http://$MGMT:23802,m3=http://$MGMT:23803"
    for i in 1 2 3; do
        it_start_ns "$NS_L" "$IT_TMPDIR/etcd$i.stdout" "ETCD_$i" etcd --name "m$i" --data-dir "$IT_TMPDIR/m$i.etcd" \
            --listen-client-urls "http://$MGMT:2379$i" --advertise-client-urls "http://$MGMT:2379$i" \
            --listen-peer-urls "http://$MGMT:2380$i" --initial-advertise-peer-urls "http://$MGMT:2380$i" \
            --initial-cluster "$cluster" --initial-cluster-token "drill$IT_ID" --initial-cluster-state new \
            --heartbeat-interval 50 --election-timeout 500 --logger=zap --log-outputs="$IT_TMPDIR/etcd$i.log"
    done
    it_wait_for 20 "etcd health" ip netns exec "$NS_L" $ETCDCTL endpoint health
}
write_profile() {  # write_profile N ROLE_LINE
    cat >"$IT_TMPDIR/N$1.profile" <<EOF
NODENAME N$1
NODEADDR 198.18.1.1$1
PORT lan0 DEVICE "net_af_packet0,iface=$(it_name "v$1"),framecnt=4096,qdisc_bypass=1"
PORTADDR lan0 198.18.1.1$1/24
TAP $(it_name "t$1") PORT lan0
STORE ETCD $ENDPOINTS
GROUP SPXD KEYFILE $KEY HEARTBEATMS $HB_MS MISSCOUNT $MISS
WORKERS 1
MEMPOOL MBUFS 8191 CACHE 256
CONNTABLE ENTRIES 65536
VIPADYNAMIC
  $2
  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D1 PORT 8080 DESTIP 198.18.1.12 198.18.1.13
ENDVIPADYNAMIC
EOF
    timeout 10 "$SYSPLEXD" --check "$IT_TMPDIR/N$1.profile" >"$IT_TMPDIR/N$1.check" 2>&1 ||
        { cat "$IT_TMPDIR/N$1.check" >&2; return 1; }
}
setup_node() {  # namespace, data veth (DPDK's, ARP off), management veth (the kernel's, to etcd)
    local n=$1 ns veth mg
    ns=$(it_name "dr$n"); veth=$(it_name "v$n"); mg=$(it_name "m$n")
    it_netns "$ns" && attach "$ns" "$veth" br0 && attach "$ns" "$mg" br1 || return 1
    ip -n "$ns" link set "$veth" arp off
    ip netns exec "$ns" sysctl -qw net.ipv6.conf."$veth".disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 \
        net.ipv4.conf."$veth".rp_filter=1 >/dev/null
    ip -n "$ns" addr add "198.19.0.1$n/24" dev "$mg"
    eval "NS_N$n=$ns PREFIX_N$n=sysplex-D$n$IT_ID WIREIF_N$n=\$PEER_$veth"
}
# sysplexd (again) with its output time-stamped line by line (LOG_Nn) through a FIFO; PID_Nn is its pid.
start_node() {
    local n=$1 ns prefix fifo log
    eval "ns=\$NS_N$n prefix=\$PREFIX_N$n"
    STARTS=$((STARTS + 1))
    fifo=$IT_TMPDIR/N$n.fifo.$STARTS log=$IT_TMPDIR/N$n.log.$STARTS
    mkfifo "$fifo" || return 1
    nice -n -5 "$PY" "$HERE/drill_sink.py" stamp --out "$log" <"$fifo" &
    IT_PIDS+=("$!")
    printf -v "STAMP_N$n" '%s' "$!"
    it_dpdk_prefix "$prefix"
    it_start_ns "$ns" "$fifo" "PID_N$n" "$SYSPLEXD" --profile "$IT_TMPDIR/N$n.profile" --no-status \
        --eal "--file-prefix=$prefix"
    printf -v "LOG_N$n" '%s' "$log"
}
ctl() { local p; eval "p=\$PREFIX_N$1"; shift; timeout 10 "$SYSPLEXCTL" --prefix "$p" "$@"; }
ready_targets() {  # ready_targets N: N's VDPT rows with a ready target
    ctl "$1" --json vdpt 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin).values() if isinstance(r, dict) and r.get("rdy") == 1))'
}
steady() {  # N1 owns D1 and distributes it to both targets; N2 is its backup
    [ "$(ready_targets 1)" = 2 ] && ctl 2 --json vipadyn 2>/dev/null | "$PY" -c '
import json, sys
sys.exit(0 if any(r["ipaddr"].split("/")[0] == sys.argv[1] and r["status"] == "BACKUP" and r["owner"] == "N1"
                  for r in json.load(sys.stdin).values()) else 1)' $D1
}

# N1 owns D1 again. After a takeover N1 never saw coming (it stayed a member), it does not take D1
# back by itself: a restart (a join) does, as MOVEABLE IMMEDIATE says.
start_state() {
    it_wait_for 30 "N1 owns $D1 and distributes it to N2 and N3" steady && return 0
    echo "bench/drill.sh: N1 does not own $D1; restarting N1 to take it back" >&2
    stop_pid "$PID_N1" 10
    reap_pid "$STAMP_N1"
    start_node 1 || return 1
    it_wait_for 60 "N1 owns $D1 and distributes it to N2 and N3" steady && return 0
    local n
    for n in 1 2 3; do  # what each node thinks, for the log
        echo "---- N$n" >&2
        ctl $n vipadyn >&2; ctl $n vdpt >&2; ctl $n group >&2; ctl $n neighbors >&2; ctl $n messages 2>&1 | tail -12 >&2
    done
    return 1
}

setup() {
    build_segments || die "cannot build the segments"
    start_etcd || { tail -5 "$IT_TMPDIR"/etcd1.stdout >&2; die "etcd did not become healthy"; }
    write_profile 1 "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $D1" &&
        write_profile 2 "VIPABACKUP 100 $D1" && write_profile 3 "VIPABACKUP 90 $D1" || die "a profile fails --check"
    local n ns p pid
    for n in 1 2 3; do setup_node $n || die "cannot set up N$n"; done
    for n in 1 2 3; do start_node $n || die "cannot start N$n"; done
    for n in 1 2 3; do
        eval "p=\$PREFIX_N$n pid=\$PID_N$n"
        it_wait_file 30 "/run/dpdk/$p/dpdk_telemetry.v2" "$pid" ||
            { tail -n 20 "$IT_TMPDIR"/N$n.log.*; die "N$n did not start"; }
    done
    for n in 2 3; do
        eval "ns=\$NS_N$n"
        it_start_ns "$ns" "$IT_TMPDIR/srv$n.log" "SRV_N$n" $LOAD "$ROOT/tests/integration/tcp_server.py" "N$n" 8080
        it_wait_for 10 "N$n server listening" has_line "$IT_TMPDIR/srv$n.log" listening || die "no TCP server on N$n"
    done
}

# ---- one run ---------------------------------------------------------------------------------
start_in() {  # start_in NS OUTFILE VAR READY_PATTERN command...: start, wait for its ready line
    local ns=$1 out=$2 var=$3 pat=$4; shift 4
    it_start_ns "$ns" "$out" "$var" "$@"
    it_wait_for 60 "$var ready" has_line "$out" "$pat" || { cat "$out" >&2; return 1; }
}
stop_run() {
    local v
    for v in UDPGEN TCPGEN WIRE SINK_N1 SINK_N2 SINK_N3; do
        eval "[ -n \"\${$v:-}\" ] && stop_pid \$$v 10; $v="
    done
}
run_drill() {
    local k=$1 d=$IT_TMPDIR/run$k n ns ready from start_line t_start=$EPOCHREALTIME
    rm -rf "$d" && mkdir -p "$d"
    start_line=$(lines_of "$LOG_N2")
    for n in 1 2 3; do
        eval "ns=\$NS_N$n"
        start_in "$ns" "$d/sink$n.out" "SINK_N$n" listening $LOAD "$HERE/drill_sink.py" udp 9000 --out "$d/udp_N$n" ||
            die "run $k: no UDP sink on N$n"
    done
    start_in "$NS_L" "$d/wire.out" WIRE listening $LOAD "$HERE/drill_sink.py" wire "N1=$WIREIF_N1" "N2=$WIREIF_N2" \
        "N3=$WIREIF_N3" --out "$d/wire.jsonl" || die "run $k: no wire recorder"
    start_in "$NS_C" "$d/tcp.out" TCPGEN '"ready"' $LOAD "$HERE/drill_traffic.py" tcp $D1 8080 --connections "$CONNS" \
        --interval-ms "$INTERVAL_MS" --out "$d/tcp.json" || die "run $k: the TCP connections did not open"
    ready=$(sed -n 's/.*"ready": \([0-9]*\).*/\1/p' "$d/tcp.out")
    [ "$ready" = "$CONNS" ] || die "run $k: only $ready of $CONNS connections opened ($(cat "$d/tcp.out"))"
    start_in "$NS_C" "$d/udp.out" UDPGEN started $LOAD "$HERE/drill_traffic.py" udp $D1 9000 --pps "$PPS" \
        --out "$d/udp_sent" || die "run $k: no UDP stream"
    sleep "$PRE_S"
    if tail -n +"$((start_line + 1))" "$LOG_N2" | grep -q "DVIPA $D1 ACTIVE here"; then
        echo "run $k: N2 took $D1 over before the kill (N1's heartbeats were late:" \
             "the machine is overloaded); again" >&2
        FALSE_TAKEOVERS=$((FALSE_TAKEOVERS + 1))
        stop_run
        return 2
    fi
    from=$(lines_of "$LOG_N2")
    local log_killed=$LOG_N1 t_kill t_restart t_stop loadavg l1 l5 l15
    read -r l1 l5 l15 _ </proc/loadavg
    loadavg="$l1 $l5 $l15"
    t_kill=$EPOCHREALTIME
    kill -KILL "$PID_N1"
    reap_pid "$PID_N1"
    reap_pid "$STAMP_N1"  # its input ends with N1
    # Nothing polls the nodes' displays while they fail over: N2's log says when it has D1.
    wait_line 10 "$LOG_N2" "DVIPA $D1 ACTIVE here" "$from" || die "run $k: N2 did not take $D1 over"
    sleep "$(awk -v a="$t_kill" -v b="$EPOCHREALTIME" -v s=$TAKEOVER_S \
        'BEGIN { d = a + s - b; print (d > 0 ? d : 0) }')"
    t_restart=$EPOCHREALTIME
    start_node 1 || die "run $k: cannot restart N1"
    wait_line 40 "$LOG_N1" "DVIPA $D1 ACTIVE here" || die "run $k: N1 did not take $D1 back"
    wait_line 10 "$LOG_N1" "connection table of $D1 rebuilt" || die "run $k: N1 did not rebuild its connection table"
    sleep "$AFTER_S"
    t_stop=$EPOCHREALTIME
    stop_pid "$UDPGEN"
    UDPGEN=
    sleep 0.3
    stop_run
    cat >"$d/marks.json" <<EOF
{"run": $k, "start": "$t_start", "kill": "$t_kill", "restart": "$t_restart", "stop": "$t_stop", "dvipa": "$D1",
 "heartbeat_ms": $HB_MS, "miss_count": $MISS, "pps": $PPS, "interval_ms": $INTERVAL_MS,
 "loadavg": "$loadavg", "log_N2": "$LOG_N2", "log_N3": "$LOG_N3", "log_N1_killed": "$log_killed",
 "log_N1_restarted": "$LOG_N1"}
EOF
    "$PY" "$HERE/drill_analyze.py" run "$d" --png "${OUT%.json}-run$k.png" || die "run $k: the analysis failed"
}

setup
echo "failover drill: $RUNS runs, $CONNS connections every ${INTERVAL_MS} ms, UDP ${PPS}/s," \
     "HEARTBEATMS $HB_MS MISSCOUNT $MISS; SIGKILL of the distributor N1, then its restart"
"$PY" "$HERE/drill_analyze.py" head
dirs=()
FALSE_TAKEOVERS=0
for ((k = 1; k <= RUNS; k++)); do
    for attempt in 1 2 3 4; do
        [ "$attempt" -lt 4 ] || die "run $k: no attempt got to the kill without a takeover before it"
        start_state || die "run $k: the group did not reach its start state (N1 owning $D1, N2 its backup)"
        run_drill "$k" && break
    done
    dirs+=("$IT_TMPDIR/run$k")
done
"$PY" "$HERE/drill_analyze.py" summary --out "$OUT" --false-takeovers "$FALSE_TAKEOVERS" "${dirs[@]}" ||
    die "the summary failed"
