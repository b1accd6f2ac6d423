"""GenieACS 1.2.16's HTTP shapes, byte for byte, against the running agent.

The ACS here is a hand-written loopback server that answers with exactly the status line,
headers and body recorded in genieacs-1.2.16-e2e: the InformResponse with
``set-cookie: session=...`` and ``content-type: text/xml; charset="utf-8"``, then the
``204`` with ``content-length: 0`` and ``connection: close`` after which it closes the
socket. The agent must return the cookie, take the 204 as a successful end and not retry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory, Protocol

from agent_harness import AgentRunner, agent_config, reactor
from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap

E2E = "genieacs-1.2.16-e2e"


def recorded(spec: Path, name: str) -> dict[str, Any]:
    """One GenieACS debug-log record of the e2e folder."""
    data: dict[str, Any] = json.loads((spec / "captures" / E2E / name).read_text())
    return data


def raw_response(record: dict[str, Any], body: bytes) -> bytes:
    """The HTTP/1.1 response of ``record``, headers in the logged order and spelling."""
    reason = {200: "OK", 204: "No Content"}[record["statusCode"]]
    lines = [f"HTTP/1.1 {record['statusCode']} {reason}"]
    for key, value in record["headers"].items():
        lines.append(f"{key}: {len(body) if key == 'content-length' else value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class GenieAcsShapes(Protocol):
    """Answers the Inform with the recorded 200 and the next POST with the recorded 204."""

    def __init__(self, log: list[tuple[bytes, bytes]], inform: dict[str, Any], end: dict[str, Any]):
        self.log, self.inform, self.end = log, inform, end
        self.buffer = b""

    def dataReceived(self, data: bytes) -> None:
        """Collect one request (Content-Length framed), then answer it."""
        self.buffer += data
        head, sep, rest = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == b"content-length":
                length = int(value)
        if len(rest) < length:
            return
        body, self.buffer = rest[:length], rest[length:]
        self.log.append((head, body))
        if body.strip():
            sent = soap.parse(body)
            assert isinstance(sent.body, m.Inform)
            answer = self.inform["body"].replace("cwmpd-1", sent.id or "").encode()
            self.transport.write(raw_response(self.inform, answer))  # type: ignore[union-attr]
        else:
            self.transport.write(raw_response(self.end, b""))  # type: ignore[union-attr]
            self.transport.loseConnection()  # type: ignore[union-attr]


def header(head: bytes, name: bytes) -> list[bytes]:
    """The values of header ``name`` in a request head."""
    out = []
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            out.append(value.strip())
    return out


@pytest_twisted.ensureDeferred
async def test_informresponse_with_cookie_then_204_connection_close(
    tmp_path: Path, spec: Path
) -> None:
    """Cookie echoed on the empty POST; the 204 + close ends the session successfully."""
    inform = recorded(spec, "http-200-informresponse-set-cookie.json")
    end = recorded(spec, "http-204-session-end.json")
    assert end["headers"]["connection"] == "close" and end["body"] == ""
    log: list[tuple[bytes, bytes]] = []
    factory = Factory.forProtocol(lambda: GenieAcsShapes(log, inform, end))
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    url = f"http://127.0.0.1:{port.getHost().port}/"
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        for _ in range(200):
            if agent.scheduler.last_success is not None:
                break
            await task.deferLater(reactor, 0.05, lambda: None)
        await task.deferLater(reactor, 0.3, lambda: None)  # no retry, no extra POST
    finally:
        runner.stop()
        done: Deferred[None] | None = port.stopListening()
        if done is not None:
            await done
    assert agent.scheduler.last_success is not None, log
    assert agent.scheduler.retry_count == 0
    assert len(log) == 2, [h for h, _ in log]
    (head1, body1), (head2, body2) = log
    assert validate_envelope(spec, body1) == []
    assert header(head1, b"cookie") == []
    assert body2 == b"" and header(head2, b"cookie") == [b"session=c7edf3112eac8e7a"]
    assert not agent.events.has_pending  # 0 BOOTSTRAP / 1 BOOT were delivered
