#!/usr/bin/python3
"""The failover drill's traffic generator, run in the client's network namespace (bench/drill.sh).

  drill_traffic.py tcp HOST PORT --connections N --interval-ms I --out FILE.json
      N long-lived TCP connections to HOST:PORT (a distributed DVIPA port served by
      tests/integration/tcp_server.py, which first sends its name, then echoes). Every connection
      sends a 16-byte message (index, sequence, send time) every I ms, staggered evenly over the
      interval, and checks every echo in order. Prints one JSON line {"ready": n, ...} once all are
      open; on SIGTERM writes FILE.json: per connection its local port, its target, first and last
      echo, error, the gaps between echoes longer than 2 I, and echoes per 100 ms bin; globally,
      echoes per 10 ms bin.
  drill_traffic.py udp HOST PORT --pps R --out FILE
      A UDP stream of R datagrams/s (sequence number, send time) to HOST:PORT; on SIGTERM writes
      FILE: the send time of every sequence number as native int64 (-1: the send failed).

Times are CLOCK_REALTIME nanoseconds (time.time_ns()): every process of the drill runs on one host."""
import argparse
import array
import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time

MSG = struct.Struct("!IIQ")   # connection index, sequence, send time (ns)
DGRAM = struct.Struct("!QQ")  # sequence, send time (ns)
DGRAM_BYTES = 64
BIN_NS = 100_000_000          # per-connection echo bins
GLOBAL_BIN_NS = 10_000_000    # all echoes, for the plot

stopping = False


def on_term(*_):
    global stopping
    stopping = True


class Conn:
    __slots__ = ("i", "port", "sock", "node", "out", "inbuf", "sent", "expect", "first_ns", "last_ns", "echoes",
                 "error", "error_ns", "gaps", "bins")

    def __init__(self, i):
        self.i, self.port, self.sock, self.node, self.out, self.inbuf = i, 0, None, "?", b"", b""
        self.sent = self.expect = self.echoes = 0
        self.first_ns = self.last_ns = self.error_ns = 0
        self.error = ""
        self.gaps = []
        self.bins = bytearray()

    def fail(self, why, now):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if not self.error:
            self.error, self.error_ns = why, now


