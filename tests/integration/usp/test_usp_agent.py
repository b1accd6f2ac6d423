"""USP in the running agent, over a real mosquitto: the agent (in-process, [usp] enabled, the
simulated device) beside CWMP against the scripted ACS, driven by the scripted Controller.

The message handler here is the stand-in of tests/support/usp_handler.py: these tests prove
the wiring (config -> service -> MQTT -> Endpoint -> handler -> answer), not the messages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import deferLater

from cwmpd.config import parse_config
from cwmpd.service import CwmpAgent, makeService
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.assembly import HandlerContext, os_endpoint_id
from support.agent_harness import reactor
from support.mosquitto import Broker
from support.usp_handler import FixedHandler

pytestmark = pytest.mark.needs_tools("mosquitto")

CTRL = "proto::controller-1"
CTRL_TOPIC = "/usp/controller"
AGENT_TOPIC = "/usp/endpoint"


def usp_config(state: Path, acs_url: str, port: int, *, endpoint_id: str = "") -> str:
    """The agent's TOML: the simulated device, the ACS at ``acs_url``, USP over the broker."""
    return (
        f'[acs]\nurl = "{acs_url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{state}"\n'
        f'[control]\nsocket = ""\n'
        f'[usp]\nenable = true\nendpoint_id = "{endpoint_id}"\n'
        "[[usp.controllers]]\n"
        f'endpoint_id = "{CTRL}"\nmtp = "mqtt"\nurl = "mqtt://127.0.0.1:{port}"\n'
        f'controller_topic = "{CTRL_TOPIC}"\nagent_topic = "{AGENT_TOPIC}"\n'
    )


def start_agent(text: str, handler: FixedHandler | None) -> CwmpAgent:
    agent = makeService(
        parse_config(text, "usp.toml"),
        reactor,
        rng=random.Random(1),
        on_exit=lambda: None,
        usp_handler=(lambda context: handler) if handler is not None else None,
    )
    agent.startService()
    return agent


async def controller_for(broker: Broker) -> ScriptedController:
    controller = ScriptedController(CTRL, topic=CTRL_TOPIC, agent_topic=AGENT_TOPIC)
    await controller.connect(reactor, f"mqtt://127.0.0.1:{broker.port}")
    return controller


