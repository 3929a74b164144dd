#!/usr/bin/python3
"""Long-lived kernel TCP connections for takeover tests and drills: opens COUNT connections to
HOST:PORT (each learns its target's name from the server's first line), exchanges data on every
one, prints one JSON line, then waits. Each SIGUSR1 runs one more round (data exchanged on every
connection, checked byte for byte) and prints its JSON line; SIGTERM closes all and exits.
  conn_holder.py HOST PORT COUNT [--bytes B] [--timeout S]
A line: {"round": N, "ok": n, "failed": n, "by_node": {...}, "errors": [...], "ms": elapsed}.
A connection that failed once stays failed (it is reported in every later round)."""
import argparse
import json
import signal
import socket
import sys
import time

import tcp_echo
from tcp_echo import read_name, recv_exact

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("count", type=int)
ap.add_argument("--bytes", type=int, default=1000)
ap.add_argument("--timeout", type=float, default=15)
a = ap.parse_args()

conns = []  # [index, socket or None, node name, error]
rounds = 0


def payload(i, r):
    return tcp_echo.payload("c%d-r%d-" % (i, r), a.bytes)


def exchange(c, r):
    i, s = c[0], c[1]
    if s is None:
        return
    try:
        data = payload(i, r)
        s.sendall(data)
        if recv_exact(s, len(data)) != data:
            raise ValueError("echo differs")
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        c[3] = "%d (%s): round %d: %s" % (i, c[2], r, e)
        s.close()
        c[1] = None


def report(started):
    by_node = {}
    for c in conns:
        if c[1] is not None:
            by_node[c[2]] = by_node.get(c[2], 0) + 1
    errors = [c[3] for c in conns if c[3]]
    print(json.dumps({"round": rounds, "ok": sum(by_node.values()), "failed": len(errors), "by_node": by_node,
                      "errors": errors[:5], "ms": int((time.monotonic() - started) * 1000)}), flush=True)


def do_round():
    global rounds
    started = time.monotonic()
    for c in conns:
        exchange(c, rounds)
    report(started)
    rounds += 1


# Signals are blocked and taken with sigwait, so one arriving mid-round is never lost.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
for i in range(a.count):
    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        conns.append([i, s, read_name(s), None])
    except Exception as e:  # noqa: BLE001
        conns.append([i, None, "?", "%d: connect: %s" % (i, e)])
do_round()
while signal.sigwait({signal.SIGUSR1, signal.SIGTERM}) == signal.SIGUSR1:
    do_round()
for c in conns:
    if c[1] is not None:
        c[1].close()
