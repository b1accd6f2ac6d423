"""USP subscriptions in force on the shared DataModel: ValueChange (pushed and polled),
ObjectCreation/Deletion from any front end, Boot!, Periodic!, OperationComplete, the
lifetime of the rows (CreationDate, TimeToLive, Persistent) and Notifies across a restart."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.poll import ValuePoller
from cwmpd.plugin.trust_objects import trust_factory_values
from cwmpd.statedir import StateDir
from cwmpd.uspagent.notify import Boot, Notifications, covers, make_notifications
from cwmpd.uspagent.notifyqueue import NotifyQueue
from cwmpd.uspagent.notifysend import NotifyDelivery
from cwmpd.uspagent.snapshot import UniqueKeys
from cwmpd.uspagent.subscriptions import TABLE, read_subscriptions
from support.usp_notify import CONTROLLER, CONTROLLER_ID, FakeSender, add_subscription, usp_model

IF = "Device.IP.Interface."
HOST = "Device.DeviceInfo.HostName"


class MaxRng(random.Random):
    """Always the top of the window."""

    def random(self) -> float:
        return 1.0


@dataclass
class Agent:
    """One run of the agent's USP notification side over a state folder."""

    model: DataModel
    engine: Notifications
    sender: FakeSender
    clock: Clock

    def settle(self) -> None:
        """Let the coalesced refresh after a commit run."""
        for _ in range(3):
            self.clock.advance(0)


async def agent(
    spec: Path,
    state: Path,
    *,
    sender: FakeSender | None = None,
    clock: Clock | None = None,
    boot: Boot | None = None,
    extra: Callable[[Declarations], None] | None = None,
    unique_keys: UniqueKeys | None = None,
) -> Agent:
    """Build the model over ``state`` and start the notification side on it."""
    model = usp_model(spec, state, extra)
    clock = clock or Clock()
    sender = sender or FakeSender()
    if unique_keys is None:
        engine = make_notifications(model, sender, StateDir(state), clock, MaxRng())
    else:
        queue = NotifyQueue(StateDir(state).usp_notify)
        delivery = NotifyDelivery(sender, queue, clock, MaxRng())
        engine = Notifications(model, delivery, clock, unique_keys=unique_keys)
    await engine.start(boot)
    return Agent(model, engine, sender, clock)


async def subscribe(a: Agent, **values: str) -> str:
    """Add an enabled row for the test Controller, then let it take effect."""
    path = await add_subscription(a.model, Enable="true", **values)
    a.settle()
    return path


@pytest_twisted.ensureDeferred
async def test_cwmp_spv_on_a_referenced_parameter_gives_one_value_change(
    spec: Path, tmp_path: Path
) -> None:
    """An ACS's SetParameterValues of a watched name: one Notify.value_change to the
    Recipient's EndpointID; the same value again, or an unwatched name, gives none."""
    a = await agent(spec, tmp_path)
    await subscribe(a, ID="vc-1", NotifType="ValueChange", ReferenceList=IF + "*.Alias")
    assert a.engine.watched == [IF + "1.Alias", IF + "2.Alias"]
    await a.model.set_parameter_values([PV(IF + "2.Alias", "wan0")], "key-1")
    assert a.sender.kinds() == ["value_change"]
    controller, msg = a.sender.sent[0]
    notify = msg.body.request.notify
    assert controller == CONTROLLER_ID and notify.subscription_id == "vc-1"
    assert (notify.value_change.param_path, notify.value_change.param_value) == (
        IF + "2.Alias",
        "wan0",
    )
    assert not notify.send_resp
    await a.model.set_parameter_values([PV(IF + "2.Alias", "wan0")], "key-2")
    await a.model.set_parameter_values([PV(IF + "1.Enable", "true")], "key-3")
    assert len(a.sender.sent) == 1


