#!/usr/bin/python3
"""Helpers for the strongSwan interop harness (ipsec_lib.sh): read charon's vici listing and key
log, write sysplexd's side of a CHILD_SA, and play sysplexd's ESP with scapy as a reference.

  counters --child NAME [--key K]       < swanctl --list-sas --raw     one key=value line
  extract  --name N --log L --sas S --alg A --peer-ts T --local-ts T --out DIR
           [--standin-log L --standin-sas S]                            sas.json, sas.env, keys
  decrypt  --sas sas.json --pcap P [--verbose]                          key=value summary:
           in_*/out_* = ESP of the inbound/outbound SA (by SPI), other_tuple = of those, how
           many came from other addresses/ports than the SA's; ike, keepalive, other = non-ESP
  send     --sas sas.json --seq 1-3,7 --dport P [--sport P] [--tag T]   ESP from sysplexd's side
           [--corrupt-icv] [--gap-ms MS] [--outer-sport P] [--outer-src A]
  plain    --src A --dst B --port P [--count N] [--size S]              plain UDP datagrams
  inject   --kind keepalive|nonesp|runt --src A --dst B [--sport --dport]  one non-ESP datagram
  listen   --bind ADDR --port P [--out FILE] [--reuseport]              UDP sink / recorder

Run with /usr/bin/python3 (Debian's scapy). Keys are never printed.
"""
import argparse
import json
import os
import re
import socket
import sys
import time

# strongSwan ESP proposal -> (key bytes without salt, sysplexd ALGORITHM, scapy crypt_algo,
# vici encr-alg, vici encr-keysize)
ALGS = {
    'aes128gcm16': (16, 'AES128GCM', 'AES-GCM', 'AES_GCM_16', '128'),
    'aes256gcm16': (32, 'AES256GCM', 'AES-GCM', 'AES_GCM_16', '256'),
    'chacha20poly1305': (32, 'CHACHA20POLY1305', 'CHACHA20-POLY1305', 'CHACHA20_POLY1305', None),
}
# the REPLAYWINDOW the generated inbound IPSECSA asks sysplexd for (its default)
REPLAY_WINDOW = int(os.environ.get('IPSEC_SA_REPLAYWINDOW', '1024'))


def die(msg):
    print('ipsec_tool: ' + msg, file=sys.stderr)
    sys.exit(1)


# ---- swanctl --list-sas --raw -------------------------------------------------------------

def parse_vici_raw(text):
    """Parses swanctl's raw dump ('list-sa event {name {k=v sect {..} list=[a b]}}') into a list
    of (event name, dict) pairs."""
    toks = re.findall(r'\{|\}|\[|\]|[^\s{}\[\]]+', text)
    pos = 0

    def section():
        nonlocal pos
        out = {}
        while pos < len(toks) and toks[pos] != '}':
            t = toks[pos]
            pos += 1
            if pos < len(toks) and toks[pos] == '{':
                pos += 1
                out[t] = section()
                pos += 1                                   # the closing '}'
            elif '=' in t:
                k, v = t.split('=', 1)
                if v == '' and pos < len(toks) and toks[pos] == '[':
                    pos += 1
                    items = []
                    while pos < len(toks) and toks[pos] != ']':
                        items.append(toks[pos])
                        pos += 1
                    pos += 1
                    out[k] = items
                else:
                    out[k] = v
        return out

    events = []
    while pos < len(toks):
        words = []
        while pos < len(toks) and toks[pos] != '{':
            words.append(toks[pos])
            pos += 1
        if pos >= len(toks):
            break
        pos += 1
        events.append((' '.join(words), section()))
        pos += 1
    return events


def find_child(raw_text, child_name):
    """(ike dict, child dict) of child_name's CHILD_SA, preferring an INSTALLED one."""
    found = []
    for ev, body in parse_vici_raw(raw_text):
        if ev != 'list-sa event':
            continue
        for ike in body.values():
            for child in ike.get('child-sas', {}).values():
                if child.get('name') == child_name:
                    found.append((ike, child))
    found.sort(key=lambda ic: ic[1].get('state') != 'INSTALLED')
    return found[0] if found else (None, None)


