"""Device.Boot! end to end over mosquitto: a Controller's BootParameter rows (made with USP
Add) give their values in the ParameterMap of the Boot! that follows its Device.Reboot()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import ensureDeferred

from cwmpd.usp import messages
from support.mosquitto import Broker

from .test_usp_agent import controller_for, pause, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto")

CONTROLLER = "Device.LocalAgent.Controller.1."


@pytest_twisted.ensureDeferred
async def test_boot_parameters_reach_the_boot_event(broker: Broker, tmp_path: Path) -> None:
    controller = await controller_for(broker)
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    agent = start_agent(text, None)
    second = None
    try:
        await controller.agent_connected()
        added = await controller.subscribe("boot-1", "Event", "Device.Boot!", Persistent="true")
        assert messages.response_name(added) == "add_resp", added
        added = await controller.add(
            CONTROLLER + "BootParameter.",
            {"Enable": "true", "ParameterName": "Device.DeviceInfo.SerialNumber"},
        )
        assert messages.response_name(added) == "add_resp", added
        serial = (await agent.model.device_id()).serial_number
        notified = ensureDeferred(controller.next_notification(timeout=30))
        resp = await controller.operate("Device.Reboot()", command_key="boot-key")
        assert messages.response_name(resp) == "operate_resp", resp
        for _ in range(50):  # the reboot: in process, or the daemon exits to be restarted
            if notified.called or agent.life.exited:
                break
            await pause(0.1)
        if agent.life.exited:
            agent.stopService()
            second = start_agent(text, None)
        event = (await notified).body.request.notify.event
        assert (event.obj_path, event.event_name) == ("Device.", "Boot!")
        params = dict(event.params)
        assert json.loads(params.pop("ParameterMap")) == {"Device.DeviceInfo.SerialNumber": serial}
        assert params == {
            "Cause": "RemoteReboot",
            "CommandKey": "boot-key",
            "FirmwareUpdated": "false",
        }
    finally:
        controller.stop()
        agent.stopService()
        if second is not None:
            second.stopService()
