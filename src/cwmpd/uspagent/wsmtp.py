"""The Agent's WebSocket MTPs, made from ``[usp]``: one client per ``mtp = "websocket"``
Controller with a url, and the Agent's own server (``[usp.websocket_server]``) for those
without one, which connect in.

:mod:`cwmpd.uspagent.assembly` imports this module lazily, only when some Controller uses
WebSocket, so that an MQTT-only Agent never needs wsproto.
"""

from __future__ import annotations

import random

from twisted.application.service import Service

from cwmpd.config import UspConfig, UspControllerConfig
from cwmpd.http.tls import TlsPolicy, server_tls_for
from cwmpd.mtp.websocket import WebSocketClient, WebSocketSettings
from cwmpd.mtp.websocket_server import WebSocketServer
from cwmpd.mtp.wssession import WsSession
from cwmpd.reactors import AgentReactor
from cwmpd.usp.records import websocket_connect_record
from cwmpd.uspagent.endpoint import UspEndpoint


def websocket_controllers(config: UspConfig) -> list[UspControllerConfig]:
    """The ``mtp = "websocket"`` Controllers."""
    return [ctrl for ctrl in config.controllers if ctrl.mtp == "websocket"]


def websocket_mtps(
    config: UspConfig, endpoint: UspEndpoint, reactor: AgentReactor, rng: random.Random
) -> list[Service]:
    """The clients and the server, their Controllers added to ``endpoint`` (not started)."""
    services: list[Service] = []
    incoming: list[str] = []
    for ctrl in websocket_controllers(config):
        if not ctrl.url:
            incoming.append(ctrl.endpoint_id)
            continue
        settings = WebSocketSettings(
            url=ctrl.url,
            endpoint_id=endpoint.agent_id,
            controller_id=ctrl.endpoint_id,
            tls=TlsPolicy(ca_file=ctrl.ca_file, client_cert=ctrl.client_cert),
            keep_alive=ctrl.keep_alive,
        )
        client = _client(endpoint, settings, reactor, rng)
        endpoint.add_controller(ctrl.endpoint_id, client, ctrl.endpoint_id)
        services.append(client)
    server_config = config.websocket_server
    if server_config.enable and incoming:
        known = set(incoming)

        def opened(session: WsSession) -> None:  # R-MTP.6: a Connect Record on every session
            session.send_record(websocket_connect_record(session.peer_id, endpoint.agent_id))

        def received(data: bytes, reply_to: str) -> None:
            endpoint.received(server, data, reply_to)

        server = WebSocketServer(
            reactor,
            endpoint.agent_id,
            received,
            port=server_config.port,
            interface=server_config.interface,
            path=server_config.path,
            tls=server_tls_for(server_config.server_cert, server_config.ca_file),
            keep_alive=server_config.keep_alive,
            accept=known.__contains__,
            on_opened=opened,
        )
        for controller_id in incoming:
            endpoint.add_controller(controller_id, server, controller_id)
        services.append(server)
    return services


def _client(
    endpoint: UspEndpoint, settings: WebSocketSettings, reactor: AgentReactor, rng: random.Random
) -> WebSocketClient:
    def received(data: bytes, reply_to: str) -> None:
        endpoint.received(client, data, reply_to)

    client = WebSocketClient(settings, reactor, received, rng=rng)
    return client
