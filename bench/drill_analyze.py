#!/usr/bin/python3
"""The failover drill's analysis (bench/drill.sh): figures from the traffic itself, not from displays.

  drill_analyze.py run RUNDIR --png FILE.png    -> RUNDIR/result.json, prints the run's table row
  drill_analyze.py summary --out FILE.json RUNDIR...   -> the table over the runs (median, min, max),
      FILE.json, and the last line "drill takeover_ms=... takeback_ms=... connections=... survived=...
      lost_packets=..." (medians over the runs)

RUNDIR holds what one run left (drill_traffic.py, drill_sink.py and the nodes' time-stamped logs)
and marks.json (what drill.sh did when, CLOCK_REALTIME ns as strings from bash's $EPOCHREALTIME).

Definitions (the UDP stream goes to a port of the DVIPA that is not distributed, so whichever node
owns the DVIPA delivers it to its own kernel; which node's sink got a datagram says who owned it):
  takeover_ms   SIGKILL of the distributor N1 -> the first datagram N2's kernel received
  takeback_ms   the restart command of N1 -> the first datagram N1's kernel received again
  lost_packets  datagrams sent (from the first one to the stop) that no sink received; those sent in
                the last 100 ms before the kill count with the takeover (they may still have been in
                N1's queues when it died)
  survived      connections with no error that exchanged data in the second before the restart
                (after the takeover) and in the second before the stop (after the takeback)"""
import argparse
import array
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill_plot  # noqa: E402

MS = 1_000_000
IN_FLIGHT_NS = 100 * MS
NODES = ("N1", "N2", "N3")


def ns(x):
    """bash $EPOCHREALTIME ("1700000000.123456") -> ns."""
    sec, _, frac = str(x).partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])


def ms(a, b):
    return None if a is None or b is None else round((b - a) / MS, 1)


def load_array(path):
    a = array.array("q")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return a


def load_sinks(d):
    recv, meta = {}, {}
    for n in NODES:
        p = os.path.join(d, "udp_" + n)
        pairs = load_array(p) if os.path.exists(p) else array.array("q")
        recv[n] = list(zip(pairs[0::2], pairs[1::2]))
        meta[n] = json.load(open(p + ".json")) if os.path.exists(p + ".json") else {}
    return recv, meta


def log_lines(path):
    """[(t_ns, text)] of a drill_sink.py stamp log."""
    out = []
    if path and os.path.exists(path):
        for line in open(path, errors="replace"):
            t, _, text = line.rstrip("\n").partition(" ")
            if t.isdigit():
                out.append((int(t), text))
    return out


def first_line(lines, pattern, after):
    rx = re.compile(pattern)
    return next((t for t, text in lines if t > after and rx.search(text)), None)


def first_event(wire, label, kind, after, test=lambda e: True):
    return next((e[0] for e in wire if e[1] == label and e[2] == kind and e[0] > after and test(e)), None)


def last_event(wire, label, kind, before):
    ts = [e[0] for e in wire if e[1] == label and e[2] == kind and e[0] <= before]
    return max(ts) if ts else None


# ---- the packet stream -------------------------------------------------------------------------
def udp_figures(m, sent, recv):
    kill, restart, stop = m["kill"], m["restart"], m["stop"]
    first = {}
    for n in NODES:
        for seq, t in recv[n]:
            if seq < len(sent) and (seq not in first or t < first[seq][0]):
                first[seq] = (t, n)
    dups = sum(len(recv[n]) for n in NODES) - len(first)
    edge = kill - IN_FLIGHT_NS  # what N1 still held when it died is lost to the takeover too
    windows = {"before": (0, edge), "takeover": (edge, restart), "takeback": (restart, stop + 1)}
    lost = {w: 0 for w in windows}
    sent_in = {w: 0 for w in windows}
    for seq, t in enumerate(sent):
        if t < 0:
            continue
        for w, (a, b) in windows.items():
            if a <= t < b:
                sent_in[w] += 1
                lost[w] += seq not in first
    n2_after = [t for seq, t in recv["N2"] if t > kill]
    n1_after = [t for seq, t in recv["N1"] if t > restart]
    return {
        "sent": sum(1 for t in sent if t >= 0), "send_errors": sum(1 for t in sent if t < 0),
        "received": len(first), "duplicates": dups, "sent_in": sent_in, "lost_in": lost,
        "lost": sum(lost.values()),
        "first_n2_after_kill": min(n2_after) if n2_after else None,
        "first_n1_after_restart": min(n1_after) if n1_after else None,
        "n1_after_kill_before_restart": sum(1 for _, t in recv["N1"] if kill < t <= restart),
        "gap_takeover_ms": send_gap(sent, first, kill, restart),
        "gap_takeback_ms": send_gap(sent, first, restart, stop),
    }


