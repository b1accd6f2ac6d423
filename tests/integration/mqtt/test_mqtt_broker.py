"""The USP MQTT client against a real broker: Debian's mosquitto (MQTT 5.0), started here on
a free loopback port, with mosquitto_pub/mosquitto_sub as the independent peer; and the
3.1.1 fallback against a broker stand-in that refuses MQTT 5.0."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TypeVar

import pytest
import pytest_twisted
from twisted.internet import defer, protocol
from twisted.internet import reactor as _reactor
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IListeningPort
from twisted.internet.task import deferLater

from cwmpd.http.tls import TlsPolicy
from cwmpd.mtp.mqtt import MqttClient, MqttConnection, MqttSettings, reply_topic_v311
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.pki import make_ca, make_cert
from cwmpd.usp import mqttwire as w
from cwmpd.usp import records
from support.mosquitto import RUN_AS, Broker

pytestmark = pytest.mark.needs_tools("mosquitto", "mosquitto_pub", "mosquitto_sub")

AGENT_ID = "os::012345-SN0001"
AGENT_TOPIC = "/usp/endpoint/agent"
CONTROLLER_TOPIC = "/usp/controller"
T = TypeVar("T")


def reactor() -> AgentReactor:
    """The global reactor, typed."""
    return agent_reactor(_reactor)


def settings(port: int, **extra: object) -> MqttSettings:
    """The Agent's MQTT client settings for a broker on ``port``."""
    fields: dict[str, object] = {
        "url": f"mqtt://127.0.0.1:{port}",
        "endpoint_id": AGENT_ID,
        "agent_topic": AGENT_TOPIC,
        "client_id": "agent-under-test",
        "keep_alive": 5,
        "retry_minimum": 0.2,
    }
    fields.update(extra)
    return MqttSettings(**fields)  # type: ignore[arg-type]


class Agent:
    """An MqttClient with what it received and a Deferred for each (re)connection."""

    def __init__(self, mqtt_settings: MqttSettings) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.arrived: defer.Deferred[None] = defer.Deferred()
        self.up: defer.Deferred[MqttConnection] = defer.Deferred()
        self.client = MqttClient(
            mqtt_settings, reactor(), self.record, rng=random.Random(1), on_connected=self.connected
        )

    def record(self, data: bytes, reply: str) -> None:
        self.received.append((data, reply))
        waiting, self.arrived = self.arrived, defer.Deferred()
        waiting.callback(None)

    def connected(self, connection: MqttConnection) -> None:
        waiting, self.up = self.up, defer.Deferred()
        waiting.callback(connection)


def within(d: defer.Deferred[T], seconds: float) -> defer.Deferred[T]:
    """``d``, failed with a timeout after ``seconds``."""
    return d.addTimeout(seconds, reactor())


def pause(seconds: float) -> defer.Deferred[None]:
    """Fires after ``seconds``."""
    return deferLater(reactor(), seconds, lambda: None)


def listen(kind: type[protocol.Protocol]) -> tuple[IListeningPort, int]:
    """A server of ``kind`` on a free loopback port: the port and its number."""
    factory = protocol.ServerFactory()
    factory.protocol = kind
    port = reactor().listenTCP(0, factory, interface="127.0.0.1")
    address = port.getHost()
    assert isinstance(address, IPv4Address)
    return port, address.port


