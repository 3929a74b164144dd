#!/usr/bin/python3
"""Writes the forward bench's input: 64-byte IPv4/UDP frames from 198.18.1.2 to many 198.19.x.y
flows (so per-flow caches cannot hide the lookup cost), TTL 64, valid checksums.

Run with /usr/bin/python3: python3-scapy is a Debian package the pyenv interpreter cannot see.
usage: gen_forward_pcap.py OUT.pcap [FLOWS]
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap

# net_pcap's fixed port MAC; the engine does not filter unicast MACs, but use the real one anyway.
PORT_MAC = "02:70:63:61:70:00"
SRC_MAC = "02:00:00:00:00:02"
FRAME_LEN = 60  # 64 on the wire with the FCS


def frame(i: int):
    dst = f"198.19.{(i >> 8) & 0xFF}.{i & 0xFF}"
    pkt = (Ether(dst=PORT_MAC, src=SRC_MAC) / IP(src="198.18.1.2", dst=dst, ttl=64)
           / UDP(sport=1024 + (i % 50000), dport=9))
    pad = FRAME_LEN - len(pkt)
    if pad > 0:
        pkt = pkt / Raw(b"\x00" * pad)
    return Ether(bytes(pkt))  # rebuild so checksums and lengths are final


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    flows = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    wrpcap(sys.argv[1], [frame(i) for i in range(flows)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
