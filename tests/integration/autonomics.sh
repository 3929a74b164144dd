#!/usr/bin/env bash
# Integration test of sysplex autonomics and the VIPAROUTE target cache, over a real etcd cluster.
# N1 owns DVIPA D (MOVEABLE IMMEDIATE) and distributes it to N2 (direct) and N3 (VIPAROUTE to
# N3's address 198.18.3.13, routed by N1's kernel table); N2 backs D up. The monitor runs every
# second (TIMERMS 1000, the short form of TIMERSECS) with RECOVERY AUTOREJOIN.
#  1. N1's mbufs are held until its pool is constrained: after 3 x the interval (not before) it
#     raises SPX1974E (z/OS EZD1974E), leaves the group, D moves to N2, connections continue.
#  2. The mbufs are released: the message is deleted, N1 rejoins on its own and takes D back.
#  3. Right after the rejoin N1's kernel route to 198.18.3.13 changes (now via N2): the target
#     cache picks it up at its first fast refresh (5 s), the GRE path follows, connections continue.
#  4. The pool goes critical: N1 leaves at its next check (no 3 x wait), and comes back on relief.
# Prints the figures bench/run convergence reports: leave_s, rejoin_s, rejoin_route_s.
# Usage: autonomics.sh /path/to/sysplexd /path/to/sysplexctl   (as root)
set -u
SYSPLEXD=${1:-$(dirname "$0")/../../build/bin/sysplexd}
SYSPLEXCTL=${2:-$(dirname "$SYSPLEXD")/sysplexctl}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ -x "$SYSPLEXD" ] || { echo "FAIL: sysplexd binary not found: $SYSPLEXD"; exit 1; }
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "SKIP: etcd-server/etcd-client not installed" >&2; exit 77; }
it_init
. "$HERE/group_lib.sh"
PY=$GL_PY

D=198.18.1.50
N3ROUTED=198.18.3.13
TIMER_MS=${TIMER_MS:-1000}
CONNS=100
it_check "topology and a healthy three-member etcd cluster" gl_topology aut || it_summary

