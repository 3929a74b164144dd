#!/usr/bin/env bash
# Self-test of the strongSwan interop harness (ipsec_lib.sh). For each of AES-128-GCM,
# AES-256-GCM and ChaCha20-Poly1305: two charons negotiate a CHILD_SA, the SAs are extracted,
# the stand-in charon is killed, and scapy (ipsec_tool.py) takes sysplexd's place with the
# extracted keys: it decrypts what the peer keeps sending and sends ESP the peer must accept.
# Also measures the peer's (kernel-libipsec's) anti-replay behaviour; see README.md.
# Usage: selftest.sh [/path/to/sysplexd]   (as root; sysplexd --check validates the snippet)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SYSPLEXD=${1:-$HERE/../../../build/bin/sysplexd}
. "$HERE/../lib.sh"
. "$HERE/ipsec_lib.sh"
[ -x "$SYSPLEXD" ] || { echo "FAIL: sysplexd binary not found: $SYSPLEXD"; exit 1; }
PY=$IPSEC_PY
it_init

NS_P=$(it_name ipsP)      # the client: the strongSwan peer that stays
NS_S=$(it_name ipsS)      # sysplexd's side: the stand-in charon, then scapy in sysplexd's place
IF_P=$(it_name ipp) IF_S=$(it_name ips)
P_OUT=198.18.40.1 S_OUT=198.18.40.2       # outer (IKE/ESP) addresses
P_IN=198.19.40.1 S_IN=198.19.41.1          # inner (traffic selector) addresses
S_IN2=198.19.41.2                          # a second inner address on sysplexd's side (target B)
S_OUT3=198.18.40.3                         # another outer address on sysplexd's side
LPORT=5001                                 # the UDP listener on the peer's inner address
REPLAY_LINE='ESP sequence number verification failed'
ICV_LINE='ESP decryption or ICV verification failed'
WINDOW=""                                  # the peer's replay window, measured in round 1

it_netns "$NS_P" && it_netns "$NS_S" && it_veth "$NS_P" "$IF_P" "$NS_S" "$IF_S" \
    || { it_fail "create netns/veth"; it_summary; }
for ns in "$NS_P" "$NS_S"; do   # no IPv6 noise (router solicitations on ipsec0, ND on the veth)
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NS_P" addr add $P_OUT/24 dev "$IF_P" && ip -n "$NS_S" addr add $S_OUT/24 dev "$IF_S" \
    && ip -n "$NS_P" addr add $P_IN/32 dev lo || { it_fail "addresses"; it_summary; }

# ---- helpers for one round ------------------------------------------------------------------
# Globals of the current round: R (label), PEER, STANDIN, CHILD (the peer's CHILD_SA in use), OUT
# (its extracted SAs), RECV, PCAP, TOP (highest number the peer accepted on sysplexd's outbound SA).
log_count() { grep -c "$1" "$(ipsec_dir "$PEER")/charon.log"; }
got() { grep -q "^$1 seq=$2 " "$RECV"; }
got_count() { grep -c "^$1 seq=" "$RECV"; }

# esp_send TAG SEQS [extra send args]: scapy sends ESP on sysplexd's outbound SA from NS_S.
esp_send() {
    local tag=$1 seqs=$2; shift 2
    ip netns exec "$NS_S" "$PY" "$IPSEC_TOOL" send --sas "$OUT/sas.json" --seq "$seqs" \
        --dport $LPORT --tag "$tag" "$@" >&2
}

# esp_probe TAG SEQS [extra]: send and wait until the peer has dealt with every packet (each is
# delivered to the listener or logged as a replay/ICV failure); prints nothing, fails on timeout.
esp_probe() {
    local tag=$1 seqs=$2; shift 2
    local n r0 i0 want
    n=$(echo "$seqs" | tr ',' '\n' | awk -F- '{ d = ($2 == "") ? 1 : ($2 > $1 ? $2 - $1 : $1 - $2) + 1; s += d } END { print s }')
    r0=$(log_count "$REPLAY_LINE"); i0=$(log_count "$ICV_LINE")
    want=$(( $(got_count "$tag") + n ))
    esp_send "$tag" "$seqs" "$@" || return 1
    it_wait_for 5 "peer handled $n ESP packets ($tag)" sh -c "
        a=\$(grep -c '^$tag seq=' '$RECV'); l='$(ipsec_dir "$PEER")/charon.log'
        r=\$(grep -c '$REPLAY_LINE' \$l); i=\$(grep -c '$ICV_LINE' \$l)
        [ \$((a + r - $r0 + i - $i0)) -ge $want ]"
}