def counters_of(ike, child):
    if child is None:
        return {'state': 'NONE'}
    g = child.get
    return {
        'state': g('state', '?'), 'ike_state': ike.get('state', '?'),
        'role': 'initiator' if ike.get('initiator') == 'yes' else 'responder',
        'spi_in': g('spi-in', ''), 'spi_out': g('spi-out', ''),
        'bytes_in': g('bytes-in', '0'), 'packets_in': g('packets-in', '0'),
        'bytes_out': g('bytes-out', '0'), 'packets_out': g('packets-out', '0'),
        'local_host': ike.get('local-host', ''), 'local_port': ike.get('local-port', ''),
        'remote_host': ike.get('remote-host', ''), 'remote_port': ike.get('remote-port', ''),
        'encap': g('encap', 'no'), 'mode': g('mode', ''),
        'alg': g('encr-alg', '') + ('-' + g('encr-keysize') if g('encr-keysize') else ''),
    }


def cmd_counters(a):
    ike, child = find_child(sys.stdin.read(), a.child)
    c = counters_of(ike, child)
    if a.key:
        print(c.get(a.key, ''))
    else:
        print(' '.join('%s=%s' % kv for kv in c.items()))


# ---- charon.log (chd = 4) ------------------------------------------------------------------

LINE_RE = re.compile(r'^\S+ \d+\[(\w+)\] <(?:([^|>]*)\|)?(\d+)> (.*)$')
HEX_RE = re.compile(r'^\s*\d+: ((?:[0-9A-F]{2} ){1,16})')
KEY_RE = re.compile(r'encryption (initiator|responder) key => (\d+) bytes')
EST_RE = re.compile(r'CHILD_SA (\S+)\{\d+\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o')


def children_from_log(path):
    """Every CHILD_SA a charon log shows established: dicts with child, spi_in, spi_out (its own
    view) and the initiator/responder keys (key || salt) logged just before, per IKE_SA."""
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError as e:
        die('cannot read %s: %s' % (path, e.strerror))
    pending = {}    # IKE_SA unique id -> {'initiator': bytes, 'responder': bytes}
    out = []
    i = 0
    while i < len(lines):
        m = LINE_RE.match(lines[i])
        i += 1
        if not m:
            continue
        ike_id, msg = m.group(3), m.group(4)
        k = KEY_RE.search(msg)
        if k:
            n, data = int(k.group(2)), b''
            while len(data) < n and i < len(lines):
                hm = LINE_RE.match(lines[i])
                h = HEX_RE.match(hm.group(4)) if hm else None
                if not h:
                    break
                data += bytes.fromhex(h.group(1).replace(' ', ''))
                i += 1
            pending.setdefault(ike_id, {})[k.group(1)] = data[:n]
            continue
        e = EST_RE.search(msg)
        if e:
            keys = pending.pop(ike_id, {})
            out.append({'child': e.group(1), 'spi_in': e.group(2), 'spi_out': e.group(3),
                        'initiator': keys.get('initiator'), 'responder': keys.get('responder')})
    return out


# ---- extract -------------------------------------------------------------------------------

def write_key(path, key):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(key.hex() + '\n')
    os.chmod(path, 0o600)


def ts_host(ts):
    return ts.split('/')[0]


def standin_view(a, spi_in, spi_out):
    """Cross-check the stand-in's log against the peer's, and read how many packets the stand-in
    sent on (what becomes) sysplexd's outbound SA. Returns (its child or None, seq_used or None,
    problems)."""
    problems = []
    if not a.standin_log:
        return None, None, problems
    logs = children_from_log(a.standin_log)
    mine = [c for c in logs if c['spi_in'] == spi_out and c['spi_out'] == spi_in]
    if not mine:
        problems.append('stand-in log has no CHILD_SA with SPIs %s_i %s_o' % (spi_out, spi_in))
    seq_used = None
    try:
        text = open(a.standin_sas).read()
        for _, body in parse_vici_raw(text):
            for ike in body.values():
                for ch in ike.get('child-sas', {}).values():
                    if ch.get('spi-out') == spi_in:
                        seq_used = int(ch.get('packets-out', '0'))
    except OSError:
        problems.append('no saved SA listing of the stand-in (%s)' % a.standin_sas)
    return (mine[-1] if mine else None), seq_used, problems