def open_all(a, in_flight=32, timeout_ns=10_000_000_000):
    """Opens the connections, at most `in_flight` at a time, each ready once the server's name
    line ("N2\\n") has arrived; a connection that fails or takes longer than the timeout is failed."""
    conns = [Conn(i) for i in range(a.connections)]
    ep = select.epoll()
    pending = {}  # fd -> (conn, started_ns, bytes of the name so far)
    nxt = 0
    while nxt < len(conns) or pending:
        while nxt < len(conns) and len(pending) < in_flight:
            c = conns[nxt]
            nxt += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            c.sock = s
            if s.connect_ex((a.host, a.port)) not in (0, errno.EINPROGRESS):
                c.fail("connect: refused at once", time.time_ns())
                continue
            pending[s.fileno()] = [c, time.time_ns(), b""]
            ep.register(s.fileno(), select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP)
        now = time.time_ns()
        for fd, ev in ep.poll(0.05):
            c, _, name = entry = pending[fd]
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            try:
                b = b"" if err else c.sock.recv(64)
            except BlockingIOError:
                continue
            except OSError as e:
                err, b = e.errno, b""
            if not b:
                ep.unregister(fd)
                del pending[fd]
                c.fail("connect: %s" % (os.strerror(err) if err else "closed before the server's name"), now)
                continue
            entry[2] = name = name + b
            if name.endswith(b"\n"):
                ep.unregister(fd)
                del pending[fd]
                c.node = name[:-1].decode(errors="replace")
                c.port = c.sock.getsockname()[1]
        for fd, (c, started, _) in list(pending.items()):
            if now - started > timeout_ns:
                ep.unregister(fd)
                del pending[fd]
                c.fail("connect: no name from the server in %d s" % (timeout_ns // 10**9), now)
    ep.close()
    return conns


def on_echo(c, now, t0, gap_ns, glob):
    data = c.sock.recv(65536)
    if not data:
        return c.fail("closed by the server", now)
    c.inbuf += data
    while len(c.inbuf) >= MSG.size:
        i, seq, _ = MSG.unpack_from(c.inbuf)
        c.inbuf = c.inbuf[MSG.size:]
        if i != c.i or seq != c.expect:
            return c.fail("echo differs: got %d/%d, expected %d/%d" % (i, seq, c.i, c.expect), now)
        c.expect += 1
        c.echoes += 1
        if c.first_ns == 0:
            c.first_ns = now
        elif now - c.last_ns > gap_ns:
            c.gaps.append([c.last_ns, now])
        c.last_ns = now
        b = (now - t0) // BIN_NS
        if b >= len(c.bins):
            c.bins.extend(bytes(b + 1 - len(c.bins)))
        c.bins[b] = min(255, c.bins[b] + 1)
        g = (now - t0) // GLOBAL_BIN_NS
        glob[g] = glob.get(g, 0) + 1


def send_one(c, now):
    if c.sock is None:
        return
    c.out += MSG.pack(c.i, c.sent, now)
    c.sent += 1
    try:
        n = c.sock.send(c.out)
        c.out = c.out[n:]
    except BlockingIOError:
        pass
    except OSError as e:
        c.fail("send: %s" % e, now)


def run_tcp(a):
    t0 = time.time_ns()
    conns = open_all(a)
    by_node = {}
    for c in conns:
        if c.sock is not None:
            by_node[c.node] = by_node.get(c.node, 0) + 1
    print(json.dumps({"ready": sum(by_node.values()), "by_node": by_node}), flush=True)
    if not conns:
        return write_tcp(a, t0, conns, {})
    ep = select.epoll()
    fds = {}
    for c in conns:
        if c.sock is not None:
            ep.register(c.sock.fileno(), select.EPOLLIN)
            fds[c.sock.fileno()] = c
    step = a.interval_ms * 1_000_000 // max(1, len(conns))
    gap_ns = 2 * a.interval_ms * 1_000_000
    glob = {}
    start = time.time_ns()
    k = 0  # the k-th send overall goes to connection k % N at start + k * step
    while not stopping:
        now = time.time_ns()
        while start + k * step <= now:
            send_one(conns[k % len(conns)], now)
            k += 1
        # Wake at most every millisecond: the sends due by then go together (each with its own time).
        wait = min(0.01, max(0.001, (start + k * step - time.time_ns()) / 1e9))
        for fd, ev in ep.poll(wait):
            c = fds.get(fd)
            if c is None or c.sock is None:
                continue
            now = time.time_ns()
            try:
                on_echo(c, now, t0, gap_ns, glob)
            except BlockingIOError:
                continue
            except OSError as e:
                c.fail("recv: %s" % e, now)
            if c.sock is None:
                try:
                    ep.unregister(fd)
                except OSError:
                    pass
                fds.pop(fd, None)
    return write_tcp(a, t0, conns, glob)


def write_tcp(a, t0, conns, glob):
    out = {"t0_ns": t0, "bin_ns": BIN_NS, "global_bin_ns": GLOBAL_BIN_NS, "interval_ms": a.interval_ms,
           "connections": a.connections, "global_bins": sorted(glob.items()), "conns": []}
    for c in conns:
        out["conns"].append({"i": c.i, "port": c.port, "node": c.node, "sent": c.sent, "echoes": c.echoes,
                             "first_ns": c.first_ns,
                             "last_ns": c.last_ns, "error": c.error, "error_ns": c.error_ns, "gaps": c.gaps,
                             "bins": c.bins.hex()})
        if c.sock is not None:
            c.sock.close()
    with open(a.out, "w") as f:
        json.dump(out, f)
    return 0


def run_udp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.host, a.port))
    sent = array.array("q")
    pad = bytes(DGRAM_BYTES - DGRAM.size)
    start = time.time_ns()
    period = 1e9 / a.pps
    seq = 0
    print(json.dumps({"started_ns": start}), flush=True)
    while not stopping:
        now = time.time_ns()
        due = start + int(seq * period)
        if now < due:
            time.sleep((due - now) / 1e9)
            continue
        try:
            s.send(DGRAM.pack(seq, now) + pad)
            sent.append(now)
        except OSError:
            sent.append(-1)
        seq += 1
    with open(a.out, "wb") as f:
        sent.tofile(f)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["tcp", "udp"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--connections", type=int, default=500)
    ap.add_argument("--interval-ms", type=int, default=100)
    ap.add_argument("--pps", type=int, default=2000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    return run_tcp(a) if a.mode == "tcp" else run_udp(a)


if __name__ == "__main__":
    sys.exit(main())
