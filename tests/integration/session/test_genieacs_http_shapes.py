"""GenieACS 1.2.16's HTTP shapes, byte for byte, against the running agent.

The ACS here is a hand-written loopback server that answers with exactly the status line,
headers and body recorded in genieacs-1.2.16-e2e: the InformResponse with
``set-cookie: session=...`` and ``content-type: text/xml; charset="utf-8"``, then the
``204`` with ``content-length: 0`` and ``connection: close`` after which it closes the
socket. The agent must return the cookie, take the 204 as a successful end and not retry.
A second test sends every e2e request of one device in between, each with the headers
``index.json`` recorded for it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory, Protocol

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from support.agent_harness import AgentRunner, agent_config, reactor
from support.web import listen_now, port_number

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
    """Answers the Inform with the recorded 200, then each scripted request, then the 204."""

    def __init__(
        self,
        log: list[tuple[bytes, bytes]],
        inform: dict[str, Any],
        end: dict[str, Any],
        script: list[tuple[dict[str, Any], bytes]],
    ) -> None:
        self.log, self.inform, self.end, self.script = log, inform, end, script
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
        transport: Any = self.transport
        if body.strip() and isinstance(soap.parse(body).body, m.Inform):
            answer = self.inform["body"].replace("cwmpd-1", soap.parse(body).id or "").encode()
            transport.write(raw_response(self.inform, answer))
        elif self.script:
            record, request = self.script.pop(0)
            transport.write(raw_response(record, request))
        else:
            transport.write(raw_response(self.end, b""))
            transport.loseConnection()


async def run_against(
    tmp_path: Path, spec: Path, plugin: str, script: list[tuple[dict[str, Any], bytes]]
) -> tuple[Any, list[tuple[bytes, bytes]]]:
    """Run the agent of ``plugin`` against the GenieACS-shaped server until it is done."""
    inform = recorded(spec, "http-200-informresponse-set-cookie.json")
    end = recorded(spec, "http-204-session-end.json")
    log: list[tuple[bytes, bytes]] = []
    factory = Factory.forProtocol(lambda: GenieAcsShapes(log, inform, end, script))
    port = listen_now(factory)
    url = f"http://127.0.0.1:{port_number(port)}/"
    config = agent_config(tmp_path, url)
    if plugin != "simulated":
        config = replace(config, device=replace(config.device, plugins=(plugin,)))
    runner = AgentRunner(config)
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
    return agent, log


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
    end = recorded(spec, "http-204-session-end.json")
    assert end["headers"]["connection"] == "close" and end["body"] == ""
    agent, log = await run_against(tmp_path, spec, "simulated", [])
    assert agent.scheduler.last_success is not None, log
    assert agent.scheduler.retry_count == 0
    assert len(log) == 2, [h for h, _ in log]
    (head1, body1), (head2, body2) = log
    assert validate_envelope(spec, body1) == []
    assert header(head1, b"cookie") == []
    assert body2 == b"" and header(head2, b"cookie") == [b"session=c7edf3112eac8e7a"]
    assert not agent.events.has_pending  # 0 BOOTSTRAP / 1 BOOT were delivered


#: What each device must answer to the e2e requests (a Fault code, or the response name).
E2E_ANSWERS = {
    "simulated": {
        "spa-notification-0.xml": 9009,
        "spv-boolean-invalid-maybe.xml": 9003,
    },
    "simulated098": {},
}
DEVICE_IDS = {"simulated": "00CAFE-", "simulated098": "202BC1-"}


@pytest.mark.parametrize("plugin", sorted(E2E_ANSWERS))
@pytest_twisted.ensureDeferred
async def test_every_e2e_request_with_its_recorded_headers(
    tmp_path: Path, spec: Path, plugin: str
) -> None:
    """Each device's e2e requests, as GenieACS sent them, answered and XSD-valid."""
    folder = spec / "captures" / E2E
    index = json.loads((folder / "index.json").read_text())
    mine = [e for e in index if e["deviceId"].startswith(DEVICE_IDS[plugin])]
    if plugin == "simulated":  # the DeleteObject's instance, made as in the run
        old = json.loads((spec / "captures" / "genieacs-1.2.16" / "index.json").read_text())
        add = next(e for e in old if e["file"].endswith("tr181-AddObject.xml"))
        mine.insert(0, {**add, "file": "../genieacs-1.2.16/" + add["file"]})
    script = [(e, (folder / e["file"]).read_bytes()) for e in mine]
    assert len(script) >= (10 if plugin == "simulated" else 1)
    agent, log = await run_against(tmp_path, spec, plugin, list(script))
    assert agent.scheduler.last_success is not None
    assert agent.scheduler.retry_count == 0
    answers = [soap.parse(body) for _head, body in log[2:]]  # after the Inform and empty POST
    assert len(answers) == len(script), [h for h, _ in log]
    for (entry, request), answer in zip(script, answers, strict=True):
        name = Path(entry["file"]).name
        sent = soap.parse(request)
        assert answer.id == sent.id, name
        expected = E2E_ANSWERS[plugin].get(name, sent.body.name + "Response")
        got = answer.body.code if isinstance(answer.body, m.Fault) else answer.body.name
        assert got == expected, (name, answer.body)
    for head, body in log[1:]:
        assert header(head, b"cookie") == [b"session=c7edf3112eac8e7a"]
        if body:
            assert validate_envelope(spec, body) == [], body[:300]