@pytest_twisted.ensureDeferred
async def test_search_expression_and_object_path(spec: Path, tmp_path: Path) -> None:
    """[Name=="lan"] selects by value; an object path stands for every parameter below."""
    a = await agent(spec, tmp_path)
    await subscribe(a, ID="e", NotifType="ValueChange", ReferenceList=IF + '[Name=="lan"].Enable')
    await subscribe(a, ID="o", NotifType="ValueChange", ReferenceList=IF + "2.")
    watched = set(a.engine.watched)
    assert {IF + "1.Enable", IF + "2.Alias", IF + "2.Enable", IF + "2.Name"} <= watched
    assert all(n == IF + "1.Enable" or n.startswith(IF + "2.") for n in watched)
    await a.model.set_parameter_values(
        [PV(IF + "1.Enable", "true"), PV(IF + "2.Enable", "true")], "k"
    )
    got = sorted((n.subscription_id, n.value_change.param_path) for n in a.sender.notifies)
    assert got == [("e", IF + "1.Enable"), ("o", IF + "2.Enable")]


@pytest_twisted.ensureDeferred
async def test_polled_parameter_changes_reach_the_subscription(spec: Path, tmp_path: Path) -> None:
    """A backend value nobody pushes is polled (the CWMP poller) once subscribed, not before."""
    device = {"host": "a"}

    def extra(decl: Declarations) -> None:
        decl.getter(HOST, lambda _: device["host"])

    a = await agent(spec, tmp_path, extra=extra)
    poller = ValuePoller(a.model, a.clock, 30)
    poller.start()
    assert HOST not in await a.model.polled_parameters()
    await subscribe(a, ID="p", NotifType="ValueChange", ReferenceList=HOST)
    assert HOST in await a.model.polled_parameters()
    device["host"] = "b"
    a.clock.advance(30)
    assert [(n.value_change.param_path, n.value_change.param_value) for n in a.sender.notifies] == [
        (HOST, "b")
    ]
    a.clock.advance(30)
    assert len(a.sender.sent) == 1
    poller.stop()


@pytest_twisted.ensureDeferred
async def test_object_creation_and_deletion_from_cwmp(spec: Path, tmp_path: Path) -> None:
    """AddObject and DeleteObject (the ACS) raise ObjectCreation with the unique keys and
    ObjectDeletion for the rows the ReferenceLists name."""
    keys = {IF + "{i}.": (("Alias",), ("Name",))}
    a = await agent(spec, tmp_path, unique_keys=keys)
    await subscribe(a, ID="c", NotifType="ObjectCreation", ReferenceList=IF)
    await subscribe(a, ID="d", NotifType="ObjectDeletion", ReferenceList=IF + "*.")
    number, _ = await a.model.add_object(IF, "k1")
    a.settle()
    await a.model.set_parameter_values([PV(f"{IF}{number}.Alias", "guest")], "k2")
    await a.model.delete_object(IF + "1.", "k3")
    a.settle()
    created, deleted = a.sender.notifies
    assert created.subscription_id == "c"
    assert created.obj_creation.obj_path == f"{IF}{number}."
    assert dict(created.obj_creation.unique_keys) == {"Alias": "", "Name": ""}
    assert deleted.subscription_id == "d" and deleted.obj_deletion.obj_path == IF + "1."


@pytest_twisted.ensureDeferred
async def test_rows_get_creation_date_and_time_to_live_deletes_them(
    spec: Path, tmp_path: Path
) -> None:
    """A new row is stamped with its CreationDate; TimeToLive seconds later it is gone."""
    clock = Clock()
    clock.advance(1_700_000_000)
    a = await agent(spec, tmp_path, clock=clock)
    path = await subscribe(a, ID="t", NotifType="ValueChange", ReferenceList=HOST, TimeToLive="10")
    assert a.model.value(path + "CreationDate") == "2023-11-14T22:13:20Z"
    clock.advance(9)
    assert [r.path for r in await read_subscriptions(a.model)] == [path]
    clock.advance(1)
    assert await read_subscriptions(a.model) == []


@pytest_twisted.ensureDeferred
async def test_non_persistent_rows_vanish_at_restart(spec: Path, tmp_path: Path) -> None:
    """Restarting the agent (a new model over the same state) keeps Persistent rows only."""
    a = await agent(spec, tmp_path)
    kept = await subscribe(
        a, ID="p", NotifType="ValueChange", ReferenceList=HOST, Persistent="true"
    )
    await subscribe(a, ID="n", NotifType="ValueChange", ReferenceList=HOST)
    a.engine.stop()
    b = await agent(spec, tmp_path)
    assert [(r.path, r.id) for r in await read_subscriptions(b.model)] == [(kept, "p")]


