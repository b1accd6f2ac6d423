"""The ``XNumberOfEntries`` parameters, computed from the live index (no backend keeps them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.datamodel.tree import Index


class CounterBackend:
    """Counts the instances of the table next to each ``XNumberOfEntries`` parameter."""

    def __init__(self) -> None:
        self.index = Index()

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Instance counts, as unsignedInt strings."""
        children = self.index.children
        return {n: str(len(children.get(n[: -len("NumberOfEntries")] + ".", ()))) for n in names}

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Counts are read-only."""
        raise BackendError("NumberOfEntries parameters are read-only")

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