def cmd_extract(a):
    if a.alg not in ALGS:
        die('unknown algorithm %s' % a.alg)
    klen, sp_alg, scapy_alg, vici_alg, vici_size = ALGS[a.alg]
    ike, child = find_child(open(a.sas).read(), a.name)
    if child is None or child.get('state') != 'INSTALLED':
        die('%s has no INSTALLED CHILD_SA %s (is its charon running and the SA up?)' % (a.name, a.name))
    if child.get('encr-alg') != vici_alg or (vici_size and child.get('encr-keysize') != vici_size):
        die('CHILD_SA uses %s-%s, not %s' % (child.get('encr-alg'), child.get('encr-keysize'), a.alg))
    spi_in, spi_out = child['spi-in'], child['spi-out']       # the peer's view
    logged = [c for c in children_from_log(a.log) if (c['spi_in'], c['spi_out']) == (spi_in, spi_out)]
    if not logged or not logged[-1]['initiator'] or not logged[-1]['responder']:
        die('no keys for SPIs %s/%s in %s (charon filelog needs chd = 4)' % (spi_in, spi_out, a.log))
    keys = logged[-1]
    for role in ('initiator', 'responder'):
        if len(keys[role]) != klen + 4:
            die('%s key is %d bytes, expected %d for %s' % (role, len(keys[role]), klen + 4, a.alg))
    peer_role = 'initiator' if ike.get('initiator') == 'yes' else 'responder'
    local_role = 'responder' if peer_role == 'initiator' else 'initiator'
    st_child, seq_used, problems = standin_view(a, spi_in, spi_out)
    if st_child and (st_child['initiator'] != keys['initiator'] or st_child['responder'] != keys['responder']):
        problems.append('stand-in log has different keys for the same SPIs')
    if problems:
        die('; '.join(problems))
    peer_host, peer_port = ike['local-host'], int(ike['local-port'])      # the peer's own view
    local_host, local_port = ike['remote-host'], int(ike['remote-port'])
    out = os.path.abspath(a.out)
    os.makedirs(out, mode=0o700, exist_ok=True)
    kin, kout = os.path.join(out, a.name + '.in.key'), os.path.join(out, a.name + '.out.key')
    # inbound to sysplexd = what the peer sends: the peer's key role, the peer's outbound SPI
    write_key(kin, keys[peer_role])
    write_key(kout, keys[local_role])
    sas = {
        'name': a.name,
        'algorithm': {'strongswan': a.alg, 'sysplexd': sp_alg, 'scapy': scapy_alg,
                      'key_bytes': klen, 'salt_bytes': 4},
        'mode': 'tunnel', 'encap': 'udp', 'esn': False,
        'peer': {'role': peer_role, 'outer': peer_host, 'port': peer_port, 'inner_ts': a.peer_ts,
                 'ike_spi_i': ike.get('initiator-spi', ''), 'ike_spi_r': ike.get('responder-spi', '')},
        'local': {'role': local_role, 'outer': local_host, 'port': local_port, 'inner_ts': a.local_ts},
        'inbound': {'sa_name': a.name + '_in', 'spi': int(spi_out, 16), 'spi_hex': spi_out,
                    'key_file': kin, 'keyed_by': peer_role,
                    'src': peer_host, 'sport': peer_port, 'dst': local_host, 'dport': local_port},
        'outbound': {'sa_name': a.name + '_out', 'spi': int(spi_in, 16), 'spi_hex': spi_in,
                     'key_file': kout, 'keyed_by': local_role,
                     'src': local_host, 'sport': local_port, 'dst': peer_host, 'dport': peer_port,
                     'seq_used': seq_used},
        'peer_counters_at_extract': counters_of(ike, child),
    }
    with open(os.path.join(out, 'sas.json'), 'w') as f:
        json.dump(sas, f, indent=2)
        f.write('\n')
    write_env(os.path.join(out, 'sas.env'), sas)
    write_profile(os.path.join(out, 'ipsecsa.profile'), sas)
    print('extracted %s: %s; inbound SPI 0x%s (%s key), outbound SPI 0x%s (%s key); '
          'sysplexd %s:%d <-> peer %s:%d; files in %s' % (
              a.name, sp_alg, spi_out, peer_role, spi_in, local_role,
              local_host, local_port, peer_host, peer_port, out))