@pytest_twisted.ensureDeferred
async def test_boot_event_with_cause_key_and_boot_parameters(spec: Path, tmp_path: Path) -> None:
    """Device.Boot! at start: Cause, CommandKey and the Controller's BootParameter values."""
    a = await agent(spec, tmp_path)
    await subscribe(a, ID="b", NotifType="Event", ReferenceList="Device.Boot!", Persistent="true")
    number, _ = await a.model.add_object(f"{CONTROLLER}.BootParameter.", "")
    row = f"{CONTROLLER}.BootParameter.{number}."
    await a.model.set_parameter_values(
        [PV(row + "Enable", "true"), PV(row + "ParameterName", IF + "*.Name")], ""
    )
    a.engine.stop()
    b = await agent(spec, tmp_path, boot=Boot("RemoteReboot", "reboot-7"))
    (event,) = [n.event for n in b.sender.notifies]
    assert (event.obj_path, event.event_name) == ("Device.", "Boot!")
    params = dict(event.params)
    assert json.loads(params.pop("ParameterMap")) == {IF + "1.Name": "lan", IF + "2.Name": "wan"}
    assert params == {"Cause": "RemoteReboot", "CommandKey": "reboot-7", "FirmwareUpdated": "false"}


@pytest_twisted.ensureDeferred
async def test_periodic_event_every_interval(spec: Path, tmp_path: Path) -> None:
    """Device.LocalAgent.Periodic! every Controller.1.PeriodicNotifInterval (60 s here)."""
    a = await agent(spec, tmp_path)
    await subscribe(a, ID="per", NotifType="Event", ReferenceList="Device.LocalAgent.")
    a.clock.advance(59)
    assert a.sender.sent == []
    a.clock.advance(1)
    a.clock.advance(60)
    assert [(n.event.obj_path, n.event.event_name) for n in a.sender.notifies] == [
        ("Device.LocalAgent.", "Periodic!")
    ] * 2


@pytest_twisted.ensureDeferred
async def test_operation_complete(spec: Path, tmp_path: Path) -> None:
    """The Operate handler's call notifies the subscriptions naming the command."""
    a = await agent(spec, tmp_path)
    await subscribe(
        a,
        ID="op",
        NotifType="OperationComplete",
        ReferenceList="Device.DeviceInfo.FirmwareImage.*.Download()",
    )
    command = "Device.DeviceInfo.FirmwareImage.2.Download()"
    assert a.engine.operation_complete(command, "dl-1", error=(7004, "bad image")) == 1
    assert a.engine.operation_complete("Device.Reboot()", "r") == 0
    assert a.engine.operation_complete(command, "dl-2", {"Size": "9"}) == 1
    first, second = (n.oper_complete for n in a.sender.notifies)
    assert (first.obj_path, first.command_name, first.command_key) == (
        "Device.DeviceInfo.FirmwareImage.2.",
        "Download()",
        "dl-1",
    )
    assert (first.cmd_failure.err_code, first.cmd_failure.err_msg) == (7004, "bad image")
    assert dict(second.req_output_args.output_args) == {"Size": "9"}


@pytest_twisted.ensureDeferred
async def test_operation_complete_right_after_the_subscription_is_added(
    spec: Path, tmp_path: Path
) -> None:
    """A command that ends before the table is read again after the Add (its refresh is
    still pending) is not missed: its OperationComplete goes once the new row is in force."""
    a = await agent(spec, tmp_path)
    await add_subscription(
        a.model,
        Enable="true",
        ID="op-now",
        NotifType="OperationComplete",
        ReferenceList="Device.IP.Diagnostics.IPPing()",
    )
    assert a.engine.subscriptions == []  # the refresh has not run yet
    assert a.engine.operation_complete("Device.IP.Diagnostics.IPPing()", "now") == 0
    assert a.sender.notifies == []
    a.settle()
    [sent] = a.sender.notifies
    assert (sent.subscription_id, sent.oper_complete.command_key) == ("op-now", "now")