counters() { ipsec_peer_counters "$PEER" "$1" "$CHILD"; }
capture_has() {
    timeout 30 "$PY" "$IPSEC_TOOL" decrypt --sas "$OUT/sas.json" --pcap "$PCAP" | grep -q " $1 "
}
peer_sent_atleast() { [ "$(counters packets_out)" -ge "$1" ]; }

# probe_ok TAG SEQ [send args]: the peer delivers ESP number SEQ to the listener.
probe_ok() { esp_probe "$@" && got "$1" "$2"; }

# probe_fresh TAG FIRST N: N new numbers from FIRST are delivered and counted in packets_in.
probe_fresh() {
    local p0; p0=$(counters packets_in)
    [ -n "$p0" ] && esp_probe "$1" "$2-$(($2 + $3 - 1))" \
        && [ "$(got_count "$1"):$(counters packets_in)" = "$3:$((p0 + $3))" ]
}

# probe_dropped TAG SEQ LOGLINE [send args]: the peer drops ESP number SEQ: not delivered,
# packets_in and bytes_in unchanged, LOGLINE logged once more.
probe_dropped() {
    local tag=$1 seq=$2 line=$3 l0 p0 b0; shift 3
    l0=$(log_count "$line"); p0=$(counters packets_in); b0=$(counters bytes_in)
    [ -n "$p0" ] && esp_probe "$tag" "$seq" "$@" && ! got "$tag" "$seq" \
        && [ "$(log_count "$line"):$(counters packets_in):$(counters bytes_in)" = "$((l0 + 1)):$p0:$b0" ]
}

# peer_quiet SENT0: the peer logged SENT0 (> 0) sent IKE packets at the hand-over and still
# has; its IKE_SA and CHILD_SA are up.
peer_quiet() {
    [ "$1" -gt 0 ] && \
        [ "$(log_count "> sending packet"):$(counters state):$(counters ike_state)" = "$1:INSTALLED:ESTABLISHED" ]
}

# make_profile FILE: a minimal sysplexd profile holding the extracted IPSECSA snippet.
make_profile() {
    { echo "NODENAME IPST"; echo "NODEADDR $S_OUT"; echo "IPSEC"
      cat "$OUT/ipsecsa.profile"; echo "ENDIPSEC"; } >"$1"
}

# check_extract ALG KEYLEN: what ipsec_extract_sas wrote is complete and consistent.
check_extract() {
    local alg=$1 klen=$2 ok=1 f
    # shellcheck disable=SC1091
    . "$OUT/sas.env"
    for f in "$IPSEC_SA_IN_KEYFILE" "$IPSEC_SA_OUT_KEYFILE"; do
        [ "$(stat -c %a "$f")" = 600 ] || { it_log "$f is not mode 0600"; ok=0; }
        [ "$(tr -d ' \n' <"$f" | wc -c)" = $(( (klen + 4) * 2 )) ] || { it_log "$f: wrong length"; ok=0; }
    done
    cmp -s "$IPSEC_SA_IN_KEYFILE" "$IPSEC_SA_OUT_KEYFILE" && { it_log "both directions have one key"; ok=0; }
    [ "$IPSEC_SA_IN_SPI" = "0x$(counters spi_out)" ] && [ "$IPSEC_SA_OUT_SPI" = "0x$(counters spi_in)" ] \
        || { it_log "SPIs do not mirror the peer's view"; ok=0; }
    [ "$IPSEC_SA_LOCAL_OUTER:$IPSEC_SA_LOCAL_PORT" = "$S_OUT:4500" ] \
        && [ "$IPSEC_SA_PEER_OUTER:$IPSEC_SA_PEER_PORT" = "$P_OUT:4500" ] || { it_log "outer endpoints"; ok=0; }
    [ "$IPSEC_SA_PEER_ROLE" = "$(counters role)" ] || { it_log "peer role"; ok=0; }
    [ "$IPSEC_SA_OUT_SEQ_USED" = 0 ] || { it_log "stand-in used $IPSEC_SA_OUT_SEQ_USED outbound numbers"; ok=0; }
    grep -q "ALGORITHM $alg " "$OUT/ipsecsa.profile" || { it_log "ALGORITHM $alg missing"; ok=0; }
    [ $ok = 1 ]
}

