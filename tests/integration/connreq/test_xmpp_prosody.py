"""XMPP Connection Requests (TR-069 Annex K) through a real prosody, against the whole agent.

prosody runs on loopback with its own config, accounts and certificate (support.prosody);
the agent logs in as cpe@cwmpd.test over verified TLS, a second twisted.words client plays
the ACS (acs@cwmpd.test) and a third an intruder. Sessions are counted at the scripted ACS.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer, task

from cwmpd.config import parse_config
from cwmpd.connreq.xmpp import XmppClient
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.model import DataModel
from cwmpd.service import CwmpAgent
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import make_ca
from support.agent_harness import AgentRunner, reactor
from support.logged import capturing, namespace
from support.prosody import DOMAIN, Prosody, Reply, XmppPeer, free_port

pytestmark = pytest.mark.needs_tools("prosody", "prosodyctl")

CR_USER, CR_PASS = "acs-cr", "cr-secret"
AGENT_PASS, ACS_PASS, INTRUDER_PASS = "cpe-secret", "acs-secret", "intruder-secret"
MS = "Device.ManagementServer."
CONN = "Device.XMPP.Connection.1."
ACCEPTED = Reply("result")
NOT_AUTHORIZED = Reply("error", "not-authorized", "cancel")
UNAVAILABLE = Reply("error", "service-unavailable", "cancel")


@dataclass
class World:
    """prosody, the agent on it, the scripted ACS, and the ACS's XMPP peer."""

    prosody: Prosody
    acs: ScriptedAcs
    runner: AgentRunner
    agent: CwmpAgent
    peer: XmppPeer
    base: int = 0  # sessions before the test's own requests

    @property
    def client(self) -> XmppClient:
        """The agent's XMPP client now."""
        assert self.agent.connreq is not None and self.agent.connreq.xmpp is not None
        xmpp_client = self.agent.connreq.xmpp.client
        assert xmpp_client is not None
        return xmpp_client

    def value(self, name: str) -> str:
        return self.agent.model.value(name)

    def bound_new_client(self, old: XmppClient) -> bool:
        """A client other than ``old`` is bound (settings were changed, the client remade)."""
        assert self.agent.connreq is not None and self.agent.connreq.xmpp is not None
        now = self.agent.connreq.xmpp.client
        return now is not None and now is not old and now.connections == 1 and self.bound()

    def bound(self) -> bool:
        """The agent's connection is up."""
        return self.value(CONN + "Status") == "Enabled"

    def auth_failed(self) -> bool:
        """The agent's login was refused."""
        return self.value(CONN + "Status") == "Error_AuthenticationFailure"

    def failed_once(self) -> bool:
        """The agent's client has had a failed attempt."""
        return self.client.failures >= 1

    def quiet(self) -> bool:
        """No session running and no value change waiting for one."""
        sessions = self.acs.sessions
        done = all(s.completed for s in sessions)
        return done and not self.agent.model.pending_value_changes()

    async def settle(self) -> None:
        """Wait until the agent is quiet for 0.5 s; ``base`` is the session count then."""
        while True:
            await eventually(self.quiet, 10, "no session running or owed")
            count = len(self.acs.sessions)
            await pause(0.5)
            if self.quiet() and len(self.acs.sessions) == count:
                self.base = count
                return

    async def request(self, username: str = CR_USER, password: str = CR_PASS) -> Reply:
        """One connection request from the ACS's JID to the agent's bound JID."""
        return await self.peer.send(self.value(MS + "ConnReqJabberID"), username, password)


async def pause(seconds: float) -> None:
    await task.deferLater(reactor, seconds, lambda: None)


