# strongSwan (charon + kernel-libipsec) as the real remote ESP peer of sysplexd's manual SAs.
# Two charons negotiate a CHILD_SA; the keys are read from charon's log and handed to sysplexd.
#
# Source it after tests/integration/lib.sh and it_init:
#   . "$HERE/../lib.sh"; . "$HERE/ipsec/ipsec_lib.sh"; it_init
# Everything it starts goes through it_start_ns (so it_cleanup stops it) and every file lives in
# $IT_TMPDIR (removed by it_cleanup). Call these functions in the test's own shell, never inside
# $(...) or a pipeline: the pids they record would be lost in the subshell.
#
#   ipsec_peer_setup NAME NS LOCAL_OUTER REMOTE_OUTER LOCAL_INNER_TS REMOTE_INNER_TS ALG
#   ipsec_peer_add_child NAME CHILD LOCAL_INNER_TS REMOTE_INNER_TS   one more CHILD_SA config
#   ipsec_start NAME                 start charon in NS, load the config (waits for vici)
#   ipsec_initiate NAME [CHILD]      bring up a CHILD_SA from NAME's side (waits until installed)
#   ipsec_wait_installed NAME [CHILD] [TIMEOUT_S]
#   ipsec_stop NAME                  SIGKILL charon: no DELETE reaches the other side
#   ipsec_extract_sas PEER OUT_DIR [STANDIN] [CHILD]   sysplexd's side of a CHILD_SA
#   ipsec_peer_counters NAME [KEY] [CHILD]   key=value line of a CHILD_SA (or the one value)
#   ipsec_is_running NAME            started, not stopped, alive
#   ipsec_forget_pid PID             drop a reaped pid from IT_PIDS (ipsec_stop does it)
# CHILD defaults to NAME, the CHILD_SA ipsec_peer_setup configures. See README.md here for the
# files written and how to hand a CHILD_SA over to sysplexd.

IPSEC_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IPSEC_PY=/usr/bin/python3
[ -x "$IPSEC_PY" ] || IPSEC_PY=$(command -v python3)
IPSEC_TOOL="$IPSEC_HERE/ipsec_tool.py"
IPSEC_CHARON=${IPSEC_CHARON:-/usr/lib/ipsec/charon}
IPSEC_PSK=""          # one random PSK per test run, shared by every instance of the run

# ipsec_dir NAME: the instance's directory (config, run dir, log, vici socket).
ipsec_dir() { echo "$IT_TMPDIR/ipsec/$1"; }

# _ipsec_get NAME KEY: the last value recorded under KEY; _ipsec_set NAME KEY VALUE records one.
_ipsec_get() { sed -n "s/^$2=//p" "$(ipsec_dir "$1")/meta" 2>/dev/null | tail -n 1; }
_ipsec_set() { echo "$2=$3" >>"$(ipsec_dir "$1")/meta"; }

# _ipsec_children NAME: one "CHILD LOCAL_TS REMOTE_TS" line per configured CHILD_SA.
_ipsec_children() { sed -n 's/^child=//p' "$(ipsec_dir "$1")/meta"; }

# _ipsec_child NAME CHILD: "LOCAL_TS REMOTE_TS" of one child; fails when there is none.
_ipsec_child() { _ipsec_children "$1" | awk -v c="$2" '$1 == c { print $2, $3; f = 1; exit } END { exit !f }'; }

# _ipsec_swanctl NAME args...: swanctl against NAME's charon (bounded by a timeout).
_ipsec_swanctl() {
    local d; d=$(ipsec_dir "$1"); shift
    STRONGSWAN_CONF="$d/strongswan.conf" timeout 15 swanctl "$@"
}