# check_canonical PROFILE: sysplexd --check accepts it and prints both SAs as extracted.
check_canonical() {
    local canon in_spi out_spi
    canon=$(timeout 10 "$SYSPLEXD" --check "$1" 2>&1) || { echo "$canon" >&2; return 1; }
    # the canonical form writes SPIs in hex without leading zeros
    in_spi=$(printf '0x%x' "$IPSEC_SA_IN_SPI"); out_spi=$(printf '0x%x' "$IPSEC_SA_OUT_SPI")
    echo "$canon" | grep -q "IPSECSA $IPSEC_SA_IN_NAME SPI $in_spi DIRECTION INBOUND MODE TUNNEL ALGORITHM $IPSEC_SA_ALG KEYFILE \"$IPSEC_SA_IN_KEYFILE\" LOCAL $S_OUT REMOTE $P_OUT ENCAP UDP SPORT 4500 DPORT 4500 REPLAYWINDOW 1024" \
        && echo "$canon" | grep -q "IPSECSA $IPSEC_SA_OUT_NAME SPI $out_spi DIRECTION OUTBOUND MODE TUNNEL ALGORITHM $IPSEC_SA_ALG KEYFILE \"$IPSEC_SA_OUT_KEYFILE\" LOCAL $S_OUT REMOTE $P_OUT ENCAP UDP" \
        || { echo "$canon" >&2; return 1; }
}

# decrypt_check WANT: the capture holds WANT ESP packets from the peer, all decrypted with the
# extracted inbound key, inner addresses as negotiated, sequence numbers 1..WANT.
decrypt_check() {
    local want=$1 line
    line=$(timeout 30 "$PY" "$IPSEC_TOOL" decrypt --sas "$OUT/sas.json" --pcap "$PCAP") || return 1
    echo "decrypt: $line" >&2
    case " $line " in
        *" in_esp=$want in_ok=$want in_bad=0 in_ts_ok=$want in_seq_min=1 in_seq_max=$want "*) return 0 ;;
    esac
    return 1
}

# start_capture TAG / start_listeners TAG: tcpdump on sysplexd's veth; the UDP listener on the
# peer's inner address and a sink on sysplexd's 4500 (so its kernel sends no port unreachables).
start_capture() {
    local td; it_start_ns "$NS_S" "$IT_TMPDIR/tcpdump_$1.log" td \
        tcpdump -i "$IF_S" -n -U --immediate-mode -s 0 -w "$PCAP" udp
    ROUND_PIDS+=("$td")
    it_wait_for 10 "tcpdump listening" grep -q "listening on" "$IT_TMPDIR/tcpdump_$1.log"
}
start_listeners() {
    local lp sp
    it_start_ns "$NS_P" "$IT_TMPDIR/listen_$1.log" lp "$PY" "$IPSEC_TOOL" listen --bind $P_IN --port $LPORT --out "$RECV"
    it_start_ns "$NS_S" "$IT_TMPDIR/sink_$1.log" sp "$PY" "$IPSEC_TOOL" listen --bind $S_OUT --port 4500 --reuseport
    ROUND_PIDS+=("$lp" "$sp")
    it_wait_for 5 "listeners" sh -c "grep -q listening '$IT_TMPDIR/listen_$1.log' && grep -q listening '$IT_TMPDIR/sink_$1.log'"
}

