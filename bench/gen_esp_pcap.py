#!/usr/bin/python3
"""Input and independent check of the ESP whole-path bench (bench/esp_engine_bench.cc); scapy plays
the peer 198.18.1.2 of the node 198.18.1.1, so what the node decrypts and what it encrypts is held
against an implementation that is not the node's.

  make DIR [FLOWS] [SIZES]  writes into DIR, for each ALG (aes128gcm, chacha20poly1305) and SIZE
                            (the inner IP packet, default 64,512,1400), FLOWS (default 256) flows:
    ALG-in.key / ALG-out.key  random key || 4-byte salt (hex) of the node's inbound / outbound SA
    ALG-SIZE-in.key    the inbound key for SIZE: the bench installs it before it decrypts that size,
                       so each size starts on a fresh SA (an empty replay window) and no key ever
                       sees a sequence number (the IV) twice
    ALG-SIZE-enc.pcap  clear IPv4/UDP frames the node routes and protects (ENC_NETS[ALG])
    ALG-SIZE-dec.pcap  clear inner packets the peer protects for the node to decrypt (DEC_NETS[ALG])
    ALG-SIZE-esp.pcap  those, encrypted by scapy in tunnel mode with ALG-SIZE-in.key, UDP-encapsulated
                       (RFC 3948, 4500 -> 4500, checksum 0), sequence numbers 1..FLOWS
    fwd-SIZE.pcap      clear frames the node forwards in clear (FWD_NETS, a PERMIT rule)
  check DIR                 for every ALG-SIZE-enc-out.pcap in DIR (the node's first ESP frames,
                            written by esp_engine_bench --dump) scapy decrypts each frame with the
                            outbound key; its inner packet must be the i-th of ALG-SIZE-enc.pcap
                            with the TTL one less. Prints one line per file; exit 1 on a mismatch.

Frames are addressed to 02:00:00:00:00:00 (the bench puts the node's port MAC there). SPIs and
subnets are fixed here and in esp_engine_bench.cc (kAlgs, kClear): change both together.
Run with /usr/bin/python3: python3-scapy is a Debian package other interpreters may not see.
"""
import glob
import os
import struct
import sys

from scapy.all import IP, UDP, Ether, Raw, raw, rdpcap, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

PORT_MAC = "02:00:00:00:00:00"  # replaced by the node's port MAC when the bench loads the frames
PEER_MAC = "02:00:00:00:00:02"  # the profile's NEIGHBOR 198.18.1.2
PEER, NODE = "198.18.1.2", "198.18.1.1"
ENCAP_PORT = 4500
# alg: (scapy name, key bytes, inbound SPI, outbound SPI)
ALGS = {
    "aes128gcm": ("AES-GCM", 16, 0x1001, 0x2001),
    "chacha20poly1305": ("CHACHA20-POLY1305", 32, 0x1002, 0x2002),
}
DEC_NETS = {"aes128gcm": ("198.19.1", "198.19.2"), "chacha20poly1305": ("198.19.3", "198.19.4")}
ENC_NETS = {"aes128gcm": ("198.19.5", "198.19.6"), "chacha20poly1305": ("198.19.7", "198.19.8")}
FWD_NETS = ("198.19.9", "198.19.10")


def inner(nets, i: int, size: int) -> bytes:
    """The i-th flow's IPv4/UDP packet of exactly `size` bytes, hosts .1-.250 of each subnet."""
    if size < 28:
        raise ValueError("SIZE must hold an IPv4 and a UDP header (28 bytes)")
    src, dst = nets
    pkt = (IP(src=f"{src}.{1 + i % 250}", dst=f"{dst}.{1 + (i * 37) % 250}", ttl=64)
           / UDP(sport=1024 + i, dport=9) / Raw(bytes((i + j) & 0xFF for j in range(size - 28))))
    return raw(pkt)


def frame(ip: bytes) -> Ether:
    return Ether(dst=PORT_MAC, src=PEER_MAC, type=0x0800) / Raw(ip)


def udp_encapsulate(esp_ip: bytes) -> bytes:
    """IP(proto ESP) -> IP(proto UDP) / UDP(4500, 4500, checksum 0) / ESP, length and checksum mended."""
    hlen = (esp_ip[0] & 0x0F) * 4
    payload = esp_ip[hlen:]
    udp = struct.pack("!HHHH", ENCAP_PORT, ENCAP_PORT, 8 + len(payload), 0)
    ip = IP(esp_ip[:hlen] + udp + payload)
    ip.proto = 17
    ip.len = len(esp_ip) + 8
    del ip.chksum
    return raw(ip)