# _ipsec_ts ADDR_OR_PREFIX: a traffic selector with its length (/32 or /128 when none is given).
_ipsec_ts() {
    case $1 in
        */*) echo "$1" ;;
        *:*) echo "$1/128" ;;
        *) echo "$1/32" ;;
    esac
}

# _ipsec_alg ALG: "ike-proposal esp-proposal" for a supported ALG, failure otherwise.
_ipsec_alg() {
    case $1 in
        aes128gcm16) echo "aes128gcm16-prfsha256-x25519 aes128gcm16" ;;
        aes256gcm16) echo "aes256gcm16-prfsha256-x25519 aes256gcm16" ;;
        chacha20poly1305) echo "chacha20poly1305-prfsha256-x25519 chacha20poly1305" ;;
        *) return 1 ;;
    esac
}

_ipsec_valid_name() {
    [[ $1 =~ ^[A-Za-z][A-Za-z0-9_-]{0,23}$ ]] && return 0
    it_log "bad instance/child name '$1' (a letter, then up to 23 letters, digits, _ or -)"
    return 1
}

# ipsec_peer_setup NAME NS LOCAL_OUTER REMOTE_OUTER LOCAL_INNER_TS REMOTE_INNER_TS ALG
# Writes strongswan.conf and swanctl.conf for one charon: IKEv2, PSK (IDs are the outer
# addresses), tunnel mode, UDP encapsulation (4500), no DPD, no rekey/reauth/expiry, no MOBIKE,
# no roaming, no keepalives, one keying try. NAME: a letter then up to 23 letters, digits, _ or
# - (it names the connection and its first CHILD_SA; CHILD_in/CHILD_out name the IPSECSAs).
# ALG: aes128gcm16, aes256gcm16 or chacha20poly1305 (IKE: the same AEAD, PRF SHA-256, x25519).
# kernel-libipsec installs a route into ipsec0 with a source address inside LOCAL_INNER_TS and
# fails the CHILD_SA without one: ipsec_start adds each host LOCAL_INNER_TS to lo in NS when NS
# has no such address (ipsec_stop removes it again); for a wider TS, put an address of it in NS.
# Env: IPSEC_REPLAY_WINDOW (charon.replay_window, default 32; kernel-libipsec ignores it, see
# README.md), IPSEC_KEEPALIVE (charon.keep_alive, default 0s = off; see README.md).
ipsec_peer_setup() {
    if [ $# -ne 7 ]; then it_log "ipsec_peer_setup: 7 arguments needed, got $#"; return 1; fi
    local name=$1 ns=$2 d s
    _ipsec_valid_name "$name" || return 1
    _ipsec_alg "$7" >/dev/null || { it_log "ipsec_peer_setup: unknown ALG '$7'"; return 1; }
    [ -n "$IPSEC_PSK" ] || IPSEC_PSK=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    d=$(ipsec_dir "$name")
    mkdir -p "$d/run" || return 1
    chmod 700 "$IT_TMPDIR/ipsec" "$d"
    for s in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
        mkdir -p "$d/$s"    # only silences swanctl's warnings about missing credential dirs
    done
    : >"$d/meta"
    _ipsec_set "$name" ns "$ns"; _ipsec_set "$name" alg "$7"
    _ipsec_set "$name" local_outer "$3"; _ipsec_set "$name" remote_outer "$4"
    _ipsec_set "$name" child "$name $(_ipsec_ts "$5") $(_ipsec_ts "$6")"
    _ipsec_write_strongswan_conf "$d" >"$d/strongswan.conf"
    _ipsec_write_swanctl_conf "$name" >"$d/swanctl.conf" && chmod 600 "$d/swanctl.conf"
}

# ipsec_peer_add_child NAME CHILD LOCAL_INNER_TS REMOTE_INNER_TS: one more CHILD_SA in NAME's
# connection (same algorithm and timers), before ipsec_start; give both instances the same
# children. strongSwan refuses a second CHILD_SA with the same selectors in one IKE_SA
# ("existing duplicate"), so the selectors must differ from the other children's.
ipsec_peer_add_child() {
    local name=$1 child=$2 d
    d=$(ipsec_dir "$name")
    if [ $# -ne 4 ] || [ ! -f "$d/meta" ]; then
        it_log "ipsec_peer_add_child NAME CHILD LOCAL_TS REMOTE_TS, after ipsec_peer_setup"; return 1
    fi
    _ipsec_valid_name "$child" || return 1
    if _ipsec_child "$name" "$child" >/dev/null; then it_log "$name has a child $child"; return 1; fi
    _ipsec_set "$name" child "$child $(_ipsec_ts "$3") $(_ipsec_ts "$4")"
    _ipsec_write_swanctl_conf "$name" >"$d/swanctl.conf"
}

# _ipsec_write_strongswan_conf DIR: charon's settings (explicit plugin list, see HARNESS.md 2).
# Logging: ike/chd 4 put the keys in charon.log (the only key source in Debian's build); esp 1
# logs each replay or ICV drop once; net 1 logs each IKE packet sent or received, not ESP.
_ipsec_write_strongswan_conf() {
    cat <<EOF
# generated by tests/integration/ipsec/ipsec_lib.sh
charon {
  load = random nonce openssl aes gcm chapoly sha1 sha2 hmac kdf curve25519 pem pkcs1 pubkey x509 kernel-libipsec kernel-netlink socket-default vici
  install_routes = yes
  port = 500
  port_nat_t = 4500
  keep_alive = ${IPSEC_KEEPALIVE:-0s}
  replay_window = ${IPSEC_REPLAY_WINDOW:-32}
  plugins {
    vici {
      socket = unix://$1/charon.vici
    }
    kernel-libipsec {
      allow_peer_ts = no
    }
    kernel-netlink {
      roam_events = no
    }
  }
  filelog {
    main {
      path = $1/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      ike = 4
      chd = 4
      esp = 1
      knl = 2
      cfg = 2
      net = 1
      enc = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
    auth {
      default = -1
    }
  }
}
swanctl {
  load = random nonce openssl aes gcm chapoly sha2 hmac curve25519 pem pkcs1 pubkey x509
  socket = unix://$1/charon.vici
}
EOF
}

# _ipsec_write_swanctl_conf NAME: the connection, its children and the PSK, from NAME's meta.
# One key per line: swanctl values run to the end of the line.
_ipsec_write_swanctl_conf() {
    local name=$1 lo ro props child lts rts
    lo=$(_ipsec_get "$name" local_outer); ro=$(_ipsec_get "$name" remote_outer)
    props=$(_ipsec_alg "$(_ipsec_get "$name" alg)") || return 1
    printf '%s\n' "# generated by tests/integration/ipsec/ipsec_lib.sh" "connections {" "  $name {" \
        "    version = 2" "    local_addrs = $lo" "    remote_addrs = $ro" \
        "    proposals = ${props% *}" "    encap = yes" "    mobike = no" "    dpd_delay = 0s" \
        "    rekey_time = 0s" "    reauth_time = 0s" "    over_time = 0s" "    rand_time = 0s" \
        "    keyingtries = 1" "    unique = never" \
        "    local {" "      auth = psk" "      id = $lo" "    }" \
        "    remote {" "      auth = psk" "      id = $ro" "    }" "    children {"
    while read -r child lts rts; do
        printf '%s\n' "      $child {" "        mode = tunnel" "        local_ts = $lts" \
            "        remote_ts = $rts" "        esp_proposals = ${props#* }" \
            "        rekey_time = 0s" "        life_time = 0s" "        rand_time = 0s" \
            "        rekey_bytes = 0" "        life_bytes = 0" "        rekey_packets = 0" \
            "        life_packets = 0" "        inactivity = 0s" "        start_action = none" \
            "        dpd_action = clear" "        close_action = none" "      }"
    done < <(_ipsec_children "$name")
    printf '%s\n' "    }" "  }" "}" "secrets {" "  ike-$name {" "    id-l = $lo" "    id-r = $ro" \
        "    secret = 0x$IPSEC_PSK" "  }" "}"
}

# ipsec_start NAME: start NAME's charon in its netns with a private /run (charon.pid is
# hard-coded), wait for its vici socket and load its connection and PSK.
ipsec_start() {
    local name=$1 d nsname cpid   # (not ns/pid: it_start_ns's own locals would shadow them)
    d=$(ipsec_dir "$name"); nsname=$(_ipsec_get "$name" ns)
    [ -n "$nsname" ] || { it_log "ipsec_start: $name was not set up"; return 1; }
    _ipsec_add_inner "$name" || return 1
    it_start_ns "$nsname" "$d/charon.stdout" cpid unshare -m --propagation private sh -c \
        "umask 077 && mount --bind '$d/run' /run && STRONGSWAN_CONF='$d/strongswan.conf' exec '$IPSEC_CHARON'"
    _ipsec_set "$name" pid "$cpid"
    if ! it_wait_file 10 "$d/charon.vici" "$cpid"; then
        it_log "charon $name did not come up:"; cat "$d/charon.stdout" "$d/charon.log" >&2 2>/dev/null
        return 1
    fi
    _ipsec_swanctl "$name" --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1 \
        || { it_log "swanctl --load-all for $name failed:"; cat "$d/load.out" >&2; return 1; }
}

# _ipsec_add_inner NAME: put each host LOCAL_INNER_TS of NAME's children on lo in NS unless NS
# has that address already (recorded, so ipsec_stop removes only what was added here).
_ipsec_add_inner() {
    local name=$1 nsname child lts rts addr len
    nsname=$(_ipsec_get "$name" ns)
    while read -r child lts rts; do
        addr=${lts%/*}; len=${lts#*/}
        case $addr:$len in *:*:128 | *.*:32) ;; *) continue ;; esac
        ip -n "$nsname" addr show | grep -q " inet6\? $addr/" && continue
        ip -n "$nsname" addr add "$addr/$len" dev lo || return 1
        _ipsec_set "$name" added_inner "$addr/$len"
    done < <(_ipsec_children "$name")
}