# ---- the window measurement (round 1) and its check (later rounds) ----------------------------
# Probes TOP-d for d = 1..300 plus a few far ones: the accepted set must be d = 1..W-1 exactly.
measure_window() {
    local t=$TOP seqs d acc=() max=0 holes=0
    seqs="$((t - 1))-$((t - 300))"
    for d in 383 511 512 767 1023 1024 2047; do seqs="$seqs,$((t - d))"; done
    esp_probe win "$seqs" --gap-ms 0.5 || return 1
    for d in $(sed -n 's/^win seq=\([0-9]*\) .*/\1/p' "$RECV"); do acc+=($((t - d))); done
    for d in "${acc[@]}"; do [ "$d" -gt "$max" ] && max=$d; done
    [ "${#acc[@]}" -eq "$max" ] || holes=1     # every offset 1..max delivered, nothing beyond
    it_log "window probe below top $t: ${#acc[@]} accepted, largest offset $max, holes=$holes"
    [ "$holes" = 0 ] && [ "$max" -ge 1 ] && [ "$max" -lt 300 ] || return 1
    WINDOW=$((max + 1))
}

# ---- one round ------------------------------------------------------------------------------
ROUND_PIDS=()
# run_round BODY args...: one round, after which its charons, capture and listeners are stopped
# whatever happened. round_body ALG SYSPLEXD_ALG KEY_BYTES INITIATOR(peer|standin) FULL(1|0) TAG.
run_round() {
    "$@"
    local rc=$? p n
    for p in "${ROUND_PIDS[@]}"; do it_kill "$p" 3; ipsec_forget_pid "$p"; done
    ROUND_PIDS=()
    for n in "$PEER" "$STANDIN"; do ipsec_is_running "$n" && ipsec_stop "$n"; done
    return $rc
}

# round_body ALG SYSPLEXD_ALG KEY_BYTES INITIATOR FULL TAG: one algorithm, end to end.
round_body() {
    local alg=$1 spalg=$2 klen=$3 initiator=$4 full=$5 tag=$6 sent0
    R=$alg PEER=peer_$tag STANDIN=sysd_$tag CHILD=peer_$tag OUT=$IT_TMPDIR/sas_$tag
    RECV=$IT_TMPDIR/recv_$tag.txt PCAP=$IT_TMPDIR/esp_$tag.pcap TOP=0
    : >"$RECV"
    round_negotiate "$alg" "$initiator" "$tag" || return 1
    # Hand-over: the stand-in goes away without a word; the peer must not notice.
    ipsec_stop "$STANDIN"
    sent0=$(log_count "> sending packet")
    round_extract "$spalg" "$klen" "$tag" || return 1
    start_listeners "$tag" || { it_fail "$R: listeners"; return 1; }
    round_peer_sends
    round_replay "$full"
    [ "$full" = 1 ] && round_extras
    round_final "$sent0" "$full"
    return 0    # failed checks are counted; only an early return aborts the round
}

# round_negotiate ALG INITIATOR TAG: both charons up, the CHILD_SA installed, capture running.
round_negotiate() {
    local init=$PEER other=$STANDIN
    [ "$2" = standin ] && init=$STANDIN other=$PEER
    ipsec_peer_setup "$PEER" "$NS_P" $P_OUT $S_OUT $P_IN $S_IN "$1" \
        && ipsec_peer_setup "$STANDIN" "$NS_S" $S_OUT $P_OUT $S_IN $P_IN "$1" \
        && ipsec_start "$PEER" && ipsec_start "$STANDIN" || { it_fail "$R: start both charons"; return 1; }
    if ipsec_initiate "$init" && ipsec_wait_installed "$other"; then
        it_pass "$R: CHILD_SA negotiated ($2 initiates), INSTALLED on both"
    else
        it_fail "$R: CHILD_SA negotiated ($2 initiates), INSTALLED on both"; return 1
    fi
    start_capture "$3" || { it_fail "$R: tcpdump"; return 1; }
}

# round_extract SYSPLEXD_ALG KEY_BYTES TAG: extraction, its files, and sysplexd --check.
round_extract() {
    it_check "$R: SAs extracted from the peer (cross-checked with the stand-in's log)" \
        ipsec_extract_sas "$PEER" "$OUT" "$STANDIN" || return 1
    it_check "$R: key files 0600 with key||salt, SPIs/ports/roles match the peer, no outbound numbers used" \
        check_extract "$1" "$2"
    make_profile "$IT_TMPDIR/ipsec_$3.profile"
    it_check "$R: sysplexd --check accepts the IPSECSA snippet" check_canonical "$IT_TMPDIR/ipsec_$3.profile"
}