def udp_decapsulate(ip_bytes: bytes) -> IP:
    """The reverse, for scapy's decrypt (it does not decode UDP-encapsulated ESP itself)."""
    hlen = (ip_bytes[0] & 0x0F) * 4
    b = bytearray(ip_bytes[:hlen] + ip_bytes[hlen + 8:])
    b[9] = 50
    struct.pack_into("!H", b, 2, len(b))
    p = IP(bytes(b))
    del p.chksum
    return IP(raw(p))


def read_key(path: str) -> bytes:
    with open(path) as f:
        return bytes.fromhex("".join(f.read().split()))


def write_key(path: str, nbytes: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(nbytes).hex() + "\n")


def sa_for(alg: str, key: bytes, spi: int, src: str, dst: str) -> SecurityAssociation:
    return SecurityAssociation(ESP, spi=spi, crypt_algo=ALGS[alg][0], crypt_key=key,
                               tunnel_header=IP(src=src, dst=dst))


def make(out_dir: str, flows: int, sizes) -> int:
    os.makedirs(out_dir, exist_ok=True)
    for size in sizes:
        wrpcap(f"{out_dir}/fwd-{size}.pcap", [frame(inner(FWD_NETS, i, size)) for i in range(flows)])
    for alg, (_, klen, spi_in, _) in ALGS.items():
        write_key(f"{out_dir}/{alg}-in.key", klen + 4)
        write_key(f"{out_dir}/{alg}-out.key", klen + 4)
        for size in sizes:
            base = f"{out_dir}/{alg}-{size}"
            write_key(f"{base}-in.key", klen + 4)
            peer = sa_for(alg, read_key(f"{base}-in.key"), spi_in, PEER, NODE)
            wrpcap(f"{base}-enc.pcap", [frame(inner(ENC_NETS[alg], i, size)) for i in range(flows)])
            dec = [inner(DEC_NETS[alg], i, size) for i in range(flows)]
            wrpcap(f"{base}-dec.pcap", [frame(p) for p in dec])
            esp = [frame(udp_encapsulate(raw(peer.encrypt(IP(p), seq_num=i + 1))))
                   for i, p in enumerate(dec)]
            wrpcap(f"{base}-esp.pcap", esp)
    return 0


def expected_after_hop(ip_bytes: bytes) -> bytes:
    p = IP(ip_bytes)
    p.ttl -= 1
    del p.chksum
    return raw(p)


def check_one(out_dir: str, path: str) -> bool:
    name = os.path.basename(path)[: -len("-enc-out.pcap")]
    alg, size = name.rsplit("-", 1)
    sa = sa_for(alg, read_key(f"{out_dir}/{alg}-out.key"), ALGS[alg][3], NODE, PEER)
    clear = [raw(f[Ether].payload) for f in rdpcap(f"{out_dir}/{name}-enc.pcap")]
    got = rdpcap(path)
    bad = 0
    for i, f in enumerate(got):
        try:
            dec = raw(sa.decrypt(udp_decapsulate(raw(f[Ether].payload))))
        except Exception as e:  # scapy raises on a bad ICV or a malformed packet
            dec = repr(e).encode()
        if dec != expected_after_hop(clear[i % len(clear)]):
            bad += 1
    ok = bad == 0 and len(got) > 0
    print(f"scapy_check alg={alg} size={size} frames={len(got)} mismatched={bad} ok={int(ok)}")
    return ok


def check(out_dir: str) -> int:
    paths = sorted(glob.glob(f"{out_dir}/*-enc-out.pcap"))
    if not paths:
        print(f"gen_esp_pcap.py: no *-enc-out.pcap in {out_dir}", file=sys.stderr)
        return 1
    results = [check_one(out_dir, p) for p in paths]
    return 0 if all(results) else 1


def main() -> int:
    a = sys.argv[1:]
    if len(a) >= 2 and a[0] == "make" and len(a) <= 4:
        flows = int(a[2]) if len(a) > 2 else 256
        sizes = [int(s) for s in a[3].split(",")] if len(a) > 3 else [64, 512, 1400]
        return make(a[1], flows, sizes)
    if len(a) == 2 and a[0] == "check":
        return check(a[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
