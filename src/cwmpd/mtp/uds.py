"""The USP Unix-domain-socket MTP (TR-369 4.6, USP 1.3): the agent as client of a socket (a
USP Broker's ``/var/run/usp/broker_controller_path``) and as a server.

Frames are in :mod:`cwmpd.mtp.uds_frames`, one connection's Handshake and Records in
:mod:`cwmpd.mtp.uds_connection`. A client retries a lost or refused connection after a
random 1 to 5 s (R-UDS.5); Records sent without a connection wait for one
(:mod:`cwmpd.mtp.waiting`).
"""

from __future__ import annotations

import os
import random
import stat
from collections.abc import Callable
from dataclasses import dataclass

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import UNIXClientEndpoint, UNIXServerEndpoint
from twisted.internet.interfaces import IDelayedCall, IListeningPort, IProtocol
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.mtp.uds_connection import RecordHandler, UdsConnection, UdsPeer
from cwmpd.mtp.uds_frames import MAX_FRAME
from cwmpd.mtp.waiting import MAX_WAITING as MAX_WAITING
from cwmpd.mtp.waiting import WAIT_SECONDS as WAIT_SECONDS
from cwmpd.mtp.waiting import WaitingRecords
from cwmpd.reactors import AgentReactor

_log = Logger(namespace="cwmpd.mtp.uds")

RETRY_MIN, RETRY_MAX = 1.0, 5.0  # R-UDS.5


@dataclass(frozen=True)
class UdsSettings:
    """One socket: its path, the agent's Endpoint ID, connect (client) or listen (server)."""

    path: str
    endpoint_id: str
    listen: bool = False
    max_frame: int = MAX_FRAME


