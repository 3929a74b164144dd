#!/usr/bin/python3
"""Kernel TCP connections from one source address (the strongSwan peer's inner address, so the
peer's kernel routes them into the right CHILD_SA) for the sysplex-wide SA test: opens COUNT
connections to HOST:PORT at once (each learns its target's name from tcp_server.py's first line),
exchanges BYTES on every one, prints one JSON line, then waits. Each SIGUSR1 runs one more round
on the connections still up and prints its line; SIGTERM closes all and exits. --once exits after
the first round.
  swsa_conns.py HOST PORT COUNT --bind SRC [--bytes B] [--timeout S] [--once]
A line: {"round": N, "ok": n, "failed": n, "by_node": {...}, "failed_by_node": {...},
"errors": [...], "ms": elapsed}. A connection that failed once stays failed (and is counted in
every later round); failed_by_node counts those that had learnt their target's name ("?": never
connected or never got the name)."""
import argparse
import json
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import tcp_echo
from tcp_echo import read_name, recv_exact

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("count", type=int)
ap.add_argument("--bind", required=True)
ap.add_argument("--bytes", type=int, default=1000)
ap.add_argument("--timeout", type=float, default=5)
ap.add_argument("--once", action="store_true")
a = ap.parse_args()


class Conn:
    def __init__(self, i):
        self.i, self.sock, self.node, self.error = i, None, "?", None


def payload(i, r):
    return tcp_echo.payload("c%d-r%d-" % (i, r), a.bytes)


def fail(c, what):
    c.error = "%d (%s): %s" % (c.i, c.node, what)
    if c.sock is not None:
        c.sock.close()
        c.sock = None


def connect(c):
    try:
        s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(a.timeout)
        c.sock = s
        s.bind((a.bind, 0))
        s.connect((a.host, a.port))
        c.node = read_name(s)
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        fail(c, "connect: %s" % e)


def exchange(c, r):
    if c.sock is None:
        return
    data = payload(c.i, r)
    try:
        # The echo is read while sending, so a big payload never fills both directions' buffers.
        t = threading.Thread(target=c.sock.sendall, args=(data,), daemon=True)
        t.start()
        got = recv_exact(c.sock, len(data))
        t.join(a.timeout)
        if got != data:
            raise ValueError("echo differs")
    except Exception as e:  # noqa: BLE001
        fail(c, "round %d: %s" % (r, e))


conns = [Conn(i) for i in range(a.count)]
pool = ThreadPoolExecutor(max_workers=max(1, a.count))


def run_round(r, first):
    started = time.monotonic()
    if first:
        list(pool.map(connect, conns))
    list(pool.map(lambda c: exchange(c, r), conns))
    by_node, failed_by = {}, {}
    for c in conns:
        d = by_node if c.sock is not None else failed_by
        d[c.node] = d.get(c.node, 0) + 1
    errors = [c.error for c in conns if c.error]
    print(json.dumps({"round": r, "ok": sum(by_node.values()), "failed": len(errors), "by_node": by_node,
                      "failed_by_node": failed_by, "errors": errors[:5],
                      "ms": int((time.monotonic() - started) * 1000)}), flush=True)


# Signals are blocked and taken with sigwait, so one arriving mid-round is never lost.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
run_round(0, True)
r = 1
while not a.once and signal.sigwait({signal.SIGUSR1, signal.SIGTERM}) == signal.SIGUSR1:
    run_round(r, False)
    r += 1
for c in conns:
    if c.sock is not None:
        c.sock.close()
pool.shutdown(wait=False)