@pytest_twisted.ensureDeferred
async def test_unanswered_notify_is_resent_after_restart_and_answered_once(
    spec: Path, tmp_path: Path
) -> None:
    """NotifRetry: a Notify the Controller never answered is in the state folder; the
    restarted agent sends it again, it is answered once, and never sent again."""
    clock = Clock()
    a = await agent(spec, tmp_path, sender=FakeSender("silent"), clock=clock)
    await subscribe(
        a,
        ID="r",
        NotifType="ValueChange",
        ReferenceList=IF + "1.Alias",
        NotifRetry="true",
        Persistent="true",
    )
    await a.model.set_parameter_values([PV(IF + "1.Alias", "lan0")], "k")
    (first,) = [m.header.msg_id for _, m in a.sender.sent]
    a.engine.stop()  # the process dies; only its state folder stays
    b = await agent(spec, tmp_path, clock=clock)
    assert [m.header.msg_id for _, m in b.sender.sent] == [first]
    assert b.sender.answered == [first] and b.engine.delivery.pending == 0
    clock.advance(10_000)
    assert len(b.sender.sent) == 1


@pytest_twisted.ensureDeferred
async def test_disabled_or_unaddressed_rows_send_nothing(spec: Path, tmp_path: Path) -> None:
    """Enable false, or a Recipient that is no Controller: no Notify."""
    a = await agent(spec, tmp_path)
    path = await add_subscription(a.model, ID="x", NotifType="ValueChange", ReferenceList=HOST)
    other = await subscribe(a, ID="y", NotifType="ValueChange", ReferenceList=IF + "1.Alias")
    a.model.set_local({other + "Recipient": "Device.LocalAgent.Controller.9"})
    a.settle()
    await a.model.set_parameter_values([PV(IF + "1.Alias", "z")], "k")
    assert a.sender.sent == [] and path.startswith(TABLE)


@pytest_twisted.ensureDeferred
async def test_factory_reset_forgets_queued_notifies(spec: Path, tmp_path: Path) -> None:
    """After a factory reset nothing is owed to any Controller."""
    a = await agent(spec, tmp_path, sender=FakeSender("silent"))
    await subscribe(
        a, ID="f", NotifType="ValueChange", ReferenceList=IF + "1.Alias", NotifRetry="true"
    )
    await a.model.set_parameter_values([PV(IF + "1.Alias", "q")], "k")
    assert a.engine.delivery.pending == 1
    a.model.factory_reset()
    assert a.engine.delivery.pending == 0
    assert NotifyQueue(StateDir(tmp_path).usp_notify).__len__() == 0


def test_covers() -> None:
    """Equal paths, object-path filters, and * or an expression for any instance."""
    assert covers("Device.Boot!", "Device.Boot!")
    assert covers("Device.", "Device.Boot!")
    assert not covers("Device.LocalAgent.", "Device.Boot!")
    assert covers("Device.X.*.Download()", "Device.X.12.Download()")
    assert covers('Device.X.[Name=="a"].Download()', "Device.X.1.Download()")
    assert not covers("Device.X.*.Download()", "Device.X.1.Y.Download()")
    assert not covers("Device.Boot", "Device.Boot!")


@pytest_twisted.ensureDeferred
async def test_periodic_event_phased_by_periodic_notif_time(spec: Path, tmp_path: Path) -> None:
    """PeriodicNotifTime 00:00:15 with a 60 s interval: at 15 s, then every 60 s."""
    a = await agent(spec, tmp_path)
    a.model.set_local({f"{CONTROLLER}.PeriodicNotifTime": "1970-01-01T00:00:15Z"})
    await subscribe(a, ID="ph", NotifType="Event", ReferenceList="Device.LocalAgent.Periodic!")
    a.clock.advance(14)
    assert a.sender.sent == []
    a.clock.advance(1)
    assert len(a.sender.sent) == 1
    a.clock.advance(59)
    assert len(a.sender.sent) == 1
    a.clock.advance(1)
    assert len(a.sender.sent) == 2


@pytest_twisted.ensureDeferred
async def test_time_to_live_counts_from_creation_across_a_restart(
    spec: Path, tmp_path: Path
) -> None:
    """A persistent row with TimeToLive 100 made at 0 is gone at 100, restart at 50 or not."""
    clock = Clock()
    a = await agent(spec, tmp_path, clock=clock)
    path = await subscribe(
        a, ID="t", NotifType="ValueChange", ReferenceList=HOST, TimeToLive="100", Persistent="true"
    )
    a.engine.stop()
    clock.advance(50)
    b = await agent(spec, tmp_path, clock=clock)
    clock.advance(49)
    assert [r.path for r in await read_subscriptions(b.model)] == [path]
    clock.advance(1)
    assert await read_subscriptions(b.model) == []


