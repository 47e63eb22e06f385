#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kp_dgram through Python's own socket module, for kpdgram_interop.sh.

  kd_interop.py recv FAMILY ADDR PORT COUNT READY DIR
      bind ADDR:PORT, create the file READY, receive COUNT datagrams (10 s
      at most for each) into DIR/0, DIR/1, ...; one line per datagram:
      "LEN SOURCE_ADDR SOURCE_PORT"
  kd_interop.py send FAMILY ADDR PORT FILE...
      each FILE's bytes as one datagram to ADDR:PORT; one line per
      datagram as recv prints it (the source: this socket's own address)

FAMILY is 4 or 6; the protocol is $KD_PROTO (default 253).  Only the
socket module: Python starts in about a second in the TCG VM, hashlib and
random would add more.
"""
import os
import socket
import sys

PROTO = int(os.environ.get("KD_PROTO", "253"))


def family(arg):
    return {"4": socket.AF_INET, "6": socket.AF_INET6}[arg]


def recv(fam, addr, port, count, ready, outdir):
    with socket.socket(family(fam), socket.SOCK_DGRAM, PROTO) as s:
        s.bind((addr, int(port)))
        s.settimeout(10)
        open(ready, "w").close()
        for i in range(int(count)):
            data, src = s.recvfrom(65536)
            with open(os.path.join(outdir, str(i)), "wb") as f:
                f.write(data)
            print(f"{len(data)} {src[0]} {src[1]}", flush=True)


def send(fam, addr, port, *files):
    with socket.socket(family(fam), socket.SOCK_DGRAM, PROTO) as s:
        s.bind((addr, 0))
        me = s.getsockname()
        for name in files:
            with open(name, "rb") as f:
                data = f.read()
            if s.sendto(data, (addr, int(port))) != len(data):
                sys.exit(f"short send of {name}")
            print(f"{len(data)} {me[0]} {me[1]}", flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "recv" and len(args) == 6:
        recv(*args)
    elif cmd == "send" and len(args) >= 4:
        send(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