async def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` every 50 ms until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await pause(0.05)


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    """A mosquitto client command, bounded in time."""
    return subprocess.run(list(args), capture_output=True, timeout=15, check=False)


@pytest_twisted.ensureDeferred
async def test_connect_subscribe_and_receive(broker: Broker) -> None:
    """MQTT 5.0: the Agent subscribes to its topic and gets a Record with its reply-to."""
    agent = Agent(settings(broker.port))
    agent.client.startService()
    try:
        connection = await within(agent.up, 10)
        assert isinstance(connection, MqttConnection) and connection.version == w.V5
        assert connection.reply_to == AGENT_TOPIC
        pub = run(
            "mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "mqttv5", "-q", "1",
            "-t", AGENT_TOPIC, "-D", "publish", "content-type", "usp.msg",
            "-D", "publish", "response-topic", CONTROLLER_TOPIC, "-m", "record-bytes",
        )  # fmt: skip
        assert pub.returncode == 0, pub.stderr
        await within(agent.arrived, 10)
        assert agent.received == [(b"record-bytes", CONTROLLER_TOPIC)]
    finally:
        agent.client.stopService()


@pytest_twisted.ensureDeferred
async def test_other_content_types_are_not_records(broker: Broker) -> None:
    """A PUBLISH whose Content Type is not usp.msg is not handed over (R-MQTT.27a)."""
    agent = Agent(settings(broker.port))
    agent.client.startService()
    try:
        await within(agent.up, 10)
        for kind, body in (("text/plain", "hello"), ("application/vnd.bbf.usp.msg", "usp")):
            run(
                "mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "mqttv5",
                "-t", AGENT_TOPIC, "-D", "publish", "content-type", kind, "-m", body,
            )  # fmt: skip
        await within(agent.arrived, 10)
        assert agent.received == [(b"usp", "")]
    finally:
        agent.client.stopService()


@pytest_twisted.ensureDeferred
async def test_publish_carries_content_type_and_response_topic(broker: Broker) -> None:
    """The Agent's PUBLISH has Content Type usp.msg and its reply-to as Response Topic."""
    agent = Agent(settings(broker.port))
    agent.client.startService()
    try:
        await within(agent.up, 10)
        sub = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "mqttv5",
             "-t", CONTROLLER_TOPIC, "-C", "1", "-W", "20", "-F", "%C|%R|%x"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(40):  # until mosquitto_sub is subscribed and has its one message
            await within(agent.client.publish(CONTROLLER_TOPIC, b"\x0a\x03\x31\x2e\x34"), 10)
            await pause(0.5)
            if sub.poll() is not None:
                break
        out, _ = sub.communicate(timeout=15)
        assert out.decode().strip() == f"usp.msg|{AGENT_TOPIC}|0a03312e34"
    finally:
        agent.client.stopService()


@pytest_twisted.ensureDeferred
async def test_reconnects_after_the_broker_restarts(broker: Broker) -> None:
    """A lost broker is retried with back-off until it is back; the count then resets."""
    agent = Agent(settings(broker.port))
    agent.client.startService()
    try:
        await within(agent.up, 10)
        broker.stop()
        await eventually(lambda: agent.client.retries >= 1, 10, "a retry")
        assert agent.client.connection is None
        broker.start()
        connection = await within(agent.up, 20)
        assert isinstance(connection, MqttConnection) and agent.client.retries == 0
    finally:
        agent.client.stopService()


class RefusesV5(protocol.Protocol):
    """A broker stand-in speaking 3.1.1 only: CONNACK 1 to a level-5 CONNECT."""

    seen: ClassVar[list[int]] = []
    subscribed: ClassVar[list[bytes]] = []

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        kind = data[0] >> 4
        if kind == w.CONNECT:
            level = data[2 + 6]
            RefusesV5.seen.append(level)
            self.transport.write(
                w.packet(w.CONNACK, 0, b"\x00" + (b"\x01" if level == 5 else b"\x00"))
            )
            if level == 5:
                self.transport.loseConnection()
        elif kind == w.SUBSCRIBE:
            RefusesV5.subscribed.append(data)
            self.transport.write(w.packet(w.SUBACK, 0, data[2:4] + b"\x01"))


@pytest_twisted.ensureDeferred
async def test_falls_back_to_mqtt_311() -> None:
    """A broker that refuses MQTT 5.0 is asked again with 3.1.1, and the topic is a filter."""
    RefusesV5.seen, RefusesV5.subscribed = [], []
    port, number = listen(RefusesV5)
    agent = Agent(settings(number))
    agent.client.startService()
    try:
        connection = await within(agent.up, 10)
        assert isinstance(connection, MqttConnection) and connection.version == w.V311
        assert RefusesV5.seen == [5, 4]
        assert w.string(AGENT_TOPIC + "/#") in RefusesV5.subscribed[0]
    finally:
        agent.client.stopService()
        await defer.maybeDeferred(port.stopListening)


def test_reply_to_in_a_311_topic() -> None:
    """R-MQTT.24/25: the reply-to follows the last "/reply-to=", with %2F for "/"."""
    topic = (
        "usp/agents/cid:3AA3F8:my-unique-usp-id-42"
        "/reply-to=usp%2Fcontrollers%2Foui:00256D:my-unique-bbf-id-42"
    )
    assert reply_topic_v311(topic) == (
        "usp/agents/cid:3AA3F8:my-unique-usp-id-42",
        "usp/controllers/oui:00256D:my-unique-bbf-id-42",
    )
    assert reply_topic_v311("plain") == ("plain", "")


def test_retry_delays_follow_the_back_off_table() -> None:
    """Attempt n waits m*k^(n-1)..m*k^n seconds (5-10, 10-20 ... capped at the maximum)."""
    client = MqttClient(
        settings(1, retry_minimum=5.0), reactor(), lambda d, r: None, rng=random.Random(3)
    )
    for retries, (low, high) in enumerate([(5, 10), (10, 20), (20, 40), (40, 80)], start=1):
        client.retries = retries
        assert low <= client.retry_delay() <= high
    client.retries = 40
    assert client.retry_delay() <= 30720


class SilentBroker(protocol.Protocol):
    """A broker stand-in that accepts, subscribes, then never answers a PINGREQ."""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        kind = data[0] >> 4
        if kind == w.CONNECT:
            self.transport.write(w.packet(w.CONNACK, 0, b"\x00\x00\x00"))
        elif kind == w.SUBSCRIBE:
            self.transport.write(w.packet(w.SUBACK, 0, data[2:4] + b"\x00\x01"))


@pytest_twisted.ensureDeferred
async def test_a_silent_broker_is_dropped_by_keep_alive() -> None:
    """No PINGRESP within Keep Alive and a half: the connection is dropped and retried."""
    port, number = listen(SilentBroker)
    agent = Agent(settings(number, keep_alive=1, retry_minimum=30.0))
    agent.client.startService()
    try:
        await within(agent.up, 10)
        assert agent.client.connection is not None
        began = time.monotonic()
        await eventually(lambda: agent.client.connection is None, 10, "the drop")
        assert time.monotonic() - began >= 1.5 and agent.client.retries == 1
    finally:
        agent.client.stopService()
        await defer.maybeDeferred(port.stopListening)


class TlsBroker(Broker):
    """mosquitto with a TLS listener (optionally demanding a client certificate)."""

    def __init__(self, tmp: Path, *, require_client_cert: bool = False) -> None:
        super().__init__(tmp)
        self.ca = make_ca(tmp)
        server = make_cert(self.ca, ["127.0.0.1"], tmp, "broker")
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            RUN_AS,
            f"cafile {self.ca.cert_path}",
            f"certfile {server.cert_path}",
            f"keyfile {server.key_path}",
        ]
        if require_client_cert:
            lines.append("require_certificate true")
        self.conf.write_text("\n".join(lines) + "\n")


@pytest_twisted.ensureDeferred
async def test_mqtts_verified_like_the_acs(tmp_path: Path) -> None:
    """mqtts:// is checked with the ACS's TLS policy: a trusted CA connects, another does not."""
    broker = TlsBroker(tmp_path)
    broker.start()
    url = f"mqtts://127.0.0.1:{broker.port}"
    other = tmp_path / "other"
    other.mkdir()
    stranger = make_ca(other, common_name="unknown CA")
    refused = Agent(settings(broker.port, url=url, tls=TlsPolicy(ca_file=str(stranger.cert_path))))
    trusted = Agent(settings(broker.port, url=url, tls=TlsPolicy(ca_file=str(broker.ca.cert_path))))
    try:
        refused.client.startService()
        trusted.client.startService()
        connection = await within(trusted.up, 10)
        assert isinstance(connection, MqttConnection)
        await eventually(lambda: refused.client.retries >= 1, 10, "the refusal")
        assert refused.client.connection is None
    finally:
        refused.client.stopService()
        trusted.client.stopService()
        broker.stop()


@pytest_twisted.ensureDeferred
async def test_mqtts_with_a_client_certificate(tmp_path: Path) -> None:
    """A broker demanding a client certificate takes the Agent's (TlsPolicy.client_cert)."""
    broker = TlsBroker(tmp_path, require_client_cert=True)
    broker.start()
    mine = make_cert(broker.ca, ["127.0.0.1"], tmp_path, "agent", client=True)
    policy = TlsPolicy(ca_file=str(broker.ca.cert_path), client_cert=str(mine.pem_path))
    agent = Agent(settings(broker.port, url=f"mqtts://127.0.0.1:{broker.port}", tls=policy))
    try:
        agent.client.startService()
        connection = await within(agent.up, 10)
        assert isinstance(connection, MqttConnection)
    finally:
        agent.client.stopService()
        broker.stop()


@pytest_twisted.ensureDeferred
async def test_each_controller_gets_an_mqtt_connect_record(broker: Broker) -> None:
    """Once subscribed, the Agent publishes an MQTTConnect Record to each Controller."""
    ctrl = "proto::controller-1"
    controller = Agent(
        settings(
            broker.port, agent_topic=CONTROLLER_TOPIC, client_id="controller", endpoint_id=ctrl
        )
    )
    controller.client.startService()
    agent = Agent(settings(broker.port, controllers=((ctrl, CONTROLLER_TOPIC),)))
    try:
        await within(controller.up, 10)
        agent.client.startService()
        await within(controller.arrived, 10)
        ((data, reply),) = controller.received
        assert reply == AGENT_TOPIC
        record = records.decode(data)
        assert record.WhichOneof("record_type") == "mqtt_connect"
        assert (record.to_id, record.from_id) == (ctrl, AGENT_ID)
        assert record.mqtt_connect.subscribed_topic == AGENT_TOPIC
        assert record.mqtt_connect.version == record.mqtt_connect.V5
    finally:
        agent.client.stopService()
        controller.client.stopService()


@pytest_twisted.ensureDeferred
async def test_a_record_published_before_the_session_waits_for_it(broker: Broker) -> None:
    """A Record published while the client is still connecting (a Boot! Notify at start)
    is sent once the session is up, not failed."""
    receiver = Agent(
        settings(broker.port, agent_topic="/usp/receiver", client_id="receiver", endpoint_id="r")
    )
    receiver.client.startService()
    sender = Agent(settings(broker.port, client_id="sender"))
    try:
        await within(receiver.up, 10)
        sender.client.startService()
        assert sender.client.connection is None  # connecting: the TCP connect is not done
        sent = sender.client.publish("/usp/receiver", b"\x0a\x03\x31\x2e\x34")
        await within(sent, 10)
        await within(receiver.arrived, 10)
        assert receiver.received[0][0] == b"\x0a\x03\x31\x2e\x34"
    finally:
        sender.client.stopService()
        receiver.client.stopService()


def test_waiting_records_are_bounded_and_failed_at_stop() -> None:
    """Without a broker at most MAX_WAITING Records wait; the next fails at once, and the
    waiting ones fail when the client stops (nothing is kept for ever)."""
    from twisted.internet.task import Clock  # lazy: only this test needs a fake clock

    from cwmpd.mtp.mqtt import MAX_WAITING, WAIT_SECONDS  # lazy: this test's constants

    client = MqttClient(settings(9), reactor(), lambda d, r: None, rng=random.Random(1))
    client.running = True  # as if started, without connecting anywhere
    client.clock = client._waiting.clock = Clock()  # the fake clock times the waits too
    outcomes: list[str] = []
    for _ in range(MAX_WAITING + 1):
        client.publish("/t", b"x").addCallbacks(
            lambda _: outcomes.append("sent"), lambda f: outcomes.append(type(f.value).__name__)
        )
    assert outcomes == ["ConnectionError"]  # the one over the bound
    client.clock.advance(WAIT_SECONDS)  # each waits at most WAIT_SECONDS
    assert outcomes == ["ConnectionError"] * (MAX_WAITING + 1)
    client.publish("/t", b"x").addErrback(lambda f: outcomes.append("stopped"))
    client.running = False
    client.stopService()
    assert outcomes[-1] == "stopped"
