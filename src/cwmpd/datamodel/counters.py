"""The tables' counter parameters, computed from the live index (no backend keeps them).

Each table's counter is named by the data model (``numEntriesParameter``), and lives in the
table's parent object: ``...WANDevice.1.WANConnectionNumberOfEntries`` counts
``...WANDevice.1.WANConnectionDevice.``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.cwmp import paths
from cwmpd.datamodel.tree import Index


class CounterBackend:
    """Counts the instances of the table each counter parameter is the counter of."""

    def __init__(self, tables: Mapping[str, str] | None = None) -> None:
        self.index = Index()
        self.tables: dict[str, str] = {}
        for counter, table in (tables or {}).items():
            self.count(counter, table)

    def count(self, counter: str, table: str) -> None:
        """Serve generic ``counter`` as the instance count of generic ``table`` ("X.{i}.")."""
        self.tables[counter] = paths.last_segment(table[: -len(paths.INSTANCE) - 2]) + "."

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Instance counts, as unsignedInt strings."""
        counts = self.index.counts  # those of the tree's counters, counted by the Index
        out = {n: counts[n] for n in names if n in counts}
        if len(out) == len(names):
            return out
        children, tables, params = self.index.children, self.tables, self.index.params
        for name in names:
            info = params.get(name)
            table = tables.get(info.generic if info is not None else paths.generic(name))
            if table is not None:
                parent = name[: name.rindex(".") + 1]
                out[name] = str(len(children.get(parent + table, ())))
        return out

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Counts are read-only."""
        raise BackendError("table counter parameters are read-only")

    async def list_instances(self, table: str) -> Sequence[int]:
        """Owns no table."""
        raise unsupported_table(table)

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Owns no table."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Owns no table."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Nothing deferred."""
