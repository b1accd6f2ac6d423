"""The transfer log lines, captured by a twisted.logger observer: start, progress, end.

Real downloads on loopback; the progress clock is a task.Clock the test advances between
the chunks a paced file server sends, so "10 s" is exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.logger import LogLevel
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from cwmpd.http.tls import TlsPolicy
from cwmpd.transfers import record as r
from cwmpd.transfers.http import FileServerClient
from cwmpd.transfers.progress import TransferLog, host_of
from support.agent_harness import reactor
from support.log_capture import SECRET_QUERY, lines, until
from support.web import listen_local, port_number, site, stop

SIZE = 100 * 1024


class Paced(Resource):
    """One file sent in the pieces the test asks for; Content-Length unless ``chunked``."""

    isLeaf = True

    def __init__(self, data: bytes, *, chunked: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.data, self.chunked, self.sent = data, chunked, 0
        self.request: Request | None = None
        self.arrived: Deferred[None] = Deferred()

    def render_GET(self, request: Request) -> Any:
        if not self.chunked:
            request.setHeader(b"content-length", str(len(self.data)).encode())  # type: ignore[no-untyped-call]
        self.request = request
        self.arrived.callback(None)
        return NOT_DONE_YET

    def send_to(self, upto: int) -> None:
        assert self.request is not None
        self.request.write(self.data[self.sent : upto])  # type: ignore[no-untyped-call]
        self.sent = upto
        if upto == len(self.data):
            self.request.finish()  # type: ignore[no-untyped-call]


async def paced_download(tmp_path: Path, chunked: bool, steps: list[tuple[float, int]]) -> None:
    """Serve DATA in ``steps`` of (seconds to advance the log clock, bytes sent so far).

    Steps before the last stay small (<= 10 KiB), so each arrives as one read."""
    paced = Paced(bytes(i % 256 for i in range(SIZE)), chunked=chunked)
    port = await listen_local(site(paced))
    url = f"http://127.0.0.1:{port_number(port)}/fw.bin{SECRET_QUERY}"
    clock = task.Clock()
    log = TransferLog(clock, r.Kind.DOWNLOAD, "fw-9", url)
    client = FileServerClient(reactor, TlsPolicy(), "user", "pw")
    try:
        log.started(0 if chunked else SIZE)
        d = Deferred.fromCoroutine(
            client.get(url, tmp_path / "out", expected=0, space=1 << 30, progress=log.progress)
        )
        await paced.arrived
        for advance, upto in steps:
            clock.advance(advance)
            paced.send_to(upto)
            if upto < SIZE:
                await until(lambda upto=upto: log.bytes == upto, f"{upto} bytes")
        log.bytes = await d
        clock.advance(2)
        log.ended("complete")
    finally:
        await client.close()
        await stop(port)


@pytest_twisted.ensureDeferred
async def test_progress_at_10_percent_steps_at_most_every_10_s(
    tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    pct = SIZE // 100
    await paced_download(
        tmp_path,
        False,
        [
            (0, 5 * pct),  # 5 %: no step crossed yet
            (11, 15 * pct),  # t=11, 15 %: a line
            (3, 25 * pct),  # t=14, a new step but 3 s after the last line: none
            (8, 27 * pct),  # t=22, step 20 %: a line (27 %)
            (11, 29 * pct),  # t=33, 11 s on but the same 10 % step: none
            (3, 38 * pct),  # t=36, 14 s after the last line, step 30 %: a line
            (1, SIZE),  # t=37, 100 % a second later: none; the end line says it all
        ],
    )
    text = lines(events)
    port = text[0].split("127.0.0.1:")[1].split(" ")[0]
    assert text == [
        f"download 'fw-9' from 127.0.0.1:{port} started ({SIZE} bytes)",
        f"download 'fw-9': 15% ({15 * pct} of {SIZE} bytes, 1.4 KiB/s)",
        f"download 'fw-9': 27% ({27 * pct} of {SIZE} bytes, 1.2 KiB/s)",
        f"download 'fw-9': 38% ({38 * pct} of {SIZE} bytes, 1.1 KiB/s)",
        f"download 'fw-9' from 127.0.0.1:{port}: {SIZE} bytes in 39.0 s (2.6 KiB/s), complete",
    ]
    assert all(e["log_level"] == LogLevel.info for e in events)
    assert not [t for t in text if "s3cret" in t or "fw.bin" in t or "pw" in t]
    assert events[-1]["bytes"] == SIZE and events[0]["size"] == SIZE


@pytest_twisted.ensureDeferred
async def test_unknown_size_logs_bytes_every_10_s(
    tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    await paced_download(tmp_path, True, [(5, 1000), (5, 2000), (4, 3000), (7, 4000), (1, SIZE)])
    text = lines(events)
    assert text[0].endswith("started (size unknown)")
    assert text[1:3] == [
        "download 'fw-9': 2000 bytes so far (200 B/s)",  # 10 s in
        "download 'fw-9': 4000 bytes so far (190 B/s)",  # 21 s in: 11 s after the last
    ]
    assert len(text) == 4 and text[3].endswith(f"{SIZE} bytes in 24.0 s (4.2 KiB/s), complete")


def test_host_only_never_credentials_path_or_query() -> None:
    assert host_of("https://u:p@files.example:8443/a/b?sig=x#f") == "files.example:8443"
    assert host_of("http://[::1]:8080/x") == "[::1]:8080"
    assert host_of("http://files.example/x?y") == "files.example"
    assert host_of("http://[bad") == "?"