def write_env(path, s):
    i, o = s['inbound'], s['outbound']
    v = {
        'IPSEC_SA_NAME': s['name'], 'IPSEC_SA_ALG': s['algorithm']['sysplexd'],
        'IPSEC_SA_SCAPY_ALG': s['algorithm']['scapy'], 'IPSEC_SA_PEER_ROLE': s['peer']['role'],
        'IPSEC_SA_LOCAL_OUTER': s['local']['outer'], 'IPSEC_SA_LOCAL_PORT': s['local']['port'],
        'IPSEC_SA_PEER_OUTER': s['peer']['outer'], 'IPSEC_SA_PEER_PORT': s['peer']['port'],
        'IPSEC_SA_LOCAL_TS': s['local']['inner_ts'], 'IPSEC_SA_PEER_TS': s['peer']['inner_ts'],
        'IPSEC_SA_IN_NAME': i['sa_name'], 'IPSEC_SA_IN_SPI': '0x' + i['spi_hex'],
        'IPSEC_SA_IN_KEYFILE': i['key_file'],
        'IPSEC_SA_OUT_NAME': o['sa_name'], 'IPSEC_SA_OUT_SPI': '0x' + o['spi_hex'],
        'IPSEC_SA_OUT_KEYFILE': o['key_file'],
        'IPSEC_SA_OUT_SEQ_USED': '' if o['seq_used'] is None else o['seq_used'],
        'IPSEC_SA_PROFILE': os.path.join(os.path.dirname(path), 'ipsecsa.profile'),
    }
    with open(path, 'w') as f:
        for k, x in v.items():
            f.write("%s='%s'\n" % (k, x))


def write_profile(path, s):
    i, o = s['inbound'], s['outbound']
    alg = s['algorithm']['sysplexd']

    def sa(d, direction):
        window = ' REPLAYWINDOW %d' % REPLAY_WINDOW if direction == 'INBOUND' else ''
        return ('  IPSECSA %s SPI 0x%s DIRECTION %s MODE TUNNEL ALGORITHM %s KEYFILE "%s"\n'
                '          LOCAL %s REMOTE %s ENCAP UDP SPORT %d DPORT %d%s\n' % (
                    d['sa_name'], d['spi_hex'], direction, alg, d['key_file'],
                    s['local']['outer'], s['peer']['outer'], d['sport'], d['dport'], window))
    with open(path, 'w') as f:
        f.write('; sysplexd side of strongSwan CHILD_SA %s (peer %s:%d is the IKE %s).\n'
                '; Paste inside IPSEC ... ENDIPSEC. Inner traffic: %s <-> peer %s.\n' % (
                    s['name'], s['peer']['outer'], s['peer']['port'], s['peer']['role'],
                    s['local']['inner_ts'], s['peer']['inner_ts']))
        f.write(sa(i, 'INBOUND'))
        f.write(sa(o, 'OUTBOUND'))


# ---- scapy side ----------------------------------------------------------------------------

def load_sas(path):
    with open(path) as f:
        s = json.load(f)
    for d in ('inbound', 'outbound'):
        with open(s[d]['key_file']) as kf:
            s[d]['key'] = bytes.fromhex(''.join(kf.read().split()))
    return s


def scapy_sa(s, d):
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    x = s[d]
    return SecurityAssociation(ESP, spi=x['spi'], crypt_algo=s['algorithm']['scapy'],
                               crypt_key=x['key'], tunnel_header=IP(src=x['src'], dst=x['dst']))


def classify(s, pkt):
    """('esp'|'ike'|'keepalive'|'other', direction, payload) of one captured UDP/4500 packet."""
    from scapy.layers.inet import IP, UDP
    if IP not in pkt or UDP not in pkt:
        return 'other', None, b''
    ip, udp = pkt[IP], pkt[UDP]
    pl = bytes(udp.payload)
    direction = None
    for d in ('inbound', 'outbound'):
        x = s[d]
        if (ip.src, ip.dst, udp.sport, udp.dport) == (x['src'], x['dst'], x['sport'], x['dport']):
            direction = d
    if pl == b'\xff':
        return 'keepalive', direction, pl
    if len(pl) >= 4 and pl[:4] == b'\0\0\0\0':
        return 'ike', direction, pl
    if len(pl) >= 8:
        return 'esp', direction, pl
    return 'other', direction, pl


