#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A peer of psp-tls that completes the TLS handshake, then breaks the
upgrade's exchange (docs/psp-tls.md) as MODE says (tests/bats/psptls.bats):

  silent       sends nothing
  after-hello  a HELLO, then nothing
  bad-type     a message of type 9 where HELLO is due
  bad-format   a HELLO of format 0
  bad-hello    a HELLO with a 2-byte body
  bad-keylen   a HELLO, then an ASSOC with a 5-byte key
  bad-version  a HELLO for version 0, then an ASSOC of version 1
  bad-spi      a HELLO, then an ASSOC of SPI 0
  trailing     a HELLO, then an ASSOC with 2 bytes more in its record

It prints "listening", then each message it reads ("msg TYPE" or "error
ERRNO REASON"), and "closed" when the peer has closed the connection.

  psp-tls-fake.py MODE ADDR PORT CERT KEY CA
"""
import socket
import ssl
import struct
import sys

HELLO, ASSOC, ERROR = 1, 2, 3


def msg(typ, body, fmt=1):
    return struct.pack("!BBH", fmt, typ, len(body)) + body


def assoc(version=0, key=b"k" * 16, spi=0x80000123):
    return msg(ASSOC, struct.pack("!BBI", version, len(key), spi) + key)


HELLO_V0 = msg(HELLO, struct.pack("!I", 1))
SENDS = {
    "silent": [],
    "after-hello": [HELLO_V0],
    "bad-type": [msg(9, b"")],
    "bad-format": [msg(HELLO, struct.pack("!I", 1), fmt=0)],
    "bad-hello": [msg(HELLO, b"\0\1")],
    "bad-keylen": [HELLO_V0, assoc(key=b"12345")],
    "bad-version": [HELLO_V0, assoc(version=1, key=b"k" * 32)],
    "bad-spi": [HELLO_V0, assoc(spi=0)],
    "trailing": [HELLO_V0, assoc() + b"xx"],
}


def read_exact(t, n):
    buf = b""
    while len(buf) < n:
        chunk = t.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    mode, addr, port, cert, key, ca = sys.argv[1:7]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.num_tickets = 0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    t = ctx.wrap_socket(conn, server_side=True)
    for m in SENDS[mode]:
        t.sendall(m)
    try:
        while True:
            hdr = read_exact(t, 4)
            if hdr is None:
                break
            _, typ, length = struct.unpack("!BBH", hdr)
            body = read_exact(t, length)
            if body is None:
                break
            if typ == ERROR:
                err, n = struct.unpack("!iB", body[:5])
                print("error %d %s" % (err, body[5:5 + n].decode()), flush=True)
            else:
                print("msg %d" % typ, flush=True)
    except (ssl.SSLError, ConnectionError):
        pass
    print("closed", flush=True)


if __name__ == "__main__":
    main()
