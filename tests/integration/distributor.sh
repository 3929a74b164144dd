#!/usr/bin/env bash
# Integration test of the sysplex distributor: three sysplexd processes in network namespaces on
# one bridged segment (veth + net_af_packet, framecnt=4096), each with a real kernel TCP server
# behind its TAP. N1 owns DVIPA 198.18.1.50 and distributes it to N1 (itself), N2 (direct path:
# MAC rewrite) and N3 (VIPAROUTE: GRE). A kernel client opens 1000 connections (ROUNDROBIN on 8080)
# and 200 held ones (WEIGHTEDACTIVE 1:2:1 on 8081) and exchanges data on each. Checks: every
# connection completes, the split matches the method, replies bypass N1 (seen on the wire), the
# group channel carried listener reports, and the displays show it all.
# Usage: distributor.sh /path/to/sysplexd /path/to/sysplexctl   (as root)
set -u
SYSPLEXD=${1:-$(dirname "$0")/../../build/bin/sysplexd}
SYSPLEXCTL=${2:-$(dirname "$SYSPLEXD")/sysplexctl}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3
[ -x "$SYSPLEXD" ] || { echo "FAIL: sysplexd binary not found: $SYSPLEXD"; exit 1; }

it_init

DVIPA=198.18.1.50
CLIENT=198.18.1.100
NS_L=$(it_name spdL)      # the segment: a bridge
NS_C=$(it_name spdC)      # the client
KEY=$IT_TMPDIR/group.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"

# ---- topology: a bridge, the client, three nodes -----------------------------------------
it_netns "$NS_L" && it_netns "$NS_C" || { it_fail "create netns"; it_summary; }
ip -n "$NS_L" link add br0 type bridge && ip -n "$NS_L" link set br0 up
attach() {  # attach NS IFNAME: a veth from NS into the bridge
    local peer; peer=$(it_name "b$2")
    it_veth "$1" "$2" "$NS_L" "$peer" && ip -n "$NS_L" link set "$peer" master br0
}
attach "$NS_C" cl0 || it_fail "client veth"
ip -n "$NS_C" addr add $CLIENT/24 dev cl0
ip netns exec "$NS_C" "$PY" "$HERE/txcsum_off.py" cl0 || it_fail "disable TX checksum offload on the client"

start_node() {  # start_node N ROLE_LINES...: namespace, veth, profile, sysplexd, kernel server
    local n=$1; shift
    local ns veth tap prefix profile
    ns=$(it_name "spd$n"); veth=$(it_name "v$n"); tap=$(it_name "t$n")
    prefix="sysplex-D$n$IT_ID"
    it_netns "$ns" && attach "$ns" "$veth" || return 1
    # The kernel of the node must leave the DPDK veth alone: no ARP, no IPv6, strict reverse path.
    ip -n "$ns" link set "$veth" arp off
    ip netns exec "$ns" sysctl -qw net.ipv6.conf."$veth".disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 \
        net.ipv4.conf."$veth".rp_filter=1 >/dev/null
    profile=$IT_TMPDIR/N$n.profile
    {
        echo "NODENAME N$n"
        echo "NODEADDR 198.18.1.1$n"
        echo "PORT lan0 DEVICE \"net_af_packet0,iface=$veth,framecnt=4096,qdisc_bypass=1\""
        echo "PORTADDR lan0 198.18.1.1$n/24"
        echo "TAP $tap PORT lan0"
        echo "GROUP SPXD KEYFILE $KEY HEARTBEATMS 100"
        echo "WORKERS 1"
        echo "MEMPOOL MBUFS 8191 CACHE 256"
        echo "CONNTABLE ENTRIES 65536"
        echo "VIPADYNAMIC"
        printf '  %s\n' "$@"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $DVIPA PORT 8080 DESTIP 198.18.1.11 198.18.1.12 198.18.1.13"
        echo "  VIPADISTRIBUTE DISTMETHOD WEIGHTEDACTIVE $DVIPA PORT 8081"
        echo "    DESTIP 198.18.1.11 WEIGHT 1 198.18.1.12 WEIGHT 2 198.18.1.13 WEIGHT 1"
        echo "  VIPAROUTE DEFINE 198.18.1.13 198.18.1.13"
        echo "ENDVIPADYNAMIC"
    } >"$profile"
    it_check "N$n profile passes --check" timeout 10 "$SYSPLEXD" --check "$profile" >/dev/null || return 1
    it_dpdk_prefix "$prefix"
    it_start_ns "$ns" "$IT_TMPDIR/N$n.log" "PID_N$n" timeout -s TERM 300 "$SYSPLEXD" --profile "$profile" \
        --no-status --eal "--file-prefix=$prefix"
    eval "NS_N$n=$ns PREFIX_N$n=$prefix TAP_N$n=$tap VETH_N$n=$veth"
}
start_node 1 "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $DVIPA" || it_fail "start N1"
start_node 2 "VIPABACKUP 100 $DVIPA" || it_fail "start N2"
start_node 3 "VIPABACKUP 90 $DVIPA" || it_fail "start N3"
[ "$IT_FAILS" -eq 0 ] || it_summary

