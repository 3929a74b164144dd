#!/usr/bin/python3
"""scapy as an independent ESP reference for esp_scapy_test (run with Debian's /usr/bin/python3).

usage: esp_scapy.py CASES_FILE

Each line of CASES_FILE describes one SA and carries two packets:
  name alg mode family natt esn esn_hi seq_lo spi key_salt_hex src dst inner_hex ours_hex
(family: 4 or 6; natt, esn: 0 or 1). For every line this prints
  name decrypt ok                  scapy decrypted ours_hex back to inner_hex
  name decrypt FAIL reason
  name wire HEX                    scapy's own encryption of inner_hex (sequence seq_lo, ESN
                                   high half esn_hi), for the library to decrypt
The IV scapy uses is not the sequence number, so the library's decryption cannot rely on that.
"""
import struct
import sys

from scapy.all import IP, IPv6, UDP, raw
from scapy.layers.ipsec import ESP, SecurityAssociation

ALGOS = {'aes128gcm': 'AES-GCM', 'aes256gcm': 'AES-GCM', 'chacha20poly1305': 'CHACHA20-POLY1305'}


class Case:
    def __init__(self, fields):
        (self.name, self.alg, self.mode, family, natt, esn, esn_hi, seq_lo, spi, key, self.src,
         self.dst, inner, ours) = fields
        self.v6 = family == '6'
        self.natt = natt == '1'
        self.esn = esn == '1'
        self.esn_hi = int(esn_hi)
        self.seq_lo = int(seq_lo)
        self.spi = int(spi, 16)
        self.key = bytes.fromhex(key)
        self.inner = bytes.fromhex(inner)
        self.ours = bytes.fromhex(ours)


def make_sa(c):
    kw = dict(spi=c.spi, crypt_algo=ALGOS[c.alg], crypt_key=c.key)  # key || 4-byte salt
    if c.mode == 'tunnel':
        kw['tunnel_header'] = IPv6(src=c.src, dst=c.dst) if c.v6 else IP(src=c.src, dst=c.dst)
    if c.natt:
        kw['nat_t_header'] = UDP(sport=4500, dport=4500)
    if c.esn:
        kw['esn_en'] = True
        kw['esn'] = c.esn_hi
    return SecurityAssociation(ESP, **kw)


def as_plain_esp(c, wire):
    """scapy does not decode UDP-encapsulated ESP: drop the UDP header, name ESP in the IP one."""
    hlen = 40 if c.v6 else (wire[0] & 0x0f) * 4
    if not c.natt:
        return IPv6(wire) if c.v6 else IP(wire)
    b = bytearray(wire[:hlen] + wire[hlen + 8:])
    if c.v6:
        b[6] = 50
        struct.pack_into('!H', b, 4, len(b) - 40)
        return IPv6(bytes(b))
    b[9] = 50
    struct.pack_into('!H', b, 2, len(b))
    p = IP(bytes(b))
    del p.chksum
    return IP(raw(p))


def fix_natt_udp_length(c, wire):
    """scapy 2.5.0 freezes the IPv4 NAT-T UDP header before ESP is added (length 8): mend it."""
    if not c.natt or c.v6:
        return wire
    b = bytearray(wire)
    hlen = (b[0] & 0x0f) * 4
    struct.pack_into('!H', b, hlen + 4, len(b) - hlen)
    return bytes(b)


def check_ours(c):
    try:
        dec = make_sa(c).decrypt(as_plain_esp(c, c.ours))
    except Exception as e:  # scapy raises IPSecIntegrityError and others on bad packets
        return 'FAIL %s: %s' % (type(e).__name__, e)
    got = raw(dec)
    if got != c.inner:
        return 'FAIL plaintext differs: %s' % got.hex()
    return 'ok'


def scapy_wire(c, index):
    inner = IPv6(c.inner) if (c.inner[0] >> 4) == 6 else IP(c.inner)
    iv = b'scapy' + struct.pack('!BH', 0xa5, index)
    enc = make_sa(c).encrypt(inner, seq_num=c.seq_lo, iv=iv)
    return fix_natt_udp_length(c, raw(enc))


def main():
    with open(sys.argv[1]) as f:
        cases = [Case(line.split()) for line in f if line.strip()]
    for i, c in enumerate(cases):
        print('%s decrypt %s' % (c.name, check_ours(c)))
        print('%s wire %s' % (c.name, scapy_wire(c, i).hex()))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
