"""USP notification test kit: the model with Device.LocalAgent., a recording Sender."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

from twisted.internet import defer
from twisted.internet.defer import Deferred

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.generate import convert
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import Schema, read_schema
from cwmpd.plugin.trust_objects import declare_trust, with_trust
from cwmpd.plugin.usp_subscriptions import declare_subscriptions
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.subscriptions import TABLE
from support.datamodel_fakes import FULL, make_model

CONTROLLER = "Device.LocalAgent.Controller.1"
CONTROLLER_ID = "proto::controller-1"
_CONTROLLER_PARAMS = {
    "EndpointID": None,
    "PeriodicNotifInterval": None,
    "PeriodicNotifTime": None,
    "USPNotifRetryMinimumWaitInterval": None,
    "USPNotifRetryIntervalMultiplier": None,
    "BootParameter.{i}.Enable": None,
    "BootParameter.{i}.ParameterName": None,
    "AssignedRole": None,
}


@functools.cache
def usp_schema(spec: Path) -> Schema:
    """The shipped Device: schema plus Device.LocalAgent. from the USP-flavour XML (the
    shipped data file does not hold it yet)."""
    _, text = convert(spec / "datamodel" / "tr-181-2-19-1-usp-full.xml")
    local = read_schema(io.StringIO(text), prefixes=["Device.LocalAgent."])
    params = {m.name: m for m in FULL.params()}
    objects = {o.name: o for o in FULL.objects()}
    params.update({m.name: m for m in local.params() if m.name.startswith("Device.LocalAgent.")})
    objects.update({o.name: o for o in local.objects() if o.name.startswith("Device.LocalAgent.")})
    return Schema("Device.", FULL.model, params, objects, {**FULL.counters(), **local.counters()})


def usp_model(
    spec: Path, state: Path, extra: Callable[[Declarations], None] | None = None
) -> DataModel:
    """The small test device with the Subscription table, ControllerTrust and one Controller
    (Full Access)."""

    def declare(decl: Declarations) -> None:
        declare_subscriptions(decl)
        declare_trust(decl)
        for rel, default in _CONTROLLER_PARAMS.items():
            decl.store(f"Device.LocalAgent.Controller.{{i}}.{rel}", default)
        decl.factory(
            with_trust(
                {
                    f"{CONTROLLER}.EndpointID": CONTROLLER_ID,
                    f"{CONTROLLER}.PeriodicNotifInterval": "60",
                }
            )
        )
        if extra is not None:
            extra(decl)

    return make_model(state, declare, schema=usp_schema(spec))


async def add_subscription(model: DataModel, **values: str) -> str:
    """Add a row as a Controller would (its Recipient set by the agent), then set ``values``."""
    number, _ = await model.add_object(TABLE, "")
    path = f"{TABLE}{number}."
    model.set_local({path + "Recipient": CONTROLLER})
    await model.set_parameter_values([PV(path + k, v) for k, v in values.items()], "")
    return path


class FakeSender:
    """A Controller behind an MTP: records each Notify; answers (NotifyResp), stays silent,
    or fails the send, as ``mode`` says."""

    def __init__(self, mode: str = "answer") -> None:
        self.mode = mode
        self.sent: list[tuple[str, pb.Msg]] = []
        self.answered: list[str] = []

    def send(self, controller_id: str, msg: pb.Msg) -> Deferred[pb.Msg]:
        """Record; answer per ``mode``."""
        self.sent.append((controller_id, msg))
        if self.mode == "fail":
            return defer.fail(ConnectionError("MTP down"))
        if self.mode == "silent" or not msg.body.request.notify.send_resp:
            return Deferred()
        sub_id = msg.body.request.notify.subscription_id
        if self.mode == "wrong-id":
            sub_id = "someone-else"
        self.answered.append(msg.header.msg_id)
        return defer.succeed(
            messages.response(msg.header.msg_id, pb.NotifyResp(subscription_id=sub_id))
        )

    @property
    def notifies(self) -> list[pb.Notify]:
        """The Notify bodies sent, in order."""
        return [m.body.request.notify for _, m in self.sent]

    def kinds(self) -> list[str]:
        """The notification kind of each Notify sent ("value_change" ...)."""
        return [str(n.WhichOneof("notification")) for n in self.notifies]
