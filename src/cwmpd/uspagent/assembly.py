"""USP in the running agent, assembled from ``[usp]``: the Endpoint, its handler, one MQTT
client per broker.

The service imports this module lazily, only when ``[usp] enable`` is true, so that a
CWMP-only agent never loads protobuf. Controllers that share a broker connection (same URL,
agent topic and credentials) share one :class:`~cwmpd.mtp.mqtt.MqttClient`. The handler is
made by a :data:`HandlerFactory` from the shared :class:`DataModel` and what the agent's
life offers (reboot, factory reset), so USP and CWMP act on one model and one boot.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.config import ConfigError, UspConfig, UspControllerConfig
from cwmpd.datamodel.model import DataModel
from cwmpd.http.tls import TlsConfigError, TlsPolicy, tls_policy_for
from cwmpd.mtp.mqtt import MqttClient, MqttSettings
from cwmpd.mtp.uds import UdsClient, UdsServer, UdsSettings
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir
from cwmpd.uspagent.dispatch import Dispatcher
from cwmpd.uspagent.endpoint import UspEndpoint
from cwmpd.uspagent.handler import MessageHandler
from cwmpd.uspagent.notify import Boot, Notifications, make_notifications
from cwmpd.uspagent.onboard import OnBoarding
from cwmpd.uspagent.operate_async import AsyncOperations, Resumable, Runner
from cwmpd.uspagent.register import Registration

_log = Logger(namespace="cwmpd.uspagent")

#: Characters of an OUI or serial number kept as they are in an ``os::`` Endpoint ID.
_UNRESERVED = re.compile(r"[^A-Za-z0-9._~-]")


@dataclass(frozen=True)
class FirstBoot:
    """Whether the USP OnBoardRequests of a first boot are owed (``owed()``), and how to
    record that they are queued (``settled()``): the agent's life keeps it (agent.json)."""

    owed: Callable[[], bool]
    settled: Callable[[], None]


@dataclass(frozen=True)
class HandlerContext:
    """What a message handler may act on: the shared model and the agent's life."""

    model: DataModel
    clock: IReactorTime
    reboot: Callable[[str, str], None]  # (cause, command key), for the next Boot! event
    factory_reset: Callable[[], None]
    operations: AsyncOperations | None = None  # the asynchronous commands (operate_async)
    on_board: Callable[[str], None] | None = None  # SendOnBoardRequest() of a Controller


#: Makes the agent's MessageHandler (the lead wires cwmpd.uspagent.dispatch.Dispatcher).
HandlerFactory = Callable[[HandlerContext], MessageHandler]


def default_handler(context: HandlerContext) -> MessageHandler:
    """The agent's :data:`HandlerFactory`: the messages of cwmpd.uspagent.dispatch."""
    return Dispatcher(
        context.model,
        clock=context.clock,
        reboot=lambda command_key: context.reboot("RemoteReboot", command_key),
        factory_reset=context.factory_reset,
        on_board=context.on_board,
        operations=context.operations,
    )


def async_operations(
    model: DataModel,
    runners: Mapping[str, Runner],
    resumable: Mapping[str, Resumable] | None = None,
) -> AsyncOperations:
    """The asynchronous commands of the agent (``runners``, and the ``resumable`` ones
    that outlive a restart, by generic command path)."""
    return AsyncOperations(model, runners, resumable)


def os_endpoint_id(oui: str, serial_number: str) -> str:
    """``os::<OUI>-<SerialNumber>`` (TR-369 R-ARC.8), other characters %-encoded."""

    def escape(text: str) -> str:
        return _UNRESERVED.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), text)

    return f"os::{escape(oui)}-{escape(serial_number)}"


async def agent_endpoint_id(config: UspConfig, model: DataModel) -> str:
    """usp.endpoint_id, or the ``os::`` one made from DeviceInfo when it is empty."""
    if config.endpoint_id:
        return config.endpoint_id
    device = await model.device_id()
    return os_endpoint_id(device.oui, device.serial_number)


def _broker_key(ctrl: UspControllerConfig) -> tuple[str, ...]:
    return (
        ctrl.url,
        ctrl.agent_topic,
        ctrl.username,
        ctrl.password,
        ctrl.ca_file,
        ctrl.client_cert,
    )


def tls_for(ctrl: UspControllerConfig, source: str, index: int) -> TlsPolicy:
    """The TLS policy of an mqtts:// Controller entry, its files loaded now: a bad one is
    a ConfigError naming its key (like acs.ca_file and acs.client_cert)."""
    policy = TlsPolicy(ca_file=ctrl.ca_file, client_cert=ctrl.client_cert)
    if ctrl.url.startswith(("mqtts:", "wss:")):
        try:
            tls_policy_for(policy)
        except TlsConfigError as exc:
            raise ConfigError(f"{source}: usp.controllers[{index}]: {exc}") from exc
    return policy


