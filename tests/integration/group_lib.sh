# A sysplex in network namespaces for group tests and drills; source after lib.sh and it_init.
#   gl_topology PREFIX       bridge namespace with the data segment br0 (198.18.1.0/24) and the
#                            management segment br1 (198.19.0.0/24, etcd at 198.19.0.1), a client
#                            namespace at 198.18.1.100, a three-member etcd cluster (GL_ETCD_1..3)
#   gl_node N                namespace tkoN-style for node N: a DPDK veth on br0, a kernel veth on
#                            br1 at 198.19.0.1N; sets NS_Nn VETH_Nn TAP_Nn PREFIX_Nn
#   gl_profile_head N        the node statements every node shares (print; add the rest yourself)
#   gl_start N               sysplexd on $IT_TMPDIR/Nn.profile (again, after a kill); PID_Nn
#   gl_ctl N ARGS...         sysplexctl against node N
#   gl_status N DVIPA        "STATUS OWNER EPOCH" as N's VIPADYN shows it; gl_is_status N DVIPA STATUS
#   gl_wait SECONDS FN ARGS  poll every 0.1 s until FN succeeds
#   gl_json_ok / gl_check_json JSON [DESC] PYEXPR   checks on JSON replies (r is the parsed reply)
# Names carry the run's id ($IT_ID) and every resource is recorded with lib.sh, so it_cleanup
# removes them all on any exit.

GL_PY=/usr/bin/python3
GL_MGMT=198.19.0.1
GL_CLIENT=198.18.1.100
GL_ENDPOINTS="http://$GL_MGMT:23791 http://$GL_MGMT:23792 http://$GL_MGMT:23793"
GL_ETCDCTL="etcdctl --endpoints=$GL_MGMT:23791,$GL_MGMT:23792,$GL_MGMT:23793 --command-timeout=5s"

gl_attach() {  # gl_attach NS IFNAME BRIDGE: a veth from NS into the bridge
    local peer; peer=$(it_name "b$2")
    it_veth "$1" "$2" "$NS_L" "$peer" && ip -n "$NS_L" link set "$peer" master "$3"
}

gl_start_etcd() {  # gl_start_etcd I: member I on its own data dir (kept across restarts)
    local i=$1
    it_start_ns "$NS_L" "$IT_TMPDIR/etcd$i.stdout" "GL_ETCD_$i" etcd --name "m$i" --data-dir "$IT_TMPDIR/m$i.etcd" \
        --listen-client-urls "http://$GL_MGMT:2379$i" --advertise-client-urls "http://$GL_MGMT:2379$i" \
        --listen-peer-urls "http://$GL_MGMT:2380$i" --initial-advertise-peer-urls "http://$GL_MGMT:2380$i" \
        --initial-cluster "m1=http://$GL_MGMT:23801,m2=http://$GL_MGMT:23802,m3=http://$GL_MGMT:23803" \
        --initial-cluster-token "gl$IT_ID" --initial-cluster-state new \
        --heartbeat-interval 50 --election-timeout 500 --logger=zap --log-outputs="$IT_TMPDIR/etcd$i.log"
}
gl_etcd_healthy() { ip netns exec "$NS_L" $GL_ETCDCTL endpoint health >/dev/null 2>&1; }
gl_etcdctl() { ip netns exec "$NS_L" $GL_ETCDCTL "$@"; }

gl_topology() {
    GL_TAG=$1
    NS_L=$(it_name "${GL_TAG}L"); NS_C=$(it_name "${GL_TAG}C")
    GL_KEY=$IT_TMPDIR/group.key
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$GL_KEY"
    it_netns "$NS_L" && it_netns "$NS_C" || return 1
    local br
    for br in br0 br1; do ip -n "$NS_L" link add $br type bridge && ip -n "$NS_L" link set $br up || return 1; done
    ip -n "$NS_L" addr add $GL_MGMT/24 dev br1
    gl_attach "$NS_C" cl0 br0 || return 1
    ip -n "$NS_C" addr add $GL_CLIENT/24 dev cl0
    ip netns exec "$NS_C" "$GL_PY" "$HERE/txcsum_off.py" cl0 || return 1
    local i
    for i in 1 2 3; do gl_start_etcd $i; done
    it_wait_for 20 "etcd health" gl_etcd_healthy
}

