"""Asynchronous USP commands in the running agent over a real mosquitto: an IPPing() to
127.0.0.1 answered with its Request path, the Request visible while it runs, and one
OperationComplete with the test's output arguments; a Request left by a killed daemon
ends with an error OperationComplete after the restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import TimeoutError, ensureDeferred

from cwmpd.plugin.usp_requests import RequestTable
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.mosquitto import Broker

from .test_usp_agent import CTRL, controller_for, pause, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto", "ping")

PING = "Device.IP.Diagnostics.IPPing()"


async def subscribe(
    controller: ScriptedController, reference: str, persistent: str = "false"
) -> None:
    added = await controller.subscribe(
        "oc-1", "OperationComplete", reference, Persistent=persistent
    )
    assert messages.response_name(added) == "add_resp", added


async def requests(controller: ScriptedController) -> dict[str, dict[str, str]]:
    got = await controller.get(["Device.LocalAgent.Request."])
    return {
        res.resolved_path: dict(res.result_params)
        for req in got.body.response.get_resp.req_path_results
        for res in req.resolved_path_results
        if res.result_params
    }


async def no_more(controller: ScriptedController, seconds: float) -> None:
    """No other Notify comes within ``seconds``."""
    with pytest.raises(TimeoutError):
        extra = await controller.next_notification(timeout=seconds)
        raise AssertionError(f"a second Notify: {extra}")


@pytest_twisted.ensureDeferred
async def test_ipping_to_loopback_ends_in_one_operation_complete(
    broker: Broker, tmp_path: Path
) -> None:
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        await subscribe(controller, PING)
        notified = ensureDeferred(controller.next_notification(timeout=30))
        resp = await controller.operate(
            PING,
            {"Host": "127.0.0.1", "NumberOfRepetitions": "2", "Timeout": "1000"},
            command_key="ping-1",
        )
        assert messages.response_name(resp) == "operate_resp", resp
        (result,) = resp.body.response.operate_resp.operation_results
        assert result.executed_command == PING
        assert result.WhichOneof("operation_resp") == "req_obj_path"
        request = result.req_obj_path
        assert request.startswith("Device.LocalAgent.Request.")
        running = await requests(controller)
        assert running[request] == {
            "Alias": f"cpe-{request.rstrip('.').rpartition('.')[2]}",
            "Originator": CTRL,
            "Command": PING,
            "CommandKey": "ping-1",
            "Status": "Active",
        }

        notify = (await notified).body.request.notify
        assert notify.subscription_id == "oc-1"
        done = notify.oper_complete
        assert (done.obj_path, done.command_name, done.command_key) == (
            "Device.IP.Diagnostics.",
            "IPPing()",
            "ping-1",
        )
        out = done.req_output_args.output_args
        assert out["Status"] == "Complete", dict(out)
        assert out["SuccessCount"] == "2" and out["FailureCount"] == "0"
        assert out["IPAddressUsed"] == "127.0.0.1"
        assert int(out["AverageResponseTimeDetailed"]) >= 0
        assert await requests(controller) == {}  # the Request went with the command
        await no_more(controller, 2)
    finally:
        controller.stop()
        agent.stopService()


@pytest_twisted.ensureDeferred
async def test_bad_arguments_fail_that_command_and_make_no_request(
    broker: Broker, tmp_path: Path
) -> None:
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        resp = await controller.operate(PING, {"Timeout": "1000"}, command_key="no-host")
        (result,) = resp.body.response.operate_resp.operation_results
        assert result.WhichOneof("operation_resp") == "cmd_failure"
        assert result.cmd_failure.err_code == ErrorCode.INVALID_ARGUMENTS
        assert await requests(controller) == {}
        resp = await controller.operate(PING, {"Bogus": "1"})
        assert messages.body_kind(resp) == "error"
        assert resp.body.error.err_code == ErrorCode.INVALID_COMMAND_ARGUMENTS
    finally:
        controller.stop()
        agent.stopService()


@pytest_twisted.ensureDeferred
async def test_cancel_ends_the_request_with_7023(broker: Broker, tmp_path: Path) -> None:
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        await subscribe(controller, "Device.IP.Diagnostics.")
        notified = ensureDeferred(controller.next_notification(timeout=30))
        resp = await controller.operate(
            PING, {"Host": "127.0.0.1", "NumberOfRepetitions": "30"}, command_key="long"
        )
        request = resp.body.response.operate_resp.operation_results[0].req_obj_path
        cancel = await controller.operate(request + "Cancel()", {})
        (result,) = cancel.body.response.operate_resp.operation_results
        assert result.WhichOneof("operation_resp") == "req_output_args", cancel
        done = (await notified).body.request.notify.oper_complete
        assert done.command_key == "long"
        assert done.cmd_failure.err_code == ErrorCode.COMMAND_CANCELED
        assert await requests(controller) == {}
    finally:
        controller.stop()
        agent.stopService()


@pytest_twisted.ensureDeferred
async def test_a_request_left_by_a_dead_daemon_ends_with_an_error(
    broker: Broker, tmp_path: Path
) -> None:
    """The Request row outlives the daemon (persisted); an IPPing does not resume, so the
    next run sends one OperationComplete with 7022 and deletes the row."""
    state = tmp_path / "state"
    state.mkdir()
    RequestTable(state).create(CTRL, PING, "before-kill", {"Host": "127.0.0.1"})
    controller = await controller_for(broker)
    text = usp_config(state, "http://127.0.0.1:9/acs", broker.port)
    # the subscription, persisted, must exist when the agent starts: made in a first run
    first = start_agent(text, None)
    try:
        await controller.agent_connected()
        await subscribe(controller, PING, persistent="true")
    finally:
        first.stopService()
    await pause(0.5)
    RequestTable(state).create(CTRL, PING, "killed", {"Host": "127.0.0.1"})
    notified = ensureDeferred(controller.next_notification(timeout=30))
    agent = start_agent(text, None)
    try:
        notify: pb.Notify = (await notified).body.request.notify
        done = notify.oper_complete
        assert done.command_key == "killed"
        assert done.cmd_failure.err_code == ErrorCode.COMMAND_FAILURE
        assert "restarted" in done.cmd_failure.err_msg
        assert await requests(controller) == {}
        assert RequestTable(state).rows == {}
        await no_more(controller, 2)
    finally:
        controller.stop()
        agent.stopService()