def broker_settings(config: UspConfig, agent_id: str, source: str) -> list[MqttSettings]:
    """One MqttSettings per broker connection, naming the Controllers reached through it."""
    brokers: dict[tuple[str, ...], MqttSettings] = {}
    for index, ctrl in enumerate(config.controllers):
        if ctrl.mtp != "mqtt":
            continue
        key = _broker_key(ctrl)
        known = brokers.get(key)
        route = (ctrl.endpoint_id, ctrl.controller_topic)
        if known is not None:
            brokers[key] = replace(known, controllers=(*known.controllers, route))
            continue
        brokers[key] = MqttSettings(
            url=ctrl.url,
            endpoint_id=agent_id,
            agent_topic=ctrl.agent_topic,
            username=ctrl.username or None,
            password=ctrl.password or None,
            tls=tls_for(ctrl, source, index),
            controllers=(route,),
        )
    return list(brokers.values())


class UspAgent(MultiService):
    """The USP side of the agent: resolves its Endpoint ID, then runs an MQTT client per
    broker feeding one :class:`UspEndpoint`."""

    def __init__(
        self,
        config: UspConfig,
        model: DataModel,
        reactor: AgentReactor,
        handler: MessageHandler,
        *,
        rng: random.Random,
        files: StateDir,
        boot: tuple[str, str, bool] | None = None,
        source: str = "<config>",
        operations: AsyncOperations | None = None,
        first_boot: FirstBoot | None = None,
        boot_raised: Callable[[], None] | None = None,
    ) -> None:
        """``files``: where the Notify queue is kept; ``boot``: (cause, command key) when
        this run is a new boot of the device (``Device.Boot!`` goes out), else None;
        ``operations``: the handler's asynchronous commands, whose OperationComplete go
        out through this agent's notifications; ``first_boot``: whether OnBoardRequests
        are owed (None: never); ``boot_raised``: called once the Boot! of ``boot`` is
        queued (a restart before that raises it again)."""
        super().__init__()  # type: ignore[no-untyped-call]
        self.config = config
        self.model = model
        self.reactor = reactor
        self.handler = handler
        self.rng = rng
        self.source = source
        self.files = files
        self.boot = boot
        self.operations = operations
        self.first_boot = first_boot
        self._boot_raised = boot_raised
        self.endpoint: UspEndpoint | None = None
        self.notifications: Notifications | None = None
        self.onboarding: OnBoarding | None = None
        self.clients: list[MqttClient] = []
        self.websockets: list[Service] = []  # WebSocket clients and server (cwmpd.uspagent.wsmtp)
        self.sockets: list[UdsClient | UdsServer] = []  # one per UDS socket path
        self.registrations: list[Registration] = []
        self.ready: Deferred[UspEndpoint] = Deferred()
        for index, ctrl in enumerate(config.controllers):  # bad TLS files fail the start
            tls_for(ctrl, source, index)

    def startService(self) -> None:
        """Find the Endpoint ID (it may need the backends), then connect to the brokers."""
        super().startService()  # type: ignore[no-untyped-call]
        ensureDeferred(agent_endpoint_id(self.config, self.model)).addCallbacks(
            self._connect, self._no_id
        )

    def _no_id(self, failure: Failure) -> None:
        _log.error("USP not started: no Endpoint ID ({error})", error=failure.getErrorMessage())

    def _connect(self, agent_id: str) -> None:
        if not self.running:
            return
        endpoint = UspEndpoint(
            agent_id,
            self.handler,
            self.reactor,
            max_in_flight=self.config.max_in_flight,
            response_timeout=self.config.response_timeout,
        )
        self.endpoint = endpoint
        for settings in broker_settings(self.config, agent_id, self.source):
            client = self._client(endpoint, settings)
            for controller_id, topic in settings.controllers:
                endpoint.add_controller(controller_id, client, topic)
            self.clients.append(client)
            client.setServiceParent(self)  # type: ignore[no-untyped-call]
        if any(ctrl.mtp == "websocket" for ctrl in self.config.controllers):
            from cwmpd.uspagent import wsmtp  # lazy: wsproto only for WebSocket Controllers

            self.websockets = wsmtp.websocket_mtps(self.config, endpoint, self.reactor, self.rng)
            for service in self.websockets:
                service.setServiceParent(self)  # type: ignore[no-untyped-call]
        self._uds(endpoint, agent_id)
        _log.info(
            "USP agent {id}: {n} controller(s) over {b} MQTT broker connection(s)",
            id=agent_id,
            n=len(endpoint.controllers),
            b=len(self.clients),
        )
        notifications = make_notifications(self.model, endpoint, self.files, self.reactor, self.rng)
        self.notifications = notifications
        # before the queue is sent again: it notes the OnBoardRequests queued before a restart
        self.onboarding = OnBoarding(self.model, notifications.delivery, self.reactor)
        boot, self.boot = self.boot, None  # one Boot! per boot, not per reconnection
        started = ensureDeferred(notifications.start(Boot(*boot) if boot else None))
        raised = self._boot_raised
        if boot is not None and raised is not None:
            started.addCallback(lambda _: raised())
        started.addErrback(lambda f: _log.failure("USP notifications not started", f))
        operations = self.operations
        if operations is not None:  # once the subscriptions are read
            started.addCallback(lambda _: operations.notify_with(notifications.operation_complete))
        started.addCallback(lambda _: self._on_board_at_boot())
        self.ready.callback(endpoint)

    def _on_board_at_boot(self) -> Deferred[int] | None:
        """The first boot's OnBoardRequests (cwmpd.uspagent.onboard), if owed."""
        if self.onboarding is None:
            return None
        first = self.first_boot
        if first is None:
            done = ensureDeferred(self.onboarding.start(lambda: False))
        else:
            done = ensureDeferred(self.onboarding.start(first.owed, first.settled))
        done.addErrback(lambda f: _log.failure("USP OnBoardRequests not sent", f))
        return done

    def on_board(self, controller: str) -> None:
        """``SendOnBoardRequest()`` of ``controller`` (its instance path) ran."""
        if self.onboarding is not None:
            done = ensureDeferred(self.onboarding.request(controller))
            done.addErrback(lambda f: _log.failure("OnBoardRequest not sent", f))

    def rebooted(self, boot: tuple[str, str, bool]) -> None:
        """The device rebooted with the daemon running on: ``Device.Boot!`` all the same."""
        if self.notifications is not None:
            raised = ensureDeferred(self.notifications.raise_boot(Boot(*boot)))
            done = self._boot_raised
            if done is not None:
                raised.addCallback(lambda _: done())
            raised.addErrback(lambda f: _log.failure("USP Boot! not raised", f))
            raised.addCallback(lambda _: self._on_board_at_boot())  # after a factory reset

    def _client(self, endpoint: UspEndpoint, settings: MqttSettings) -> MqttClient:
        def on_record(data: bytes, reply_to: str) -> None:
            endpoint.received(client, data, reply_to)

        client = MqttClient(settings, self.reactor, on_record, rng=self.rng)
        return client

    def _uds(self, endpoint: UspEndpoint, agent_id: str) -> None:
        """One UDS client or server per socket path; a Controller is reached through it by
        its Endpoint ID; a client Registers the configured paths after each Handshake."""
        sockets: dict[str, UdsClient | UdsServer] = {}
        for ctrl in self.config.controllers:
            if ctrl.mtp != "uds":
                continue
            sock = sockets.get(ctrl.path)
            if sock is None:
                sock = self._socket(
                    endpoint, UdsSettings(ctrl.path, agent_id, ctrl.mode == "listen")
                )
                sockets[ctrl.path] = sock
                self.sockets.append(sock)
                sock.setServiceParent(self)  # type: ignore[no-untyped-call]
            endpoint.add_controller(ctrl.endpoint_id, sock, ctrl.endpoint_id)
            if ctrl.register:
                self.registrations.append(Registration(endpoint, ctrl.endpoint_id, ctrl.register))

    def _socket(self, endpoint: UspEndpoint, settings: UdsSettings) -> UdsClient | UdsServer:
        sock: UdsClient | UdsServer

        def on_record(data: bytes, peer_id: str) -> None:
            endpoint.received(sock, data, peer_id)

        def on_connected(peer_id: str) -> None:
            for registration in self.registrations:
                if registration.broker_id == peer_id:
                    registration.register()

        if settings.listen:
            sock = UdsServer(settings, self.reactor, on_record, on_connected=on_connected)
        else:
            sock = UdsClient(
                settings, self.reactor, on_record, rng=self.rng, on_connected=on_connected
            )
        return sock

    def stopService(self) -> Deferred[None] | None:
        """Close the broker connections and fail the Agent's requests still waiting."""
        for registration in self.registrations:
            registration.deregister()  # written before the socket closes; not waited for
        if self.operations is not None:
            self.operations.stop()
        if self.onboarding is not None:
            self.onboarding.stop()
            self.onboarding = None
        if self.notifications is not None:
            self.notifications.stop()
            self.notifications = None
        if self.endpoint is not None:
            self.endpoint.stop()
        result: Deferred[None] | None = super().stopService()  # type: ignore[no-untyped-call]
        for client in self.clients:
            client.disownServiceParent()  # type: ignore[no-untyped-call]
        self.clients = []
        for service in self.websockets:
            service.disownServiceParent()  # type: ignore[no-untyped-call]
        self.websockets = []
        for sock in self.sockets:
            sock.disownServiceParent()  # type: ignore[no-untyped-call]
        self.sockets = []
        return result