for n in 1 2 3; do
    eval "ns=\$NS_N$n tap=\$TAP_N$n prefix=\$PREFIX_N$n pid=\$PID_N$n"
    if ! it_check "N$n telemetry socket" it_wait_file 30 "/run/dpdk/$prefix/dpdk_telemetry.v2" "$pid" ||
       ! it_check "N$n TAP carries $DVIPA" it_wait_for 20 "$DVIPA on $tap" \
            sh -c "ip -n $ns -4 addr show dev $tap | grep -q ' $DVIPA/32'"; then
        tail -n 30 "$IT_TMPDIR/N$n.log"; it_summary
    fi
    it_start_ns "$ns" "$IT_TMPDIR/srv$n.log" "SRV_N$n" timeout 280 "$PY" "$HERE/tcp_server.py" "N$n" 8080 8081
done
ctl() { local p=$1; shift; timeout 10 "$SYSPLEXCTL" --prefix "$p" "$@"; }
for n in 1 2 3; do
    eval "prefix=\$PREFIX_N$n"
    it_wait_for 10 "N$n server listening" grep -q listening "$IT_TMPDIR/srv$n.log"
done

# N1 learns of its targets' listeners over the group channel: wait until all six rows are ready.
ready_rows() { ctl "$PREFIX_N1" --json vdpt | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for r in d.values() if isinstance(r, dict) and r.get("rdy") == 1))'; }
wait_until() {  # wait_until SECONDS FUNCTION...: poll every 0.2 s
    local deadline=$((SECONDS + $1)); shift
    while [ "$SECONDS" -lt "$deadline" ]; do "$@" && return 0; sleep 0.2; done
    return 1
}
all_ready() { [ "$(ready_rows 2>/dev/null)" = 6 ]; }
it_check "N1's VDPT shows every target ready" wait_until 20 all_ready
ctl "$PREFIX_N1" vdpt >&2

# ---- capture on the wire: who sends the DVIPA's replies --------------------------------------
CAP_C=$IT_TMPDIR/client.pcap CAP_1=$IT_TMPDIR/n1.pcap
it_start_ns "$NS_C" "$IT_TMPDIR/tcpdump_c.log" TD_C timeout 250 tcpdump -i cl0 -nn -U -w "$CAP_C" "tcp and host $DVIPA"
it_start_ns "$NS_N1" "$IT_TMPDIR/tcpdump_1.log" TD_1 timeout 250 tcpdump -i "$VETH_N1" -nn -U -w "$CAP_1" "tcp and src host $DVIPA"
sleep 1

# ---- 1000 connections, ROUNDROBIN ------------------------------------------------------------
RR=$(timeout 180 ip netns exec "$NS_C" "$PY" "$HERE/tcp_client.py" $DVIPA 8080 1000 --concurrency 32 --bytes 3000)
echo "roundrobin: $RR" >&2
check_json() {  # check_json JSON DESCRIPTION PYTHON-EXPRESSION-ON-r
    if printf '%s' "$1" | "$PY" -c "import json,sys; r=json.load(sys.stdin); sys.exit(0 if ($3) else 1)" 2>/dev/null; then
        it_pass "$2"; else it_fail "$2 ($1)"; fi
}
check_json "$RR" "all 1000 ROUNDROBIN connections completed with data echoed" 'r["ok"] == 1000 and r["failed"] == 0'
check_json "$RR" "ROUNDROBIN split 1000 connections evenly over N1, N2, N3 (within 2%)" \
    'sorted(r["by_node"]) == ["N1","N2","N3"] and all(abs(v - 1000/3) <= 20 for v in r["by_node"].values())'

# ---- 200 held connections, WEIGHTEDACTIVE 1:2:1 ----------------------------------------------
ip netns exec "$NS_C" timeout 120 "$PY" "$HERE/tcp_client.py" $DVIPA 8081 200 --hold --bytes 500 --linger 4 \
    >"$IT_TMPDIR/wa.json" 2>"$IT_TMPDIR/wa.err" &
WA_PID=$!
IT_PIDS+=("$WA_PID")
vcrt_holds() { ctl "$PREFIX_N1" --json vcrt dvipa=$DVIPA state=established limit=5 | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["matched"] >= 200 else 1)'; }
it_check "VCRT shows the 200 held connections as established" wait_until 30 vcrt_holds
check_json "$(ctl "$PREFIX_N1" --json vcrt dvipa=$DVIPA state=established limit=5)" "VCRT filters by DVIPA and state, and limits its rows" \
    'r["matched"] >= 200 and r["shown"] == 5'
ctl "$PREFIX_N1" vcrt limit=5 >&2
wait "$WA_PID"
WA=$(cat "$IT_TMPDIR/wa.json")
echo "weightedactive: $WA" >&2
check_json "$WA" "all 200 WEIGHTEDACTIVE connections completed" 'r["ok"] == 200 and r["failed"] == 0'
check_json "$WA" "WEIGHTEDACTIVE split follows the weights 1:2:1 (50/100/50 within 5)" \
    'abs(r["by_node"].get("N1",0)-50) <= 5 and abs(r["by_node"].get("N2",0)-100) <= 5 and abs(r["by_node"].get("N3",0)-50) <= 5'

