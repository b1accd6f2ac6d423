"""The USP WebSocket MTP over real loopback sockets: the Agent's client against the scripted
Controller's WebSocket server, ws:// and wss:// with a throwaway CA (unknown CA and wrong
host refused, client certificate presented when configured), a server that does not
accept v1.usp refused, reconnection after the server restarts."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_twisted
from twisted.internet import defer
from twisted.internet.task import deferLater
from wsproto.events import AcceptConnection, Request

from cwmpd.http.tls import TlsPolicy
from cwmpd.mtp.websocket import WebSocketClient, WebSocketSettings, retry_delay
from cwmpd.mtp.websocket_server import WebSocketServer
from cwmpd.mtp.wssession import SUBPROTOCOL, WsSession
from cwmpd.testing.pki import make_ca, make_cert, server_tls_options
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp import messages, records
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.agent_harness import reactor

AGENT = "os::012345-WS0001"
CTRL = "proto::ws-controller"
T = TypeVar("T")


class Agent:
    """A WebSocketClient with what it received."""

    def __init__(self, url: str, tls: TlsPolicy | None = None, **extra: float) -> None:
        self.received: list[bytes] = []
        self.arrived: defer.Deferred[None] = defer.Deferred()
        self.up: defer.Deferred[WsSession] = defer.Deferred()
        settings = WebSocketSettings(
            url=url,
            endpoint_id=AGENT,
            controller_id=CTRL,
            tls=tls or TlsPolicy(),
            retry_minimum=extra.pop("retry_minimum", 0.2),
            **extra,  # type: ignore[arg-type]
        )
        self.client = WebSocketClient(
            settings, reactor, self.record, rng=random.Random(1), on_opened=self.opened
        )

    def record(self, data: bytes, reply_to: str) -> None:
        self.received.append(data)
        waiting, self.arrived = self.arrived, defer.Deferred()
        waiting.callback(None)

    def opened(self, session: WsSession) -> None:
        waiting, self.up = self.up, defer.Deferred()
        waiting.callback(session)


def within(d: defer.Deferred[T], seconds: float = 5.0) -> defer.Deferred[T]:
    return d.addTimeout(seconds, reactor)


async def answer_gets(controller: ScriptedController, agent: Agent) -> None:
    """The controller's Get reaches the agent's client, whose answer comes back."""

    async def respond() -> None:
        await within(agent.arrived)
        msg = records.payload_msg(records.decode(agent.received[-1]))
        resp = messages.response(msg.header.msg_id, pb.GetResp())
        await agent.client.publish("", records.no_session_record(resp, CTRL, AGENT))

    answering = defer.ensureDeferred(respond())
    resp = await controller.get(["Device.DeviceInfo."])
    await answering
    assert resp.body.response.WhichOneof("resp_type") == "get_resp"


@pytest_twisted.ensureDeferred
async def test_ws_session_connect_record_both_ways_and_extension() -> None:
    """ws://: v1.usp agreed, the bbf-usp-protocol eid both ways, the WebSocketConnect Record
    tells the Controller who the Agent is, and a request and its answer cross."""
    controller = ScriptedController(CTRL)
    port = await controller.listen_websocket(reactor, path="/usp")
    agent = Agent(f"ws://127.0.0.1:{port}/usp")
    agent.client.startService()
    try:
        session = await within(agent.up)
        assert session.ws.state.name == "OPEN" and session.peer_id == CTRL
        seen = await controller.agent_connected()
        assert seen.endpoint_id == AGENT and controller.agent_id == AGENT
        await answer_gets(controller, agent)
    finally:
        agent.client.stopService()
        controller.stop()


@pytest_twisted.ensureDeferred
async def test_reconnects_after_the_server_restarts() -> None:
    """The Controller's server goes away and comes back on the same port: the client
    retries with back-off, opens a new session and sends a fresh WebSocketConnect."""
    controller = ScriptedController(CTRL)
    port = await controller.listen_websocket(reactor)
    agent = Agent(f"ws://127.0.0.1:{port}/", retry_minimum=0.2)
    agent.client.startService()
    try:
        await within(agent.up)
        await controller.agent_connected()
        controller.stop()
        await deferLater(reactor, 0.5, lambda: None)
        assert agent.client.session is None and agent.client.retries >= 1
        again = ScriptedController(CTRL)
        up = agent.up
        await again.listen_websocket(reactor, port=port)
        try:
            await within(up, 10)
            seen = await again.agent_connected()
            assert seen.endpoint_id == AGENT and agent.client.opened_count == 2
            assert agent.client.retries == 0  # R-WS.20
            await answer_gets(again, agent)
        finally:
            again.stop()
    finally:
        agent.client.stopService()


@pytest_twisted.ensureDeferred
async def test_a_server_that_does_not_accept_v1_usp_is_refused() -> None:
    """R-WS.12: the server answers 101 without Sec-WebSocket-Protocol; no session opens,
    nothing is handed over, and the client says why and retries."""
    opened: list[WsSession] = []
    server = WebSocketServer(
        reactor, CTRL, lambda d, r: None, port=0, interface="127.0.0.1", on_opened=opened.append
    )

    def accept_without_subprotocol(self: WsSession, event: Request) -> None:
        self._send(AcceptConnection())
        self.open = True  # the server thinks all is well

    listening = await server.listen()
    original = WsSession._request
    WsSession._request = accept_without_subprotocol  # type: ignore[method-assign]
    agent = Agent(f"ws://127.0.0.1:{listening.getHost().port}/")  # type: ignore[attr-defined]
    agent.client.startService()
    try:
        await deferLater(reactor, 0.6, lambda: None)
        assert agent.client.opened_count == 0 and not agent.up.called
        assert f"did not accept {SUBPROTOCOL}" in agent.client.refusal
        assert agent.client.retries >= 2  # refused each time, retried each time
        failed = agent.client.publish("", b"x")
        assert agent.client._waiting, "a Record waits for a session, it is not sent"
    finally:
        WsSession._request = original  # type: ignore[method-assign]
        agent.client.stopService()
        await defer.maybeDeferred(server.stopService)
    with pytest.raises(ConnectionError):
        await failed  # the client stopped: what waited fails


def test_retry_delay_follows_the_binding() -> None:
    """R-WS.19 with the defaults: 5-10 s, 10-20 s, ..., 2560-5120 s from the 10th on."""
    rng = random.Random(3)
    for n, (low, high) in {1: (5, 10), 2: (10, 20), 3: (20, 40), 10: (2560, 5120)}.items():
        assert all(low <= retry_delay(n, 5, 2000, rng) <= high for _ in range(50))
    assert 2560 <= retry_delay(25, 5, 2000, rng) <= 5120


# -- TLS


class Pki:
    def __init__(self, tmp: Path) -> None:
        self.ca = make_ca(tmp, "ca")
        self.other_ca = make_ca(tmp, "other", common_name="someone else's CA")
        self.server = make_cert(self.ca, ["127.0.0.1"], tmp, "server")
        self.wrong_host = make_cert(self.ca, ["controller.example"], tmp, "wrong")
        self.client = make_cert(self.ca, [], tmp, "client", client=True, common_name=AGENT)


async def tls_attempt(
    server_options: object, policy: TlsPolicy, *, seconds: float = 1.0
) -> tuple[Agent, ScriptedController]:
    controller = ScriptedController(CTRL)
    port = await controller.listen_websocket(reactor, tls=server_options)
    agent = Agent(f"wss://127.0.0.1:{port}/usp", policy, retry_minimum=5.0)
    agent.client.startService()
    with contextlib.suppress(defer.TimeoutError):
        await within(agent.up, seconds)
    return agent, controller


@pytest_twisted.ensureDeferred
async def test_wss_with_the_right_ca_works(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    agent, controller = await tls_attempt(
        server_tls_options(pki.server.pem_path), TlsPolicy(ca_file=str(pki.ca.cert_path))
    )
    try:
        assert agent.client.opened_count == 1
        assert (await controller.agent_connected()).endpoint_id == AGENT
        await answer_gets(controller, agent)
    finally:
        agent.client.stopService()
        controller.stop()


@pytest_twisted.ensureDeferred
async def test_wss_unknown_ca_and_wrong_host_are_refused(tmp_path: Path) -> None:
    pki = Pki(tmp_path)
    cases = [
        (pki.server.pem_path, pki.other_ca.cert_path),  # a CA we do not trust
        (pki.wrong_host.pem_path, pki.ca.cert_path),  # trusted, for another host
    ]
    for cert, ca in cases:
        agent, controller = await tls_attempt(
            server_tls_options(cert), TlsPolicy(ca_file=str(ca)), seconds=1.0
        )
        try:
            assert agent.client.opened_count == 0 and agent.client.session is None
            assert controller.agent_id == ""  # no WebSocketConnect got through
        finally:
            agent.client.stopService()
            controller.stop()


@pytest_twisted.ensureDeferred
async def test_wss_client_certificate_presented_when_configured(tmp_path: Path) -> None:
    """A server that requires a client certificate: refused without one, served with it."""
    pki = Pki(tmp_path)
    requiring = server_tls_options(pki.server.pem_path, ca_for_client_auth=pki.ca.cert_path)
    without, controller = await tls_attempt(requiring, TlsPolicy(ca_file=str(pki.ca.cert_path)))
    try:
        assert without.client.opened_count == 0
    finally:
        without.client.stopService()
        controller.stop()
    policy = TlsPolicy(ca_file=str(pki.ca.cert_path), client_cert=str(pki.client.pem_path))
    agent, controller = await tls_attempt(requiring, policy)
    try:
        assert agent.client.opened_count == 1
        assert (await controller.agent_connected()).endpoint_id == AGENT
    finally:
        agent.client.stopService()
        controller.stop()
