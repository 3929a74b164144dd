#!/usr/bin/env bash
# Integration test of DVIPA takeover and takeback over a real etcd cluster (the drill in short
# form). Three sysplexd processes in network namespaces on one bridged segment, a three-member etcd
# cluster on a separate management segment, kernel TCP servers behind N2's and N3's TAPs and a kernel
# client. N1 owns two DVIPAs (D1 MOVEABLE IMMEDIATE, D2 MOVEABLE WHENIDLE) and distributes both to
# N2 and N3; N2 backs them up at rank 100, N3 at rank 90.
#  1. 200 long-lived connections to D1 exchange data (served by N2 and N3).
#  2. N1 is killed with SIGKILL: N2 takes both DVIPAs over, asks N3 for its connections and rebuilds
#     its table; every one of the 200 connections exchanges data again.
#  3. Forged, replayed and truncated group datagrams sent to N3 are dropped and counted.
#  4. The etcd leader is killed and restarted: the ownership facts survive, nobody moves.
#  5. N1 comes back: it takes D1 back at once (IMMEDIATE) and all 200 connections continue; D2 stays
#     MOVING while N2 still has connections for it (WHENIDLE) and moves once they end.
# Usage: takeover.sh /path/to/sysplexd /path/to/sysplexctl   (as root)
set -u
SYSPLEXD=${1:-$(dirname "$0")/../../build/bin/sysplexd}
SYSPLEXCTL=${2:-$(dirname "$SYSPLEXD")/sysplexctl}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3
[ -x "$SYSPLEXD" ] || { echo "FAIL: sysplexd binary not found: $SYSPLEXD"; exit 1; }
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "SKIP: etcd-server/etcd-client not installed" >&2; exit 77; }

it_init
. "$HERE/group_lib.sh"

D1=198.18.1.50
D2=198.18.1.51
CONNS=200
it_check "topology and a healthy three-member etcd cluster" gl_topology tko || { tail -5 "$IT_TMPDIR"/etcd1.stdout; it_summary; }

write_profile() {  # write_profile N ROLE_LINES...
    local n=$1; shift
    {
        gl_profile_head "$n"
        echo "VIPADYNAMIC"
        printf '  %s\n' "$@"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D1 PORT 8080 DESTIP 198.18.1.12 198.18.1.13"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D2 PORT 8080 DESTIP 198.18.1.12 198.18.1.13"
        echo "ENDVIPADYNAMIC"
    } >"$IT_TMPDIR/N$n.profile"
}
write_profile 1 "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $D1" "VIPADEFINE MOVEABLE WHENIDLE 255.255.255.255 $D2"
write_profile 2 "VIPABACKUP 100 $D1" "VIPABACKUP 100 $D2"
write_profile 3 "VIPABACKUP 90 $D1" "VIPABACKUP 90 $D2"
gl_bring_up

ctl() { local p=$1; shift; timeout 10 "$SYSPLEXCTL" --prefix "$p" "$@"; }
check_json() { gl_check_json "$@"; }
status_of() { gl_status "$@"; }
is_status() { gl_is_status "$@"; }
wait_until() { gl_wait "$@"; }
round() { gl_round "$@"; }
rounds_done() { gl_rounds_done "$@"; }
now_ms() { gl_now_ms; }
etcdq() { gl_etcdctl "$@"; }
PY=$GL_PY

it_check "N1 owns $D1 (ACTIVE)" wait_until 20 is_status 1 $D1 ACTIVE
it_check "N1 owns $D2 (ACTIVE)" wait_until 10 is_status 1 $D2 ACTIVE
it_check "N2 backs $D1 up (BACKUP)" wait_until 10 is_status 2 $D1 BACKUP
ctl "$PREFIX_N1" vipadyn >&2
ctl "$PREFIX_N2" group >&2
for n in 2 3; do
    eval "ns=\$NS_N$n"
    it_start_ns "$ns" "$IT_TMPDIR/srv$n.log" "SRV_N$n" "$PY" "$HERE/tcp_server.py" "N$n" 8080
    it_wait_for 10 "N$n server listening" grep -q listening "$IT_TMPDIR/srv$n.log"
done
ready_rows() {  # ready_rows N: VDPT rows with a ready target on node N
    local p; eval "p=\$PREFIX_N$1"
    ctl "$p" --json vdpt | "$PY" -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin).values() if isinstance(r, dict) and r.get("rdy") == 1))'
}
all_ready() { [ "$(ready_rows 1 2>/dev/null)" = 4 ]; }
it_check "N1's VDPT shows both targets ready for both DVIPAs" wait_until 20 all_ready

