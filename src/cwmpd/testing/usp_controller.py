"""A scripted USP Controller over MQTT or WebSocket, for cwmpd's tests and integrators'
tests (the USP counterpart of :class:`cwmpd.testing.acs.ScriptedAcs`).

It connects to the broker with the agent's own MQTT client (``cwmpd.mtp.mqtt``: MQTT 5.0,
3.1.1 fallback), subscribed to the Controller's topic; each request method sends one
NoSessionContext Record to the Agent and returns the response (or Error) Msg. Notify
requests from the Agent are collected in :attr:`ScriptedController.notifications` and, when
they ask for it (``send_resp``), answered with NotifyResp. The Agent's MQTTConnect Record
tells the Controller the Agent's Endpoint ID and topic (:meth:`agent_connected`).

    controller = ScriptedController("proto::controller-1", topic="/usp/controller")
    await controller.connect(reactor, "mqtt://127.0.0.1:1883")
    ...  # start the agent
    await controller.agent_connected()
    resp = await controller.get(["Device.DeviceInfo."])

Over WebSocket the Controller is usually the server (:meth:`ScriptedController.listen_websocket`:
the Agent connects in and sends a WebSocketConnect Record); it can also connect to the
Agent's own WebSocket server (:meth:`ScriptedController.connect_websocket`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf import text_format
from google.protobuf.message import DecodeError, Message
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from cwmpd.http.tls import TlsPolicy
from cwmpd.mtp.mqtt import MqttClient, MqttConnection, MqttSettings
from cwmpd.mtp.websocket import WebSocketClient, WebSocketSettings
from cwmpd.mtp.websocket_server import WebSocketServer
from cwmpd.mtp.wssession import WsSession
from cwmpd.reactors import AgentReactor
from cwmpd.usp import messages, records
from cwmpd.usp.mqttwire import V5
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

_log = Logger(namespace="cwmpd.testing.usp")
T = TypeVar("T")


@dataclass(frozen=True)
class AgentSeen:
    """What the Agent's MQTTConnect Record said: its Endpoint ID and its topic."""

    endpoint_id: str
    topic: str


