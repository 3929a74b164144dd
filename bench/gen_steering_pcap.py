#!/usr/bin/python3
"""Writes the steering bench's input: 64-byte TCP ACK frames of established connections to the
distributed DVIPA 198.18.1.50:80. Connection i of the bench's table is client
198.19.(i>>8 & 255).(i & 255) port 10000 + (i >> 16); the pcap holds FLOWS of the CONNECTIONS,
spread evenly over the table so lookups touch all of it, in a shuffled order. Plain struct packing
(no scapy) so a quarter of a million frames take a second.
usage: gen_steering_pcap.py OUT.pcap FLOWS CONNECTIONS"""
import random
import struct
import sys

PORT_MAC = bytes.fromhex("027063617000")  # net_pcap's port MAC
SRC_MAC = bytes.fromhex("020000000002")
DVIPA = bytes([198, 18, 1, 50])


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(i: int) -> bytes:
    src = bytes([198, 19, (i >> 8) & 255, i & 255])
    sport = 10000 + (i >> 16)
    tcp = struct.pack("!HHIIBBHHH", sport, 80, 1000, 2000, 5 << 4, 0x10, 65535, 0, 0)
    pseudo = src + DVIPA + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, DVIPA)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = PORT_MAC + SRC_MAC + b"\x08\x00"
    f = eth + ip + tcp
    return f + b"\0" * (60 - len(f))


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    out, flows, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if not 0 < flows <= conns:
        print("FLOWS must be 1..CONNECTIONS", file=sys.stderr)
        return 2
    order = [k * conns // flows for k in range(flows)]
    random.Random(1).shuffle(order)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in order:
            b = frame(i)
            f.write(struct.pack("<IIII", 0, 0, len(b), len(b)))
            f.write(b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
