#!/usr/bin/python3
"""A kernel TCP client for sysplexd integration tests and drills: opens many connections to one
address, exchanges data on each and reports which target (by the name the server sends first)
served it, as one JSON line on stdout.
  tcp_client.py HOST PORT COUNT [--concurrency C] [--bytes B] [--hold]
Without --hold each connection sends B bytes, reads the name and the echo, checks it and closes.
With --hold all COUNT connections are opened first and kept open (so active-connection counts
build up), each exchanges B bytes, then (after --linger seconds) all are closed."""
import argparse
import json
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

import tcp_echo
from tcp_echo import read_name, recv_exact

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("count", type=int)
ap.add_argument("--concurrency", type=int, default=32)
ap.add_argument("--bytes", type=int, default=2000)
ap.add_argument("--hold", action="store_true")
ap.add_argument("--timeout", type=float, default=10)
ap.add_argument("--linger", type=float, default=0, help="--hold: seconds to keep the connections open after the exchange")
a = ap.parse_args()


def payload(i):
    return tcp_echo.payload("conn-%d-" % i, a.bytes)


def exchange(s, i):
    data = payload(i)
    s.sendall(data)
    got = recv_exact(s, len(data))
    if got != data:
        raise ValueError("echo differs")


def one(i):
    try:
        with socket.create_connection((a.host, a.port), timeout=a.timeout) as s:
            name = read_name(s)
            exchange(s, i)
            return name, None
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        return None, "%d: %s" % (i, e)


def held():
    socks, results = [], []
    for i in range(a.count):
        try:
            s = socket.create_connection((a.host, a.port), timeout=a.timeout)
            results.append((read_name(s), None))
            socks.append((i, s))
        except Exception as e:  # noqa: BLE001
            results.append((None, "%d: %s" % (i, e)))
    for i, s in socks:
        try:
            exchange(s, i)
        except Exception as e:  # noqa: BLE001
            results[i] = (None, "%d: %s" % (i, e))
    if a.linger:
        import time
        time.sleep(a.linger)
    for i, s in socks:
        s.close()
    return results


if a.hold:
    results = held()
else:
    with ThreadPoolExecutor(max_workers=a.concurrency) as pool:
        results = list(pool.map(one, range(a.count)))
by_node = {}
for name, _ in results:
    if name is not None:
        by_node[name] = by_node.get(name, 0) + 1
errors = [e for _, e in results if e]
print(json.dumps({"ok": sum(by_node.values()), "failed": len(errors), "by_node": by_node, "errors": errors[:5]}))
sys.exit(0 if not errors else 1)