class ScriptedController:
    """A USP Controller whose requests the test scripts; responses come back as Msgs."""

    def __init__(
        self,
        endpoint_id: str = "proto::controller-1",
        *,
        topic: str = "/usp/controller",
        agent_id: str = "",
        agent_topic: str = "/usp/endpoint",
        timeout: float = 10.0,
        send_notify_resp: bool = True,
    ) -> None:
        """``agent_id`` may stay empty: it is learnt from the Agent's MQTTConnect Record."""
        self.endpoint_id = endpoint_id
        self.topic = topic
        self.agent_id = agent_id
        self.agent_topic = agent_topic
        self.timeout = timeout
        self.send_notify_resp = send_notify_resp
        self.notifications: list[pb.Msg] = []
        self.others: list[pb.Msg] = []  # Msgs that answer nothing of ours and are no Notify
        self.client: MqttClient | WebSocketServer | WebSocketClient | None = None
        self._reactor: AgentReactor | None = None
        self._waiting: dict[str, Deferred[pb.Msg]] = {}
        self._notify_waiters: list[Deferred[pb.Msg]] = []
        self._agent_waiters: list[Deferred[AgentSeen]] = []
        self._agent: AgentSeen | None = None
        self._up: Deferred[None] = Deferred()
        self._next = 0

    # -- connection

    async def connect(
        self,
        reactor: AgentReactor,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: TlsPolicy | None = None,
        version: int = V5,
    ) -> None:
        """Connect to the broker at ``url`` (mqtt:// or mqtts://) and subscribe to the
        Controller's topic; ``version`` 4 speaks MQTT 3.1.1."""
        self._reactor = reactor
        settings = MqttSettings(
            url=url,
            endpoint_id=self.endpoint_id,
            agent_topic=self.topic,
            username=username,
            password=password,
            tls=tls or TlsPolicy(),
            version=version,
            retry_minimum=0.5,
        )
        self.client = MqttClient(
            settings,
            reactor,
            self._record,
            rng=random.SystemRandom(),
            on_connected=self._connected,
        )
        self.client.startService()
        await self._up.addTimeout(self.timeout, reactor)

    async def listen_websocket(
        self,
        reactor: AgentReactor,
        *,
        port: int = 0,
        tls: object = None,
        path: str = "",
        keep_alive: float = 30.0,
    ) -> int:
        """Serve WebSocket (``v1.usp``) on 127.0.0.1:``port`` (0: a free one) for the
        Agent to connect in; ``tls``: server TLS options (None: ws://). Returns the port."""
        self._reactor = reactor
        server = WebSocketServer(
            reactor,
            self.endpoint_id,
            self._record,
            port=port,
            interface="127.0.0.1",
            path=path,
            tls=tls,
            keep_alive=keep_alive,
            on_opened=self._ws_opened,
        )
        listening = await server.listen()
        server.startService()
        self.client = server
        address = listening.getHost()
        assert isinstance(address, IPv4Address)
        return address.port

    async def connect_websocket(
        self, reactor: AgentReactor, url: str, *, tls: TlsPolicy | None = None
    ) -> None:
        """Connect to the Agent's own WebSocket server at ``url`` (ws:// or wss://); the
        Agent's Endpoint ID comes from its ``bbf-usp-protocol`` extension."""
        self._reactor = reactor
        settings = WebSocketSettings(
            url=url, endpoint_id=self.endpoint_id, controller_id="", tls=tls or TlsPolicy()
        )
        self.client = WebSocketClient(
            settings,
            reactor,
            self._record,
            rng=random.SystemRandom(),
            on_opened=self._ws_opened,
        )
        self.client.startService()
        await self._up.addTimeout(self.timeout, reactor)

    def _ws_opened(self, session: WsSession) -> None:
        if session.peer_id:
            self.agent_topic = session.peer_id  # WebSocket "topics" are Endpoint IDs
            if not self.agent_id:
                self.agent_id = session.peer_id
        if not self._up.called:
            self._up.callback(None)

    def _connected(self, connection: MqttConnection) -> None:
        if not self._up.called:
            self._up.callback(None)

    def stop(self) -> None:
        """Disconnect; requests still waiting fail."""
        if self.client is not None:
            self.client.stopService()
            self.client = None
        waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            answer.errback(ConnectionError("the scripted controller stopped"))

    async def agent_connected(self, *, fresh: bool = False) -> AgentSeen:
        """The Agent's Endpoint ID and topic, from its MQTTConnect Record (waits for it;
        with ``fresh``, for the next one: the Agent reconnected, after a reboot say)."""
        if self._agent is not None and not fresh:
            return self._agent
        waiting: Deferred[AgentSeen] = Deferred()
        self._agent_waiters.append(waiting)
        return await self._within(waiting)

    # -- receiving

    def _record(self, data: bytes, reply_to: str) -> None:
        try:
            record = records.decode(data)
        except DecodeError:
            _log.warn("scripted controller: not a USP Record ({n} bytes)", n=len(data))
            return
        if record.to_id != self.endpoint_id:
            return
        kind = record.WhichOneof("record_type")
        if kind in ("mqtt_connect", "websocket_connect"):
            topic = record.mqtt_connect.subscribed_topic if kind == "mqtt_connect" else ""
            self._agent = AgentSeen(record.from_id, topic or reply_to)
            if not self.agent_id:
                self.agent_id = record.from_id
            if self._agent.topic:
                self.agent_topic = self._agent.topic
            waiters, self._agent_waiters = self._agent_waiters, []
            for waiting in waiters:
                waiting.callback(self._agent)
            return
        if kind != "no_session_context":
            return
        try:
            msg = records.payload_msg(record)
        except DecodeError:
            _log.warn("scripted controller: a payload that is no Msg")
            return
        answer = self._waiting.pop(msg.header.msg_id, None)
        if answer is not None and messages.body_kind(msg) in ("response", "error"):
            answer.callback(msg)
        elif messages.request_name(msg) == "notify":
            self._notified(record.from_id, msg, reply_to)
        else:
            self.others.append(msg)

    def _notified(self, agent_id: str, msg: pb.Msg, reply_to: str) -> None:
        self.notifications.append(msg)
        notify = msg.body.request.notify
        if notify.send_resp and self.send_notify_resp and self.client is not None:
            resp = messages.response(
                msg.header.msg_id, pb.NotifyResp(subscription_id=notify.subscription_id)
            )
            record = records.no_session_record(resp, agent_id, self.endpoint_id)
            self.client.publish(reply_to or self.agent_topic, record).addErrback(
                lambda f: _log.info("NotifyResp not sent: {e}", e=f.getErrorMessage())
            )
        waiters, self._notify_waiters = self._notify_waiters, []
        for waiting in waiters:
            waiting.callback(msg)

    async def next_notification(self, timeout: float | None = None) -> pb.Msg:
        """The next Notify the Agent sends (after those already collected)."""
        waiting: Deferred[pb.Msg] = Deferred()
        self._notify_waiters.append(waiting)
        return await self._within(waiting, timeout)

    # -- requests

    def _msg_id(self) -> str:
        self._next += 1
        return f"{self.endpoint_id}-{self._next}"

    async def request(self, body: Message, *, timeout: float | None = None) -> pb.Msg:
        """Send request ``body`` (a pb.Get, pb.Set ...) and return the response or Error Msg."""
        if self.client is None or not self.agent_id:
            raise RuntimeError("connect() first, and know the Agent (agent_connected())")
        msg = messages.request(self._msg_id(), body)
        answer: Deferred[pb.Msg] = Deferred()
        self._waiting[msg.header.msg_id] = answer
        record = records.no_session_record(msg, self.agent_id, self.endpoint_id)
        try:
            await self.client.publish(self.agent_topic, record)
            return await self._within(answer, timeout)
        finally:
            self._waiting.pop(msg.header.msg_id, None)

    async def _within(self, waiting: Deferred[T], timeout: float | None = None) -> T:
        assert self._reactor is not None, "connect() first"
        return await waiting.addTimeout(timeout or self.timeout, self._reactor)

    async def get(self, paths: Iterable[str], *, max_depth: int = 0) -> pb.Msg:
        """Get (TR-369 7.5.1)."""
        return await self.request(pb.Get(param_paths=list(paths), max_depth=max_depth))

    async def set(
        self,
        updates: Mapping[str, Mapping[str, str]],
        *,
        allow_partial: bool = False,
        required: bool = False,
    ) -> pb.Msg:
        """Set: ``{object path: {parameter: value}}``."""
        return await self.request(
            pb.Set(
                allow_partial=allow_partial,
                update_objs=[
                    pb.Set.UpdateObject(
                        obj_path=path,
                        param_settings=[
                            pb.Set.UpdateParamSetting(param=k, value=v, required=required)
                            for k, v in params.items()
                        ],
                    )
                    for path, params in updates.items()
                ],
            )
        )

    async def add(
        self,
        obj_path: str,
        params: Mapping[str, str] | None = None,
        *,
        allow_partial: bool = False,
        required: bool = False,
    ) -> pb.Msg:
        """Add one object of ``obj_path`` (a table path ending in ".") with ``params``."""
        return await self.request(
            pb.Add(
                allow_partial=allow_partial,
                create_objs=[
                    pb.Add.CreateObject(
                        obj_path=obj_path,
                        param_settings=[
                            pb.Add.CreateParamSetting(param=k, value=v, required=required)
                            for k, v in (params or {}).items()
                        ],
                    )
                ],
            )
        )

    async def subscribe(self, sub_id: str, notif_type: str, reference: str, **extra: str) -> pb.Msg:
        """Add an enabled ``Device.LocalAgent.Subscription.`` row (its Recipient is set by
        the agent) with ID, NotifType, ReferenceList and ``extra`` (e.g. Persistent="true");
        the AddResp, or an Error if the agent refused it."""
        params = {"Enable": "true", "ID": sub_id, "NotifType": notif_type}
        params.update(ReferenceList=reference, **extra)
        return await self.add("Device.LocalAgent.Subscription.", params)

    async def delete(self, obj_paths: Iterable[str], *, allow_partial: bool = False) -> pb.Msg:
        """Delete."""
        return await self.request(pb.Delete(allow_partial=allow_partial, obj_paths=list(obj_paths)))

    async def operate(
        self,
        command: str,
        input_args: Mapping[str, str] | None = None,
        *,
        command_key: str = "",
        send_resp: bool = True,
    ) -> pb.Msg:
        """Operate ``command`` ("Device.Reboot()" ...)."""
        return await self.request(
            pb.Operate(
                command=command,
                command_key=command_key,
                send_resp=send_resp,
                input_args=dict(input_args or {}),
            )
        )

    async def get_instances(
        self, obj_paths: Iterable[str], *, first_level_only: bool = False
    ) -> pb.Msg:
        """GetInstances."""
        return await self.request(
            pb.GetInstances(obj_paths=list(obj_paths), first_level_only=first_level_only)
        )

    async def get_supported_dm(
        self,
        obj_paths: Iterable[str],
        *,
        first_level_only: bool = False,
        return_commands: bool = True,
        return_events: bool = True,
        return_params: bool = True,
        return_unique_key_sets: bool = False,
    ) -> pb.Msg:
        """GetSupportedDM."""
        return await self.request(
            pb.GetSupportedDM(
                obj_paths=list(obj_paths),
                first_level_only=first_level_only,
                return_commands=return_commands,
                return_events=return_events,
                return_params=return_params,
                return_unique_key_sets=return_unique_key_sets,
            )
        )

    async def get_supported_protocol(self, versions: str = "1.0,1.1,1.2,1.3,1.4") -> pb.Msg:
        """GetSupportedProtocol."""
        return await self.request(
            pb.GetSupportedProtocol(controller_supported_protocol_versions=versions)
        )


def describe(msg: pb.Msg | None, limit: int = 400) -> str:
    """One line for ``msg``: its kind and body in protobuf text form, cut at ``limit``."""
    if msg is None:
        return "nothing within the wait"
    kind = messages.request_name(msg) or messages.response_name(msg) or "error"
    text = text_format.MessageToString(msg.body, as_one_line=True)
    return f"{kind} {msg.header.msg_id!r}: {text[:limit]}{'...' if len(text) > limit else ''}"