# ipsec_initiate NAME [CHILD]: initiate NAME's IKE_SA (or reuse it) and CHILD (default NAME);
# waits until the CHILD_SA is INSTALLED on NAME's side (the responder installs its side before
# it answers, so it is up there too).
ipsec_initiate() {
    local name=$1 child=${2:-$1} d
    d=$(ipsec_dir "$name")
    if ! _ipsec_swanctl "$name" --initiate --ike "$name" --child "$child" --timeout 10 \
            >"$d/initiate.out" 2>&1; then
        it_log "swanctl --initiate $name/$child failed:"; tail -n 20 "$d/initiate.out" >&2; return 1
    fi
    ipsec_wait_installed "$name" "$child"
}

# ipsec_wait_installed NAME [CHILD] [TIMEOUT_S]: wait until NAME's CHILD_SA CHILD is INSTALLED.
ipsec_wait_installed() {
    local child=${2:-$1}
    it_wait_for "${3:-10}" "CHILD_SA $child of $1 installed" _ipsec_is_installed "$1" "$child"
}
_ipsec_is_installed() { [ "$(ipsec_peer_counters "$1" state "$2" 2>/dev/null)" = INSTALLED ]; }

# ipsec_peer_counters NAME [KEY] [CHILD]: NAME's view of its CHILD_SA CHILD (default NAME) as
# one line of key=value (state, ike_state, role, spi_in, spi_out, bytes_in, packets_in,
# bytes_out, packets_out, local_host, local_port, remote_host, remote_port, encap, mode, alg;
# state=NONE when there is none), or the value of KEY ("" for KEY "" gives the line).
# bytes_* count inner (plaintext) packet bytes; drops are not counted (see README.md).
ipsec_peer_counters() {
    local name=$1 key=${2:-} child=${3:-$1}
    _ipsec_swanctl "$name" --list-sas --noblock --raw 2>/dev/null \
        | "$IPSEC_PY" "$IPSEC_TOOL" counters --child "$child" ${key:+--key "$key"}
}

