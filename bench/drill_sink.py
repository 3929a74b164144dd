#!/usr/bin/python3
"""The failover drill's receiving ends (bench/drill.sh); every time is CLOCK_REALTIME nanoseconds.

  drill_sink.py udp PORT --out FILE
      In a node's namespace: receives the generator's UDP stream on PORT (any address: the DVIPA
      sits on the node's TAP while the node owns or serves it) with the kernel's receive time
      (SO_TIMESTAMPNS). On SIGTERM writes FILE (native int64 pairs: sequence, receive time) and
      FILE.json ({"received": n, "overflow": datagrams the socket itself dropped}).
  drill_sink.py wire LABEL=IFNAME... --out FILE.jsonl [--sample-mask M]
      In the bridge's namespace, on the bridge-side ends of the nodes' data veths: what each node
      puts on the wire, with the kernel's receive time: ARP (gratuitous ARP on a move), group
      channel datagrams (UDP 5301: heartbeats) and TCP data segments to port 8080 that a distributor
      forwarded (only client ports p with p & M == 0, to keep the rate low). A classic BPF filter
      drops everything else in the kernel. On SIGTERM writes one JSON list per event:
      [t_ns, LABEL, "arp", op, sender_ip, target_ip] | [t_ns, LABEL, "grp", src_ip] |
      [t_ns, LABEL, "tcp", src_port].
  drill_sink.py stamp --out FILE
      Copies stdin (a sysplexd's log) to FILE, each line prefixed with the time it was read."""
import argparse
import array
import ctypes
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = 35
SO_RXQ_OVFL = 40
SO_RCVBUFFORCE = 33
SO_ATTACH_FILTER = 26
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
DGRAM = struct.Struct("!QQ")
TIMESPEC = struct.Struct("qq")

stopping = False


def on_term(*_):
    global stopping
    stopping = True


def ancillary(anc):
    """(receive time ns, overflow counter or None) from recvmsg's ancillary data."""
    t, ovfl = time.time_ns(), None
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
            sec, nsec = TIMESPEC.unpack_from(data)
            t = sec * 1_000_000_000 + nsec
        elif level == socket.SOL_SOCKET and typ == SO_RXQ_OVFL and len(data) >= 4:
            ovfl = struct.unpack_from("I", data)[0]
    return t, ovfl


