#!/usr/bin/env bash
# Integration test of sysplex-wide security associations (IPSEC DVIPSEC) with strongSwan as the
# remote peer. Three sysplexd nodes in network namespaces over a real three-member etcd cluster
# (group_lib.sh): N1 owns DVIPA D (VIPADEFINE) and distributes it, N2 backs it up (rank 100) and
# N3 (rank 90); N2 and N3 are the targets, behind kernel TCP servers. The client namespace is
# the strongSwan peer (charon + kernel-libipsec) with three inner addresses, one CHILD_SA each,
# all to D as the tunnel endpoint:
#   sh  198.19.5.2 <-> D   shared outbound SA: both targets reply with it (port 8080 -> N2, N3)
#   pa  198.19.5.3 <-> D   N2's own outbound SA (IPSECSA ... TARGET N2; port 8081 -> N2 only)
#   pb  198.19.5.4 <-> D   N3's own outbound SA (IPSECSA ... TARGET N3; port 8082 -> N3 only)
# The CHILD_SAs are negotiated with a stand-in charon at D before the nodes start; their keys come
# from charon's key log (ipsec/ipsec_lib.sh) and become IPSECSAs in N1's and N2's profiles (the
# owner and the backup); N3 has none and gets shadows only. Every node has the same IPSECRULEs.
#  0. N1 installs the six SAs as masters and records them sealed in the store; the targets get
#     shadows of the outbound SAs their rules name (TARGET SAs only at their target).
#  1. Shared SA: 20 connections from .2 to D:8080, replies encrypted by N2 and N3 with shadows
#     of sh_out from sequence blocks leased 1024 apart. Measured: what the peer accepts and drops
#     (its replay window is 128: the lower block's target loses everything once the other's
#     numbers run ahead).
#  2. Per-target SAs: 10 long-lived connections each from .3 (to N2) and .4 (to N3), and 1 MB
#     through N2's SA (its block reaches low-water and the next lease follows): no replay drop.
#  3. SIGKILL of N1: N2 takes D over, installs the SAs from the store (ORIGIN recovered) with
#     outbound blocks past every lease, and the connections of step 2 exchange data again over
#     the recovered inbound SAs and the per-target outbound SAs, with no replay drop at the peer.
# Usage: swsa.sh /path/to/sysplexd /path/to/sysplexctl   (as root; exit 77 when tools are missing)
set -u
SYSPLEXD=${1:-$(dirname "$0")/../../build/bin/sysplexd}
SYSPLEXCTL=${2:-$(dirname "$SYSPLEXD")/sysplexctl}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ -x "$SYSPLEXD" ] && [ -x "$SYSPLEXCTL" ] || { echo "FAIL: sysplexd/sysplexctl not found: $SYSPLEXD"; exit 1; }
for tool in etcd etcdctl swanctl /usr/lib/ipsec/charon; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (etcd-server, etcd-client, strongswan)" >&2; exit 77; }
done

it_init
. "$HERE/group_lib.sh"
. "$HERE/ipsec/ipsec_lib.sh"
PY=$GL_PY
TOOL="$HERE/swsa_tool.py"
D=198.18.1.50                      # the DVIPA: tunnel endpoint and service address
C=$GL_CLIENT                       # the peer's outer address (198.18.1.100)
I_SH=198.19.5.2 I_PA=198.19.5.3 I_PB=198.19.5.4   # the peer's inner addresses, one per CHILD_SA
REPLAY_LINE='ESP sequence number verification failed'
BLOCK=1024                         # SEQBLOCK: the smallest block the profile allows
START=$SECONDS

ctl() { gl_ctl "$@"; }
sa_field() { ctl "$1" --json ipsec_sa 2>/dev/null | "$PY" "$TOOL" sa "$2" "$3"; }   # sa_field N SA FIELD
counter() { ctl "$1" --json counters 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["control"][sys.argv[1]])' "$2"; }
peer() { ipsec_peer_counters sh "$1" "$2"; }                                     # peer KEY CHILD
peer_drops() { "$PY" "$TOOL" drops --log "$(ipsec_dir sh)/charon.log" --spi "$1" ${2:+--lo "$2"} ${3:+--hi "$3"}; }
drop_count() { peer_drops "$@" | sed -n 's/^count=\([0-9]*\).*/\1/p'; }
store_dump() { gl_etcdctl get --prefix "/sysplex/SPXD/" -w json; }
seq_next_unleased() { store_dump | "$PY" "$TOOL" seqnext --group SPXD --name "$1"; }

