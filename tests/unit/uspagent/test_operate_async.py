"""Asynchronous commands on the simulated device's model: the Request row while a command
runs, one completion with its outputs or error, Cancel(), the rows a restart leaves, and
the table persisted and read back (cwmpd.plugin.usp_requests)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.load import build_model
from cwmpd.plugin.usp_requests import FILE, RequestTable
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.dispatch import Dispatcher
from cwmpd.uspagent.operate_async import AsyncOperations
from cwmpd.uspagent.requests import NOT_RESUMED, request_table
from support.fakes import stand_in
from support.usp_agent import CONTROLLER, USP_FACTORY, Agent

PING = "Device.IP.Diagnostics.IPPing()"
Done = tuple[str, str, "Mapping[str, str] | None", "tuple[int, str] | None"]


class FakePing:
    """A runner whose runs end when the test says."""

    def __init__(self) -> None:
        self.runs: list[tuple[dict[str, str], Deferred[Mapping[str, str]]]] = []

    def __call__(self, args: Mapping[str, str]) -> Deferred[Mapping[str, str]]:
        if "Host" not in args:
            raise ValueError("Host must be set")
        d: Deferred[Mapping[str, str]] = Deferred()
        self.runs.append((dict(args), d))
        return d


@pytest.fixture
def agent(tmp_path: Path) -> Agent:
    """The simulated device with its diagnostics objects (as the daemon builds it)."""
    clock = Clock()
    reactor = stand_in(clock)
    model, _ = build_model(
        ["simulated"],
        state_dir=tmp_path,
        factory_values={},
        reactor=reactor,
        usp=USP_FACTORY,
        diagnostics=lambda root: Diagnostics(reactor, root),
    )
    dispatcher = Dispatcher(model, clock=clock, reboot=lambda k: None, factory_reset=lambda: None)
    return Agent(model, dispatcher, clock)


def operations(agent: Agent, ping: FakePing, done: list[Done]) -> AsyncOperations:
    ops = AsyncOperations(agent.model, {PING: ping})
    ops.notify_with(lambda *args: done.append(args))
    agent.dispatcher = Dispatcher(
        agent.model,
        clock=agent.clock,
        reboot=lambda key: None,
        factory_reset=lambda: None,
        operations=ops,
    )
    return ops


async def request_rows(agent: Agent) -> dict[str, str]:
    found = await agent.model.get_parameter_values(["Device.LocalAgent.Request."])
    return {v.name: v.value for v in found}


@pytest_twisted.ensureDeferred
async def test_a_command_has_its_request_until_it_ends(agent: Agent) -> None:
    ping, done = FakePing(), list[Done]()
    operations(agent, ping, done)
    msg = await agent.send(
        pb.Operate(command=PING, command_key="k1", send_resp=True, input_args={"Host": "::1"})
    )
    assert msg is not None
    (result,) = msg.body.response.operate_resp.operation_results
    assert result.req_obj_path == "Device.LocalAgent.Request.1."
    assert ping.runs[0][0] == {"Host": "::1"}
    rows = await request_rows(agent)
    assert rows["Device.LocalAgent.Request.1.Originator"] == CONTROLLER
    assert rows["Device.LocalAgent.Request.1.Command"] == PING
    assert rows["Device.LocalAgent.Request.1.CommandKey"] == "k1"
    assert rows["Device.LocalAgent.Request.1.Status"] == "Active"
    assert done == []
    ping.runs[0][1].callback({"Status": "Complete"})
    assert done == [(PING, "k1", {"Status": "Complete"}, None)]
    assert await request_rows(agent) == {}


@pytest_twisted.ensureDeferred
async def test_a_failing_command_and_bad_arguments(agent: Agent) -> None:
    ping, done = FakePing(), list[Done]()
    ops = operations(agent, ping, done)
    with pytest.raises(UspError) as caught:
        ops.start(PING, "k", {}, CONTROLLER)
    assert caught.value.code == ErrorCode.INVALID_ARGUMENTS
    assert request_table(agent.model) is not None and ops.table is not None
    assert ops.table.rows == {}
    ops.start(PING, "k2", {"Host": "h"}, CONTROLLER)
    ping.runs[0][1].errback(RuntimeError("the tool broke"))
    assert done == [(PING, "k2", None, (int(ErrorCode.COMMAND_FAILURE), "the tool broke"))]
    assert ops.table.rows == {}


@pytest_twisted.ensureDeferred
async def test_cancel_ends_it_once_with_7023(agent: Agent) -> None:
    ping, done = FakePing(), list[Done]()
    ops = operations(agent, ping, done)
    path = ops.start(PING, "k3", {"Host": "h"}, CONTROLLER)
    msg = await agent.send(pb.Operate(command=path + "Cancel()", send_resp=True))
    assert msg is not None
    (result,) = msg.body.response.operate_resp.operation_results
    assert result.WhichOneof("operation_resp") == "req_output_args"
    assert [d[3][0] for d in done if d[3]] == [ErrorCode.COMMAND_CANCELED]
    assert ping.runs[0][1].called  # the runner was cancelled too
    msg = await agent.send(pb.Operate(command=path + "Cancel()", send_resp=True))
    assert msg is not None and msg.body.WhichOneof("msg_body") == "error"  # no such row now
    assert len(done) == 1


def test_requests_survive_a_restart_and_end_with_an_error(agent: Agent, tmp_path: Path) -> None:
    ops = AsyncOperations(agent.model, {PING: FakePing()})
    assert ops.table is not None
    ops.start(PING, "before", {"Host": "h"}, CONTROLLER)
    ops.stop()  # the daemon stops: the row stays, persisted
    saved = RequestTable(tmp_path)
    assert [(r.command, r.command_key, r.inputs) for r in saved.rows.values()] == [
        (PING, "before", {"Host": "h"})
    ]
    later = AsyncOperations(agent.model, {PING: FakePing()})
    later.table = saved
    done: list[Done] = []
    later.notify_with(lambda *args: done.append(args))
    assert done == [(PING, "before", None, NOT_RESUMED)]
    assert RequestTable(tmp_path).rows == {}
    assert saved.create(CONTROLLER, PING, "", {}).number == 2  # numbers are not reused


def test_a_corrupt_file_starts_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text("{not json")
    assert RequestTable(tmp_path).rows == {}