def cmd_decrypt(a):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.ipsec import ESP
    from scapy.utils import rdpcap
    s = load_sas(a.sas)
    sas = {d: scapy_sa(s, d) for d in ('inbound', 'outbound')}
    ts = {'inbound': (ts_host(s['peer']['inner_ts']), ts_host(s['local']['inner_ts'])),
          'outbound': (ts_host(s['local']['inner_ts']), ts_host(s['peer']['inner_ts']))}
    st = {k: 0 for k in ('ike', 'keepalive', 'other', 'ike_from_peer', 'keepalive_from_peer',
                         'unknown_spi', 'other_tuple')}
    for d in ('in', 'out'):
        st.update({d + '_esp': 0, d + '_ok': 0, d + '_bad': 0, d + '_ts_ok': 0,
                   d + '_seq_min': 0, d + '_seq_max': 0})
    seqs = {'in': [], 'out': []}
    for p in rdpcap(a.pcap):
        if UDP not in p or 4500 not in (p[UDP].sport, p[UDP].dport) and \
                s['peer']['port'] not in (p[UDP].sport, p[UDP].dport):
            continue
        kind, direction, pl = classify(s, p)
        if kind != 'esp':
            st[kind] += 1
            if direction == 'inbound':
                st[kind + '_from_peer'] = st.get(kind + '_from_peer', 0) + 1
            continue
        esp = ESP(pl)
        d = next((k for k in ('inbound', 'outbound') if s[k]['spi'] == esp.spi), None)
        if d is None:
            st['unknown_spi'] += 1
            continue
        if direction != d:        # the SA's SPI from other addresses or ports than the SA's
            st['other_tuple'] += 1
        pre = 'in' if d == 'inbound' else 'out'
        st[pre + '_esp'] += 1
        try:
            inner = sas[d].decrypt(IP(src=p[IP].src, dst=p[IP].dst, proto=50) / esp)
        except Exception as e:          # ICV failure, bad padding: counted, shown once
            st[pre + '_bad'] += 1
            if st[pre + '_bad'] == 1:
                print('decrypt failed: SPI %08x seq %d: %s' % (esp.spi, esp.seq, type(e).__name__),
                      file=sys.stderr)
            continue
        st[pre + '_ok'] += 1
        seqs[pre].append(esp.seq)
        if IP in inner and (inner[IP].src, inner[IP].dst) == ts[d]:
            st[pre + '_ts_ok'] += 1
        if a.verbose and st[pre + '_ok'] <= 3:
            print('%s SPI %08x seq %d: %s' % (d, esp.spi, esp.seq, inner.summary()), file=sys.stderr)
    for pre in ('in', 'out'):
        if seqs[pre]:
            st[pre + '_seq_min'], st[pre + '_seq_max'] = min(seqs[pre]), max(seqs[pre])
    print(' '.join('%s=%s' % kv for kv in st.items()))


def parse_seqs(text):
    out = []
    for part in text.split(','):
        if '-' in part:
            lo, hi = (int(x) for x in part.split('-'))
            out.extend(range(lo, hi + 1) if lo <= hi else range(lo, hi - 1, -1))
        elif part:
            out.append(int(part))
    return out


def cmd_send(a):
    from scapy.compat import raw
    from scapy.layers.inet import IP, UDP
    from scapy.layers.ipsec import ESP
    from scapy.packet import Raw
    s = load_sas(a.sas)
    o = s['outbound']
    sa = scapy_sa(s, 'outbound')
    src, dst = ts_host(s['local']['inner_ts']), ts_host(s['peer']['inner_ts'])
    sock = socket.socket(socket.AF_INET6 if ':' in o['src'] else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((a.outer_src or o['src'], a.outer_sport or o['sport']))
    seqs = parse_seqs(a.seq)
    for n in seqs:
        inner = IP(src=src, dst=dst) / UDP(sport=a.sport, dport=a.dport) / Raw(
            ('%s seq=%d\n' % (a.tag, n)).encode())
        wire = bytearray(raw(sa.encrypt(inner, seq_num=n)[ESP]))
        if a.corrupt_icv:
            wire[-1] ^= 0x01          # a forged packet: right SPI and sequence number, bad ICV
        sock.sendto(bytes(wire), (o['dst'], o['dport']))
        if a.gap_ms:
            time.sleep(a.gap_ms / 1000.0)
    print('sent %d ESP packets on SPI 0x%s' % (len(seqs), o['spi_hex']))


def cmd_plain(a):
    """Bounded plain UDP sender (traffic the peer's kernel routes into its tunnel)."""
    sock = socket.socket(socket.AF_INET6 if ':' in a.src else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.src, 0))
    for i in range(a.count):
        sock.sendto(('plain %d\n' % i).encode().ljust(a.size, b'x'), (a.dst, a.port))
        if a.gap_ms:
            time.sleep(a.gap_ms / 1000.0)
    print('sent %d plain datagrams' % a.count)


