"""DataModel.instances_changed: rows a backend creates on its own appear at the next read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest_twisted
from twisted.internet.defer import Deferred

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.datamodel.bindings import Declarations
from support.datamodel_fakes import make_model

HOPS = "Device.IP.Diagnostics.TraceRoute.RouteHops."
MAPS = "Device.NAT.PortMapping."


class RowsBackend:
    """A read-only results table whose rows change behind the model's back."""

    def __init__(self, table: str = HOPS) -> None:
        self.table = table
        self.rows: list[str] = []

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Host of row i is rows[i-1]."""
        out = {}
        for name in names:
            number = int(name[len(self.table) :].split(".")[0])
            if number <= len(self.rows):
                out[name] = self.rows[number - 1]
        return out

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Nothing is writable."""
        raise BackendError("read-only")

    async def list_instances(self, table: str) -> Sequence[int]:
        """One instance per row."""
        return list(range(1, len(self.rows) + 1))

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Rows come from the device only."""
        raise BackendError(table)

    async def delete_instance(self, instance: str) -> None:
        """Rows go away with the device only."""
        raise BackendError(instance)

    async def apply_after_session(self) -> None:
        """Nothing deferred."""


@pytest_twisted.ensureDeferred
async def test_rows_added_after_a_read_appear_only_after_instances_changed(
    tmp_path: Path,
) -> None:
    """The index is cached between reads; instances_changed() makes new rows visible."""
    backend = RowsBackend()

    def extra(decl: Declarations) -> None:
        decl.bind(HOPS + "{i}.Host", backend, writable=False)
        decl.table(HOPS + "{i}.", backend)

    model = make_model(tmp_path, extra)
    assert await model.get_parameter_values([HOPS]) == []
    backend.rows = ["127.0.0.1"]
    assert await model.get_parameter_values([HOPS]) == []  # still the cached index
    model.instances_changed()
    got = await model.get_parameter_values([HOPS])
    assert [(p.name, p.value) for p in got] == [(HOPS + "1.Host", "127.0.0.1")]


@pytest_twisted.ensureDeferred
async def test_index_reused_while_the_tables_list_the_same_rows(tmp_path: Path) -> None:
    """Each session re-lists the tables; equal lists reuse the last index, new rows rebuild it."""
    backend = RowsBackend()

    def extra(decl: Declarations) -> None:
        decl.bind(HOPS + "{i}.Host", backend, writable=False)
        decl.table(HOPS + "{i}.", backend)

    model = make_model(tmp_path, extra)
    backend.rows = ["10.0.0.1"]
    await model.get_parameter_values([HOPS])
    first = model._index
    await model.end_of_session()
    await model.get_parameter_values([HOPS])
    assert model._index is first  # the same rows: the same index, not rebuilt
    backend.rows = ["10.0.0.1", "10.0.0.2"]
    await model.end_of_session()
    got = await model.get_parameter_values([HOPS])
    assert model._index is not first
    assert [p.name for p in got] == [HOPS + "1.Host", HOPS + "2.Host"]
    backend.rows = ["10.0.0.1"]
    await model.end_of_session()
    assert [p.name for p in await model.get_parameter_values([HOPS])] == [HOPS + "1.Host"]


class SlowListing(RowsBackend):
    """Its listing waits on ``gate`` (when set) and answers the rows as they were asked."""

    def __init__(self) -> None:
        super().__init__(MAPS)
        self.gate: Deferred[None] | None = None

    async def list_instances(self, table: str) -> Sequence[int]:
        """The rows at the time of asking, handed back once ``gate`` fires."""
        listed = list(range(1, len(self.rows) + 1))
        if self.gate is not None:
            await self.gate
        return listed

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """A new row, described "new"."""
        self.rows.append("new")
        return len(self.rows)


@pytest_twisted.ensureDeferred
async def test_a_listing_an_add_overtakes_is_not_kept(tmp_path: Path) -> None:
    """A read lists the tables; an AddObject commits before that listing ends: the listing
    (from before the Add) serves that read only, and the next read lists again."""
    backend = SlowListing()

    def extra(decl: Declarations) -> None:
        decl.bind(MAPS + "{i}.Description", backend)
        decl.table(MAPS + "{i}.", backend)

    model = make_model(tmp_path, extra)
    backend.rows = ["10.0.0.1"]
    gate = backend.gate = Deferred()
    first = Deferred.fromCoroutine(model.get_parameter_values([MAPS]))
    backend.gate = None
    number, _ = await model.add_object(MAPS, "key-1")
    assert number == 2
    gate.callback(None)
    assert [p.name for p in await first] == [MAPS + "1.Description"]  # listed before the Add
    got = await model.get_parameter_values([MAPS])
    assert [(p.name, p.value) for p in got] == [
        (MAPS + "1.Description", "10.0.0.1"),
        (MAPS + "2.Description", "new"),
    ]
