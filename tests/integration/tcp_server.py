#!/usr/bin/python3
"""A kernel TCP server for sysplexd integration tests and drills, run inside a node's network
namespace behind its TAP: on every accepted connection it first sends "<NAME>\\n" (so the client
learns which target served it), then echoes whatever it receives until the client closes.
usage: tcp_server.py NAME PORT [PORT ...]   (listens on the wildcard address, IPv4 and IPv6)"""
import selectors
import socket
import sys

name = sys.argv[1].encode() + b"\n"
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[2:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(1024)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, None)
print("listening", flush=True)
accepted = 0
while True:
    for key, _ in sel.select():
        if key.data is None:
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            accepted += 1
            c.setblocking(False)
            try:
                c.send(name)
            except OSError:
                pass
            sel.register(c, selectors.EVENT_READ, "conn")
            continue
        c = key.fileobj
        try:
            data = c.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            sel.unregister(c)
            c.close()
            continue
        try:
            c.setblocking(True)
            c.settimeout(10)
            c.sendall(data)
            c.setblocking(False)
        except OSError:
            sel.unregister(c)
            c.close()