# round_peer_sends: the peer keeps sending after the hand-over; scapy decrypts it.
round_peer_sends() {
    ip netns exec "$NS_P" "$PY" "$IPSEC_TOOL" plain --src $P_IN --dst $S_IN --port 5002 --count 20 >&2
    it_wait_for 5 "the peer sent 20 ESP packets" peer_sent_atleast 20
    sleep 0.2
    it_check "$R: 20 ESP packets from the peer decrypted with the extracted inbound key (seq 1..20)" \
        decrypt_check 20
}

# round_replay FULL: scapy on the extracted outbound SA: fresh numbers, a replay, a jump, the
# window (measured when FULL, else its edge checked), a too-old and a forged packet.
round_replay() {
    local used=$IPSEC_SA_OUT_SEQ_USED
    it_check "$R: peer accepts scapy ESP seq $((used + 1))..$((used + 3)): listener got 3, packets_in +3" \
        probe_fresh fresh "$((used + 1))" 3
    TOP=$((used + 3))
    it_check "$R: replayed seq $((used + 2)) dropped, not in packets_in/bytes_in, one '$REPLAY_LINE' line" \
        probe_dropped dup "$((used + 2))" "$REPLAY_LINE"
    it_check "$R: jump to seq 5000 accepted" probe_ok top 5000
    TOP=5000
    if [ "$1" = 1 ]; then
        it_check "$R: replay window measured: the peer accepts TOP-d exactly for d = 1..W-1" measure_window
        it_log "measured replay window of the peer: $WINDOW"
    elif [ -n "$WINDOW" ]; then
        it_check "$R: window edge as measured: TOP-$((WINDOW - 1)) accepted" probe_ok edge $((TOP - WINDOW + 1))
        it_check "$R: window edge as measured: TOP-$WINDOW dropped" \
            probe_dropped edge2 $((TOP - WINDOW)) "$REPLAY_LINE"
    else
        it_fail "$R: no window measured in an earlier round"
    fi
    it_check "$R: too-old seq $((TOP - 1000)) dropped" probe_dropped old "$((TOP - 1000))" "$REPLAY_LINE"
    it_check "$R: forged seq $((TOP + 1000)) (bad ICV) dropped, not counted, logged" \
        probe_dropped forged "$((TOP + 1000))" "$ICV_LINE" --corrupt-icv
    it_check "$R: after the forged packet seq $((TOP + 1)) is still accepted (window not moved)" \
        probe_ok after "$((TOP + 1))"
    TOP=$((TOP + 1))
}

# round_extras: a shared outbound SA used by two senders with separate sequence blocks; ESP from
# another UDP source port and another source address on the same SA.
round_extras() {
    shared_sa_blocks
    it_check "$R: peer accepts ESP from UDP source port 4501 (SA found by SPI)" \
        probe_ok sport $((TOP + 1)) --outer-sport 4501
    ip -n "$NS_S" addr add $S_OUT3/24 dev "$IF_S"
    it_check "$R: peer accepts ESP from another source address ($S_OUT3) on the SA" \
        probe_ok src3 $((TOP + 2)) --outer-src $S_OUT3
    ip -n "$NS_S" addr del $S_OUT3/24 dev "$IF_S"
    TOP=$((TOP + 2))
}

