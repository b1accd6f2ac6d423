"""The control socket's protocol (one JSON request a line, one JSON answer a line) over
StringTransport and iosim, with the real ControlCommands on a small fake agent."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IProtocol
from twisted.internet.testing import StringTransport
from twisted.logger import formatEvent, globalLogPublisher
from twisted.protocols.basic import LineReceiver
from twisted.test.iosim import IOPump, connectedServerAndClient

from cwmpd.control.commands import ControlCommands
from cwmpd.control.socket import ControlFactory, ControlProtocol
from cwmpd.control.wire import MAX_LINE
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import (
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
)
from support.fakes import observer

URL = "Device.ManagementServer.URL"
SECRET = "Device.ManagementServer.ConnectionRequestPassword"


@dataclass
class Model:
    """Two parameters; ``gate`` (when set) holds every GPV until it fires."""

    root: str = "Device."
    values: dict[str, Any] = field(default_factory=lambda: {URL: "http://acs.example/", SECRET: ""})
    gate: Deferred[None] | None = None
    broken: bool = False

    async def get_parameter_values(self, names: Sequence[str]) -> list[ParameterValueStruct]:
        if self.gate is not None:
            await self.gate
        if self.broken:
            raise RuntimeError("backend fell over")
        out = []
        for name in names:
            prefix = name.endswith(".")
            hits = [n for n in self.values if n == name or (prefix and n.startswith(name))]
            if not hits:
                raise CwmpFault(9005, f"{name} is unknown")
            out += [ParameterValueStruct(n, self.values[n], "xsd:string") for n in hits]
        return out

    async def get_parameter_names(self, path: str, next_level: bool) -> list[ParameterInfoStruct]:
        return [ParameterInfoStruct(path, True)]

    async def get_parameter_attributes(
        self, names: Sequence[str]
    ) -> list[ParameterAttributeStruct]:
        return [ParameterAttributeStruct(n, 0, ("Subscriber",)) for n in names]

    def value(self, name: str) -> str:
        return str(self.values[name])

    async def apply_local(self, params: Sequence[ParameterValueStruct]) -> int:
        self.set_local({p.name: p.value for p in params})
        return 0

    def set_local(self, values: Mapping[str, str]) -> None:
        self.values.update(values)

    def report_changes(self, values: Mapping[str, str]) -> None:
        pass


@dataclass
class Scheduler:
    retry_count: int = 0
    last_session: float | None = None
    next_session_at: float | None = None
    requests: list[str | None] = field(default_factory=list)

    def request(self, code: str | None = None, command_key: str = "") -> None:
        self.requests.append(code)


@dataclass
class Events:
    def queued(self) -> list[EventStruct]:
        return [EventStruct("1 BOOT")]


@dataclass
class Agent:
    model: Model = field(default_factory=Model)
    scheduler: Scheduler = field(default_factory=Scheduler)
    events: Events = field(default_factory=Events)


class Wire:
    """A ControlProtocol on a StringTransport."""

    def __init__(self, agent: Agent | None = None) -> None:
        self.agent = agent or Agent()
        self.proto: IProtocol = ControlFactory(ControlCommands(self.agent)).buildProtocol(None)
        self.transport = StringTransport()  # type: ignore[no-untyped-call]
        self.proto.makeConnection(self.transport)  # type: ignore[no-untyped-call]

    def send(self, data: bytes) -> list[dict[str, Any]]:
        """Deliver ``data``; the answer lines written since the last call, decoded."""
        self.proto.dataReceived(data)
        return self.answers()

    def answers(self) -> list[dict[str, Any]]:
        written: bytes = self.transport.value()  # type: ignore[no-untyped-call]
        self.transport.clear()  # type: ignore[no-untyped-call]
        assert written == b"" or written.endswith(b"\n")
        return [json.loads(line) for line in written.splitlines()]


def req(command: str, *args: str) -> bytes:
    return json.dumps({"command": command, "args": list(args)}).encode() + b"\n"


def test_status_is_answered_with_one_json_line() -> None:
    wire = Wire()
    (answer,) = wire.send(req("status"))
    assert answer["ok"] is True
    assert answer["result"]["acs_url"] == "http://acs.example/"
    assert answer["result"]["pending_events"] == [{"code": "1 BOOT", "command_key": ""}]


def test_requests_in_one_segment_are_answered_in_order_even_behind_a_slow_one() -> None:
    """A slow get first, a quick inform second: nothing overtakes, one answer a request."""
    agent = Agent()
    gate: Deferred[None] = Deferred()
    agent.model.gate = gate
    wire = Wire(agent)
    assert wire.send(req("get", URL) + req("inform") + b'{"command": "status"}\r\n') == []
    assert agent.scheduler.requests == []  # the inform waits its turn
    agent.model.gate = None
    gate.callback(None)
    answers = wire.answers()
    assert [a["ok"] for a in answers] == [True, True, True]
    assert answers[0]["result"] == [
        {"name": URL, "value": "http://acs.example/", "type": "xsd:string"}
    ]
    assert answers[1]["result"] == {"requested": "2 PERIODIC"}
    assert "acs_url" in answers[2]["result"]  # CRLF line endings are fine too


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'"status"',
        b"42",
        b"{}",
        b'{"command": 7}',
        b'{"command": "get", "args": "Device."}',
        b'{"command": "get", "args": [1]}',
        b"\xff\xfe",
    ],
)
def test_malformed_requests_get_one_error_line_and_the_connection_goes_on(line: bytes) -> None:
    wire = Wire()
    (bad,) = wire.send(line + b"\n")
    assert bad == {
        "ok": False,
        "error": 'bad request: expected {"command": str, "args": [str, ...]}',
    }
    (good,) = wire.send(req("status"))
    assert good["ok"] is True
    assert not wire.transport.disconnecting


def test_command_errors_are_one_line_each() -> None:
    """Unknown command, wrong arity, a CWMP fault, a refused event: ok false, the reason."""
    wire = Wire()
    unknown, arity, fault, event = wire.send(
        req("explode") + req("get") + req("get", "Device.Nope") + req("inform", "1 BOOT")
    )
    assert not any(a["ok"] for a in (unknown, arity, fault, event))
    assert "unknown command 'explode'" in unknown["error"] and "status" in unknown["error"]
    assert arity["error"] == "usage: get PATH"
    assert fault["error"].startswith("9005")
    assert "'1 BOOT' cannot be sent from here" in event["error"]


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    obs = observer(events)
    globalLogPublisher.addObserver(obs)
    yield events
    globalLogPublisher.removeObserver(obs)


def test_a_crashing_command_is_an_internal_error_and_logged(logged: list[dict[str, Any]]) -> None:
    agent = Agent()
    agent.model.broken = True
    wire = Wire(agent)
    (answer,) = wire.send(req("get", URL))
    assert answer == {"ok": False, "error": "internal error: RuntimeError('backend fell over')"}
    assert any(e.get("log_failure") is not None for e in logged)
    agent.model.broken = False
    assert wire.send(req("get", URL))[0]["ok"] is True


def test_a_result_json_cannot_carry_still_gets_an_answer() -> None:
    agent = Agent()
    agent.model.values[URL] = b"\x00bytes"
    wire = Wire(agent)
    (answer,) = wire.send(req("get", URL))
    assert answer["ok"] is False and answer["error"].startswith("internal error:")
    assert wire.send(req("status"))[0]["ok"] is True


def test_set_logs_the_path_but_never_the_value(logged: list[dict[str, Any]]) -> None:
    wire = Wire()
    (answer,) = wire.send(req("set", SECRET, "hunter2-secret"))
    assert answer["ok"] is True and wire.agent.model.values[SECRET] == "hunter2-secret"
    text = " ".join(formatEvent(e) for e in logged)
    assert SECRET in text and "hunter2-secret" not in text


def test_a_line_of_max_length_is_served_one_byte_more_is_refused_and_hung_up() -> None:
    wire = Wire()
    body = req("status")[:-1]
    exact = body[:-1] + b" " * (MAX_LINE - len(body)) + b"}\n"
    assert len(exact) == MAX_LINE + 1  # the limit counts the line without its newline
    assert wire.send(exact)[0]["ok"] is True
    (refused,) = wire.send(b" " + exact)
    assert refused == {"ok": False, "error": f"request longer than {MAX_LINE} bytes"}
    assert wire.transport.disconnecting


def test_an_endless_line_is_refused_before_its_newline_arrives() -> None:
    wire = Wire()
    wire.send(b'{"command": "status", "pad": "')
    (refused,) = wire.send(b"x" * MAX_LINE)
    assert refused["ok"] is False and "longer than" in refused["error"]
    assert wire.transport.disconnecting


class Client(LineReceiver):
    """cwmpctl's side: sends lines, collects answer lines."""

    delimiter = b"\n"

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(json.loads(line))

    def ask(self, request: bytes) -> None:
        """Send one request line (``request`` ends with its newline)."""
        assert self.transport is not None
        self.transport.write(request)

    def hang_up(self) -> None:
        assert self.transport is not None
        self.transport.loseConnection()


def flush(pump: IOPump) -> None:
    """Move every byte both ways until both sides are quiet."""
    pump.flush()  # type: ignore[no-untyped-call]


def test_over_iosim_a_client_gets_its_answers_and_may_hang_up_mid_command() -> None:
    """Both ends over an in-memory connection; a client leaving while its command runs
    leaves the server able to serve the next one."""
    agent = Agent()
    factory = ControlFactory(ControlCommands(agent))
    client, server, pump = connectedServerAndClient(lambda: factory.buildProtocol(None), Client)
    assert isinstance(server, ControlProtocol) and server.factory is factory
    client.ask(req("status"))
    client.ask(req("get", URL))
    flush(pump)
    assert [a["ok"] for a in client.lines] == [True, True]

    gate: Deferred[None] = Deferred()
    agent.model.gate = gate
    client.ask(req("get", URL))
    flush(pump)
    client.hang_up()
    flush(pump)
    agent.model.gate = None
    gate.callback(None)  # the answer has nowhere to go: dropped, no error
    flush(pump)
    assert len(client.lines) == 2

    again, _server, pump2 = connectedServerAndClient(lambda: factory.buildProtocol(None), Client)
    again.ask(req("status"))
    flush(pump2)
    assert again.lines[0]["ok"] is True