gl_node() {
    local n=$1 ns veth mg
    ns=$(it_name "${GL_TAG}$n"); veth=$(it_name "v$n"); mg=$(it_name "m$n")
    it_netns "$ns" && gl_attach "$ns" "$veth" br0 && gl_attach "$ns" "$mg" br1 || return 1
    # The node's kernel must leave the DPDK veth alone: no ARP, no IPv6, strict reverse path.
    ip -n "$ns" link set "$veth" arp off
    ip netns exec "$ns" sysctl -qw net.ipv6.conf."$veth".disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 \
        net.ipv4.conf."$veth".rp_filter=1 >/dev/null
    ip -n "$ns" addr add "198.19.0.1$n/24" dev "$mg"
    eval "NS_N$n=$ns VETH_N$n=$veth TAP_N$n=$(it_name "t$n") PREFIX_N$n=sysplex-${GL_TAG}$n$IT_ID"
}

gl_profile_head() {
    local n=$1
    echo "NODENAME N$n"
    echo "NODEADDR 198.18.1.1$n"
    echo "PORT lan0 DEVICE \"net_af_packet0,iface=$(it_name "v$n"),framecnt=4096,qdisc_bypass=1\""
    echo "PORTADDR lan0 198.18.1.1$n/24"
    echo "TAP $(it_name "t$n") PORT lan0"
    echo "STORE ETCD $GL_ENDPOINTS"
    echo "GROUP SPXD KEYFILE $GL_KEY"
    echo "WORKERS 1"
    echo "MEMPOOL MBUFS 8191 CACHE 256"
    echo "CONNTABLE ENTRIES 65536"
}

gl_start() {
    local n=$1 ns prefix
    eval "ns=\$NS_N$n prefix=\$PREFIX_N$n"
    it_dpdk_prefix "$prefix"
    it_start_ns "$ns" "$IT_TMPDIR/N$n.log.$SECONDS" "GL_WRAP_N$n" "$SYSPLEXD" --profile "$IT_TMPDIR/N$n.profile" \
        --no-status --eal "--file-prefix=$prefix"
    eval "PID_N$n=\$GL_WRAP_N$n"
}

# gl_bring_up: N1-N3 set up from $IT_TMPDIR/N<n>.profile (each must pass --check, else the test
# ends), started, and up to their telemetry sockets (else the test ends with their logs).
gl_bring_up() {
    local n prefix pid
    for n in 1 2 3; do
        gl_node $n || it_fail "set up N$n"
        it_check "N$n profile passes --check" sh -c "timeout 10 \"$SYSPLEXD\" --check \"$IT_TMPDIR/N$n.profile\" >/dev/null"
    done
    [ "$IT_FAILS" -eq 0 ] || it_summary
    for n in 1 2 3; do gl_start $n; done
    for n in 1 2 3; do
        eval "prefix=\$PREFIX_N$n pid=\$PID_N$n"
        it_check "N$n telemetry socket" it_wait_file 30 "/run/dpdk/$prefix/dpdk_telemetry.v2" "$pid" \
            || { tail -20 "$IT_TMPDIR"/N$n.log.*; it_summary; }
    done
}

gl_ctl() { local p; eval "p=\$PREFIX_N$1"; shift; timeout 10 "$SYSPLEXCTL" --prefix "$p" "$@"; }

gl_status() {
    gl_ctl "$1" --json vipadyn 2>/dev/null | "$GL_PY" -c '
import json, sys
for r in json.load(sys.stdin).values():
    if r["ipaddr"].split("/")[0] == sys.argv[1]:
        print(r["status"], r["owner"], r["epoch"])' "$2" 2>/dev/null  # nothing while the node starts
}
gl_is_status() { [ "$(gl_status "$1" "$2" | cut -d' ' -f1)" = "$3" ]; }

gl_wait() {
    local deadline=$((SECONDS + $1)); shift
    while [ "$SECONDS" -lt "$deadline" ]; do "$@" && return 0; sleep 0.1; done
    return 1
}

gl_json_ok() { printf '%s' "$1" | "$GL_PY" -c "import json,sys; r=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; }
gl_check_json() { if gl_json_ok "$1" "$3"; then it_pass "$2"; else it_fail "$2 ($1)"; fi; }

# Rounds of conn_holder.py: gl_round PID FILE N asks for round N and prints its JSON line.
gl_rounds_done() { [ "$(wc -l <"$1" 2>/dev/null)" -ge "$2" ]; }
gl_round() {
    kill -USR1 "$1"
    gl_wait 60 gl_rounds_done "$2" $(($3 + 1)) && sed -n "$(($3 + 1))p" "$2"
}

gl_now_ms() { date +%s%3N; }