# ---- 1. long-lived connections ---------------------------------------------------------------------
HOLD=$IT_TMPDIR/hold.jsonl HOLD2=$IT_TMPDIR/hold2.jsonl
it_start_ns "$NS_C" "$HOLD" HOLDER "$PY" "$HERE/conn_holder.py" $D1 8080 $CONNS --bytes 2000
it_start_ns "$NS_C" "$HOLD2" HOLDER2 "$PY" "$HERE/conn_holder.py" $D2 8080 20 --bytes 500
it_check "$CONNS connections to $D1 opened" wait_until 60 rounds_done "$HOLD" 1
it_check "20 connections to $D2 opened" wait_until 30 rounds_done "$HOLD2" 1
R0=$(sed -n 1p "$HOLD"); echo "round 0: $R0" >&2
check_json "$R0" "all $CONNS connections exchanged data, split over N2 and N3" \
    "r['ok'] == $CONNS and r['failed'] == 0 and sorted(r['by_node']) == ['N2','N3']"
check_json "$(sed -n 1p "$HOLD2")" "all 20 connections to $D2 exchanged data" "r['ok'] == 20"
EPOCH1=$(status_of 1 $D1 | cut -d' ' -f3)

# ---- 2. SIGKILL the distributor ---------------------------------------------------------------------
T0=$(now_ms)
kill -KILL "$PID_N1"
it_check "N2 takes $D1 over" wait_until 10 is_status 2 $D1 ACTIVE
T1=$(now_ms)
echo "takeover: $((T1 - T0)) ms from SIGKILL to N2 ACTIVE" >&2
it_check "N2 takes $D2 over" wait_until 10 is_status 2 $D2 ACTIVE
read -r _ OWNER EPOCH2 <<<"$(status_of 2 $D1)"
if [ "$OWNER" = N2 ] && [ "$EPOCH2" -gt "$EPOCH1" ]; then it_pass "the takeover raised $D1's epoch ($EPOCH1 -> $EPOCH2)"
else it_fail "the takeover raised $D1's epoch (owner $OWNER, $EPOCH1 -> $EPOCH2)"; fi
adopted() { ctl "$PREFIX_N2" --json counters | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["control"]["connections_adopted"] >= 90 else 1)'; }
it_check "N2 rebuilt its table from N3's bulk report" wait_until 10 adopted
R1=$(round "$HOLDER" "$HOLD" 1); echo "round 1 (after takeover): $R1" >&2
check_json "$R1" "every one of the $CONNS connections exchanged data after the takeover" "r['ok'] == $CONNS and r['failed'] == 0"
ctl "$PREFIX_N2" vipadyn >&2

# ---- 3. forged group messages -----------------------------------------------------------------------
CAP=$IT_TMPDIR/group.pcap
it_start_ns "$NS_C" "$IT_TMPDIR/tcpdump.log" TD timeout 10 tcpdump -i cl0 -nn -U -c 3 -w "$CAP" "udp dst port 5301 and src host 198.18.1.12"
wait_until 10 sh -c "! kill -0 $TD 2>/dev/null"
before=$(ctl "$PREFIX_N3" --json group)
ip netns exec "$NS_C" "$PY" - "$CAP" 198.18.1.13 <<'EOF' >&2
import socket, sys
from scapy.all import rdpcap, UDP
frames = [bytes(p[UDP].payload) for p in rdpcap(sys.argv[1]) if UDP in p]
if not frames:
    sys.exit("no group datagram captured")
