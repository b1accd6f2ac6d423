"""DataModel.instances_changed: rows a backend creates on its own appear at the next read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest_twisted

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.datamodel.bindings import Declarations
from support.datamodel_fakes import make_model

HOPS = "Device.IP.Diagnostics.TraceRoute.RouteHops."


class RowsBackend:
    """A read-only results table whose rows change behind the model's back."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Host of row i is rows[i-1]."""
        out = {}
        for name in names:
            number = int(name[len(HOPS) :].split(".")[0])
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
