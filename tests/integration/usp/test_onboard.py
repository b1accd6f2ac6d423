"""OnBoardRequest and Boot! end to end over mosquitto, the agent in process with its own
Dispatcher, the scripted Controller on the broker: one OnBoardRequest at the first start,
none after a reboot (whose Boot! carries the BootParameter values, a wildcard row
included) or a restart, one again after Device.FactoryReset(), one on
SendOnBoardRequest()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.service import CwmpAgent
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.supported import USP_VERSIONS
from support.mosquitto import Broker
from support.waiting import sleep, wait_for

from .test_usp_agent import CTRL, controller_for, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto")

CONTROLLER = "Device.LocalAgent.Controller.1."


def on_boards(controller: ScriptedController, since: int = 0) -> list[pb.Notify]:
    """The OnBoardRequest Notifies the Controller got (from the ``since``-th Notify on)."""
    return [
        m.body.request.notify
        for m in controller.notifications[since:]
        if m.body.request.notify.WhichOneof("notification") == "on_board_req"
    ]


def events(controller: ScriptedController, since: int = 0) -> list[pb.Notify.Event]:
    return [
        m.body.request.notify.event
        for m in controller.notifications[since:]
        if m.body.request.notify.WhichOneof("notification") == "event"
    ]


async def settled(agent: CwmpAgent, controller: ScriptedController) -> None:
    """The agent is up on USP, has done what its start does, and owes no Notify."""
    await wait_for(lambda: agent.usp is not None and agent.usp.onboarding, 20, "USP up")
    resp = await controller.get(["Device.LocalAgent.EndpointID"])  # a full round trip
    assert messages.response_name(resp) == "get_resp", resp
    await sleep(1.0)
    assert agent.usp is not None and agent.usp.notifications is not None
    delivery = agent.usp.notifications.delivery
    await wait_for(lambda: delivery.pending == 0, 10, "every Notify answered")


async def after_device_restart(agent: CwmpAgent, text: str) -> CwmpAgent:
    """The agent once the (simulated) device has rebooted: the daemon exits to be
    restarted, here a new agent on the same state."""
    await wait_for(lambda: agent.life.exited, 15, "the daemon exiting for the reboot")
    agent.stopService()
    return start_agent(text, None)


@pytest_twisted.ensureDeferred
async def test_on_board_request_at_first_boot_only(broker: Broker, tmp_path: Path) -> None:
    controller = await controller_for(broker)
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    agent = start_agent(text, None)
    try:
        await controller.agent_connected()
        await wait_for(lambda: on_boards(controller), 20, "the first boot's OnBoardRequest")
        await settled(agent, controller)
        (notify,) = on_boards(controller)
        device = await agent.model.device_id()
        assert notify.send_resp is True and notify.subscription_id == ""
        assert notify.on_board_req == pb.Notify.OnBoardRequest(
            oui=device.oui,
            product_class=device.product_class,
            serial_number=device.serial_number,
            agent_supported_protocol_versions=USP_VERSIONS,
        )
        assert device.oui and device.product_class and device.serial_number
        assert not agent.life.onboard_owed()

        # Boot! after a reboot: the BootParameter rows (enabled ones; a wildcard) in it
        added = await controller.subscribe("boot-1", "Event", "Device.Boot!", Persistent="true")
        assert messages.response_name(added) == "add_resp", added
        for name, enable in (
            ("Device.DeviceInfo.SerialNumber", "true"),
            ("Device.LocalAgent.Controller.*.EndpointID", "true"),
            ("Device.DeviceInfo.Manufacturer", "false"),
            ("Device.NoSuch.*.Thing", "true"),
        ):
            added = await controller.add(
                CONTROLLER + "BootParameter.", {"Enable": enable, "ParameterName": name}
            )
            assert messages.response_name(added) == "add_resp", added
        mark = len(controller.notifications)
        resp = await controller.operate("Device.Reboot()", command_key="rk")
        assert messages.response_name(resp) == "operate_resp", resp
        agent = await after_device_restart(agent, text)
        await wait_for(lambda: events(controller, mark), 30, "the Boot! event")
        await settled(agent, controller)
        (event,) = events(controller, mark)
        params = dict(event.params)
        assert (event.obj_path, event.event_name, params["Cause"]) == (
            "Device.",
            "Boot!",
            "RemoteReboot",
        )
        assert json.loads(params["ParameterMap"]) == {
            "Device.DeviceInfo.SerialNumber": device.serial_number,
            "Device.LocalAgent.Controller.1.EndpointID": CTRL,
        }
        assert on_boards(controller, mark) == []  # a reboot is no first boot

        # a mere restart of the daemon: none either
        mark = len(controller.notifications)
        agent.stopService()
        agent = start_agent(text, None)
        await controller.agent_connected(fresh=True)
        await settled(agent, controller)
        assert on_boards(controller, mark) == []
        assert agent.usp is not None and agent.usp.onboarding is not None
        assert agent.usp.onboarding.sent == 0

        # FactoryReset(): a first boot again, one OnBoardRequest
        mark = len(controller.notifications)
        resp = await controller.operate("Device.FactoryReset()")
        assert messages.response_name(resp) == "operate_resp", resp
        agent = await after_device_restart(agent, text)
        await wait_for(lambda: on_boards(controller, mark), 30, "the OnBoardRequest")
        await settled(agent, controller)
        assert [n.on_board_req.serial_number for n in on_boards(controller, mark)] == [
            device.serial_number
        ]
        assert not agent.life.onboard_owed()
    finally:
        controller.stop()
        agent.stopService()


@pytest_twisted.ensureDeferred
async def test_send_on_board_request(broker: Broker, tmp_path: Path) -> None:
    """SendOnBoardRequest() of the Controller (by search path): OnBoardingComplete false,
    one OnBoardRequest, answered."""
    controller = await controller_for(broker)
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    agent = start_agent(text, None)
    try:
        await controller.agent_connected()
        await wait_for(lambda: on_boards(controller), 20, "the first boot's OnBoardRequest")
        await settled(agent, controller)
        resp = await controller.set({CONTROLLER: {"OnBoardingComplete": "true"}})
        assert messages.response_name(resp) == "set_resp", resp
        mark = len(controller.notifications)
        resp = await controller.operate(
            f'Device.LocalAgent.Controller.[EndpointID=="{CTRL}"].SendOnBoardRequest()'
        )
        assert messages.response_name(resp) == "operate_resp", resp
        await wait_for(lambda: on_boards(controller, mark), 20, "the OnBoardRequest")
        await settled(agent, controller)
        assert len(on_boards(controller, mark)) == 1
        assert agent.model.value(CONTROLLER + "OnBoardingComplete") == "false"
    finally:
        controller.stop()
        agent.stopService()
