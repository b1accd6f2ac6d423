"""Drive diagnostics through the whole agent: SPV in one session, GPV in the completion one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twisted.internet import defer
from twisted.internet.interfaces import IListeningPort
from twisted.names import dns, server
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.web import resource
from twisted.web.server import NOT_DONE_YET, Request

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.datamodel.schema import load_schema
from cwmpd.service import CwmpAgent
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, agent_config, reactor
from support.diag_servers import Zone
from support.web import listen_now, port_number, site

DIAG_COMPLETE = "8 DIAGNOSTICS COMPLETE"
_SCHEMA = load_schema("Device.")


def within(d: defer.Deferred[Any], seconds: float = 10) -> defer.Deferred[Any]:
    """``d``, failing with TimeoutError if it has not fired after ``seconds``."""
    return d.addTimeout(seconds, reactor)


def spv(prefix: str, values: Mapping[str, str], key: str = "diag") -> m.SetParameterValues:
    """A SetParameterValues of ``prefix`` + relative names, typed as the data model says."""
    params = []
    for rel, value in values.items():
        meta = _SCHEMA.param(prefix + rel)
        assert meta is not None, prefix + rel
        params.append(ParameterValueStruct(prefix + rel, value, meta.type))
    return m.SetParameterValues(parameters=tuple(params), parameter_key=key)


def values_of(response: object) -> dict[str, str]:
    """A GetParameterValuesResponse as {name: value}."""
    assert isinstance(response, m.GetParameterValuesResponse), response
    return {p.name: p.value for p in response.parameters}


class AgentRun:
    """The scripted ACS and the agent on the simulated device, on loopback."""

    def __init__(self, tmp: Path) -> None:
        self.acs = ScriptedAcs()
        self.tmp = tmp
        self.runner: AgentRunner | None = None
        self.reads: list[str] = []
        self.acs.on_session(self._on_session)

    def _on_session(self, session: AcsSession) -> None:
        if DIAG_COMPLETE in session.events and self.reads:
            self.acs.queue(m.GetParameterValues(names=tuple(self.reads)))

    def read_on_completion(self, *names: str) -> None:
        """Queue a GPV of ``names`` in every session that carries 8 DIAGNOSTICS COMPLETE."""
        self.reads.extend(names)

    async def start(self) -> CwmpAgent:
        """Listen, then start the agent (its BOOTSTRAP session runs what is queued)."""
        url = await self.acs.listen(reactor)
        self.runner = AgentRunner(agent_config(self.tmp, url))
        return self.runner.start()

    @property
    def agent(self) -> CwmpAgent:
        """The running agent."""
        assert self.runner is not None and self.runner.agent is not None
        return self.runner.agent

    def diagnostics(self) -> Any:
        """The simulated device's Diagnostics (for its knobs, e.g. the DNS port)."""
        assert self.agent.diagnostics is not None
        return self.agent.diagnostics

    def new_session(self) -> None:
        """Have the agent open a session now, as a Connection Request would."""
        self.agent.scheduler.request("6 CONNECTION REQUEST")

    async def sessions(self, n: int, timeout: float = 20) -> list[AcsSession]:
        """The first ``n`` completed sessions."""
        return await self.acs.wait_for_sessions(n, timeout=timeout)

    async def stop(self) -> None:
        """Stop the agent and the ACS."""
        if self.runner is not None:
            self.runner.stop()
        await self.acs.stop()


class SizedFile(resource.Resource):
    """GET returns ``size`` bytes; PUT records the body size; ``stall`` never answers.

    When stalling, ``arrived`` fires at the next GET (then a fresh one waits for the GET
    after), and ``dropped`` fires when the client of the latest GET goes away.
    """

    isLeaf = True

    def __init__(self, size: int, *, stall: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.size = size
        self.stall = stall
        self.uploaded: list[int] = []
        self.arrived: defer.Deferred[None] = defer.Deferred()
        self.dropped: defer.Deferred[None] = defer.Deferred()

    def render_GET(self, request: Request) -> bytes | int:
        """The test file, or (stalling) one byte and then nothing until the client leaves."""
        if not self.stall:
            return b"x" * self.size
        request.write(b"x")  # type: ignore[no-untyped-call]
        dropped: defer.Deferred[None] = defer.Deferred()
        self.dropped = dropped
        request.notifyFinish().addErrback(lambda _: dropped.callback(None))
        arrived, self.arrived = self.arrived, defer.Deferred()
        arrived.callback(None)
        return NOT_DONE_YET

    def render_PUT(self, request: Request) -> bytes:
        """Count the uploaded bytes."""
        assert request.content is not None
        self.uploaded.append(len(request.content.read()))
        return b"ok"


class _Counted(ProtocolWrapper):
    """Counts the TCP payload bytes a server connection received and sent."""

    factory: ByteCounter

    def dataReceived(self, data: bytes) -> None:
        self.factory.received += len(data)
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def write(self, data: bytes) -> None:
        self.factory.sent += len(data)
        super().write(data)  # type: ignore[no-untyped-call]

    def writeSequence(self, data: Any) -> None:
        for chunk in data:
            self.write(chunk)


class ByteCounter(WrappingFactory):
    """A server factory wrapper totalling the bytes on the wire (TCP payload) both ways."""

    protocol = _Counted

    def __init__(self, wrapped: Any) -> None:
        super().__init__(wrapped)  # type: ignore[no-untyped-call]
        self.received = 0
        self.sent = 0


def http_server(sized: SizedFile) -> tuple[str, ByteCounter, IListeningPort]:
    """Serve ``sized`` at every path of http://127.0.0.1:PORT/: base URL, byte counter."""
    counter = ByteCounter(site(sized))
    port = listen_now(counter)
    return f"http://127.0.0.1:{port_number(port)}/", counter, port


class CountingDNSFactory(server.DNSServerFactory):
    """A DNS server factory that records the names it was asked about."""

    def __init__(self, zone: dict[str, str]) -> None:
        super().__init__(authorities=[Zone(zone)])  # type: ignore[no-untyped-call]
        self.asked: list[str] = []

    def handleQuery(self, message: dns.Message, protocol: Any, address: Any) -> Any:
        """Record each question, then answer as usual."""
        self.asked.extend(str(q.name) for q in message.queries)
        return super().handleQuery(message, protocol, address)  # type: ignore[no-untyped-call]


def dns_server(zone: dict[str, str]) -> tuple[int, CountingDNSFactory, IListeningPort]:
    """An authoritative DNS server for "test." on 127.0.0.1 (UDP): port, factory, listener."""
    factory = CountingDNSFactory(zone)
    proto = dns.DNSDatagramProtocol(factory)  # type: ignore[no-untyped-call]
    port: IListeningPort = reactor.listenUDP(0, proto, interface="127.0.0.1", maxPacketSize=8192)
    return int(port.getHost().port), factory, port  # type: ignore[attr-defined]