def run_udp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    s.bind(("0.0.0.0", a.port))
    s.settimeout(0.2)
    rows = array.array("q")
    overflow = 0
    print("listening", flush=True)
    while not stopping:
        try:
            data, anc, _, _ = s.recvmsg(256, 256)
        except (socket.timeout, InterruptedError):
            continue
        if len(data) < DGRAM.size:
            continue
        t, ovfl = ancillary(anc)
        if ovfl is not None:
            overflow = ovfl
        rows.append(DGRAM.unpack_from(data)[0])
        rows.append(t)
    with open(a.out, "wb") as f:
        rows.tofile(f)
    with open(a.out + ".json", "w") as f:
        json.dump({"received": len(rows) // 2, "overflow": overflow}, f)
    return 0


# ---- wire: classic BPF -------------------------------------------------------------------------
LD_W_ABS, LD_H_ABS, LD_B_ABS, LD_H_IND, LD_B_IND, LDX_MSH = 0x20, 0x28, 0x30, 0x48, 0x50, 0xB1
JEQ, JSET, RET = 0x15, 0x45, 0x06
SKF_AD_PKTTYPE = 0xFFFFF000 + 4


def assemble(prog):
    """prog: [(label or None, code, k, jt, jf)]; jt/jf name a label or None (the next one)."""
    where = {p[0]: i for i, p in enumerate(prog) if p[0]}
    out = b""
    for i, (_, code, k, jt, jf) in enumerate(prog):
        off = [0 if j is None else where[j] - i - 1 for j in (jt, jf)]
        out += struct.pack("HBBI", code, off[0], off[1], k & 0xFFFFFFFF)
    return out, len(prog)


def wire_filter(sample_mask):
    return assemble([
        (None, LD_W_ABS, SKF_AD_PKTTYPE, None, None),
        (None, JEQ, PACKET_OUTGOING, "drop", None),    # the bridge's frames to the node: not the node's
        (None, LD_H_ABS, 12, None, None),
        (None, JEQ, 0x0806, "keep", None),
        (None, JEQ, 0x0800, None, "drop"),
        (None, LD_H_ABS, 20, None, None),
        (None, JSET, 0x1FFF, "drop", None),            # fragments
        (None, LD_B_ABS, 23, None, None),
        (None, JEQ, 17, "udp", None),
        (None, JEQ, 6, "tcp", "drop"),
        ("udp", LDX_MSH, 14, None, None),
        (None, LD_H_IND, 16, None, None),              # UDP destination port
        (None, JEQ, 5301, "keep", "drop"),
        ("tcp", LDX_MSH, 14, None, None),
        (None, LD_H_IND, 16, None, None),              # TCP destination port
        (None, JEQ, 8080, None, "drop"),
        (None, LD_B_IND, 27, None, None),              # TCP flags: PSH marks a data segment
        (None, JSET, 0x08, None, "drop"),
        (None, LD_H_IND, 14, None, None),              # TCP source port: the sample
        (None, JSET, sample_mask, "drop", "keep"),
        ("keep", RET, 128, None, None),
        ("drop", RET, 0, None, None),
    ])


def wire_socket(ifname, sample_mask):
    code, n = wire_filter(sample_mask)
    buf = ctypes.create_string_buffer(code)
    fprog = struct.pack("HL", n, ctypes.addressof(buf))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: nothing arrives before the filter
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s, buf


def ip4(b):
    return socket.inet_ntoa(bytes(b))


def decode(label, t, f):
    et = struct.unpack_from("!H", f, 12)[0]
    if et == 0x0806 and len(f) >= 42:
        return [t, label, "arp", struct.unpack_from("!H", f, 20)[0], ip4(f[28:32]), ip4(f[38:42])]
    if et != 0x0800 or len(f) < 34:
        return None
    l4 = 14 + 4 * (f[14] & 0xF)
    if f[23] == 17:
        return [t, label, "grp", ip4(f[26:30])]
    if f[23] == 6 and len(f) >= l4 + 2:
        return [t, label, "tcp", struct.unpack_from("!H", f, l4)[0]]
    return None


def run_wire(a):
    sel = selectors.DefaultSelector()
    keep = []
    for spec in a.ifaces:
        label, ifname = spec.split("=", 1)
        s, buf = wire_socket(ifname, a.sample_mask)
        keep.append(buf)
        sel.register(s, selectors.EVENT_READ, label)
    events = []
    print("listening", flush=True)
    while not stopping:
        for key, _ in sel.select(0.2):
            while True:
                try:
                    f, anc, _, _ = key.fileobj.recvmsg(128, 256)
                except (BlockingIOError, InterruptedError):
                    break
                e = decode(key.data, ancillary(anc)[0], f)
                if e:
                    events.append(e)
    with open(a.out, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    return 0


def run_stamp(a):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    pending = b""
    with open(a.out, "wb", buffering=0) as out:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            t = b"%d " % time.time_ns()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            if lines:
                out.write(b"".join(t + ln + b"\n" for ln in lines))
        if pending:
            out.write(b"%d " % time.time_ns() + pending + b"\n")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["udp", "wire", "stamp"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--out", required=True)
    ap.add_argument("--sample-mask", type=lambda x: int(x, 0), default=0x7)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if a.mode == "udp":
        a.port = int(a.args[0])
        return run_udp(a)
    if a.mode == "wire":
        a.ifaces = a.args
        return run_wire(a)
    return run_stamp(a)


if __name__ == "__main__":
    sys.exit(main())
