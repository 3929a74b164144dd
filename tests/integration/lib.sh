# Shared helpers for sysplexd integration tests. Source it from bash:
#   . "$(dirname "$0")/lib.sh"
# Every resource is named with the run's PID ($$) and recorded, and it_cleanup
# (registered on EXIT INT TERM by it_init) removes all of them even when a check fails.
# Needs root (netns, veth). Only 198.18.0.0/15 and 2001:db8::/32 are used by the tests.

IT_ID=$$
IT_PIDS=()        # processes we started (pids of the `ip netns exec` wrappers)
IT_NETNS=()       # network namespaces we created
IT_LINKS=()       # "netns|ifname" of links we created (veth ends left in the root ns: netns empty)
IT_PREFIXES=()    # DPDK --file-prefix values whose /run/dpdk/<prefix> we remove
IT_TMPDIR=""
IT_FAILS=0
IT_CHECKS=0

it_log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

it_pass() { IT_CHECKS=$((IT_CHECKS + 1)); echo "PASS: $*"; }
it_fail() { IT_CHECKS=$((IT_CHECKS + 1)); IT_FAILS=$((IT_FAILS + 1)); echo "FAIL: $*"; }

# it_check "description" command args...: PASS/FAIL on the command's status (output to stderr).
it_check() {
    local desc=$1; shift
    if "$@" >&2; then it_pass "$desc"; return 0; else it_fail "$desc"; return 1; fi
}

# it_name BASE: a name unique to this run, at most 15 chars (IFNAMSIZ).
it_name() { local n="$1$IT_ID"; echo "${n:0:15}"; }

it_init() {
    if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root" >&2; exit 77; fi
    IT_TMPDIR=$(mktemp -d "/tmp/sysplex-it.$IT_ID.XXXXXX")
    trap 'it_cleanup' EXIT
    trap 'it_log "interrupted"; exit 130' INT TERM
}

# it_netns NAME: create a netns (lo up) and record it.
it_netns() {
    ip netns add "$1" || return 1
    IT_NETNS+=("$1")
    ip -n "$1" link set lo up
}

# it_veth NS1 IF1 NS2 IF2: a veth pair with one end in each netns, both up.
it_veth() {
    local ns1=$1 if1=$2 ns2=$3 if2=$4
    ip link add "$if1" type veth peer name "$if2" || return 1
    IT_LINKS+=("|$if1")
    ip link set "$if1" netns "$ns1" && IT_LINKS+=("$ns1|$if1")
    ip link set "$if2" netns "$ns2"
    ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up
}

# it_dpdk_prefix PREFIX: remember a DPDK file prefix to remove /run/dpdk/PREFIX at the end.
it_dpdk_prefix() { IT_PREFIXES+=("$1"); }

# it_start_ns NS LOGFILE VAR command args...: start a command in NS in the background with
# output to LOGFILE, record its pid, and store the pid in the variable named VAR.
it_start_ns() {
    local ns=$1 log=$2 var=$3; shift 3
    ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
    local pid=$!
    IT_PIDS+=("$pid")
    printf -v "$var" '%s' "$pid"
}

# it_wait_for TIMEOUT_S DESC command args...: poll (every 0.2 s) until the command succeeds.
it_wait_for() {
    local timeout=$1 desc=$2; shift 2
    local deadline=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    it_log "timed out after ${timeout}s waiting for: $desc"
    return 1
}

# it_wait_file TIMEOUT_S PATH [PID]: wait for a path to exist (socket/file); fail early if PID dies.
it_wait_file() {
    local timeout=$1 path=$2 pid=${3:-}
    local deadline=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ -e "$path" ] && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            it_log "process $pid exited while waiting for $path"; return 1
        fi
        sleep 0.2
    done
    it_log "timed out after ${timeout}s waiting for $path"
    return 1
}

# it_telemetry PREFIX CMD: print the JSON reply of a DPDK telemetry command (bounded by timeout).
it_telemetry() {
    echo "$2" | timeout 10 dpdk-telemetry.py -f "$1" 2>/dev/null
}

# it_kill PID [GRACE_S]: SIGTERM the process (and its children), SIGKILL after the grace period.
it_kill() {
    local pid=$1 grace=${2:-5} kids
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kids=$(pgrep -P "$pid" 2>/dev/null)
    kill -TERM "$pid" $kids 2>/dev/null
    local deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        it_log "pid $pid did not stop on SIGTERM, killing"
        kids=$(pgrep -P "$pid" 2>/dev/null)
        kill -KILL "$pid" $kids 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

it_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    local p ns l
    for p in "${IT_PIDS[@]}"; do it_kill "$p" 5; done
    # Anything still running inside our namespaces (e.g. a child that escaped its parent).
    for ns in "${IT_NETNS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for l in "${IT_LINKS[@]}"; do
        ns=${l%%|*}; l=${l#*|}
        if [ -n "$ns" ]; then ip -n "$ns" link del "$l" 2>/dev/null
        else ip link del "$l" 2>/dev/null; fi
    done
    for ns in "${IT_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    for p in "${IT_PREFIXES[@]}"; do
        [ -n "$p" ] && rm -rf "/run/dpdk/$p"
    done
    rmdir /run/dpdk 2>/dev/null
    if [ -n "$IT_TMPDIR" ] && [ -d "$IT_TMPDIR" ]; then
        if [ "$rc" -ne 0 ] && [ -n "${IT_KEEP_LOGS:-}" ]; then it_log "logs kept in $IT_TMPDIR"
        else rm -rf "$IT_TMPDIR"; fi
    fi
    exit "$rc"
}

# it_summary: print the tally and exit 0 only when every check passed.
it_summary() {
    if [ "$IT_FAILS" -eq 0 ] && [ "$IT_CHECKS" -gt 0 ]; then
        echo "RESULT: PASS ($IT_CHECKS checks)"; exit 0
    fi
    echo "RESULT: FAIL ($IT_FAILS of $IT_CHECKS checks failed)"; exit 1
}
