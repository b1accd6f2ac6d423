"""The USP MQTT MTP (TR-369 4.5) on the reactor: an MQTT 5.0 client (3.1.1 fallback) that
subscribes to the Agent's topic and publishes USP Records to Controllers' topics.

Why a small MQTT codec (``cwmpd.usp.mqttwire``) as a Twisted protocol, not paho-mqtt:
paho's ``connect()`` resolves and connects synchronously, so on the reactor it needs a
thread or a hand-fed socket loop; Debian 12 ships paho 1.6 and PyPI 2.x, whose callback
APIs differ; and paho does its own TLS with the ``ssl`` module, while this client gets the
very TLS policy of the ACS connection (``cwmpd.http.tls``: trust roots, host check, client
certificate, clock-tolerant dates) by running over a Twisted TLS endpoint. The packets an
Agent needs are few (CONNECT, SUBSCRIBE, PUBLISH QoS 0/1, PING, DISCONNECT), and the codec
has no dependency at all.

Behaviour (R-MQTT.*): CONNECT asks for Response Information and carries the
``usp-endpoint-id`` User Property (R-MQTT.12/13); the Agent subscribes to its configured
topic, to every CONNACK ``subscribe-topic`` and to the Response Information it was given,
which becomes its "reply to" topic (R-MQTT.15/21); no working subscription means no
publishing and a disconnect (R-MQTT.17). PUBLISH carries the Record with Content Type
``usp.msg`` and the Response Topic (MQTT 5.0) or a ``/reply-to=`` suffix (3.1.1, R-MQTT.22-27).
Each configured Controller gets an MQTTConnect Record naming that topic once the session
is up (R-MTP.6). A broker that refuses MQTT 5.0 is asked again with 3.1.1. Lost connections
are retried with TR-181's ``Device.MQTT.Client.{i}.ConnectRetry*`` back-off (5 s, x2, at
most 30720 s); a broker silent for Keep Alive and a half is dropped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint, wrapClientTLS
from twisted.internet.interfaces import (
    IDelayedCall,
    IProtocol,
    IReactorTime,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.http.tls import TlsPolicy, tls_policy_for
from cwmpd.mtp.waiting import MAX_WAITING as MAX_WAITING
from cwmpd.mtp.waiting import WAIT_SECONDS as WAIT_SECONDS
from cwmpd.mtp.waiting import WaitingRecords
from cwmpd.reactors import AgentReactor
from cwmpd.usp import mqttwire as w
from cwmpd.usp.records import mqtt_connect_record

CONTENT_TYPES = ("usp.msg", "application/vnd.bbf.usp.msg")
_REFUSED_VERSION = (0x01, 0x84)  # 3.1.1 "unacceptable protocol version", 5.0 "unsupported"

_log = Logger(namespace="cwmpd.mtp.mqtt")


@dataclass(frozen=True)
class MqttSettings:
    """One MQTT client of the Agent (``Device.MQTT.Client.{i}`` + ``LocalAgent.MTP.{i}``)."""

    url: str  # mqtt://host[:1883] or mqtts://host[:8883]
    endpoint_id: str
    agent_topic: str  # ResponseTopicConfigured: where Controllers reach the Agent
    client_id: str = ""
    username: str | None = None
    password: str | None = None
    keep_alive: int = 60
    version: int = w.V5
    qos: int = 1
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    retry_minimum: float = 5.0  # ConnectRetryTime
    retry_multiplier: int = 2000  # ConnectRetryIntervalMultiplier
    retry_maximum: float = 30720.0  # ConnectRetryMaxInterval
    max_packet: int = 1024 * 1024 + 1024
    #: (EndpointID, topic) of each Controller reached through this broker: each gets an
    #: MQTTConnect Record once the session is up (R-MTP.6).
    controllers: tuple[tuple[str, str], ...] = ()


RecordHandler = Callable[[bytes, str], None]  # (USP Record, the sender's reply-to topic)


def reply_topic_v311(topic: str) -> tuple[str, str]:
    """Split a 3.1.1 topic into (topic, reply-to) by its last "/reply-to=" (R-MQTT.25)."""
    head, sep, tail = topic.rpartition("/reply-to=")
    return (head, tail.replace("%2F", "/")) if sep else (topic, "")


class MqttConnection(Protocol):
    """One MQTT session; :class:`MqttClient` makes a new one for every connection."""

    def __init__(self, client: MqttClient, version: int) -> None:
        self.client = client
        self.settings = client.settings
        self.version = version
        self.decoder = w.Decoder(version, client.settings.max_packet)
        self.reply_to = client.settings.agent_topic
        self.ready = False
        self.refused_version = False
        self._next_id = 0
        self._acks: dict[int, Deferred[None]] = {}
        self._ping: IDelayedCall | None = None
        self._keep_alive = client.settings.keep_alive
        self._last_heard = client.clock.seconds()

    # -- connection life

    def connectionMade(self) -> None:
        """Send CONNECT."""
        props = w.Properties(
            {w.REQUEST_RESPONSE_INFO: 1}, [("usp-endpoint-id", self.settings.endpoint_id)]
        )
        password = self.settings.password.encode() if self.settings.password is not None else None
        self.transport.write(  # type: ignore[union-attr]
            w.connect(
                self.settings.client_id,
                version=self.version,
                keep_alive=self.settings.keep_alive,
                username=self.settings.username,
                password=password,
                properties=props,
            )
        )

    def dataReceived(self, data: bytes) -> None:
        """Decode and handle each whole packet; a protocol violation closes the connection."""
        self._last_heard = self.client.clock.seconds()
        try:
            for packet in self.decoder.feed(data):
                self._handle(packet)
        except w.MqttError as e:
            _log.warn(
                "MQTT: closing the connection to {url}: {error}", url=self.settings.url, error=e
            )
            self.transport.loseConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Fail what waits for a PUBACK and tell the client."""
        self._stop_ping()
        acks, self._acks = self._acks, {}
        for waiting in acks.values():
            waiting.errback(ConnectionError("MQTT connection lost"))
        self.client.lost(self)

    # -- packets

    def _handle(self, packet: w.Packet) -> None:
        if packet.kind == w.CONNACK:
            self._connack(packet)
        elif packet.kind == w.SUBACK:
            self._suback(packet)
        elif packet.kind == w.PUBLISH:
            self._publish_in(packet)
        elif packet.kind == w.PUBACK:
            waiting = self._acks.pop(packet.packet_id, None)
            if waiting is not None:
                waiting.callback(None)
        elif packet.kind == w.DISCONNECT:
            _log.info("MQTT: broker disconnected, reason {reason}", reason=packet.reason)
            self.transport.loseConnection()  # type: ignore[union-attr]
        # PINGRESP only proves the connection lives

    def _connack(self, packet: w.Packet) -> None:
        if packet.reason:
            self.refused_version = self.version == w.V5 and packet.reason in _REFUSED_VERSION
            _log.warn(
                "MQTT: {url} refused the connection (code {code})",
                url=self.settings.url,
                code=packet.reason,
            )
            self.transport.loseConnection()  # type: ignore[union-attr]
            return
        props = packet.properties
        self._keep_alive = props.get_int(w.SERVER_KEEP_ALIVE) or self.settings.keep_alive
        info = props.get_str(w.RESPONSE_INFO)
        if info:
            self.reply_to = info
        topics = list(props.user_values("subscribe-topic"))
        if info and info not in topics:
            topics.append(info if self.version == w.V5 else info.rstrip("/") + "/#")
        # The configured topic with "/#" in both versions: "t/#" matches "t" itself and the
        # "t/reply-to=..." of a 3.1.1 Controller talking to this 5.0 Agent (R-MQTT.24).
        own = self.settings.agent_topic.rstrip("/") + "/#"
        if self.settings.agent_topic and own not in topics:
            topics.append(own)
        if not topics:
            _log.warn("MQTT: no topic to subscribe to on {url} (R-MQTT.16)", url=self.settings.url)
            self.transport.write(w.disconnect(version=self.version))  # type: ignore[union-attr]
            self.transport.loseConnection()  # type: ignore[union-attr]
            return
        self.transport.write(  # type: ignore[union-attr]
            w.subscribe(self._packet_id(), topics, version=self.version, qos=self.settings.qos)
        )
        self._schedule_ping()

    def _suback(self, packet: w.Packet) -> None:
        if not any(code < 0x80 for code in packet.codes):
            _log.warn(
                "MQTT: every subscription refused on {url} (R-MQTT.17)", url=self.settings.url
            )
            self.transport.write(w.disconnect(version=self.version))  # type: ignore[union-attr]
            self.transport.loseConnection()  # type: ignore[union-attr]
            return
        self.ready = True
        self.client.connected(self)

    def _publish_in(self, packet: w.Packet) -> None:
        if packet.qos == 1:
            self.transport.write(w.puback(packet.packet_id, version=self.version))  # type: ignore[union-attr]
        if self.version == w.V5:
            kind = packet.properties.get_str(w.CONTENT_TYPE)
            if kind is not None and kind not in CONTENT_TYPES:
                _log.info(
                    "MQTT: ignored a {kind!r} message on {topic}", kind=kind, topic=packet.topic
                )
                return
            reply = packet.properties.get_str(w.RESPONSE_TOPIC) or ""
            if not reply:  # a 3.1.1 Controller names its topic in the topic (R-MQTT.25)
                reply = reply_topic_v311(packet.topic)[1]
        else:
            reply = reply_topic_v311(packet.topic)[1]
        self.client.on_record(packet.payload, reply)

    # -- sending

    def _packet_id(self) -> int:
        self._next_id = self._next_id % 0xFFFF + 1
        return self._next_id

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to ``topic``; fires at the PUBACK (QoS 1) or at once (QoS 0)."""
        qos = self.settings.qos
        packet_id = self._packet_id() if qos else 0
        if self.version == w.V5:
            props = w.Properties({w.CONTENT_TYPE: "usp.msg", w.RESPONSE_TOPIC: self.reply_to})
            data = w.publish(topic, record, qos=qos, packet_id=packet_id, properties=props)
        else:
            suffix = "/reply-to=" + self.reply_to.replace("/", "%2F")
            data = w.publish(topic + suffix, record, version=w.V311, qos=qos, packet_id=packet_id)
        done: Deferred[None] = Deferred()
        if qos:
            self._acks[packet_id] = done
        self.transport.write(data)  # type: ignore[union-attr]
        self._schedule_ping()
        if not qos:
            done.callback(None)
        return done

    def close(self) -> None:
        """DISCONNECT politely and close."""
        self.transport.write(w.disconnect(version=self.version))  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]

    # -- keep alive (MQTT 5.0 3.1.2.10: a packet at least every Keep Alive seconds)

    def _schedule_ping(self) -> None:
        self._stop_ping()
        if self._keep_alive > 0:
            self._ping = self.client.clock.callLater(self._keep_alive * 0.75, self._send_ping)

    def _stop_ping(self) -> None:
        if self._ping is not None and self._ping.active():
            self._ping.cancel()
        self._ping = None

    def _send_ping(self) -> None:
        self._ping = None
        silent = self.client.clock.seconds() - self._last_heard
        if silent > 1.5 * self._keep_alive:  # no PINGRESP to the last PINGREQ: a dead peer
            _log.warn("MQTT: {url} silent for {s:.0f} s, dropping", url=self.settings.url, s=silent)
            self.transport.abortConnection()  # type: ignore[union-attr]
            return
        self.transport.write(w.pingreq())  # type: ignore[union-attr]
        self._schedule_ping()


class MqttClient(Service):
    """Keeps one MQTT session up: connects, retries with back-off, hands Records over."""

    def __init__(
        self,
        settings: MqttSettings,
        reactor: AgentReactor,
        on_record: RecordHandler,
        *,
        rng: random.Random,
        on_connected: Callable[[MqttConnection], None] | None = None,
    ) -> None:
        self.settings = settings
        self.reactor = reactor
        self.clock: IReactorTime = reactor
        self.on_record = on_record
        self.on_connected = on_connected
        self.rng = rng
        self.connection: MqttConnection | None = None
        self.retries = 0
        self.version = settings.version
        self._retry: IDelayedCall | None = None
        self._attempt: Deferred[IProtocol] | None = None
        self._waiting = WaitingRecords(self.clock, f"no MQTT session to {settings.url}")

    def endpoint(self) -> IStreamClientEndpoint:
        """The TCP (mqtt://) or TLS (mqtts://) endpoint of the broker."""
        url = urlsplit(self.settings.url)
        secure = url.scheme == "mqtts"
        if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
            raise ValueError(f"not an MQTT URL: {self.settings.url!r}")
        port = url.port or (8883 if secure else 1883)
        plain = HostnameEndpoint(self.reactor, url.hostname, port)
        if not secure:
            return plain
        creator = tls_policy_for(self.settings.tls).creatorForNetloc(url.hostname.encode(), port)
        return wrapClientTLS(creator, plain)

    def startService(self) -> None:
        """Connect now."""
        super().startService()  # type: ignore[no-untyped-call]
        self._connect()

    def stopService(self) -> Deferred[None] | None:
        """Stop retrying and close the session."""
        super().stopService()  # type: ignore[no-untyped-call]
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        if self._attempt is not None:
            self._attempt.cancel()
        if self.connection is not None:
            self.connection.close()
        self._waiting.fail_all("MQTT client stopped")
        return None

    def _connect(self) -> None:
        self._retry = None
        factory = Factory.forProtocol(lambda: MqttConnection(self, self.version))
        attempt = self.endpoint().connect(factory)
        self._attempt = attempt
        attempt.addCallbacks(self._made, self._failed)

    def _made(self, protocol: IProtocol) -> None:
        self._attempt = None

    def _failed(self, failure: Failure) -> None:
        self._attempt = None
        if self.running:
            _log.info(
                "MQTT: cannot reach {url}: {error}",
                url=self.settings.url,
                error=failure.getErrorMessage(),
            )
            self._schedule_retry()

    def connected(self, connection: MqttConnection) -> None:
        """A session is subscribed: publishing may start."""
        self.connection = connection
        self.retries = 0
        _log.info(
            "MQTT: connected to {url} (MQTT {v}), reply-to {topic}",
            url=self.settings.url,
            v="5.0" if connection.version == w.V5 else "3.1.1",
            topic=connection.reply_to,
        )
        for endpoint_id, topic in self.settings.controllers:
            record = mqtt_connect_record(
                endpoint_id,
                self.settings.endpoint_id,
                connection.reply_to,
                v5=connection.version == w.V5,
            )
            connection.publish(topic, record).addErrback(self._unsent, endpoint_id)
        self._flush(connection)
        if self.on_connected is not None:
            self.on_connected(connection)

    def _unsent(self, failure: Failure, endpoint_id: str) -> None:
        _log.info(
            "MQTT: MQTTConnect to {id} not delivered: {e}",
            id=endpoint_id,
            e=failure.getErrorMessage(),
        )

    def lost(self, connection: MqttConnection) -> None:
        """A session ended; try again (at once with 3.1.1 if 5.0 was refused)."""
        if self.connection is connection:
            self.connection = None
        if not self.running:
            return
        if connection.refused_version and self.version == w.V5:
            self.version = w.V311
            self._retry = self.clock.callLater(0, self._connect)
            return
        self._schedule_retry()

    def retry_delay(self) -> float:
        """The wait before attempt ``retries`` + 1 (TR-369 retry algorithm, 4.3.3.3)."""
        m, k = self.settings.retry_minimum, self.settings.retry_multiplier / 1000
        n = min(self.retries, 10)
        low, high = m * k ** (n - 1) if n else m, m * k**n
        return min(self.rng.uniform(low, high), self.settings.retry_maximum)

    def _schedule_retry(self) -> None:
        self.retries += 1
        delay = self.retry_delay()
        self._retry = self.clock.callLater(delay, self._connect)

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Publish ``record`` to ``topic`` on the current session. Without one (the agent
        is just starting, or the broker is away) it waits for the next session, at most
        ``MAX_WAITING`` Records and ``WAIT_SECONDS`` each; then it fails (ConnectionError)."""
        if self.connection is not None and self.connection.ready:
            return self.connection.publish(topic, record)
        return self._waiting.add(topic, record, bool(self.running))

    def _flush(self, connection: MqttConnection) -> None:
        """Send what waited for this session, in order."""
        for topic, record, d in self._waiting.take():
            connection.publish(topic, record).chainDeferred(d)
