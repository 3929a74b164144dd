#!/usr/bin/env bash
# bench/convergence.sh: VIPAROUTE target-cache convergence and sysplex autonomics timing
# (bench/README.md, "Convergence"); `bench/run convergence` runs it. Three sysplexd nodes in network
# namespaces over a real three-member etcd (tests/integration/group_lib.sh). N1 and N2 route to
# N3's VIPAROUTE address 198.18.3.13 through their kernel tables (a routing daemon's job on a host).
# Per run, with the real z/OS timers (TIMERSECS, default 10 here: the z/OS minimum; the default
# target-cache schedule 5 5 15 35 60 then 60 s):
#   leave_s         N1's pool is held above BUFCONSTRAINED: time until N1 leaves (rule: 3 x TIMERSECS)
#   rejoin_s        the mbufs are released: time until N1 is back in the group (AUTOREJOIN)
#   rejoin_route_s  N1's kernel route changes right after the rejoin: time until its cache holds it
#                   (the first fast refresh comes 5 s after the rejoin)
#   steady_route_s  N2 (in steady state: TARGETCACHE STEADY 60 FAST 1) has its route changed right
#                   after one of its refreshes: time until its cache holds it (one steady period)
# usage: bench/convergence.sh [--runs N] [--timersecs S]   (as root; BUILD_DIR as bench/run)
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/tests/integration
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SYSPLEXD=$BUILD_DIR/bin/sysplexd
SYSPLEXCTL=$BUILD_DIR/bin/sysplexctl
RUNS=1 TIMERSECS=10

die() { echo "bench/convergence.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=${2:-}; shift 2 ;;
        --timersecs) TIMERSECS=${2:-}; shift 2 ;;
        *) sed -n '15p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2 ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive integer"
[[ "$TIMERSECS" =~ ^[0-9]+$ ]] && [ "$TIMERSECS" -ge 10 ] && [ "$TIMERSECS" -le 3600 ] || die "--timersecs is 10-3600 (z/OS's range)"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, DPDK)"
[ -x "$SYSPLEXD" ] && [ -x "$SYSPLEXCTL" ] || die "no $SYSPLEXD or $SYSPLEXCTL (bench/run convergence builds them)"
command -v etcd >/dev/null && command -v etcdctl >/dev/null || die "needs etcd-server and etcd-client"

. "$HERE/lib.sh"
it_init
. "$HERE/group_lib.sh"
PY=$GL_PY
D=198.18.1.50
ROUTED=198.18.3.13