async def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` every 50 ms; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await pause(0.05)


def _config_text(
    tmp_path: Path,
    url: str,
    server: Prosody,
    ca_file: Path,
    agent_pass: str,
    keepalive: int,
    use_tls: bool,
) -> str:
    return (
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\nca_file = "{ca_file}"\n'
        f'[connection_request]\nport = 0\nudp_enable = false\naddress = "127.0.0.1"\n'
        f'username = "{CR_USER}"\npassword = "{CR_PASS}"\n'
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[control]\nsocket = ""\n'
        f'[xmpp]\nserver = "127.0.0.1"\nport = {server.port}\ndomain = "{DOMAIN}"\n'
        f'username = "cpe"\npassword = "{agent_pass}"\nresource = "gw"\n'
        f'allowed_jids = ["acs@{DOMAIN}"]\nretry_initial_interval = 1\nretry_max_interval = 2\n'
        f"keepalive_interval = {keepalive}\nuse_tls = {'true' if use_tls else 'false'}\n"
    )


@contextlib.asynccontextmanager
async def _world(
    tmp_path: Path,
    *,
    agent_pass: str = AGENT_PASS,
    trusted: bool = True,
    keepalive: int = -1,
    use_tls: bool = True,
) -> AsyncIterator[World]:
    """Everything started; on the way out (a failure included) stopped in reverse order,
    prosody last, so that no server outlives its test."""
    async with contextlib.AsyncExitStack() as stack:
        server = Prosody(tmp_path / "prosody")
        for user, password in (("cpe", AGENT_PASS), ("acs", ACS_PASS), ("intruder", INTRUDER_PASS)):
            server.register(user, password)
        server.start()
        stack.callback(server.stop)
        acs = ScriptedAcs()
        url = await acs.listen(reactor)
        stack.push_async_callback(lambda: acs.stop())
        ca_file = server.ca.cert_path if trusted else make_ca(tmp_path, "other-ca").cert_path
        text = _config_text(tmp_path, url, server, ca_file, agent_pass, keepalive, use_tls)
        runner = AgentRunner(parse_config(text))
        agent = runner.start()
        stack.callback(runner.stop)
        stack.push_async_callback(_stop_xmpp, agent)
        peer = XmppPeer(server, "acs", ACS_PASS)
        stack.callback(peer.close)
        await acs.wait_for_sessions(1, timeout=10)  # the bootstrap
        await peer.connect()
        yield World(server, acs, runner, agent, peer)


async def _stop_xmpp(agent: CwmpAgent) -> None:
    """Close the agent's XMPP connection and wait until it is closed."""
    if agent.connreq is not None and agent.connreq.xmpp is not None:
        await agent.connreq.xmpp.stop()


@pytest_twisted.async_yield_fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Everything up, the agent bound on prosody."""
    async with _world(tmp_path) as w:
        await eventually(w.bound, 10, "the agent bound")
        await w.settle()  # ConnReqJabberID is active-notified: its value change has a session
        yield w


@pytest_twisted.ensureDeferred
async def test_allowed_jid_gets_a_result_and_exactly_one_session(world: World) -> None:
    """The ACS's JID with the right credentials: an empty result, one 6 CONNECTION REQUEST."""
    jabber_id = world.value(MS + "ConnReqJabberID")
    assert jabber_id == f"cpe@{DOMAIN}/gw" == world.value(CONN + "JabberID")
    assert world.value(MS + "SupportedConnReqMethods") == "HTTP,XMPP"
    assert world.value(CONN + "TLSEstablished") == "true"
    reported = [s.parameters.get(MS + "ConnReqJabberID") for s in world.acs.sessions]
    assert jabber_id in reported  # the ACS learnt it (VALUE CHANGE, or the bootstrap)
    assert await world.request() == ACCEPTED
    sessions = await world.acs.wait_for_sessions(world.base + 1, timeout=5)
    assert sessions[-1].events == ["6 CONNECTION REQUEST"]
    await pause(1.0)
    assert len(world.acs.sessions) == world.base + 1


@pytest_twisted.ensureDeferred
async def test_not_allowed_jid_and_wrong_password_start_no_session(
    world: World, tmp_path: Path
) -> None:
    """A JID outside ConnReqAllowedJabberIDs: service-unavailable, even with the right
    credentials; the allowed JID with a wrong password or username: not-authorized."""
    intruder = XmppPeer(world.prosody, "intruder", INTRUDER_PASS)
    await intruder.connect()
    try:
        to = world.value(MS + "ConnReqJabberID")
        assert await intruder.send(to, CR_USER, CR_PASS) == UNAVAILABLE
    finally:
        intruder.close()
    assert await world.request(password="wrong") == NOT_AUTHORIZED
    assert await world.request(username="nobody") == NOT_AUTHORIZED
    await pause(1.0)
    assert len(world.acs.sessions) == world.base


@pytest_twisted.ensureDeferred
async def test_flooding_is_answered_service_unavailable(world: World) -> None:
    """With ConnReqAllowedJabberIDs empty (any JID), another account guessing passwords is
    locked out after 5 (service-unavailable, its guesses unchecked) and starts nothing,
    while the ACS, known from an accepted request, still gets through; of 30 valid
    requests at once, at most the accepted bucket's burst get a result, the rest
    service-unavailable and no session (the accepted ones join one session or a few)."""
    await world.agent.model.set_parameter_values([PV(MS + "ConnReqAllowedJabberIDs", "")], "k")
    assert await world.request() == ACCEPTED
    await world.acs.wait_for_sessions(world.base + 1, timeout=5)
    await world.settle()
    intruder = XmppPeer(world.prosody, "intruder", INTRUDER_PASS)
    await intruder.connect()
    try:
        to = world.value(MS + "ConnReqJabberID")
        guesses = [await intruder.send(to, CR_USER, f"guess-{i}") for i in range(40)]
        assert guesses[:5] == [NOT_AUTHORIZED] * 5
        assert guesses[5:] == [UNAVAILABLE] * 35
        assert await intruder.send(to, CR_USER, CR_PASS) == UNAVAILABLE  # not even checked
    finally:
        intruder.close()
    await pause(0.5)
    assert len(world.acs.sessions) == world.base
    assert await world.request() == ACCEPTED
    await world.acs.wait_for_sessions(world.base + 1, timeout=5)
    await world.settle()
    before = world.base
    burst = [defer.ensureDeferred(world.request()) for _ in range(30)]
    valid = await defer.gatherResults(burst)
    assert set(valid) <= {ACCEPTED, UNAVAILABLE}
    assert 1 <= valid.count(ACCEPTED) <= 10  # the accepted bucket's burst
    await world.settle()
    # the refused ones start nothing; the accepted ones join one session or a few
    assert 1 <= len(world.acs.sessions) - before <= valid.count(ACCEPTED)


@pytest_twisted.ensureDeferred
async def test_wrong_passwords_lock_the_sender_out(world: World) -> None:
    """5 wrong passwords from the ACS's JID: locked out like an HTTP source, so the right
    password then gets service-unavailable and no session."""
    assert [await world.request(password="wrong") for _ in range(5)] == [NOT_AUTHORIZED] * 5
    assert await world.request() == UNAVAILABLE
    await pause(1.0)
    assert len(world.acs.sessions) == world.base


@pytest_twisted.ensureDeferred
async def test_the_connection_survives_a_prosody_restart(world: World) -> None:
    """kill -9 prosody, start it again on the same port: the agent reconnects (retry
    policy, waits of at most 1 then 2 s) and a connection request works again."""
    assert world.client.connections == 1
    world.peer.close()
    world.prosody.kill()
    await eventually(lambda: world.value(CONN + "Status") != "Enabled", 5, "the loss noticed")
    await pause(1.5)  # at least one attempt fails against the closed port
    world.prosody.start()
    await eventually(lambda: world.client.connections == 2, 15, "the agent reconnected")
    assert world.value(CONN + "Status") == "Enabled"
    await world.peer.connect()
    await world.settle()
    assert await world.request() == ACCEPTED
    sessions = await world.acs.wait_for_sessions(world.base + 1, timeout=5)
    assert sessions[-1].events == ["6 CONNECTION REQUEST"]


@pytest_twisted.ensureDeferred
async def test_a_server_certificate_from_an_untrusted_ca_is_refused(tmp_path: Path) -> None:
    """With acs.ca_file naming another CA, TLS fails and the agent never binds."""
    async with _world(tmp_path, trusted=False) as w:
        await eventually(w.failed_once, 10, "a failed attempt")
        assert w.client.connections == 0
        assert w.value(CONN + "Status") in ("Error", "Connecting")
        assert w.value(MS + "ConnReqJabberID") == ""


@pytest_twisted.ensureDeferred
async def test_a_wrong_agent_password_is_an_authentication_failure(tmp_path: Path) -> None:
    """The server refuses the agent's SASL login: Error_AuthenticationFailure, retried."""
    async with _world(tmp_path, agent_pass="not-the-password") as w:
        await eventually(w.auth_failed, 10, "Status Error_AuthenticationFailure")
        assert w.client.connections == 0
        assert w.value(MS + "ConnReqJabberID") == ""


@pytest_twisted.ensureDeferred
async def test_new_settings_reconnect_with_them(world: World) -> None:
    """The ACS sets Resource (the model's SetParameterValues): a new stream, the new
    JabberID published, and connection requests to it work."""
    first = world.client
    await world.agent.model.set_parameter_values([PV(CONN + "Resource", "gw2")], "k1")
    await eventually(lambda: world.value(CONN + "JabberID") == f"cpe@{DOMAIN}/gw2", 10, "gw2")
    assert world.client is not first and not first.running
    assert world.value(MS + "ConnReqJabberID") == f"cpe@{DOMAIN}/gw2"
    await world.settle()
    assert await world.request() == ACCEPTED
    sessions = await world.acs.wait_for_sessions(world.base + 1, timeout=5)
    assert sessions[-1].events == ["6 CONNECTION REQUEST"]


@pytest_twisted.ensureDeferred
async def test_keepalive_pings_and_a_silent_server_is_left(tmp_path: Path) -> None:
    """KeepAliveInterval 1: the server answers each XEP-0199 ping; frozen (SIGSTOP, the TCP
    connection open but nothing answered), the agent drops the link within two intervals,
    and once prosody runs again it reconnects."""
    async with _world(tmp_path, keepalive=1) as w:
        await _ping_then_freeze(w)


async def _ping_then_freeze(w: World) -> None:
    await eventually(w.bound, 10, "the agent bound")
    await eventually(lambda: w.client.pongs >= 2, 5, "two keep-alive pings answered")
    w.prosody.freeze()
    try:
        await eventually(lambda: not w.bound(), 5, "the silent link dropped")
    finally:
        w.prosody.thaw()
    await eventually(lambda: w.client.connections == 2, 15, "the agent reconnected")


@pytest_twisted.ensureDeferred
async def test_use_tls_false_still_does_tls_when_the_server_requires_it(tmp_path: Path) -> None:
    """UseTLS false (TR-181: no STARTTLS unless the server requires it): prosody requires
    it, so the agent negotiates TLS all the same and binds."""
    async with _world(tmp_path, use_tls=False) as w:
        await _bound_over_tls(w)


async def _bound_over_tls(w: World) -> None:
    await eventually(w.bound, 10, "the agent bound")
    assert w.value(CONN + "UseTLS") == "false"
    assert w.value(CONN + "TLSEstablished") == "true"


@pytest_twisted.ensureDeferred
async def test_the_next_server_by_priority_after_the_connect_attempts(world: World) -> None:
    """Server.1 (Priority 0) moved to a closed port, a Server.2 (Priority 1) at prosody,
    ServerConnectAttempts 1: one failed attempt at Server.1, then Server.2 binds."""
    model, old = world.agent.model, world.client
    number, _ = await model.add_object(CONN + "Server.", "k1")
    second = f"{CONN}Server.{number}."
    closed = free_port()
    with capturing(namespace("cwmpd.connreq.xmpp")) as log:
        await _move_server_1(model, second, closed, world.prosody.port)
        await eventually(lambda: world.bound_new_client(old), 15, "Server.2 bound")
    texts = log.texts()
    refused = [i for i, t in enumerate(texts) if f"cannot reach 127.0.0.1:{closed}" in t]
    reached = [i for i, t in enumerate(texts) if f"127.0.0.1:{world.prosody.port} as" in t]
    assert refused and reached and refused[0] < reached[-1], texts
    assert world.client.settings.connect_attempts == 1
    assert [s.port for s in world.client.settings.servers] == [closed, world.prosody.port]
    await world.settle()
    assert await world.request() == ACCEPTED


async def _move_server_1(model: DataModel, second: str, closed: int, port: int) -> None:
    """One SPV: Server.1 to the closed port, one attempt per server, ``second`` at prosody."""
    await model.set_parameter_values(
        [
            PV(CONN + "Server.1.Port", str(closed), "unsignedInt"),
            PV(CONN + "ServerConnectAttempts", "1", "unsignedInt"),
            PV(second + "Enable", "true", "boolean"),
            PV(second + "Priority", "1", "unsignedInt"),
            PV(second + "ServerAddress", "127.0.0.1"),
            PV(second + "Port", str(port), "unsignedInt"),
        ],
        "k2",
    )