it_check "topology and a healthy three-member etcd cluster" gl_topology swa || it_summary
ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# ---- IKE with a stand-in at D, before any node owns it --------------------------------------------
NS_S=$(it_name swaS)
SV=$(it_name sv)
it_netns "$NS_S" && gl_attach "$NS_S" "$SV" br0 && ip -n "$NS_S" addr add $D/24 dev "$SV" \
    || { it_fail "stand-in namespace"; it_summary; }
ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# peer_allow_own_ts: the peer's remote selector is D, which is also its IKE peer: kernel-libipsec
# then routes D into ipsec0, IKE and ESP included, unless IKE/ESP (charon's socket) carry a mark
# that the routing rule of table 220 excludes (strongSwan's documented fwmark arrangement).
peer_allow_own_ts() {
    local f; f="$(ipsec_dir sh)/strongswan.conf"
    sed -i -e 's/allow_peer_ts = no/allow_peer_ts = yes/' \
        -e 's/^      roam_events = no$/      roam_events = no\n      fwmark = !0x5157/' \
        -e 's/^  plugins {$/  plugins {\n    socket-default {\n      fwmark = 0x5157\n    }/' "$f"
    grep -q 'allow_peer_ts = yes' "$f" && grep -q 'fwmark = !0x5157' "$f" && grep -q 'fwmark = 0x5157' "$f"
}
negotiate() {
    ipsec_peer_setup sh "$NS_C" $C $D $I_SH $D aes128gcm16 \
        && ipsec_peer_add_child sh pa $I_PA $D && ipsec_peer_add_child sh pb $I_PB $D \
        && peer_allow_own_ts \
        && ipsec_peer_setup si "$NS_S" $D $C $D $I_SH aes128gcm16 \
        && ipsec_peer_add_child si pa $D $I_PA && ipsec_peer_add_child si pb $D $I_PB \
        && ipsec_start sh && ipsec_start si \
        && ipsec_initiate sh sh && ipsec_initiate sh pa && ipsec_initiate sh pb \
        && ipsec_wait_installed si si && ipsec_wait_installed si pa && ipsec_wait_installed si pb
}
it_check "three CHILD_SAs (sh, pa, pb) negotiated between the peer and a stand-in at $D" negotiate \
    || { tail -30 "$(ipsec_dir sh)/charon.log"; it_summary; }
ipsec_stop si                      # SIGKILL: no DELETE; nothing was sent through it
extract_all() {
    ipsec_extract_sas sh "$IT_TMPDIR/sa_sh" si sh && ipsec_extract_sas sh "$IT_TMPDIR/sa_pa" si pa \
        && ipsec_extract_sas sh "$IT_TMPDIR/sa_pb" si pb || return 1
    local c
    for c in sh pa pb; do
        grep -qx "IPSEC_SA_OUT_SEQ_USED='0'" "$IT_TMPDIR/sa_$c/sas.env" || { it_log "stand-in used numbers of $c"; return 1; }
    done
}
it_check "the SAs extracted from the key log (the stand-in used no outbound number)" extract_all || it_summary
ip -n "$NS_S" addr del $D/24 dev "$SV"; ip -n "$NS_S" link set "$SV" down
ip -n "$NS_C" neigh flush dev cl0
spi() { sed -n "s/^IPSEC_SA_$2_SPI='\(.*\)'/\1/p" "$IT_TMPDIR/sa_$1/sas.env"; }     # spi CHILD IN|OUT
SPI_SH=$(spi sh OUT) SPI_PA=$(spi pa OUT) SPI_PB=$(spi pb OUT)