sleep 1
it_kill "$TD_C" 3; it_kill "$TD_1" 3
# ---- replies bypass the distributor ------------------------------------------------------------
MAC_N1=$(ctl "$PREFIX_N1" --json ports | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["port0"]["mac"])')
MAC_N2=$(ctl "$PREFIX_N2" --json ports | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["port0"]["mac"])')
MAC_N3=$(ctl "$PREFIX_N3" --json ports | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["port0"]["mac"])')
BYSRC=$(tcpdump -nn -e -r "$CAP_C" "src host $DVIPA" 2>/dev/null | awk '{print $2}' | sort | uniq -c)
echo "frames from $DVIPA at the client, by source MAC:" >&2; echo "$BYSRC" >&2
count_mac() { printf '%s\n' "$BYSRC" | awk -v m="$1" '$2 == m {print $1}'; }
for n in 1 2 3; do
    eval "mac=\$MAC_N$n"
    c=$(count_mac "$mac"); c=${c:-0}
    if [ "$c" -gt 1000 ]; then it_pass "N$n sent its replies straight to the client ($c frames from $mac)"
    else it_fail "N$n sent its replies straight to the client (only $c frames from $mac)"; fi
done
THROUGH_N1=$(tcpdump -nn -e -r "$CAP_1" 2>/dev/null | awk -v a="$MAC_N2" -v b="$MAC_N3" '$2 == a || $2 == b' | wc -l)
if [ "$THROUGH_N1" -eq 0 ]; then it_pass "no reply of N2 or N3 passed N1's port"
else it_fail "no reply of N2 or N3 passed N1's port ($THROUGH_N1 did)"; fi

# ---- displays ------------------------------------------------------------------------------------
VDPT=$(ctl "$PREFIX_N1" --json vdpt)
check_json "$VDPT" "VDPT counts 1000+ connections on 8080 and 200 on 8081" \
    'sum(x["totalconn"] for x in r.values() if x["dest"].endswith("..8080")) >= 1000 and sum(x["totalconn"] for x in r.values() if x["dest"].endswith("..8081")) >= 200'
check_json "$VDPT" "VDPT names the paths: local, direct and VIPAROUTE" \
    'sorted({x["path"].split()[0] for x in r.values()}) == ["VIPAROUTE","direct","local"]'
ctl "$PREFIX_N1" vdpt >&2
check_json "$(ctl "$PREFIX_N1" --json vipadyn)" "VIPADYN: $DVIPA ACTIVE, DIST/DEST on N1" \
    'any(x["ipaddr"] == "'$DVIPA'/32" and x["status"] == "ACTIVE" and x["diststat"] == "DIST/DEST" for x in r.values())'
check_json "$(ctl "$PREFIX_N2" --json vipadyn)" "VIPADYN: $DVIPA BACKUP, DEST on N2" \
    'any(x["ipaddr"] == "'$DVIPA'/32" and x["status"] == "BACKUP" and x["diststat"] == "DEST" for x in r.values())'
check_json "$(ctl "$PREFIX_N1" --json viparoute)" "VIPAROUTE: N3 routed and active" \
    'any(x["destxcf"] == "198.18.1.13" and x["rtstatus"] == "ACTIVE" and x["path"].startswith("VIPAROUTE") for x in r.values())'
ctl "$PREFIX_N1" vipadcfg >&2
# Connections end on the targets; their reports (and FIN aging) empty the table.
vcrt_empty() { ctl "$PREFIX_N1" --json vcrt | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["total"] == 0 else 1)'; }
if ! it_check "targets' connection-ended reports empty N1's VCRT" wait_until 30 vcrt_empty; then
    ctl "$PREFIX_N1" vcrt limit=20
    for n in 1 2 3; do eval "prefix=\$PREFIX_N$n"; echo "N$n: $(ctl "$prefix" --json counters)"; done
fi
COUNTERS=$(ctl "$PREFIX_N1" --json counters)
echo "N1 counters: $COUNTERS" >&2
check_json "$COUNTERS" "N1 distributed packets, with GRE MSS clamping and reported ends" \
    'r["distributor"]["distributed"] > 0 and r["distributor"]["mss_clamped"] > 0 and r["distributor"]["conn_ended"] > 0'
check_json "$COUNTERS" "N1's counters add up" \
    'r["rx_pkts"] + r["from_local"] == r["forwarded"] + r["delivered"] + r["punted"] + r["to_control"] + r["dropped"]'
for n in 1 2 3; do
    eval "pid=\$PID_N$n prefix=\$PREFIX_N$n"
    if kill -0 "$pid" 2>/dev/null; then it_pass "N$n still running"; else it_fail "N$n still running"; tail -20 "$IT_TMPDIR/N$n.log"; fi
done
if [ "$IT_FAILS" -ne 0 ]; then
    for n in 1 2 3; do eval "prefix=\$PREFIX_N$n"; echo "---- N$n drops: $(ctl "$prefix" drops)"; done
fi
it_summary