# round_final SENT0 FULL: after an injected keepalive, nothing from the peer's IKE since the
# hand-over (log and capture), SAs up, every captured ESP packet accounted for.
round_final() {
    local odd=0 line cin
    [ "$2" = 1 ] && odd=2     # round_extras' two packets from port 4501 / $S_OUT3
    ip netns exec "$NS_P" "$PY" "$IPSEC_TOOL" inject --kind keepalive --src $P_OUT --dst $S_OUT >&2
    sleep 0.3
    it_check "$R: peer sent no IKE packet after the hand-over (log) and its SAs are up" peer_quiet "$1"
    it_wait_for 5 "the injected keepalive in the capture" capture_has keepalive=1
    line=$(timeout 30 "$PY" "$IPSEC_TOOL" decrypt --sas "$OUT/sas.json" --pcap "$PCAP")
    echo "capture: $line" >&2
    it_check "$R: capture: no IKE from either side after the hand-over, only our injected keepalive" \
        sh -c "case ' $line ' in *' ike=0 keepalive=1 other=0 '*' unknown_spi=0 other_tuple=$odd '*) exit 0;; esac; exit 1"
    it_check "$R: every ESP packet in the capture decrypts but the forged one (in_bad=0 out_bad=1)" \
        sh -c "case ' $line ' in *' in_bad=0 '*' out_bad=1 '*) exit 0;; esac; exit 1"
    cin=$(counters packets_in)
    it_log "$R: peer counters at the end: $(ipsec_peer_counters "$PEER")"
    it_check "$R: peer's packets_in ($cin) equals what the listener received ($(grep -c . "$RECV"))" \
        [ "$cin" = "$(grep -c . "$RECV")" ]
}

# Two senders share the outbound SA with blocks of sequence numbers (as a sysplex-wide SA could):
# A continues above TOP, B starts DELTA higher; they alternate. Reports what the peer accepts.
shared_sa_blocks() {
    local delta a b i seqs="" acc_a acc_b
    for delta in 64 100000; do
        a=$((TOP + 1)); b=$((TOP + 1 + delta)); seqs=""
        for i in 0 1 2 3 4 5 6 7 8 9; do seqs="$seqs,$((a + i)),$((b + i))"; done
        esp_probe "blk$delta" "${seqs#,}" || { it_fail "$R: shared-SA probe $delta"; return; }
        acc_a=0; acc_b=0
        for i in 0 1 2 3 4 5 6 7 8 9; do
            got "blk$delta" $((a + i)) && acc_a=$((acc_a + 1))
            got "blk$delta" $((b + i)) && acc_b=$((acc_b + 1))
        done
        it_log "shared SA, blocks $delta apart, alternating 10+10: A accepted $acc_a, B accepted $acc_b"
        if [ "$delta" -lt "${WINDOW:-0}" ]; then
            it_check "$R: shared SA, blocks $delta apart (< window): all 20 accepted" [ "$acc_a:$acc_b" = 10:10 ]
        else
            it_check "$R: shared SA, blocks $delta apart (> window): only A's first packet and all of B's accepted" \
                [ "$acc_a:$acc_b" = 1:10 ]
        fi
        TOP=$((b + 9))
    done
}

# ---- per-target SAs: two CHILD_SAs with the peer, one outbound SA per target -----------------
# Child A (the peer's CHILD_SA peer_pt) covers P_IN <-> S_IN, child B (tB) P_IN <-> S_IN2
# (strongSwan refuses duplicate selectors). OA / OB: their extracted SAs.
pertarget_body() {
    R=per-target PEER=peer_pt STANDIN=sysd_pt CHILD=peer_pt RECV=$IT_TMPDIR/recv_pt.txt
    PCAP=$IT_TMPDIR/esp_pt.pcap OA=$IT_TMPDIR/sas_pt_a OB=$IT_TMPDIR/sas_pt_b
    local sent0
    : >"$RECV"
    pertarget_negotiate || return 1
    ipsec_stop $STANDIN
    sent0=$(log_count "> sending packet")
    pertarget_extract || return 1
    start_listeners pt || { it_fail "$R: listeners"; return 1; }
    ip netns exec "$NS_P" "$PY" "$IPSEC_TOOL" plain --src $P_IN --dst $S_IN --port 5002 --count 10 >&2
    ip netns exec "$NS_P" "$PY" "$IPSEC_TOOL" plain --src $P_IN --dst $S_IN2 --port 5002 --count 10 >&2
    sleep 0.3
    OUT=$OA; it_check "$R: the peer's traffic to target A decrypts with A's inbound key" decrypt_check 10
    OUT=$OB; it_check "$R: the peer's traffic to target B decrypts with B's inbound key" decrypt_check 10
    pertarget_windows
    CHILD=$PEER; it_check "$R: peer sent no IKE packet after the hand-over, child A up" peer_quiet "$sent0"
    CHILD=tB; it_check "$R: child B up" peer_quiet "$sent0"
    local na nb; na=$(ipsec_peer_counters $PEER packets_in $PEER); nb=$(ipsec_peer_counters $PEER packets_in tB)
    it_check "$R: packets_in of A ($na) + B ($nb) equals what the listener received" \
        [ "$((na + nb))" = "$(grep -c . "$RECV")" ]
    return 0
}

