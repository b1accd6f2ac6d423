"""USP Operate of the synchronous commands, and the Dispatcher's answers to Msgs an Agent
does not take (Error 7001) or that need no answer (responses)."""

from __future__ import annotations

from typing import Any, cast

import pytest
import pytest_twisted
from twisted.logger import ILogObserver, globalLogPublisher

from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.handler import MessageHandler
from support.log_capture import lines
from support.usp_agent import CONTROLLER, Agent

CTRL = "Device.LocalAgent.Controller.1."


def _error(msg: pb.Msg | None) -> pb.Error:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "error", msg
    return msg.body.error


@pytest_twisted.ensureDeferred
async def test_reboot_answers_then_calls_reboot_with_the_command_key(agent: Agent) -> None:
    """Operate Device.Reboot(): the OperateResp first, then reboot(command_key) on the next
    reactor turn, so the response can leave before the device goes down."""
    msg = await agent.send(
        pb.Operate(command="Device.Reboot()", command_key="ck-7", send_resp=True)
    )
    assert msg is not None
    (result,) = msg.body.response.operate_resp.operation_results
    assert result.executed_command == "Device.Reboot()"
    assert result.WhichOneof("operation_resp") == "req_output_args"
    assert agent.reboots == []
    agent.clock.advance(0)
    assert agent.reboots == ["ck-7"]


@pytest_twisted.ensureDeferred
async def test_factory_reset_and_send_resp_false(agent: Agent) -> None:
    """send_resp false: no OperateResp, the command still runs."""
    assert await agent.send(pb.Operate(command="Device.FactoryReset()")) is None
    agent.clock.advance(0)
    assert agent.resets == [None] and agent.reboots == []


@pytest_twisted.ensureDeferred
async def test_send_on_board_request(agent: Agent) -> None:
    """SendOnBoardRequest() of a Controller (here by search) clears OnBoardingComplete and
    asks for that Controller's OnBoardRequest."""
    agent.model.set_local({CTRL + "OnBoardingComplete": "true"})
    path = f'Device.LocalAgent.Controller.[EndpointID=="{CONTROLLER}"].SendOnBoardRequest()'
    msg = await agent.send(pb.Operate(command=path, send_resp=True))
    assert msg is not None
    (result,) = msg.body.response.operate_resp.operation_results
    assert result.executed_command == CTRL + "SendOnBoardRequest()"
    assert agent.on_boards == [CTRL]
    (value,) = await agent.model.get_parameter_values([CTRL + "OnBoardingComplete"])
    assert value.value == "false"


@pytest_twisted.ensureDeferred
async def test_operate_errors(agent: Agent) -> None:
    """A command the agent does not run is not in the supported model (7026); an input
    argument the command does not take is 7027; neither runs anything."""
    other = _error(await agent.send(pb.Operate(command="Device.SelfTestDiagnostics()")))
    assert other.err_code == ErrorCode.INVALID_PATH
    args = _error(
        await agent.send(pb.Operate(command="Device.Reboot()", input_args={"Delay": "5"}))
    )
    assert args.err_code == ErrorCode.INVALID_COMMAND_ARGUMENTS
    ok = await agent.send(
        pb.Operate(command="Device.Reboot()", input_args={"Cause": "RemoteReboot"}, send_resp=True)
    )
    assert ok is not None and ok.body.WhichOneof("msg_body") == "response"
    agent.clock.advance(0)
    assert agent.reboots == [""]


@pytest_twisted.ensureDeferred
async def test_messages_an_agent_does_not_take(agent: Agent) -> None:
    """Notify, Register and Deregister are 7001; a Msg without a request body too."""
    for body in (pb.Notify(subscription_id="s"), pb.Register(), pb.Deregister()):
        assert _error(await agent.send(body)).err_code == ErrorCode.MESSAGE_NOT_SUPPORTED
    empty = pb.Msg(header=pb.Header(msg_id="e", msg_type=pb.Header.GET))
    answer = await agent.dispatcher.handle(empty, CONTROLLER)
    assert _error(answer).err_code == ErrorCode.MESSAGE_NOT_SUPPORTED


@pytest_twisted.ensureDeferred
async def test_responses_and_errors_get_no_answer(agent: Agent) -> None:
    """A NotifyResp (or an Error) answers the agent's own request: None."""
    resp = messages.response("n-1", pb.NotifyResp(subscription_id="s"))
    assert await agent.dispatcher.handle(resp, CONTROLLER) is None
    err = messages.error("n-2", ErrorCode.MESSAGE_FAILED, "no")
    assert await agent.dispatcher.handle(err, CONTROLLER) is None


def test_the_dispatcher_is_the_endpoint_s_message_handler(agent: Agent) -> None:
    """The Dispatcher is what the endpoint takes (checked by mypy, and at run time here)."""
    handler: MessageHandler = agent.dispatcher
    assert callable(handler.handle)


@pytest_twisted.ensureDeferred
async def test_an_unexpected_failure_is_7003_with_a_log_line(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug below the Dispatcher answers Error 7003 (and is logged), never a traceback."""
    events: list[dict[str, Any]] = []
    observer = cast(ILogObserver, events.append)

    async def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(agent.model, "live_index", broken)
    globalLogPublisher.addObserver(observer)
    try:
        answer = await agent.send(pb.Get(param_paths=["Device.DeviceInfo."]))
    finally:
        globalLogPublisher.removeObserver(observer)
    assert _error(answer).err_code == ErrorCode.INTERNAL_ERROR
    assert any("USP get from proto::controller-1 failed" in lines([e])[0] for e in events)