# ipsec_forget_pid PID: drop a reaped pid from lib.sh's IT_PIDS, so it_cleanup does not signal
# whatever process reuses the number later.
ipsec_forget_pid() {
    local p keep=()
    for p in "${IT_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    IT_PIDS=("${keep[@]}")
}

# ipsec_is_running NAME: NAME's charon was started, not stopped, and is alive.
ipsec_is_running() {
    local pid; pid=$(_ipsec_get "$1" pid)
    [ -n "$pid" ] && [ "$(_ipsec_get "$1" stopped)" != 1 ] && kill -0 "$pid" 2>/dev/null
}

# ipsec_stop NAME: save NAME's last view of its SAs (sas.final) and SIGKILL its charon, so it
# sends no DELETE and the other charon keeps its CHILD_SAs (SIGTERM would send one). Removes
# what charon leaves in NS (ip rule 220) and the inner addresses ipsec_start added; ipsec0
# goes with the process.
ipsec_stop() {
    local name=$1 d pid nsname i added
    d=$(ipsec_dir "$name"); pid=$(_ipsec_get "$name" pid); nsname=$(_ipsec_get "$name" ns)
    [ -n "$pid" ] || { it_log "ipsec_stop: $name was not started"; return 1; }
    _ipsec_swanctl "$name" --list-sas --noblock --raw >"$d/sas.final" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null; ipsec_forget_pid "$pid"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        ip -n "$nsname" rule show pref 220 2>/dev/null | grep -q 'lookup 220' || break
        ip -n "$nsname" rule del pref 220 2>/dev/null
    done
    for added in $(sed -n 's/^added_inner=//p' "$d/meta"); do
        ip -n "$nsname" addr del "$added" dev lo 2>/dev/null
    done
    _ipsec_set "$name" stopped 1
    it_wait_for 5 "ipsec0 of $name gone" sh -c "! ip -n '$nsname' link show ipsec0 >/dev/null 2>&1"
}