# ---- profiles: the same rules everywhere, the SAs at the owner and the backup ---------------------
sa_block() {  # the six IPSECSAs; the per-target outbound ones name their target
    cat "$IT_TMPDIR/sa_sh/ipsecsa.profile"
    sed '/IPSECSA pa_out /{n;s/$/ TARGET N2/}' "$IT_TMPDIR/sa_pa/ipsecsa.profile"
    sed '/IPSECSA pb_out /{n;s/$/ TARGET N3/}' "$IT_TMPDIR/sa_pb/ipsecsa.profile"
}
write_profile() {  # write_profile N ROLE WITH_SAS
    local n=$1 c in
    {
        gl_profile_head "$n" | sed '/^PORT lan0 /s/$/ TRUSTED/'
        echo "ROUTE 198.19.5.0/24 VIA $C"
        echo "VIPADYNAMIC"
        echo "  $2"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D PORT 8080 DESTIP 198.18.1.12 198.18.1.13"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D PORT 8081 DESTIP 198.18.1.12"
        echo "  VIPADISTRIBUTE DEFINE DISTMETHOD ROUNDROBIN $D PORT 8082 DESTIP 198.18.1.13"
        echo "ENDVIPADYNAMIC"
        echo "IPSEC DVIPSEC SEQBLOCK $BLOCK"
        for c in sh:$I_SH pa:$I_PA pb:$I_PB; do
            in=${c#*:}; c=${c%%:*}
            echo "  IPSECRULE $D $in PROTECT ${c}_out"
            echo "  IPSECRULE $in $D PROTECT ${c}_in"
        done
        echo "  IPSECRULE * * PERMIT"
        [ "$3" = 1 ] && sa_block
        echo "ENDIPSEC"
    } >"$IT_TMPDIR/N$n.profile"
}
write_profile 1 "VIPADEFINE MOVEABLE IMMEDIATE 255.255.255.255 $D" 1
write_profile 2 "VIPABACKUP 100 $D" 1
write_profile 3 "VIPABACKUP 90 $D" 0
gl_bring_up
it_check "N1 owns $D (ACTIVE)" gl_wait 30 gl_is_status 1 $D ACTIVE
it_check "N2 backs $D up (BACKUP)" gl_wait 10 gl_is_status 2 $D BACKUP

# ---- 0. masters at the owner, records in the store, shadows at the targets ------------------------
origin_is() { [ "$(sa_field "$1" "$2" origin)" = "$3" ]; }
masters_up() { local s; for s in sh_in sh_out pa_in pa_out pb_in pb_out; do origin_is 1 $s manual || return 1; done; }
it_check "N1 installed the six SAs as masters (ORIGIN manual, from the profile)" gl_wait 15 masters_up
shadows_up() { origin_is 2 sh_out shadow && origin_is 2 pa_out shadow && origin_is 3 sh_out shadow && origin_is 3 pb_out shadow; }
it_check "N2 holds shadows of sh_out and pa_out, N3 of sh_out and pb_out (ORIGIN shadow)" gl_wait 15 shadows_up
only_theirs() {
    [ -z "$(sa_field 2 pb_out origin)" ] && [ -z "$(sa_field 3 pa_out origin)" ] \
        && [ -z "$(sa_field 2 sh_in origin)" ] && [ -z "$(sa_field 3 sh_in origin)" ] && [ -z "$(sa_field 3 pa_in origin)" ]
}
it_check "a TARGET SA reaches only its target, and no target holds an inbound SA" only_theirs
STORE=$(store_dump | "$PY" "$TOOL" store --group SPXD $(for c in sh pa pb; do printf -- '--key-file %s --key-file %s ' \
    "$IT_TMPDIR/sa_$c/$c.in.key" "$IT_TMPDIR/sa_$c/$c.out.key"; done))
echo "store: $STORE" >&2
case "$STORE" in
    "records=6 seq=3 sealed=yes"*) it_pass "the store holds the six SA records sealed (no key or salt in clear) and three sequence counters" ;;
    *) it_fail "the store holds the six SA records sealed and three sequence counters ($STORE)" ;;
esac
ctl 1 ipsec_sa >&2; ctl 2 ipsec_sa >&2; ctl 3 ipsec_sa >&2

for n in 2 3; do
    eval "ns=\$NS_N$n"
    ports="8080 808$((n - 1))"
    it_start_ns "$ns" "$IT_TMPDIR/srv$n.log" "SRV_N$n" "$PY" "$HERE/tcp_server.py" "N$n" $ports
    it_wait_for 10 "N$n server listening" grep -q listening "$IT_TMPDIR/srv$n.log"
done
ready_rows() { ctl 1 --json vdpt | "$PY" -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin).values() if isinstance(r, dict) and r.get("rdy") == 1))'; }
all_ready() { [ "$(ready_rows 2>/dev/null)" = 4 ]; }
it_check "N1's VDPT shows the targets ready (8080: N2 and N3, 8081: N2, 8082: N3)" gl_wait 20 all_ready || ctl 1 vdpt >&2

[ -n "${SWSA_HOLD:-}" ] && { echo HOLDING >&2; sleep "$SWSA_HOLD"; }
it_log "setup done after $((SECONDS - START)) s"