def send_gap(sent, first, a, b):
    """The longest run of undelivered datagrams sent in [a, b) by send time (ms), 0 if none."""
    best, start = 0, None
    for seq, t in enumerate(sent):
        if t < a - 500 * MS or t >= b:
            continue
        if seq in first or t < 0:
            if start is not None:
                best = max(best, t - start)
            start = None
        elif start is None:
            start = t
    return round(best / MS, 1)


# ---- connections ---------------------------------------------------------------------------------
def echoes_in(c, t0, bin_ns, a, b):
    bins = bytes.fromhex(c["bins"])
    lo, hi = max(0, (a - t0) // bin_ns), max(0, (b - t0) // bin_ns)
    return sum(bins[lo:hi])


def stall(c, a, b):
    """The longest gap between two echoes of the connection that ends after a and starts before b."""
    g = [y - x for x, y in c["gaps"] if y > a and x < b]
    return round(max(g) / MS, 1) if g else 0.0


def tcp_figures(m, tcp):
    kill, restart, stop = m["kill"], m["restart"], m["stop"]
    t0, bin_ns = tcp["t0_ns"], tcp["bin_ns"]
    conns = tcp["conns"]
    opened = [c for c in conns if not c["error"].startswith("connect")]
    ok_takeover = [c for c in opened if not (c["error"] and c["error_ns"] < restart)
                   and echoes_in(c, t0, bin_ns, restart - 1000 * MS, restart) > 0]
    ok_end = [c for c in ok_takeover if not c["error"] and echoes_in(c, t0, bin_ns, stop - 1000 * MS, stop) > 0]
    by_node = {}
    for c in opened:
        by_node[c["node"]] = by_node.get(c["node"], 0) + 1
    st_over = sorted(stall(c, kill, restart) for c in opened)
    st_back = sorted(stall(c, restart, stop) for c in opened)
    return {
        "connections": tcp["connections"], "opened": len(opened), "by_node": by_node,
        "alive_after_takeover": len(ok_takeover), "survived": len(ok_end),
        "errors": [("%d (%s): %s" % (c["i"], c["node"], c["error"])) for c in conns if c["error"]][:5],
        "failed": sum(1 for c in conns if c["error"]),
        "failed_before_kill": sum(1 for c in conns if c["error"] and c["error_ns"] < kill),
        "failed_by_phase": failed_by_phase(conns, kill, restart),
        "stall_takeover_ms": spread(st_over), "stall_takeback_ms": spread(st_back),
        "stalled_takeover": sum(1 for s in st_over if s > 0), "stalled_takeback": sum(1 for s in st_back if s > 0),
    }


def failed_by_phase(conns, kill, restart):
    """{phase: {target: connections that failed then}} (phase: before, takeover, takeback)."""
    out = {}
    for c in conns:
        if c["error"]:
            phase = "before" if c["error_ns"] < kill else "takeover" if c["error_ns"] < restart else "takeback"
            out.setdefault(phase, {}).setdefault(c["node"], 0)
            out[phase][c["node"]] += 1
    return out


def spread(v):
    if not v:
        return {"median": None, "p90": None, "max": None}
    return {"median": statistics.median(v), "p90": v[min(len(v) - 1, int(0.9 * len(v)))], "max": v[-1]}


# ---- what happened in between (the nodes' logs and the wire) -------------------------------------
def breakdown(m, wire, udp):
    kill, restart, d1 = m["kill"], m["restart"], re.escape(m["dvipa"])
    n2, n1 = log_lines(m["log_N2"]), log_lines(m["log_N1_restarted"])
    window = m["heartbeat_ms"] * m["miss_count"] * MS
    last_hb = last_event(wire, "N1", "grp", kill)
    garp = lambda e: e[4] == m["dvipa"]  # noqa: E731
    over = {
        "last_heartbeat_of_N1": last_hb,
        "window_expired": last_hb + window if last_hb else None,
        "N2_active": first_line(n2, r"DVIPA %s ACTIVE here" % d1, kill),
        "N2_garp": first_event(wire, "N2", "arp", kill, garp),
        "N2_first_udp": udp["first_n2_after_kill"],
        "N2_table_rebuilt": first_line(n2, r"connection table of %s rebuilt" % d1, kill),
        "N2_first_tcp_to_N3": first_event(wire, "N2", "tcp", kill),
    }
    back = {
        "N1_first_log_line": first_line(n1, r".", restart),
        "N1_joined": first_line(n1, r"joined group", restart),
        "N1_active": first_line(n1, r"DVIPA %s ACTIVE here" % d1, restart),
        "N1_garp": first_event(wire, "N1", "arp", restart, garp),
        "N1_first_udp": udp["first_n1_after_restart"],
        "N1_table_rebuilt": first_line(n1, r"connection table of %s rebuilt" % d1, restart),
        "N1_first_tcp": first_event(wire, "N1", "tcp", restart),
        "N2_gave_up": first_line(n2, r"DVIPA %s given up" % d1, restart),
    }
    return ({k: ms(kill, v) for k, v in over.items()}, {k: ms(restart, v) for k, v in back.items()},
            ms(last_hb, over["N2_active"]))


def moves(m):
    """Every activation of the DVIPA during the run: [node, ms after the kill]; expected are two."""
    rx = re.compile(r"DVIPA %s ACTIVE here" % re.escape(m["dvipa"]))
    out = []
    for node, key in (("N1", "log_N1_killed"), ("N1", "log_N1_restarted"), ("N2", "log_N2"), ("N3", "log_N3")):
        out += [[node, ms(m["kill"], t)] for t, text in log_lines(m.get(key))
                if m["start"] <= t <= m["stop"] and rx.search(text)]
    return sorted(out, key=lambda x: x[1])


def read_marks(d):
    raw = json.load(open(os.path.join(d, "marks.json")))
    m = dict(raw)
    for k in ("start", "kill", "restart", "stop"):
        m[k] = ns(raw[k])
    return m


def analyze_run(d, png):
    m = read_marks(d)
    sent = load_array(os.path.join(d, "udp_sent"))
    recv, sink_meta = load_sinks(d)
    wire = sorted(json.loads(x) for x in open(os.path.join(d, "wire.jsonl")) if x.strip())
    tcp = json.load(open(os.path.join(d, "tcp.json")))
    udp = udp_figures(m, sent, recv)
    conns = tcp_figures(m, tcp)
    over, back, hb_to_active = breakdown(m, wire, udp)
    r = {
        "run": m["run"], "takeover_ms": ms(m["kill"], udp["first_n2_after_kill"]),
        "takeback_ms": ms(m["restart"], udp["first_n1_after_restart"]),
        "lost_packets": udp["lost"], "connections": conns["connections"], "survived": conns["survived"],
        "udp": dict({k: v for k, v in udp.items() if not k.startswith("first_")},
                    sink_overflow={n: sink_meta[n].get("overflow") for n in NODES}),
        "tcp": conns, "takeover_ms_after_kill": over, "takeback_ms_after_restart": back,
        "last_heartbeat_to_N2_active_ms": hb_to_active,
        "activations": moves(m),
        "settings": {k: m[k] for k in ("heartbeat_ms", "miss_count", "pps", "interval_ms", "dvipa")},
        "loadavg_at_kill": m.get("loadavg"),
        "png": png,
    }
    plot(png, m, sent, recv, tcp, over, back)
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(r, f, indent=1)
    return r


# ---- the plot ----------------------------------------------------------------------------------
def rate_series(times, origin, lo, hi, bin_ns=100 * MS, weights=None):
    counts = {}
    for k, t in enumerate(times):
        if lo <= t < hi:
            b = (t - lo) // bin_ns
            counts[b] = counts.get(b, 0) + (weights[k] if weights else 1)
    nb = (hi - lo) // bin_ns
    scale = 1e9 / bin_ns
    return [((lo + b * bin_ns - origin) / 1e9, counts.get(b, 0) * scale) for b in range(nb)]


def plot(png, m, sent, recv, tcp, over, back):
    kill, restart, stop = m["kill"], m["restart"], m["stop"]
    valid = [t for t in sent if t >= 0]
    if not valid:
        return
    lo, hi = valid[0], stop
    gb = tcp["global_bin_ns"]
    echo_t = [tcp["t0_ns"] + b * gb for b, _ in tcp["global_bins"]]
    echo_w = [n for _, n in tcp["global_bins"]]
    series = [("UDP sent", (150, 150, 150), rate_series(valid, kill, lo, hi))]
    colors = {"N1": (200, 30, 30), "N2": (20, 140, 40), "N3": (230, 140, 0)}
    for n in NODES:
        if recv[n]:
            series.append(("UDP delivered by " + n, colors[n], rate_series([t for _, t in recv[n]], kill, lo, hi)))
    series.append(("TCP echoes (%d conns)" % tcp["connections"], (30, 60, 200),
                   rate_series(echo_t, kill, lo, hi, weights=echo_w)))
    marks = [(0.0, "KILL N1", (200, 30, 30)), ((restart - kill) / 1e9, "RESTART N1", (30, 60, 200))]
    if over.get("N2_active") is not None:
        marks.append((over["N2_active"] / 1e3, "N2 ACTIVE", (20, 140, 40)))
    drill_plot.line_chart(png, series, marks,
                          title="Failover drill, run %s: delivered per second, 100 ms bins" % m["run"],
                          xlabel="seconds since the SIGKILL of N1", ylabel="per second")


# ---- tables ------------------------------------------------------------------------------------
ROW = "%-4s %11s %9s %9s %11s %9s %9s %9s %9s %11s"
HEAD = ROW % ("run", "takeover_ms", "lost_tko", "stall_ms", "takeback_ms", "lost_tkb", "stall_ms", "survived",
              "hb->act",
              "tcp_fwd_ms")


def fmt(v):
    return "-" if v is None else (("%.1f" % v) if isinstance(v, float) else str(v))


def count(v):
    """A median of counts: whole unless it falls between two."""
    return fmt(int(v) if isinstance(v, float) and v.is_integer() else v)


def row(r):
    u, t, o = r["udp"], r["tcp"], r["takeover_ms_after_kill"]
    return ROW % (r["run"], fmt(r["takeover_ms"]), u["lost_in"]["takeover"], fmt(t["stall_takeover_ms"]["median"]),
                  fmt(r["takeback_ms"]), u["lost_in"]["takeback"], fmt(t["stall_takeback_ms"]["median"]),
                  "%d/%d" % (r["survived"], r["connections"]), fmt(r["last_heartbeat_to_N2_active_ms"]),
                  fmt(o["N2_first_tcp_to_N3"]))


def stat(vals):
    v = sorted(x for x in vals if x is not None)
    if not v:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "n": len(v)}


