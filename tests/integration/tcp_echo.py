"""The client side of tcp_server.py's protocol, shared by the integration tests' TCP clients
(tcp_client.py, conn_holder.py, swsa_conns.py): the server first sends "<NAME>\\n", then echoes."""


def recv_exact(s, n):
    """Exactly n bytes from socket s; ConnectionError if it closes first."""
    out = bytearray()
    while len(out) < n:
        b = s.recv(min(n - len(out), 1 << 16))
        if not b:
            raise ConnectionError("closed after %d of %d bytes" % (len(out), n))
        out += b
    return bytes(out)


def read_name(s):
    """The serving node's name, the server's first line."""
    name = b""
    while not name.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            raise ConnectionError("closed before the server's name")
        name += b
    return name[:-1].decode()


def payload(tag, n):
    """n bytes of the text tag repeated: a connection's data, recognisable in a capture."""
    body = tag.encode()
    return (body * (n // len(body) + 1))[:n]