# ---- 1. one outbound SA shared by two targets -----------------------------------------------------
# Each target encrypts from its own leased block: no number is ever used twice, but the peer's
# window (128) follows the higher block, and every reply from the lower one falls behind it.
N2_LO=$(sa_field 2 sh_out seq_next) N2_HI=$(sa_field 2 sh_out seq_limit)
N3_LO=$(sa_field 3 sh_out seq_next) N3_HI=$(sa_field 3 sh_out seq_limit)
echo "sh_out blocks: N2 $N2_LO..$N2_HI  N3 $N3_LO..$N3_HI" >&2
# seq_next is the last number handed out: a block is seq_next+1 .. seq_limit.
disjoint() { [ -n "$N2_LO" ] && [ -n "$N3_LO" ] && { [ "$N2_HI" -le "$N3_LO" ] || [ "$N3_HI" -le "$N2_LO" ]; }; }
it_check "the two shadows of sh_out send from disjoint leased blocks (N2 $((N2_LO + 1))-$N2_HI, N3 $((N3_LO + 1))-$N3_HI)" disjoint
SHARED=$(ip netns exec "$NS_C" timeout 30 "$PY" "$HERE/swsa_conns.py" $D 8080 20 --bind $I_SH --bytes 2000 --timeout 4 --once 2>&1 | tail -n 1)
echo "shared SA: $SHARED" >&2
if [ "$N2_LO" -lt "$N3_LO" ] 2>/dev/null; then LOW=N2 LLO=$N2_LO LHI=$N2_HI HLO=$N3_LO HHI=$N3_HI; else LOW=N3 LLO=$N3_LO LHI=$N3_HI HLO=$N2_LO HHI=$N2_HI; fi
LOW_DROPS=$(drop_count "$SPI_SH" $((LLO + 1)) "$LHI") HIGH_DROPS=$(drop_count "$SPI_SH" $((HLO + 1)) "$HHI")
SH_IN=$(peer packets_in sh)
it_log "measured, shared SA: the peer accepted $SH_IN packets and dropped $LOW_DROPS of $LOW's block (replay: behind the window) and $HIGH_DROPS of the other's"
conns_to() {  # conns_to XCF PORT: N1's TOTALCONN to that target for D:PORT
    ctl 1 --json vdpt | "$PY" -c '
import json, sys
print(sum(r["totalconn"] for r in json.load(sys.stdin).values()
          if isinstance(r, dict) and r["destxcf"] == sys.argv[1] and r["dest"].endswith(".." + sys.argv[2])))' "$1" "$2"
}
TO_N2=$(conns_to 198.18.1.12 8080) TO_N3=$(conns_to 198.18.1.13 8080)
both_served() { [ "${TO_N2:-0}" -gt 0 ] && [ "${TO_N3:-0}" -gt 0 ] && [ $((TO_N2 + TO_N3)) -ge 20 ]; }
it_check "the shared SA: N1 distributed the connections over both targets (N2 $TO_N2, N3 $TO_N3), both replying with it" both_served
replay_as_expected() { [ "${LOW_DROPS:-0}" -gt 0 ] && [ "${HIGH_DROPS:-1}" -eq 0 ]; }
it_check "the shared SA: the peer drops only the lower block's numbers as replayed ($LOW: $LOW_DROPS), none of the higher" replay_as_expected
echo "swsa shared_sa accepted=$SH_IN low_block_drops=$LOW_DROPS high_block_drops=$HIGH_DROPS $(printf '%s' "$SHARED" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print("ok=%d failed=%d" % (r["ok"], r["failed"]))')" >&2

# ---- 2. one outbound SA per target ----------------------------------------------------------------
PA_NEXT0=$(seq_next_unleased pa_out)
CONNS_A="$IT_TMPDIR/conns_a.jsonl" CONNS_B="$IT_TMPDIR/conns_b.jsonl"
it_start_ns "$NS_C" "$CONNS_A" HOLD_A "$PY" "$HERE/swsa_conns.py" $D 8081 10 --bind $I_PA --bytes 100000 --timeout 10
it_start_ns "$NS_C" "$CONNS_B" HOLD_B "$PY" "$HERE/swsa_conns.py" $D 8082 10 --bind $I_PB --bytes 2000 --timeout 10
gl_wait 60 gl_rounds_done "$CONNS_A" 1; gl_wait 30 gl_rounds_done "$CONNS_B" 1
A0=$(sed -n 1p "$CONNS_A") B0=$(sed -n 1p "$CONNS_B")
echo "per-target round 0: $A0 / $B0" >&2
gl_check_json "$A0" "10 connections from $I_PA to $D:8081, all to N2, 1 MB echoed through N2's own SA" 'r["ok"] == 10 and r["by_node"] == {"N2": 10}'
gl_check_json "$B0" "10 connections from $I_PB to $D:8082, all to N3 through N3's own SA" 'r["ok"] == 10 and r["by_node"] == {"N3": 10}'
A1=$(gl_round "$HOLD_A" "$CONNS_A" 1) B1=$(gl_round "$HOLD_B" "$CONNS_B" 1)
gl_check_json "$A1" "a second MB over the same connections" 'r["ok"] == 10 and r["failed"] == 0'
gl_check_json "$B1" "a second round to N3" 'r["ok"] == 10 and r["failed"] == 0'
PA_NEXT1=$(seq_next_unleased pa_out)
PA_SENT=$(sa_field 2 pa_out packets)
it_log "pa_out at N2: $PA_SENT packets sent; the store's next unleased number went $PA_NEXT0 -> $PA_NEXT1"
more_leases() { [ "$PA_SENT" -gt "$BLOCK" ] && [ "$PA_NEXT1" -gt "$PA_NEXT0" ]; }
it_check "N2 sent more than a block through pa_out ($PA_SENT) and leased further blocks from the store ($PA_NEXT0 -> $PA_NEXT1)" more_leases
PA_DROPS=$(drop_count "$SPI_PA") PB_DROPS=$(drop_count "$SPI_PB")
no_drops() { [ "$PA_DROPS" = 0 ] && [ "$PB_DROPS" = 0 ]; }
it_check "per-target SAs: no replay drop at the peer (pa: $PA_DROPS, pb: $PB_DROPS)" no_drops
echo "swsa per_target pa_packets=$PA_SENT pa_drops=$PA_DROPS pb_drops=$PB_DROPS" >&2