pertarget_negotiate() {
    ipsec_peer_setup $PEER "$NS_P" $P_OUT $S_OUT $P_IN $S_IN aes128gcm16 \
        && ipsec_peer_add_child $PEER tB $P_IN $S_IN2 \
        && ipsec_peer_setup $STANDIN "$NS_S" $S_OUT $P_OUT $S_IN $P_IN aes128gcm16 \
        && ipsec_peer_add_child $STANDIN tB $S_IN2 $P_IN \
        && ipsec_start $PEER && ipsec_start $STANDIN || { it_fail "$R: start both charons"; return 1; }
    if ipsec_initiate $PEER && ipsec_initiate $PEER tB && ipsec_wait_installed $STANDIN \
            && ipsec_wait_installed $STANDIN tB; then
        it_pass "$R: two CHILD_SAs (targets A and B) negotiated in one IKE_SA"
    else
        it_fail "$R: two CHILD_SAs (targets A and B) negotiated in one IKE_SA"; return 1
    fi
    start_capture pt || { it_fail "$R: tcpdump"; return 1; }
}

pertarget_extract() {
    local spi_a spi_b
    if ipsec_extract_sas $PEER "$OA" $STANDIN >&2 && ipsec_extract_sas $PEER "$OB" $STANDIN tB >&2; then
        spi_a=$(sed -n 's/^IPSEC_SA_OUT_SPI=//p' "$OA/sas.env"); spi_b=$(sed -n 's/^IPSEC_SA_OUT_SPI=//p' "$OB/sas.env")
    fi
    if [ -n "$spi_a" ] && [ "$spi_a" != "$spi_b" ]; then
        it_pass "$R: both CHILD_SAs extracted (distinct SPIs)"
    else
        it_fail "$R: both CHILD_SAs extracted (distinct SPIs)"; return 1
    fi
    { echo "NODENAME IPST"; echo "NODEADDR $S_OUT"; echo "IPSEC"
      cat "$OA/ipsecsa.profile" "$OB/ipsecsa.profile"; echo "ENDIPSEC"; } >"$IT_TMPDIR/ipsec_pt.profile"
    it_check "$R: sysplexd --check accepts both targets' IPSECSAs (4 SAs)" \
        sh -c "timeout 10 '$SYSPLEXD' --check '$IT_TMPDIR/ipsec_pt.profile' | grep -c '^  IPSECSA ' | grep -qx 4"
}

# pertarget_windows: each target's outbound SA has its own window at the peer.
pertarget_windows() {
    OUT=$OA CHILD=$PEER
    it_check "$R: target A's SA: seq 1..3 accepted" probe_fresh a 1 3
    OUT=$OB CHILD=tB
    it_check "$R: target B's SA: seq 1..3 accepted too (its own window)" probe_fresh b 1 3
    OUT=$OA CHILD=$PEER
    it_check "$R: target A jumps to seq 100000: accepted" probe_ok a 100000
    it_check "$R: target A: seq 100001..100010 accepted" probe_fresh a2 100001 10
    OUT=$OB CHILD=tB
    it_check "$R: target B: seq 4..13 still accepted after A's jump (windows are per SA)" probe_fresh b2 4 10
    it_check "$R: target B: replayed seq 5 dropped" probe_dropped bdup 5 "$REPLAY_LINE"
}

START=$SECONDS
run_round round_body aes128gcm16 AES128GCM 16 peer 1 a128 || it_fail "round aes128gcm16 aborted"
run_round round_body aes256gcm16 AES256GCM 32 peer 0 a256 || it_fail "round aes256gcm16 aborted"
run_round round_body chacha20poly1305 CHACHA20POLY1305 32 standin 0 c20 || it_fail "round chacha20poly1305 aborted"
run_round pertarget_body || it_fail "round per-target aborted"
it_log "measured: peer replay window ${WINDOW:-?}; $((SECONDS - START)) s for the four rounds"
it_summary