write_profile() {  # write_profile N CACHE_LINE NODE_LINES... -- VIPADYNAMIC_LINES...
    local n=$1 cache=$2; shift 2
    {
        gl_profile_head "$n"
        echo "$cache"
        while [ $# -gt 0 ] && [ "$1" != -- ]; do echo "$1"; shift; done
        shift
        echo "GLOBALCONFIG SYSPLEXMONITOR RECOVERY AUTOREJOIN TIMERSECS $TIMERSECS"
        echo "VIPADYNAMIC"
        printf '  %s\n' "$@"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D PORT 8080 DESTIP 198.18.1.12 198.18.1.13"
        echo "  VIPAROUTE DEFINE 198.18.1.13 $ROUTED"
        echo "ENDVIPADYNAMIC"
    } >"$IT_TMPDIR/N$n.profile"
}

cache_hop() {  # cache_hop N: the next hop N's target cache holds for 198.18.1.13 ("" if none usable)
    gl_ctl "$1" --json targetcache 2>/dev/null | "$PY" -c '
import json, sys
for k, r in json.load(sys.stdin).items():
    if k.startswith("target") and r["destxcf"] == "198.18.1.13" and r["state"].startswith("usable"):
        print(r["nexthop"])' 2>/dev/null
}
hop_is() { [ "$(cache_hop "$1")" = "$2" ]; }
last_refresh() {  # seconds since N's last cache refresh
    gl_ctl "$1" --json targetcache 2>/dev/null | "$PY" -c '
import json, sys
for k, r in json.load(sys.stdin).items():
    if k.startswith("target") and r["destxcf"] == "198.18.1.13":
        print(r["last_refresh"].split()[0])' 2>/dev/null
}
join_state() { gl_ctl "$1" --json group 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["join"])' 2>/dev/null; }
is_join() { [ "$(join_state "$1")" = "$2" ]; }
not_member() { ! is_join "$1" member; }
hold_to() {
    local want
    want=$(gl_ctl "$1" --json pool | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(max(0, int(r["mbufs"] * int(sys.argv[1]) / 100) - r["in_use"]))' "$2")
    gl_ctl "$1" hold-buffers "$want" >/dev/null
}
secs_since() { awk -v a="$1" -v b="$(gl_now_ms)" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
tap_up() { local ns tap; eval "ns=\$NS_N$1 tap=\$TAP_N$1"; ip -n "$ns" -4 addr show dev "$tap" 2>/dev/null | grep -q " 198.18.1.1$1/24"; }
route_via() { local ns tap; eval "ns=\$NS_N$1 tap=\$TAP_N$1"; ip -n "$ns" route replace $ROUTED/32 via "$2" dev "$tap" proto static; }

gl_topology cvg || die "topology or etcd did not come up (logs in $IT_TMPDIR)"
write_profile 1 "TARGETCACHE STEADY 60 FAST 5 5 15 35 60" -- "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $D"
write_profile 2 "TARGETCACHE STEADY 60 FAST 1" -- "VIPABACKUP 100 $D"
write_profile 3 "TARGETCACHE STEADY 60 FAST 5 5 15 35 60" "NODEADDR $ROUTED" -- "VIPABACKUP 90 $D"
for n in 1 2 3; do gl_node $n || die "node $n"; done
for n in 1 2 3; do gl_start $n; done
for n in 1 2 3; do
    eval "prefix=\$PREFIX_N$n pid=\$PID_N$n"
    it_wait_file 30 "/run/dpdk/$prefix/dpdk_telemetry.v2" "$pid" || die "N$n did not start"
done
gl_wait 20 gl_is_status 1 $D ACTIVE || die "N1 did not own $D"
for n in 1 2; do gl_wait 20 tap_up $n || die "N$n's TAP"; done
route_via 1 198.18.1.13
route_via 2 198.18.1.13

declare -a LEAVE REJOIN RROUTE SROUTE
N2_HOP=198.18.1.13 N2_OTHER=198.18.1.11   # N2 alternates between the two: it refreshes once a minute
for run in $(seq 1 "$RUNS"); do
    gl_wait 60 hop_is 1 198.18.1.13 || die "run $run: N1's cache never held the route via N3"
    gl_wait 10 hop_is 2 $N2_HOP || die "run $run: N2's cache never held the route via $N2_HOP"
    # steady_route_s: N2 changes right after a refresh of its, in the background of the rest.
    while [ "$(last_refresh 2)" != 0 ]; do sleep 0.2; done
    T_S=$(gl_now_ms); route_via 2 $N2_OTHER
    # leave_s: hold N1's pool at 88% (constrained, below critical).
    T0=$(gl_now_ms); hold_to 1 88
    gl_wait $((5 * TIMERSECS + 10)) not_member 1 || die "run $run: N1 did not leave"
    LEAVE[$run]=$(secs_since "$T0")
    T1=$(gl_now_ms); gl_ctl 1 release-buffers >/dev/null
    gl_wait $((2 * TIMERSECS + 10)) is_join 1 member || die "run $run: N1 did not rejoin"
    REJOIN[$run]=$(secs_since "$T1")
    T2=$(gl_now_ms); route_via 1 198.18.1.12
    gl_wait 30 hop_is 1 198.18.1.12 || die "run $run: N1's cache did not follow the route"
    RROUTE[$run]=$(secs_since "$T2")
    gl_wait 90 hop_is 2 $N2_OTHER || die "run $run: N2's cache did not follow the route"
    SROUTE[$run]=$(secs_since "$T_S")
    printf 'run %d: leave_s=%s rejoin_s=%s rejoin_route_s=%s steady_route_s=%s\n' "$run" "${LEAVE[$run]}" \
        "${REJOIN[$run]}" "${RROUTE[$run]}" "${SROUTE[$run]}" >&2
    route_via 1 198.18.1.13  # back for the next run (N1 refreshes on its fast schedule after the rejoin)
    t=$N2_HOP; N2_HOP=$N2_OTHER; N2_OTHER=$t  # N2's cache holds N2_OTHER now: the next run changes it back
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '\n%-16s %10s   (TIMERSECS %s; %s run(s), median)\n' figure seconds "$TIMERSECS" "$RUNS"
printf '%-16s %10s   rule: 3 x TIMERSECS = %s s, checked every TIMERSECS\n' leave_s "$(median "${LEAVE[@]}")" $((3 * TIMERSECS))
printf '%-16s %10s   relief seen at the next check (within TIMERSECS)\n' rejoin_s "$(median "${REJOIN[@]}")"
printf '%-16s %10s   first fast refresh 5 s after the rejoin\n' rejoin_route_s "$(median "${RROUTE[@]}")"
printf '%-16s %10s   steady refresh every 60 s\n' steady_route_s "$(median "${SROUTE[@]}")"
echo "convergence rejoin_route_s=$(median "${RROUTE[@]}") steady_route_s=$(median "${SROUTE[@]}") leave_s=$(median "${LEAVE[@]}") rejoin_s=$(median "${REJOIN[@]}") timersecs=$TIMERSECS"