HOSTS = "Device.Hosts.Host."


class HostsBackend:
    """A read-only table the device fills on its own (no commit ever says so)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """HostName of row i is names[i-1]."""
        rows = {f"{HOSTS}{i}.HostName": n for i, n in enumerate(self.names, 1)}
        return {n: rows[n] for n in names if n in rows}

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Nothing is writable."""
        raise BackendError("read-only")

    async def list_instances(self, table: str) -> Sequence[int]:
        """One instance per name."""
        return list(range(1, len(self.names) + 1))

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Rows come from the device only."""
        raise BackendError(table)

    async def delete_instance(self, instance: str) -> None:
        """Rows go with the device only."""
        raise BackendError(instance)

    async def apply_after_session(self) -> None:
        """Nothing deferred."""


@pytest_twisted.ensureDeferred
async def test_rows_the_device_makes_are_found_by_the_rescan(spec: Path, tmp_path: Path) -> None:
    """A host appearing and going without any commit: ObjectCreation, then ObjectDeletion,
    at the next re-listing (every 60 s while such subscriptions exist)."""
    backend = HostsBackend()

    def extra(decl: Declarations) -> None:
        decl.bind(HOSTS + "{i}.HostName", backend, writable=False)

    a = await agent(spec, tmp_path, extra=extra)
    await subscribe(a, ID="c", NotifType="ObjectCreation", ReferenceList=HOSTS)
    await subscribe(a, ID="d", NotifType="ObjectDeletion", ReferenceList=HOSTS + "*.")
    backend.names.append("laptop")
    a.clock.advance(59)
    a.settle()
    assert a.sender.sent == []
    a.clock.advance(1)
    a.settle()
    assert [(n.subscription_id, n.obj_creation.obj_path) for n in a.sender.notifies] == [
        ("c", HOSTS + "1.")
    ]
    backend.names.clear()
    a.clock.advance(60)
    a.settle()
    assert a.sender.notifies[-1].obj_deletion.obj_path == HOSTS + "1."
    a.engine.stop()
    assert a.clock.getDelayedCalls() == []


@pytest_twisted.ensureDeferred
async def test_value_change_covers_rows_added_later(spec: Path, tmp_path: Path) -> None:
    """A search path watches the parameters of instances added after the subscription."""
    a = await agent(spec, tmp_path)
    await subscribe(a, ID="w", NotifType="ValueChange", ReferenceList=IF + "*.Alias")
    number, _ = await a.model.add_object(IF, "k")
    a.settle()
    assert f"{IF}{number}.Alias" in a.engine.watched
    await a.model.set_parameter_values([PV(f"{IF}{number}.Alias", "new")], "k")
    assert [n.value_change.param_path for n in a.sender.notifies] == [f"{IF}{number}.Alias"]


@pytest_twisted.ensureDeferred
async def test_notify_only_what_the_recipient_may_be_notified_of(
    spec: Path, tmp_path: Path
) -> None:
    """The Recipient's Role gives the notify right ("n") on IP.Interface.1. and only read on
    IP.Interface.2.: one ValueChange, for interface 1; after a change to the Untrusted Role
    (read again on the refresh that commit causes) none at all."""
    watcher = [
        {"targets": IF + "1.", "param": "r--n"},
        {"targets": IF + "2.", "param": "r---"},
    ]
    rows, names = trust_factory_values({"Watcher": watcher})
    a = await agent(spec, tmp_path, extra=lambda decl: decl.factory(rows))
    a.model.set_local({CONTROLLER + ".AssignedRole": names["Watcher"]})
    await subscribe(a, ID="vc", NotifType="ValueChange", ReferenceList=IF + "*.Alias")
    await a.model.set_parameter_values(
        [PV(IF + "1.Alias", "one"), PV(IF + "2.Alias", "two")], "key-1"
    )
    sent = [m.body.request.notify.value_change.param_path for _, m in a.sender.sent]
    assert sent == [IF + "1.Alias"]
    a.model.set_local({CONTROLLER + ".AssignedRole": names["untrusted"]})
    a.settle()
    await a.model.set_parameter_values([PV(IF + "1.Alias", "uno")], "key-2")
    assert len(a.sender.sent) == 1