class UdsClient(Service, UdsPeer):
    """Keeps one connection to a UDS server (a Broker) up, retrying after 1-5 s."""

    def __init__(
        self,
        settings: UdsSettings,
        reactor: AgentReactor,
        on_record: RecordHandler,
        *,
        rng: random.Random,
        on_connected: Callable[[str], None] | None = None,
    ) -> None:
        """``on_connected(peer_id)`` after each Handshake (the agent Registers there)."""
        self.settings = settings
        self.endpoint_id = settings.endpoint_id
        self.reactor = reactor
        self.clock = reactor
        self.on_record = on_record
        self.on_connected = on_connected
        self.rng = rng
        self.connection: UdsConnection | None = None
        self._retry: IDelayedCall | None = None
        self._attempt: Deferred[IProtocol] | None = None
        self._waiting = WaitingRecords(reactor, f"no UDS connection to {settings.path}")

    def startService(self) -> None:
        """Connect now."""
        super().startService()  # type: ignore[no-untyped-call]
        self._connect()

    def stopService(self) -> Deferred[None] | None:
        """Stop retrying and close the connection."""
        super().stopService()  # type: ignore[no-untyped-call]
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        if self._attempt is not None:
            self._attempt.cancel()
        if self.connection is not None:
            self.connection.close()
        self._waiting.fail_all("UDS client stopped")
        return None

    def _connect(self) -> None:
        self._retry = None
        factory = Factory.forProtocol(
            lambda: UdsConnection(self, client=True, max_frame=self.settings.max_frame)
        )
        endpoint = UNIXClientEndpoint(self.reactor, self.settings.path)  # type: ignore[no-untyped-call]
        attempt: Deferred[IProtocol] = endpoint.connect(factory)  # type: ignore[no-untyped-call]
        self._attempt = attempt
        attempt.addCallbacks(self._made, self._failed)

    def _made(self, protocol: IProtocol) -> None:
        self._attempt = None

    def _failed(self, failure: Failure) -> None:
        self._attempt = None
        if self.running:
            _log.info(
                "UDS: cannot reach {path}: {error}",
                path=self.settings.path,
                error=failure.getErrorMessage(),
            )
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        self._retry = self.clock.callLater(self.rng.uniform(RETRY_MIN, RETRY_MAX), self._connect)

    def handshaken(self, connection: UdsConnection) -> None:
        self.connection = connection
        _log.info(
            "UDS: connected to {peer} at {path}", peer=connection.peer_id, path=self.settings.path
        )
        for _, record, d in self._waiting.take():
            connection.send_record(record)
            d.callback(None)
        if self.on_connected is not None and connection.peer_id is not None:
            self.on_connected(connection.peer_id)

    def lost(self, connection: UdsConnection) -> None:
        if self.connection is connection:
            self.connection = None
        if self.running and self._retry is None and self._attempt is None:
            self._schedule_retry()

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the server (``topic`` is its Endpoint ID, not needed here);
        without a connection it waits for the next one (MAX_WAITING, WAIT_SECONDS)."""
        connection = self.connection
        if connection is not None and connection.ready:
            connection.send_record(record)
            done: Deferred[None] = Deferred()
            done.callback(None)
            return done
        return self._waiting.add(topic, record, bool(self.running))


class UdsServer(Service, UdsPeer):
    """Listens on a socket; serves each client that Handshakes, by its Endpoint ID."""

    def __init__(
        self,
        settings: UdsSettings,
        reactor: AgentReactor,
        on_record: RecordHandler,
        *,
        on_connected: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.endpoint_id = settings.endpoint_id
        self.reactor = reactor
        self.clock = reactor
        self.on_record = on_record
        self.on_connected = on_connected
        self.connections: dict[str, UdsConnection] = {}
        self.port: IListeningPort | None = None
        self.listening: Deferred[IListeningPort] | None = None
        self._waiting = WaitingRecords(reactor, f"no UDS connection on {settings.path}")

    def startService(self) -> None:
        """Listen (a stale socket of an earlier run is replaced, no other file)."""
        super().startService()  # type: ignore[no-untyped-call]
        try:  # only a socket is replaced: another kind of file makes listen() fail
            if stat.S_ISSOCK(os.lstat(self.settings.path).st_mode):
                os.unlink(self.settings.path)
        except FileNotFoundError:
            pass
        factory = Factory.forProtocol(
            lambda: UdsConnection(self, client=False, max_frame=self.settings.max_frame)
        )
        endpoint = UNIXServerEndpoint(self.reactor, self.settings.path, mode=0o660)  # type: ignore[no-untyped-call]
        self.listening = endpoint.listen(factory)  # type: ignore[no-untyped-call]

        def listening(port: IListeningPort) -> IListeningPort:
            self.port = port
            return port

        def failed(failure: Failure) -> None:
            _log.error(
                "UDS: cannot listen on {path}: {e}",
                path=self.settings.path,
                e=failure.getErrorMessage(),
            )

        self.listening.addCallback(listening).addErrback(failed)

    def stopService(self) -> Deferred[None] | None:
        """Stop listening, close every connection."""
        super().stopService()  # type: ignore[no-untyped-call]
        for connection in list(self.connections.values()):
            connection.close()
        self._waiting.fail_all("UDS server stopped")
        port, self.port = self.port, None
        if port is not None:
            stopped: Deferred[None] = port.stopListening()  # type: ignore[assignment]
            return stopped
        return None

    def handshaken(self, connection: UdsConnection) -> None:
        peer_id = connection.peer_id
        assert peer_id is not None
        old = self.connections.get(peer_id)
        if old is not None and old is not connection:
            old.close()
        self.connections[peer_id] = connection
        _log.info("UDS: {peer} connected on {path}", peer=peer_id, path=self.settings.path)
        for _, record, d in self._waiting.take(peer_id):
            connection.send_record(record)
            d.callback(None)
        if self.on_connected is not None:
            self.on_connected(peer_id)

    def lost(self, connection: UdsConnection) -> None:
        if (
            connection.peer_id is not None
            and self.connections.get(connection.peer_id) is connection
        ):
            del self.connections[connection.peer_id]

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the client whose Endpoint ID is ``topic``; it waits for that
        client to connect (MAX_WAITING, WAIT_SECONDS)."""
        connection = self.connections.get(topic)
        if connection is not None and connection.ready:
            connection.send_record(record)
            done: Deferred[None] = Deferred()
            done.callback(None)
            return done
        return self._waiting.add(topic, record, bool(self.running))