# ipsec_extract_sas PEER OUT_DIR [STANDIN] [CHILD]: from PEER's charon (still running: the
# CHILD_SA as vici lists it) and its log (the keys, chd = 4), write sysplexd's side of CHILD
# (default PEER) to OUT_DIR: sas.json, sas.env, CHILD.in.key / CHILD.out.key (0600) and
# ipsecsa.profile. With STANDIN (the charon sysplexd replaces; "" for none), also cross-check
# its log and record how many sequence numbers it used on the outbound SA (sysplexd's first
# outbound number must be above them). Env: IPSEC_SA_REPLAYWINDOW for the snippet (1024).
ipsec_extract_sas() {
    local peer=$1 out=$2 standin=${3:-} child=${4:-$1} d ts sd
    d=$(ipsec_dir "$peer")
    ts=$(_ipsec_child "$peer" "$child") || { it_log "$peer has no child $child"; return 1; }
    mkdir -p "$out" && chmod 700 "$out" || return 1
    _ipsec_swanctl "$peer" --list-sas --noblock --raw >"$d/sas.now" 2>&1 \
        || { it_log "swanctl --list-sas for $peer failed"; cat "$d/sas.now" >&2; return 1; }
    local args=(extract --name "$child" --log "$d/charon.log" --sas "$d/sas.now"
                --alg "$(_ipsec_get "$peer" alg)" --peer-ts "${ts% *}" --local-ts "${ts#* }"
                --out "$out")
    if [ -n "$standin" ]; then
        sd=$(ipsec_dir "$standin")
        if [ "$(_ipsec_get "$standin" stopped)" != 1 ]; then
            _ipsec_swanctl "$standin" --list-sas --noblock --raw >"$sd/sas.final" 2>/dev/null
        fi
        args+=(--standin-log "$sd/charon.log" --standin-sas "$sd/sas.final")
    fi
    "$IPSEC_PY" "$IPSEC_TOOL" "${args[@]}"
}
