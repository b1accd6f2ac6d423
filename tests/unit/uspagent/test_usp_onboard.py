"""OnBoardRequest (cwmpd.uspagent.onboard) on the simulated device's model: who gets one at a
first boot, exactly once across a kill, SendOnBoardRequest(), OnBoardingRestartTime."""

from __future__ import annotations

import random
from pathlib import Path

import pytest_twisted

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.uspagent.notifyqueue import NotifyQueue
from cwmpd.uspagent.notifysend import NotifyDelivery
from cwmpd.uspagent.onboard import OnBoarding, read_controllers
from cwmpd.uspagent.supported import USP_VERSIONS
from support.usp_agent import CONTROLLER, USP_FACTORY, Agent, make_agent
from support.usp_notify import FakeSender

CTRL = "Device.LocalAgent.Controller."
#: Three Controllers: 1 enabled (wants one), 2 disabled, 3 enabled but onboarded.
THREE = {
    **USP_FACTORY,
    f"{CTRL}2.EndpointID": "proto::disabled",
    f"{CTRL}2.Enable": "false",
    f"{CTRL}3.EndpointID": "proto::onboarded",
    f"{CTRL}3.Enable": "true",
    f"{CTRL}3.OnBoardingComplete": "true",
}


class Owed:
    """A first boot's flag, as agent.json keeps it."""

    def __init__(self, owed: bool) -> None:
        self.value = owed
        self.settled = 0

    def owed(self) -> bool:
        return self.value

    def settle(self) -> None:
        self.value = False
        self.settled += 1


def onboarding(agent: Agent, state: Path, sender: FakeSender) -> OnBoarding:
    delivery = NotifyDelivery(
        sender, NotifyQueue(state / "usp-notify.json"), agent.clock, random.Random(1)
    )
    on = OnBoarding(agent.model, delivery, agent.clock)
    delivery.start()  # as the agent starts: OnBoarding made first
    return on


@pytest_twisted.ensureDeferred
async def test_first_boot_sends_one_to_each_enabled_controller_not_onboarded(
    tmp_path: Path,
) -> None:
    agent = make_agent(tmp_path, THREE)
    sender = FakeSender()
    flag = Owed(True)
    assert await onboarding(agent, tmp_path, sender).start(flag.owed, flag.settle) == 1
    assert flag.settled == 1 and not flag.value
    ((to, msg),) = sender.sent
    assert to == CONTROLLER
    notify = msg.body.request.notify
    assert notify.send_resp and notify.subscription_id == ""
    device = await agent.model.device_id()
    req = notify.on_board_req
    assert (req.oui, req.product_class, req.serial_number) == (
        device.oui,
        device.product_class,
        device.serial_number,
    )
    assert device.oui and device.serial_number
    assert req.agent_supported_protocol_versions == USP_VERSIONS


@pytest_twisted.ensureDeferred
async def test_not_owed_sends_none(tmp_path: Path) -> None:
    agent = make_agent(tmp_path, THREE)
    sender = FakeSender()
    flag = Owed(False)
    assert await onboarding(agent, tmp_path, sender).start(flag.owed, flag.settle) == 0
    assert sender.sent == [] and flag.settled == 0


@pytest_twisted.ensureDeferred
async def test_killed_after_queueing_sends_it_once_after_the_restart(tmp_path: Path) -> None:
    """Queued but the flag not cleared (a kill between the two): the restart re-sends the
    queued one and queues no second."""
    agent = make_agent(tmp_path, THREE)
    silent = FakeSender("silent")
    never_settled = Owed(True)
    assert await onboarding(agent, tmp_path, silent).start(never_settled.owed) == 1
    # the restart: a new queue object reads the persisted one, the flag still says owed
    again = FakeSender()
    flag = Owed(True)
    assert await onboarding(agent, tmp_path, again).start(flag.owed, flag.settle) == 0
    assert flag.settled == 1
    assert [m.body.request.notify.WhichOneof("notification") for _, m in again.sent] == [
        "on_board_req"
    ]
    assert again.sent[0][1].header.msg_id == silent.sent[0][1].header.msg_id


@pytest_twisted.ensureDeferred
async def test_send_on_board_request_only_to_an_enabled_controller(tmp_path: Path) -> None:
    agent = make_agent(tmp_path, THREE)
    sender = FakeSender()
    on = onboarding(agent, tmp_path, sender)
    assert await on.request(f"{CTRL}2.") is False  # disabled: R-NOT.5
    assert await on.request(f"{CTRL}3.") is True  # onboarded, but asked for explicitly
    assert await on.request(f"{CTRL}9.") is False
    assert [to for to, _ in sender.sent] == ["proto::onboarded"]


@pytest_twisted.ensureDeferred
async def test_restart_time_sends_again_until_onboarding_completes(tmp_path: Path) -> None:
    agent = make_agent(tmp_path)
    await agent.model.set_parameter_values([PV(f"{CTRL}1.OnBoardingRestartTime", "30")], "k")
    sender = FakeSender()
    on = onboarding(agent, tmp_path, sender)
    flag = Owed(True)
    await on.start(flag.owed, flag.settle)
    assert len(sender.sent) == 1  # answered at once: the restart timer runs
    agent.clock.advance(29)
    assert len(sender.sent) == 1
    agent.clock.advance(1)
    assert len(sender.sent) == 2
    await agent.model.set_parameter_values([PV(f"{CTRL}1.OnBoardingComplete", "true")], "k")
    agent.clock.advance(60)
    assert len(sender.sent) == 2
    (ctrl,) = await read_controllers(agent.model)
    assert ctrl.on_boarded and ctrl.restart_time == 30


@pytest_twisted.ensureDeferred
async def test_restart_time_zero_never_sends_again(tmp_path: Path) -> None:
    agent = make_agent(tmp_path)
    sender = FakeSender()
    flag = Owed(True)
    await onboarding(agent, tmp_path, sender).start(flag.owed, flag.settle)
    agent.clock.advance(100000)
    assert len(sender.sent) == 1


@pytest_twisted.ensureDeferred
async def test_unanswered_is_retried_by_the_notify_back_off(tmp_path: Path) -> None:
    """R-NOT.6: retried per R-NOT.1 (m = 5 s, k = 2000: the first retry within 5-10 s)."""
    agent = make_agent(tmp_path)
    sender = FakeSender("silent")
    flag = Owed(True)
    await onboarding(agent, tmp_path, sender).start(flag.owed, flag.settle)
    agent.clock.advance(4.9)
    assert len(sender.sent) == 1
    agent.clock.advance(5.2)
    assert len(sender.sent) == 2
    assert sender.sent[0][1].header.msg_id == sender.sent[1][1].header.msg_id