@pytest_twisted.ensureDeferred
async def test_usp_and_cwmp_run_together(broker: Broker, tmp_path: Path) -> None:
    """One agent: a CWMP session with the ACS and USP requests from the Controller, the
    Endpoint ID os::<OUI>-<SerialNumber> of the model, the handler given the same model."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    controller = await controller_for(broker)
    handler = FixedHandler()
    contexts: list[HandlerContext] = []

    def factory(context: HandlerContext) -> FixedHandler:
        contexts.append(context)
        return handler

    agent = makeService(
        parse_config(usp_config(tmp_path / "state", url, broker.port), "usp.toml"),
        reactor,
        rng=random.Random(1),
        on_exit=lambda: None,
        usp_handler=factory,
    )
    agent.startService()
    try:
        seen = await controller.agent_connected()
        device = await agent.model.device_id()
        assert seen.endpoint_id == os_endpoint_id(device.oui, device.serial_number)
        assert seen.endpoint_id.startswith("os::") and seen.topic == AGENT_TOPIC
        assert contexts[0].model is agent.model
        resp = await controller.get_supported_protocol()
        versions = resp.body.response.get_supported_protocol_resp
        assert "1.4" in versions.agent_supported_protocol_versions.split(",")
        resp = await controller.get(["Device.DeviceInfo."])
        result = resp.body.response.get_resp.req_path_results[0]
        assert result.resolved_path_results[0].result_params["SerialNumber"] == "SIM0001"
        assert handler.seen == [("get_supported_protocol", CTRL), ("get", CTRL)]
        sessions = await acs.wait_for_sessions(1, timeout=20)
        assert sessions and "0 BOOTSTRAP" in sessions[0].events
    finally:
        controller.stop()
        agent.stopService()
        await acs.stop()


@pytest_twisted.ensureDeferred
async def test_the_default_handler_answers_from_the_shared_model(
    broker: Broker, tmp_path: Path
) -> None:
    """The agent's own handler (the Dispatcher) over the wire: a Get reads the device's
    values and Device.LocalAgent., whose factory values come from [usp]."""
    controller = await controller_for(broker)
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    agent = start_agent(text.replace('endpoint_id = ""', 'endpoint_id = "os::cwmpd-test"'), None)
    try:
        seen = await controller.agent_connected()
        assert seen.endpoint_id == "os::cwmpd-test"
        resp = await controller.get(
            ["Device.DeviceInfo.SerialNumber", "Device.LocalAgent.Controller.*.EndpointID"]
        )
        assert messages.response_name(resp) == "get_resp", resp
        found = {
            f"{res.resolved_path}{key}": value
            for req in resp.body.response.get_resp.req_path_results
            for res in req.resolved_path_results
            for key, value in res.result_params.items()
        }
        serial = (await agent.model.device_id()).serial_number
        assert found["Device.DeviceInfo.SerialNumber"] == serial != ""
        assert found["Device.LocalAgent.Controller.1.EndpointID"] == CTRL
        topic = agent.model.value("Device.LocalAgent.MTP.1.MQTT.ResponseTopicConfigured")
        assert topic == AGENT_TOPIC
    finally:
        controller.stop()
        agent.stopService()


async def pause(seconds: float) -> None:
    await deferLater(reactor, seconds, lambda: None)


@pytest_twisted.ensureDeferred
async def test_enable_cwmp_false_stops_cwmp_not_usp(broker: Broker, tmp_path: Path) -> None:
    """ManagementServer.EnableCWMP false: after a restart no CWMP session is tried, while the
    Controller is still answered; set true again, the queued session goes."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    text = usp_config(tmp_path / "state", url, broker.port)
    agent = start_agent(text, FixedHandler())
    try:
        await acs.wait_for_sessions(1, timeout=20)
        agent.model.set_local({"Device.ManagementServer.EnableCWMP": "false"})
    finally:
        agent.stopService()
    before = len(acs.sessions)
    controller = await controller_for(broker)
    agent = start_agent(text, FixedHandler())
    try:
        await controller.agent_connected()
        assert not agent.cwmp_enabled() and agent.connreq is None
        resp = await controller.get_supported_protocol()
        assert messages.response_name(resp) == "get_supported_protocol_resp"
        agent.scheduler.request("6 CONNECTION REQUEST")
        await pause(1.0)
        assert len(acs.sessions) == before  # the request is queued, no session runs
        agent.model.set_local({"Device.ManagementServer.EnableCWMP": "true"})
        sessions = await acs.wait_for_sessions(before + 1, timeout=20)
        assert "6 CONNECTION REQUEST" in sessions[-1].events
    finally:
        controller.stop()
        agent.stopService()
        await acs.stop()


@pytest.mark.parametrize("version", [5, 4], ids=["mqtt5", "mqtt311"])
@pytest_twisted.ensureDeferred
async def test_notify_from_the_agent_gets_its_notify_resp(
    broker: Broker, tmp_path: Path, version: int
) -> None:
    """Endpoint.send(): a Notify reaches the Controller (MQTT 5.0 or 3.1.1), which answers
    NotifyResp, and the Deferred fires with it; a request of that Controller is answered
    on its reply-to topic either way."""
    controller = ScriptedController(CTRL, topic=CTRL_TOPIC, agent_topic=AGENT_TOPIC)
    await controller.connect(reactor, f"mqtt://127.0.0.1:{broker.port}", version=version)
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    agent = start_agent(text, FixedHandler())
    try:
        await controller.agent_connected()
        assert agent.usp is not None
        endpoint = await agent.usp.ready
        notify = messages.request(
            endpoint.new_msg_id(),
            pb.Notify(
                subscription_id="sub-1",
                send_resp=True,
                event=pb.Notify.Event(obj_path="Device.", event_name="Boot!"),
            ),
        )
        answer = await endpoint.send(CTRL, notify).addTimeout(10, reactor)
        assert messages.response_name(answer) == "notify_resp"
        assert answer.body.response.notify_resp.subscription_id == "sub-1"
        (got,) = [  # beside the first boot's OnBoardRequest (cwmpd.uspagent.onboard)
            n for n in controller.notifications if n.body.request.notify.HasField("event")
        ]
        assert got.body.request.notify.event.event_name == "Boot!"
        resp = await controller.get_supported_protocol()
        assert messages.response_name(resp) == "get_supported_protocol_resp"
    finally:
        controller.stop()
        agent.stopService()