# ---- 3. SIGKILL of the owner: N2 recovers the SAs from the store ----------------------------------
PA_LEASED=$(seq_next_unleased pa_out) PB_LEASED=$(seq_next_unleased pb_out) SH_LEASED=$(seq_next_unleased sh_out)
PA_IN0=$(peer packets_in pa) PB_IN0=$(peer packets_in pb)
T0=$(gl_now_ms)
kill -KILL "$PID_N1"
it_check "N2 takes $D over after the SIGKILL of N1" gl_wait 20 gl_is_status 2 $D ACTIVE
it_log "takeover: $(($(gl_now_ms) - T0)) ms from SIGKILL to N2 ACTIVE"
recovered() { local s; for s in sh_in sh_out pa_in pa_out pb_in pb_out; do origin_is 2 $s recovered || return 1; done; }
it_check "N2 installed all six SAs from the store (ORIGIN recovered)" gl_wait 10 recovered || ctl 2 ipsec_sa >&2
past_leases() {  # the next number each sends is at least the store's first unleased one at the kill
    [ "$(sa_field 2 pa_out seq_next)" -ge $((PA_LEASED - 1)) ] && [ "$(sa_field 2 pb_out seq_next)" -ge $((PB_LEASED - 1)) ] \
        && [ "$(sa_field 2 sh_out seq_next)" -ge $((SH_LEASED - 1)) ]
}
it_check "N2's recovered outbound SAs start past every lease (pa $PA_LEASED, pb $PB_LEASED, sh $SH_LEASED)" past_leases \
    || echo "N2 after recovery: pa_out $(sa_field 2 pa_out seq_next) pb_out $(sa_field 2 pb_out seq_next) sh_out $(sa_field 2 sh_out seq_next)" >&2
it_check "N3 keeps its shadow of pb_out" origin_is 3 pb_out shadow
A2=$(gl_round "$HOLD_A" "$CONNS_A" 2) B2=$(gl_round "$HOLD_B" "$CONNS_B" 2)
echo "after takeover: $A2 / $B2" >&2
gl_check_json "$A2" "after the takeover: the 10 connections to N2 exchange another MB (recovered pa_in, pa_out)" 'r["ok"] == 10 and r["failed"] == 0'
gl_check_json "$B2" "after the takeover: the 10 connections to N3 go on (N2 decrypts pb_in and steers, N3 replies with pb_out)" 'r["ok"] == 10 and r["failed"] == 0'
flowed() { [ "$(peer packets_in pa)" -gt "$PA_IN0" ] && [ "$(peer packets_in pb)" -gt "$PB_IN0" ]; }
it_check "the peer received over pa and pb after the takeover" flowed
PA_DROPS=$(drop_count "$SPI_PA") PB_DROPS=$(drop_count "$SPI_PB")
it_check "no replay drop at the peer after the takeover (pa: $PA_DROPS, pb: $PB_DROPS)" no_drops
echo "swsa takeover pa_drops=$PA_DROPS pb_drops=$PB_DROPS" >&2
kill -TERM "$HOLD_A" "$HOLD_B" 2>/dev/null

it_log "done after $((SECONDS - START)) s"
if [ "$IT_FAILS" -ne 0 ]; then
    for n in 1 2 3; do echo "---- N$n"; ctl $n messages 2>&1 | tail -25; ctl $n ipsec_sa 2>&1; done
    tail -40 "$(ipsec_dir sh)/charon.log"
fi
it_summary
