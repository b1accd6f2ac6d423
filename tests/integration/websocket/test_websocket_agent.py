"""The running agent over the USP WebSocket MTP, the real Dispatcher answering: the agent
connects out to the scripted Controller's server (ws://), and a Controller connects in to
the agent's own wss:// server ([usp.websocket_server], client certificates required)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer
from twisted.internet.task import deferLater

from cwmpd.config import parse_config
from cwmpd.http.tls import TlsPolicy
from cwmpd.mtp.websocket_server import WebSocketServer
from cwmpd.service import CwmpAgent, makeService
from cwmpd.testing.pki import make_ca, make_cert
from cwmpd.testing.usp_controller import ScriptedController
from support.agent_harness import reactor
from support.mosquitto import free_port

CTRL = "proto::ws-controller"
AGENT = "os::cwmpd-ws-test"


def base(state: Path) -> str:
    return (
        '[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{state}"\n'
        '[control]\nsocket = ""\n'
        f'[usp]\nenable = true\nendpoint_id = "{AGENT}"\n'
    )


def start(text: str) -> CwmpAgent:
    agent = makeService(
        parse_config(text, "ws.toml"), reactor, rng=random.Random(1), on_exit=lambda: None
    )
    agent.startService()
    return agent


def serial(resp: object) -> str:
    result = resp.body.response.get_resp.req_path_results[0]  # type: ignore[attr-defined]
    return str(result.resolved_path_results[0].result_params["SerialNumber"])


@pytest_twisted.ensureDeferred
async def test_the_agent_connects_out_and_answers_a_get(tmp_path: Path) -> None:
    """mtp = "websocket" with a url: WebSocketConnect, then Get through the Dispatcher;
    Device.LocalAgent. shows the WebSocket MTP."""
    controller = ScriptedController(CTRL)
    port = await controller.listen_websocket(reactor, path="/usp")
    text = base(tmp_path / "state") + (
        f'[[usp.controllers]]\nendpoint_id = "{CTRL}"\nmtp = "websocket"\n'
        f'url = "ws://127.0.0.1:{port}/usp"\n'
    )
    agent = start(text)
    try:
        seen = await controller.agent_connected()
        assert seen.endpoint_id == AGENT
        device = await agent.model.device_id()
        assert serial(await controller.get(["Device.DeviceInfo."])) == device.serial_number
        resp = await controller.get(["Device.LocalAgent.Controller.1.MTP.1."])
        params = resp.body.response.get_resp.req_path_results[0].resolved_path_results[0]
        assert params.result_params["Protocol"] == "WebSocket"
        got = await controller.get(["Device.LocalAgent.Controller.1.MTP.1.WebSocket."])
        ws = got.body.response.get_resp.req_path_results[0].resolved_path_results[0]
        assert (ws.result_params["Host"], ws.result_params["Port"]) == ("127.0.0.1", str(port))
        assert ws.result_params["Path"] == "/usp"
    finally:
        controller.stop()
        await defer.maybeDeferred(agent.stopService)


@pytest_twisted.ensureDeferred
async def test_the_agents_own_server_answers_a_controller_that_connects_in(
    tmp_path: Path,
) -> None:
    """[usp.websocket_server] over TLS: a configured Controller with a client certificate
    gets the Agent's WebSocketConnect and its Get answered; one without a certificate
    never gets a session, nor does an unknown Endpoint ID."""
    ca = make_ca(tmp_path, "ca")
    server_cert = make_cert(ca, ["127.0.0.1"], tmp_path, "agent")
    client_cert = make_cert(ca, [], tmp_path, "ctrl", client=True, common_name=CTRL)
    port = free_port()
    text = base(tmp_path / "state") + (
        f'[usp.websocket_server]\nenable = true\nport = {port}\ninterface = "127.0.0.1"\n'
        f'path = "/usp"\nserver_cert = "{server_cert.pem_path}"\nca_file = "{ca.cert_path}"\n'
        f'[[usp.controllers]]\nendpoint_id = "{CTRL}"\nmtp = "websocket"\n'
    )
    agent = start(text)
    url = f"wss://127.0.0.1:{port}/usp"
    good = TlsPolicy(ca_file=str(ca.cert_path), client_cert=str(client_cert.pem_path))
    try:
        await deferLater(reactor, 0.3, lambda: None)  # the agent finds its ID and listens
        stranger = ScriptedController("proto::not-configured", timeout=2)
        with pytest.raises(defer.TimeoutError):
            await stranger.connect_websocket(reactor, url, tls=good)
        stranger.stop()
        anonymous = ScriptedController(CTRL, timeout=2)
        with pytest.raises(defer.TimeoutError):
            await anonymous.connect_websocket(
                reactor, url, tls=TlsPolicy(ca_file=str(ca.cert_path))
            )
        anonymous.stop()

        controller = ScriptedController(CTRL)
        await controller.connect_websocket(reactor, url, tls=good)
        try:
            assert controller.agent_id == AGENT  # from the server's bbf-usp-protocol eid
            seen = await controller.agent_connected()
            assert seen.endpoint_id == AGENT
            device = await agent.model.device_id()
            assert serial(await controller.get(["Device.DeviceInfo."])) == device.serial_number
            assert agent.usp is not None
            servers = [s for s in agent.usp.websockets if isinstance(s, WebSocketServer)]
            assert list(servers[0].sessions) == [CTRL]
        finally:
            controller.stop()
    finally:
        await defer.maybeDeferred(agent.stopService)
