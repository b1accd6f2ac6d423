"""Notified value changes survive kill -9 of the agent (issue 11 item 5, E-7, E-9, E-17).

A local change to a parameter under notification is written to the changed-parameter set
before the value itself (write-ahead), so a crash at any point after the value reached the
disk still reports it: passive ones in the next Inform, active ones in a session of their
own. A new boot drops them with "4 VALUE CHANGE" (E-17 event table: it does not survive
a reboot).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import ensureDeferred

from cwmpd.backends.base import Transaction
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import FakeBackend, make_model

ALIAS = "Device.IP.Interface.1.Alias"
HOST = "Device.DeviceInfo.HostName"


def notify(name: str, value: int) -> SPA:
    """An SPA turning Notification of ``name`` to ``value``."""
    return SPA(name, True, value, False, ())


async def names(model: DataModel) -> list[str]:
    """Names in the next Inform's ParameterList."""
    return [p.name for p in await model.inform_parameters(["4 VALUE CHANGE"])]


@pytest.mark.parametrize("level", [1, 2])
@pytest_twisted.ensureDeferred
async def test_local_change_is_reported_after_a_restart(tmp_path: Path, level: int) -> None:
    """cwmpctl set of a notified parameter, then the process dies: the restarted model
    still owes the change (active: a session is due), and reports it once."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(ALIAS, level)])
    assert await model.apply_local([PV(ALIAS, "guest", "string")]) == 0
    again = make_model(tmp_path)  # kill -9: nothing but the state folder is left
    assert again.pending_value_changes()
    assert again.pending_active_changes() == (level == 2)
    assert ALIAS in await names(again)
    again.inform_delivered()
    third = make_model(tmp_path)
    assert not third.pending_value_changes()
    assert ALIAS not in await names(third)


@pytest_twisted.ensureDeferred
async def test_reported_but_unacknowledged_change_survives(tmp_path: Path) -> None:
    """An Inform carried the change but no InformResponse came before the crash: reported
    again (at least once), never dropped."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(ALIAS, 1)])
    model.report_changes({ALIAS: "x"})
    assert ALIAS in await names(model)  # in flight
    assert ALIAS in await names(make_model(tmp_path))


@pytest_twisted.ensureDeferred
async def test_acs_set_is_not_reported_after_restart(tmp_path: Path) -> None:
    """E-8 holds across a restart: an SPV of the pending name clears it on disk too."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(ALIAS, 1)])
    model.report_changes({ALIAS: "x"})
    await model.set_parameter_values([PV(ALIAS, "y", "string")], "pk")
    assert not make_model(tmp_path).pending_value_changes()


@pytest_twisted.ensureDeferred
async def test_new_boot_drops_value_changes(tmp_path: Path) -> None:
    """E-17: "4 VALUE CHANGE" (and so its values, E-7) does not survive a reboot."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(ALIAS, 2)])
    model.report_changes({ALIAS: "x"})
    again = make_model(tmp_path)
    again.on_boot()
    assert not again.pending_value_changes()
    assert not make_model(tmp_path).pending_value_changes()


class PeekingBackend(FakeBackend):
    """Records, at the moment the value is committed, what the change set on disk says."""

    def __init__(self, changes_file: Path) -> None:
        super().__init__()
        self.changes_file = changes_file
        self.on_disk_at_commit: list[object] = []

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage; the commit first looks at the persisted change set."""
        tx = await super().begin(changes)
        original = tx.commit

        async def commit() -> bool:
            try:
                data = json.loads(self.changes_file.read_text())
            except FileNotFoundError:
                data = None
            self.on_disk_at_commit.append(data)
            return await original()

        tx.commit = commit  # type: ignore[method-assign]
        return tx


@pytest_twisted.ensureDeferred
async def test_change_set_is_written_before_the_value(tmp_path: Path) -> None:
    """Write-ahead: when the value reaches the device, the change is already on disk, so a
    kill between the two cannot lose it; a failed write of the value leaves nothing owed."""
    backend = PeekingBackend(tmp_path / "changes.json")

    def extra(decl: Declarations) -> None:
        decl.bind(HOST, backend)

    model = make_model(tmp_path, extra)
    await model.set_parameter_attributes([notify(HOST, 1)])
    await model.apply_local([PV(HOST, "box", "string")])
    (seen,) = backend.on_disk_at_commit
    assert isinstance(seen, dict) and HOST in json.dumps(seen)
    await model.inform_parameters(["4 VALUE CHANGE"])
    model.inform_delivered()
    backend.fail_commit = True
    with pytest.raises(CwmpFault):
        await ensureDeferred(model.apply_local([PV(HOST, "other", "string")]))
    assert not model.pending_value_changes()
    assert not make_model(tmp_path, extra).pending_value_changes()


@pytest_twisted.ensureDeferred
async def test_change_after_the_event_check_waits_for_the_next_inform(tmp_path: Path) -> None:
    """A change recorded after the engine chose the Inform's events (no "4 VALUE CHANGE")
    is not slipped into that Inform's ParameterList and then forgotten (E-7): it stays
    owed and goes with "4 VALUE CHANGE" next time."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(ALIAS, 1)])
    model.report_changes({ALIAS: "late"})  # while the 2 PERIODIC Inform is being built
    assert ALIAS not in [p.name for p in await model.inform_parameters(["2 PERIODIC"])]
    model.inform_delivered()
    assert model.pending_value_changes()
    assert ALIAS in await names(model)