d = frames[0]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = (sys.argv[2], 5301)
s.sendto(d, dst)                                   # replayed: a sequence already accepted
forged = bytearray(d); forged[-1] ^= 0x01
s.sendto(bytes(forged), dst)                       # forged: the tag does not verify
s.sendto(d[: len(d) // 2], dst)                    # truncated
s.sendto(b"\x00" * 3, dst)                         # too short for a header
print("sent 4 bad datagrams built from a %d-byte heartbeat" % len(d))
EOF
sleep 0.5
after=$(ctl "$PREFIX_N3" --json group)
delta() { "$PY" -c 'import json,sys; a=json.loads(sys.argv[1])["channel"]; b=json.loads(sys.argv[2])["channel"]; print(b[sys.argv[3]] - a[sys.argv[3]])' "$before" "$after" "$1"; }
for reason in replayed forged truncated; do
    d=$(delta $reason)
    if [ "${d:-0}" -ge 1 ]; then it_pass "N3 dropped and counted a $reason group datagram ($d)"
    else it_fail "N3 dropped and counted a $reason group datagram (delta ${d:-?})"; fi
done
check_json "$after" "N3 stays a member and still hears N2" \
    "r['join'] == 'member' and any(p['node'] == 'N2' and p['alive'] == 1 for k, p in r.items() if k.startswith('peer'))"

# ---- 4. the etcd leader restarts ---------------------------------------------------------------------
LEADER=$(etcdq endpoint status -w json | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    if e["Status"]["leader"] == e["Status"]["header"]["member_id"]:
        print(e["Endpoint"].rsplit(":", 1)[1][-1])')
if [ -n "$LEADER" ]; then
    eval "lp=\$GL_ETCD_$LEADER"
    kill -KILL "$lp"; wait "$lp" 2>/dev/null
    sleep 1
    gl_start_etcd "$LEADER"
    one_healthy() { ip netns exec "$NS_L" etcdctl --endpoints="$GL_MGMT:2379$LEADER" endpoint health >/dev/null 2>&1; }
    it_check "etcd member m$LEADER (the leader) restarted and healthy" it_wait_for 20 "m$LEADER health" one_healthy
    FACTS=$(ip netns exec "$NS_L" etcdctl --endpoints="$GL_MGMT:2379$LEADER" get --prefix /sysplex/SPXD/ --keys-only | grep -c .)
    owners=$(ip netns exec "$NS_L" etcdctl --endpoints="$GL_MGMT:2379$LEADER" get --prefix /sysplex/SPXD/owners/ --keys-only | grep -c .)
    if [ "$owners" -eq 2 ]; then it_pass "the restarted member serves both ownership records ($FACTS keys in all)"
    else it_fail "the restarted member serves both ownership records ($owners owners, $FACTS keys)"; fi
else
    it_fail "find the etcd leader"
fi
sleep 1
read -r st OWNER E2 <<<"$(status_of 2 $D1)"
if [ "$st" = ACTIVE ] && [ "$E2" = "$EPOCH2" ]; then it_pass "N2 still owns $D1 at epoch $EPOCH2 after the etcd restart"
else it_fail "N2 still owns $D1 at epoch $EPOCH2 after the etcd restart ($st $OWNER $E2)"; fi

# ---- 5. N1 comes back: takeback ----------------------------------------------------------------------
T2=$(now_ms)
gl_start 1
it_check "N1 takes $D1 back (IMMEDIATE)" wait_until 30 is_status 1 $D1 ACTIVE
T3=$(now_ms)
echo "takeback: $((T3 - T2)) ms from restart to N1 ACTIVE" >&2
st2=$(status_of 2 $D1)
case "$st2" in
    "MOVING N1 "*|"BACKUP N1 "*) it_pass "N2 gave $D1 up to N1, keeping its own connections ($st2)" ;;
    *) it_fail "N2 gave $D1 up to N1, keeping its own connections ($st2)" ;;
esac
it_check "N1 shows $D2 MOVING while N2 has connections for it (WHENIDLE)" wait_until 10 is_status 1 $D2 MOVING
if is_status 2 $D2 ACTIVE; then it_pass "N2 keeps $D2 meanwhile"; else it_fail "N2 keeps $D2 meanwhile ($(status_of 2 $D2))"; fi
sleep 1
R2=$(round "$HOLDER" "$HOLD" 2); echo "round 2 (after takeback): $R2" >&2
check_json "$R2" "every one of the $CONNS connections exchanged data after the takeback" "r['ok'] == $CONNS and r['failed'] == 0"
R2B=$(round "$HOLDER2" "$HOLD2" 1)
check_json "$R2B" "the 20 connections to $D2 still exchange data while it is MOVING" "r['ok'] == 20"
kill -TERM "$HOLDER2"; wait "$HOLDER2" 2>/dev/null
it_check "N1 takes $D2 back once N2 has no connections for it" wait_until 60 is_status 1 $D2 ACTIVE
ctl "$PREFIX_N1" vipadyn >&2
ctl "$PREFIX_N1" group >&2
R3=$(round "$HOLDER" "$HOLD" 3)
check_json "$R3" "all $CONNS connections still exchange data at the end" "r['ok'] == $CONNS and r['failed'] == 0"
for n in 1 2 3; do
    eval "pid=\$PID_N$n"
    if kill -0 "$pid" 2>/dev/null; then it_pass "N$n still running"; else it_fail "N$n still running"; fi
done
if [ "$IT_FAILS" -ne 0 ]; then
    for n in 1 2 3; do eval "p=\$PREFIX_N$n"; echo "---- N$n"; ctl "$p" messages 2>&1 | tail -25; ctl "$p" drops; done
fi
it_summary
