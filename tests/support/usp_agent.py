"""A USP Dispatcher on the simulated device's DataModel, built as the daemon builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import Message
from twisted.internet.task import Clock

from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import build_model
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.dispatch import Dispatcher
from support.fakes import stand_in

CONTROLLER = "proto::controller-1"
#: The LocalAgent factory values a [usp] section would give.
USP_FACTORY = {
    "Device.LocalAgent.Controller.1.EndpointID": CONTROLLER,
    "Device.LocalAgent.Controller.1.Enable": "true",
    "Device.LocalAgent.Controller.1.MTP.1.Enable": "true",
    "Device.LocalAgent.Controller.1.MTP.1.MQTT.Topic": "/usp/controller",
    "Device.LocalAgent.MTP.1.Enable": "true",
    "Device.LocalAgent.MTP.1.MQTT.ResponseTopicConfigured": "/usp/endpoint",
}


@dataclass
class Agent:
    """The model, the Dispatcher on it, its clock and what the device was asked to do."""

    model: DataModel
    dispatcher: Dispatcher
    clock: Clock
    reboots: list[str] = field(default_factory=list)
    resets: list[None] = field(default_factory=list)
    on_boards: list[str] = field(default_factory=list)

    async def send(self, body: Message, msg_id: str = "m-1") -> pb.Msg | None:
        """Hand a request carrying ``body`` to the Dispatcher; the answer, round-tripped
        through the wire form (so it is a Msg the 1.4 schema decodes)."""
        answer = await self.dispatcher.handle(messages.request(msg_id, body), CONTROLLER)
        if answer is None:
            return None
        decoded = pb.Msg.FromString(answer.SerializeToString())
        assert decoded == answer
        assert decoded.header.msg_id == msg_id
        return decoded


def make_agent(state_dir: Path, usp: Mapping[str, str] | None = None) -> Agent:
    """An Agent on a fresh or existing state folder; ``usp``: its LocalAgent factory values
    (default: one MQTT Controller, CONTROLLER, with Full Access)."""
    clock = Clock()
    clock.advance(1000)
    model, _ = build_model(
        ["simulated"],
        state_dir=state_dir,
        factory_values={},
        reactor=stand_in(clock),
        usp=USP_FACTORY if usp is None else usp,
    )
    reboots: list[str] = []
    resets: list[None] = []
    on_boards: list[str] = []
    dispatcher = Dispatcher(
        model,
        clock=clock,
        reboot=reboots.append,
        factory_reset=lambda: resets.append(None),
        on_board=on_boards.append,
    )
    agent = Agent(model, dispatcher, clock, reboots, resets, on_boards)
    return agent
