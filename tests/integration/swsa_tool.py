#!/usr/bin/python3
"""Readers for the sysplex-wide SA test (swsa.sh): sysplexd's SA display, the strongSwan peer's
replay drops from its log, and the SA records and sequence counters in the group store.

  sa NAME FIELD                 < sysplexctl --json ipsec_sa    FIELD of SA NAME ("" if absent)
  drops --log L --spi HEX [--lo N --hi N]   replay drops the peer logged for SPI HEX (with seq in
                                            LO..HI): "count=n min=s max=s"
  store --group G [--key-file F ...] < etcdctl get --prefix /sysplex/G/ -w json
                                            "records=n seq=n sealed=yes|no" and one "seq NAME=v"
                                            line per counter; sealed=no when a key file's bytes
                                            (key or salt) appear in any value
  seqnext --group G --name SA   < the same                     the counter of SA (next unleased)
No key material is printed."""
import argparse
import base64
import json
import re
import sys


def cmd_sa(a):
    rows = json.load(sys.stdin)
    for r in rows.values():
        if isinstance(r, dict) and r.get("name") == a.name:
            print(r.get(a.field, ""))
            return
    print("")


# libipsec logs each replay / too-old drop as "ESP sequence number verification failed:" and, on
# the next line, "  src A, dst B, SPI xxxxxxxx [seq n]".
FAILED = "ESP sequence number verification failed:"
DETAIL = re.compile(r"SPI ([0-9a-f]{8}) \[seq (\d+)\]")


def cmd_drops(a):
    lines = open(a.log, errors="replace").read().splitlines()
    want = a.spi.lower().removeprefix("0x").rjust(8, "0")
    seqs = []
    for i, line in enumerate(lines):
        if FAILED not in line:
            continue
        m = DETAIL.search(lines[i + 1]) if i + 1 < len(lines) else None
        if not m:
            m = DETAIL.search(line)
        if m and m.group(1) == want:
            s = int(m.group(2))
            if (a.lo is None or s >= a.lo) and (a.hi is None or s <= a.hi):
                seqs.append(s)
    print("count=%d min=%s max=%s" % (len(seqs), min(seqs) if seqs else "-", max(seqs) if seqs else "-"))


def store_kvs():
    doc = json.load(sys.stdin)
    for kv in doc.get("kvs", []) or []:
        yield base64.b64decode(kv["key"]).decode(errors="replace"), base64.b64decode(kv.get("value", ""))


def cmd_store(a):
    secrets = []
    for f in a.key_file or []:
        raw = bytes.fromhex("".join(open(f).read().split()))
        secrets += [raw[:-4], raw[-4:]] if len(raw) > 4 else [raw]
    records, seqs, sealed = 0, {}, True
    for k, v in store_kvs():
        if k.startswith("/sysplex/%s/sas/" % a.group):
            records += 1
            sealed &= not any(s and s in v for s in secrets)
        elif k.startswith("/sysplex/%s/seq/" % a.group):
            seqs[k.rsplit("/", 1)[1]] = int.from_bytes(v, "big") if len(v) == 8 else -1
    print("records=%d seq=%d sealed=%s" % (records, len(seqs), "yes" if sealed else "no"))
    for n, v in sorted(seqs.items()):
        print("seq %s=%d" % (n, v))


def cmd_seqnext(a):
    for k, v in store_kvs():
        if k == "/sysplex/%s/seq/%s" % (a.group, a.name):
            print(int.from_bytes(v, "big") if len(v) == 8 else -1)
            return
    print(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sa")
    s.add_argument("name")
    s.add_argument("field")
    d = sub.add_parser("drops")
    d.add_argument("--log", required=True)
    d.add_argument("--spi", required=True)
    d.add_argument("--lo", type=int)
    d.add_argument("--hi", type=int)
    st = sub.add_parser("store")
    st.add_argument("--group", required=True)
    st.add_argument("--key-file", action="append")
    q = sub.add_parser("seqnext")
    q.add_argument("--group", required=True)
    q.add_argument("--name", required=True)
    a = ap.parse_args()
    {"sa": cmd_sa, "drops": cmd_drops, "store": cmd_store, "seqnext": cmd_seqnext}[a.cmd](a)


if __name__ == "__main__":
    main()