def cmd_inject(a):
    """One non-ESP UDP datagram as the peer could send it (raw socket, any source port):
    keepalive = RFC 3948 NAT-keepalive (one 0xFF byte), nonesp = non-ESP marker and a truncated
    IKE header, runt = 3 bytes that are neither."""
    from scapy.compat import raw
    from scapy.layers.inet import IP, UDP
    payload = {'keepalive': b'\xff', 'nonesp': b'\0\0\0\0' + os.urandom(8) + bytes(8) + b'\x2e\x20',
               'runt': b'\x01\x02\x03'}[a.kind]
    pkt = raw(IP(src=a.src, dst=a.dst) / UDP(sport=a.sport, dport=a.dport) / payload)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.sendto(pkt, (a.dst, 0))
    print('sent %s %s:%d -> %s:%d' % (a.kind, a.src, a.sport, a.dst, a.dport))


def cmd_listen(a):
    fam = socket.AF_INET6 if ':' in a.bind else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.reuseport:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    sock.bind((a.bind, a.port))
    out = open(a.out, 'a') if a.out else None
    print('listening on %s:%d' % (a.bind, a.port), flush=True)
    while True:
        data, peer = sock.recvfrom(65535)
        if out:
            out.write(data.decode(errors='replace').rstrip('\n') + ' from=%s:%d\n' % peer[:2])
            out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('counters')
    c.add_argument('--child', required=True)
    c.add_argument('--key')
    e = sub.add_parser('extract')
    for k in ('name', 'log', 'sas', 'alg', 'peer-ts', 'local-ts', 'out'):
        e.add_argument('--' + k, required=True)
    e.add_argument('--standin-log')
    e.add_argument('--standin-sas')
    d = sub.add_parser('decrypt')
    d.add_argument('--sas', required=True)
    d.add_argument('--pcap', required=True)
    d.add_argument('--verbose', action='store_true')
    s = sub.add_parser('send')
    s.add_argument('--sas', required=True)
    s.add_argument('--seq', required=True)
    s.add_argument('--dport', type=int, required=True)
    s.add_argument('--sport', type=int, default=40000)
    s.add_argument('--tag', default='esp-probe')
    s.add_argument('--gap-ms', type=float, default=1.0)
    s.add_argument('--corrupt-icv', action='store_true')
    s.add_argument('--outer-sport', type=int, help='UDP source port instead of the SA\'s')
    s.add_argument('--outer-src', help='outer source address instead of the SA\'s (must be local)')
    pl = sub.add_parser('plain')
    pl.add_argument('--src', required=True)
    pl.add_argument('--dst', required=True)
    pl.add_argument('--port', type=int, required=True)
    pl.add_argument('--count', type=int, default=10)
    pl.add_argument('--size', type=int, default=64)
    pl.add_argument('--gap-ms', type=float, default=2.0)
    j = sub.add_parser('inject')
    j.add_argument('--kind', choices=('keepalive', 'nonesp', 'runt'), default='keepalive')
    j.add_argument('--src', required=True)
    j.add_argument('--dst', required=True)
    j.add_argument('--sport', type=int, default=4500)
    j.add_argument('--dport', type=int, default=4500)
    li = sub.add_parser('listen')
    li.add_argument('--bind', required=True)
    li.add_argument('--port', type=int, required=True)
    li.add_argument('--out')
    li.add_argument('--reuseport', action='store_true')
    a = ap.parse_args()
    {'counters': cmd_counters, 'extract': cmd_extract, 'decrypt': cmd_decrypt,
     'send': cmd_send, 'plain': cmd_plain, 'inject': cmd_inject, 'listen': cmd_listen}[a.cmd](a)


if __name__ == '__main__':
    main()