def summarize(runs, out, false_takeovers):
    pick = {
        "takeover_ms": lambda r: r["takeover_ms"], "takeback_ms": lambda r: r["takeback_ms"],
        "lost_packets": lambda r: r["lost_packets"], "lost_takeover": lambda r: r["udp"]["lost_in"]["takeover"],
        "lost_takeback": lambda r: r["udp"]["lost_in"]["takeback"],
        "lost_before_kill": lambda r: r["udp"]["lost_in"]["before"],
        "survived": lambda r: r["survived"], "alive_after_takeover": lambda r: r["tcp"]["alive_after_takeover"],
        "failed_before_kill": lambda r: r["tcp"]["failed_before_kill"],
        "gap_takeover_ms": lambda r: r["udp"]["gap_takeover_ms"],
        "gap_takeback_ms": lambda r: r["udp"]["gap_takeback_ms"],
        "tcp_stall_takeover_median_ms": lambda r: r["tcp"]["stall_takeover_ms"]["median"],
        "tcp_stall_takeover_max_ms": lambda r: r["tcp"]["stall_takeover_ms"]["max"],
        "tcp_stall_takeback_median_ms": lambda r: r["tcp"]["stall_takeback_ms"]["median"],
        "tcp_stall_takeback_max_ms": lambda r: r["tcp"]["stall_takeback_ms"]["max"],
        "last_heartbeat_to_N2_active_ms": lambda r: r["last_heartbeat_to_N2_active_ms"],
    }
    for phase, key in (("takeover_ms_after_kill", "kill"), ("takeback_ms_after_restart", "restart")):
        for k in runs[0][phase]:
            pick["%s_to_%s_ms" % (key, k)] = (lambda p, k: lambda r: r[p][k])(phase, k)
    s = {k: stat(f(r) for r in runs) for k, f in pick.items()}
    doc = {"runs": runs, "summary": s, "connections": runs[0]["connections"], "settings": runs[0]["settings"],
           "false_takeovers": false_takeovers}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    print()
    print("median (min..max) over %d runs:" % len(runs))
    for k, v in s.items():
        if v["n"]:
            print("  %-40s %9s  (%s..%s)" % (k, count(v["median"]), count(v["min"]), count(v["max"])))
    for r in runs:
        if len(r["activations"]) != 2:
            print("  run %s: unexpected moves of the DVIPA: %s" % (r["run"], r["activations"]))
    if false_takeovers:
        print("  %d attempt(s) discarded: N2 took over before the kill (late heartbeats of N1)" % false_takeovers)
    print("json: %s" % out)
    for r in runs:
        print("png:  %s" % r["png"])
    med = lambda k: s[k]["median"]  # noqa: E731
    print("drill takeover_ms=%s takeback_ms=%s connections=%d survived=%s lost_packets=%s" % (
        fmt(med("takeover_ms")), fmt(med("takeback_ms")), runs[0]["connections"], count(med("survived")),
        count(med("lost_packets"))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run", "summary", "head"])
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--png")
    ap.add_argument("--out")
    ap.add_argument("--false-takeovers", type=int, default=0)
    a = ap.parse_intermixed_args()
    if a.mode == "head":
        print(HEAD)
    elif a.mode == "run":
        print(row(analyze_run(a.dirs[0], a.png)), flush=True)
    else:
        summarize([json.load(open(os.path.join(d, "result.json"))) for d in a.dirs], a.out, a.false_takeovers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