write_profile() {  # write_profile N EXTRA_LINES... (node statements, then the VIPADYNAMIC lines after "--")
    local n=$1; shift
    {
        gl_profile_head "$n"
        while [ $# -gt 0 ] && [ "$1" != -- ]; do echo "$1"; shift; done
        shift
        echo "GLOBALCONFIG SYSPLEXMONITOR RECOVERY AUTOREJOIN TIMERMS $TIMER_MS"
        echo "VIPADYNAMIC"
        printf '  %s\n' "$@"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D PORT 8080 DESTIP 198.18.1.12 198.18.1.13"
        echo "  VIPAROUTE DEFINE 198.18.1.13 $N3ROUTED"
        echo "ENDVIPADYNAMIC"
    } >"$IT_TMPDIR/N$n.profile"
}
write_profile 1 -- "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $D"
write_profile 2 "ROUTE $N3ROUTED/32 VIA 198.18.1.13" -- "VIPABACKUP 100 $D"
write_profile 3 "NODEADDR $N3ROUTED" -- "VIPABACKUP 90 $D"
gl_bring_up
it_check "N1 owns $D" gl_wait 20 gl_is_status 1 $D ACTIVE

# N1 reaches 198.18.3.13 through its kernel table (the routing daemon's job on a real host).
tap_up() { ip -n "$NS_N1" -4 addr show dev "$TAP_N1" 2>/dev/null | grep -q ' 198.18.1.11/24'; }
it_check "N1's TAP carries its port address" gl_wait 20 tap_up
ip -n "$NS_N1" route add $N3ROUTED/32 via 198.18.1.13 dev "$TAP_N1" proto static
cache_hop() {  # cache_hop: the next hop N1's target cache holds for 198.18.1.13
    gl_ctl 1 --json targetcache 2>/dev/null | "$PY" -c '
import json, sys
for k, r in json.load(sys.stdin).items():
    if k.startswith("target") and r["destxcf"] == "198.18.1.13" and r["state"].startswith("usable"):
        print(r["nexthop"])'
}
hop_is() { [ "$(cache_hop)" = "$1" ]; }
it_check "N1's target cache routes N3 ($N3ROUTED) via 198.18.1.13" gl_wait 30 hop_is 198.18.1.13
for n in 2 3; do
    eval "ns=\$NS_N$n"
    it_start_ns "$ns" "$IT_TMPDIR/srv$n.log" "SRV_N$n" "$PY" "$HERE/tcp_server.py" "N$n" 8080
    it_wait_for 10 "N$n server listening" grep -q listening "$IT_TMPDIR/srv$n.log"
done
ready() { [ "$(gl_ctl 1 --json vdpt | "$PY" -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin).values() if r.get("rdy") == 1))')" = 2 ]; }
it_check "N1's VDPT shows both targets ready" gl_wait 20 ready
# Resets the client receives, with the sender's MAC: who broke a connection, if one breaks.
it_start_ns "$NS_C" "$IT_TMPDIR/rst.txt" TD_RST tcpdump -i cl0 -nn -e -l "tcp[tcpflags] & tcp-rst != 0"
HOLD=$IT_TMPDIR/hold.jsonl
it_start_ns "$NS_C" "$HOLD" HOLDER "$PY" "$HERE/conn_holder.py" $D 8080 $CONNS --bytes 1000
it_check "$CONNS connections opened" gl_wait 60 gl_rounds_done "$HOLD" 1
gl_check_json "$(sed -n 1p "$HOLD")" "all $CONNS connections exchanged data over N2 and N3" \
    "r['ok'] == $CONNS and sorted(r['by_node']) == ['N2','N3']"

outstanding() {  # outstanding N ID: N's monitor shows message ID outstanding
    gl_ctl "$1" --json monitor 2>/dev/null | "$PY" -c '
import json, sys
sys.exit(0 if any(k.startswith("msg") and r["id"] == sys.argv[1] for k, r in json.load(sys.stdin).items()) else 1)' "$2"
}
join_state() { gl_ctl "$1" --json group 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["join"])'; }
is_join() { [ "$(join_state "$1")" = "$2" ]; }
not_member() { ! is_join "$1" member; }

logged() { gl_ctl "$1" --json messages 2>/dev/null | grep -q "$2"; }
hold_to() {  # hold_to N PCT: hold N's mbufs until PCT percent of its pool is in use
    local want
    want=$(gl_ctl "$1" --json pool | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(max(0, int(r["mbufs"] * int(sys.argv[1]) / 100) - r["in_use"]))' "$2")
    gl_ctl "$1" hold-buffers "$want" >&2
}

# ---- 1. constrained buffers: leave after 3 x the interval ------------------------------------------
T0=$(gl_now_ms)
hold_to 1 88
it_check "N1 reports its pool constrained (SPX4360I)" gl_wait 5 logged 1 SPX4360I
it_check "N1 leaves the group" gl_wait 15 not_member 1
T1=$(gl_now_ms)
LEAVE_MS=$((T1 - T0))
echo "leave: ${LEAVE_MS} ms after the pool became constrained (interval ${TIMER_MS} ms)" >&2
if [ "$LEAVE_MS" -ge $((3 * TIMER_MS)) ] && [ "$LEAVE_MS" -le $((5 * TIMER_MS + 1500)) ]; then
    it_pass "N1 left after 3 x the interval, not before ($LEAVE_MS ms)"
else
    it_fail "N1 left after 3 x the interval, not before ($LEAVE_MS ms, interval $TIMER_MS ms)"
fi
it_check "SPX1974E is outstanding on N1" outstanding 1 SPX1974E
it_check "$D moves to the backup N2" gl_wait 10 gl_is_status 2 $D ACTIVE
gl_ctl 1 monitor >&2
R1=$(gl_round "$HOLDER" "$HOLD" 1); echo "round 1 (N1 out): $R1" >&2
gl_check_json "$R1" "every connection continues through N2" "r['ok'] == $CONNS and r['failed'] == 0"

# ---- 2. relief: message deleted, AUTOREJOIN, takeback ---------------------------------------------
T2=$(gl_now_ms)
gl_ctl 1 release-buffers >&2
no_1974() { ! outstanding 1 SPX1974E; }
it_check "SPX1974E is deleted once the pool is relieved" gl_wait 10 no_1974
it_check "N1 rejoins the group on its own (AUTOREJOIN)" gl_wait 15 is_join 1 member
T3=$(gl_now_ms)
REJOIN_MS=$((T3 - T2))
echo "rejoin: ${REJOIN_MS} ms after the release" >&2
it_check "N1 takes $D back (MOVEABLE IMMEDIATE)" gl_wait 10 gl_is_status 1 $D ACTIVE
if gl_ctl 1 --json messages | grep -q 'deleted: '; then it_pass "N1's message log records the deletion"
else it_fail "N1's message log records the deletion"; fi

# ---- 3. a route changes right after the rejoin ------------------------------------------------------
CAP=$IT_TMPDIR/gre.pcap
MAC_N2=$(gl_ctl 2 --json ports | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["port0"]["mac"])')
it_start_ns "$NS_L" "$IT_TMPDIR/tcpdump.log" TD tcpdump -i br0 -nn -e -U -w "$CAP" "ip proto 47 and dst host $N3ROUTED"
sleep 0.5
T4=$(gl_now_ms)
ip -n "$NS_N1" route replace $N3ROUTED/32 via 198.18.1.12 dev "$TAP_N1" proto static
it_check "N1's target cache follows the kernel: $N3ROUTED now via 198.18.1.12" gl_wait 20 hop_is 198.18.1.12
T5=$(gl_now_ms)
ROUTE_MS=$((T5 - T4))
echo "route: the cache held the changed route ${ROUTE_MS} ms after the change (${REJOIN_MS} ms rejoin)" >&2
if [ "$ROUTE_MS" -le 6000 ]; then it_pass "within the first fast refresh after the rejoin ($ROUTE_MS ms <= 5 s + slack)"
else it_fail "within the first fast refresh after the rejoin ($ROUTE_MS ms)"; fi
gl_ctl 1 targetcache >&2
sleep 0.5
R3=$(gl_round "$HOLDER" "$HOLD" 2); echo "round 2 (new route): $R3" >&2
gl_check_json "$R3" "every connection continues after the takeback and the route change" "r['ok'] == $CONNS and r['failed'] == 0"
sleep 0.5
it_kill "$TD" 2
VIA_N2=$(tcpdump -nn -e -r "$CAP" 2>/dev/null | awk -v m="$MAC_N2" '$4 == m"," || $4 == m' | wc -l)
if [ "$VIA_N2" -gt 0 ]; then it_pass "GRE to $N3ROUTED now goes to N2's MAC ($VIA_N2 frames)"
else it_fail "GRE to $N3ROUTED now goes to N2's MAC ($(tcpdump -nn -e -r "$CAP" 2>/dev/null | head -3))"; fi
# ---- 4. critical buffers act at once --------------------------------------------------------------
T6=$(gl_now_ms)
hold_to 1 97
it_check "N1 raises SPX4361E (critical)" gl_wait 5 outstanding 1 SPX4361E
it_check "N1 leaves at once for critical buffers" gl_wait 10 not_member 1
CRIT_MS=$(($(gl_now_ms) - T6))
if [ "$CRIT_MS" -lt $((2 * TIMER_MS + 1500)) ]; then it_pass "the critical leave came within an interval, not 3 ($CRIT_MS ms)"
else it_fail "the critical leave came within an interval, not 3 ($CRIT_MS ms)"; fi
it_check "$D moves to N2 again" gl_wait 10 gl_is_status 2 $D ACTIVE
gl_ctl 1 release-buffers >&2
it_check "N1 rejoins and takes $D back again" gl_wait 20 gl_is_status 1 $D ACTIVE
R4=$(gl_round "$HOLDER" "$HOLD" 3); echo "round 3 (after the critical episode): $R4" >&2
gl_check_json "$R4" "every connection survives both episodes" "r['ok'] == $CONNS and r['failed'] == 0"
echo "autonomics leave_ms=$LEAVE_MS rejoin_ms=$REJOIN_MS rejoin_route_ms=$ROUTE_MS timer_ms=$TIMER_MS"
for n in 1 2 3; do
    eval "pid=\$PID_N$n"
    if kill -0 "$pid" 2>/dev/null; then it_pass "N$n still running"; else it_fail "N$n still running"; fi
done
if [ "$IT_FAILS" -ne 0 ]; then
    for n in 1 2 3; do gl_ctl $n group; gl_ctl $n --json counters | "$PY" -c 'import json,sys; c=json.load(sys.stdin)["control"]; print("max_poll_gap_ms", c["max_poll_gap_ms"], "poll_stalls", c["poll_stalls"])'; done
    for n in 1 2 3; do echo "---- N$n $(gl_ctl $n --json ports | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["port0"]["mac"])')"; gl_ctl $n messages 2>&1 | tail -25; gl_ctl $n drops; done
    echo "---- resets the client saw (by sender MAC):"; awk '{print $2}' "$IT_TMPDIR/rst.txt" | sort | uniq -c
fi
it_summary
