"""Agent-persisted values: one JSON file written through cwmpd.state, only on commit.

Factory values (from the plugin and the config file) are kept apart from the changes made
since (by the ACS or by the agent itself): a value that was changed wins over the factory
value until ``factory_reset`` forgets every change. Instance numbers are never reused: each
table remembers the next number to give out.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.state import read_json, write_json

_VERSION = 1


class SharedFactory:
    """Factory values common to many stores (a fleet's devices of one plugin), with the
    factory instances they imply: held once, read by every store built on them."""

    __slots__ = ("tables", "values")

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values: dict[str, str] = dict(values)  # read only: shared by every store
        self.tables: Mapping[str, frozenset[int]] = {
            t: frozenset(n) for t, n in _instances_of(self.values).items()
        }


class StoreBackend:
    """Values kept by the agent itself (ManagementServer.*, agent-managed tables).

    ``factory`` is the factory values; with ``shared``, only those of this store that
    differ from or add to ``shared.values`` (which every store built on it reads)."""

    def __init__(
        self, path: Path, factory: Mapping[str, str], *, shared: SharedFactory | None = None
    ) -> None:
        self.path = Path(path)
        self._factory: Mapping[str, str]
        self._factory_tables: Mapping[str, frozenset[int] | set[int]]
        if shared is None:
            self._factory = dict(factory)
            self._factory_tables = _instances_of(self._factory)
        else:
            own = {n: v for n, v in factory.items() if shared.values.get(n) != v}
            self._factory = ChainMap(own, shared.values) if own else shared.values
            self._factory_tables = _tables_over(shared.tables, _instances_of(own))
        state: Any = read_json(self.path, {})
        if not isinstance(state, dict) or state.get("version", _VERSION) != _VERSION:
            raise ValueError(f"unsupported store state in {self.path}")
        self._changed: dict[str, str] = dict(state.get("values", {}))
        self._tables: dict[str, dict[str, Any]] = dict(state.get("tables", {}))
        self._values = {**self._factory, **self._changed}
        self.writes = 0

    # -- reads -----------------------------------------------------------------

    def value(self, name: str) -> str | None:
        """The stored value of concrete ``name``, None when the store has none."""
        return self._values.get(name)

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Stored values of ``names``; a name without a stored value is left out."""
        values = self._values
        return {n: values[n] for n in names if n in values}

    async def list_instances(self, table: str) -> Sequence[int]:
        """Instance numbers of ``table`` ("Device.IP.Interface.")."""
        entry = self._tables.get(table)
        if entry is not None:
            return list(entry["instances"])
        return sorted(self._factory_tables.get(table, ()))

    # -- writes ----------------------------------------------------------------

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage ``changes``; nothing is written before ``commit``."""
        return _StoreTransaction(self, dict(changes))

    def write(self, changes: Mapping[str, str]) -> None:
        """Apply ``changes`` now and persist them (agent-internal writes)."""
        self._changed.update(changes)
        self._values.update(changes)
        self._save()

    def restore(self, previous: Mapping[str, str | None]) -> None:
        """Put back values saved before a change (None: the name had no stored value)."""
        for name, old in previous.items():
            self._changed.pop(name, None)
            self._values.pop(name, None)
            if old is not None:
                self._values[name] = old
                if self._factory.get(name) != old:
                    self._changed[name] = old
        self._save()

    async def add_instance(
        self, table: str, values: Mapping[str, str], also: Mapping[str, str] | None = None
    ) -> int:
        """Create an instance of ``table`` with relative ``values``; one write with ``also``."""
        instances = list(await self.list_instances(table))
        entry = self._tables.get(table, {})
        number = int(max([entry.get("next", 1), *(n + 1 for n in instances)]))
        instances.append(number)
        self._tables[table] = {"instances": instances, "next": number + 1}
        prefix = f"{table}{number}."
        new = {prefix + rel: v for rel, v in values.items()}
        self._changed.update(new)
        self._values.update(new)
        self.write(also or {})
        return number

    async def delete_instance(self, instance: str, also: Mapping[str, str] | None = None) -> None:
        """Delete ``instance`` ("X.3.") with every value and table below it."""
        table, _, tail = instance[:-1].rpartition(".")
        table += "."
        number = int(tail)
        instances = list(await self.list_instances(table))
        if number not in instances:
            raise BackendError(f"no instance {instance}")
        instances.remove(number)
        entry = self._tables.get(table, {})
        upper = max([entry.get("next", 1), number + 1, *(n + 1 for n in instances)])
        self._tables[table] = {"instances": instances, "next": upper}
        for name in [n for n in self._tables if n.startswith(instance)]:
            del self._tables[name]
        for name in [n for n in self._values if n.startswith(instance)]:
            self._values.pop(name)
            self._changed.pop(name, None)
        self.write(also or {})

    async def apply_after_session(self) -> None:
        """Stored values take effect at once: nothing is deferred."""

    def factory_reset(self) -> None:
        """Forget every change: factory values and factory instances come back."""
        self._changed.clear()
        self._tables.clear()
        self._values = dict(self._factory)
        self._save()

    def _save(self) -> None:
        self.writes += 1
        write_json(
            self.path, {"version": _VERSION, "values": self._changed, "tables": self._tables}
        )


class _StoreTransaction:
    """Staged store changes; ``abort`` after ``commit`` puts the old values back."""

    def __init__(self, store: StoreBackend, changes: dict[str, str]) -> None:
        self._store = store
        self._changes = changes
        self._previous: dict[str, str | None] | None = None

    async def commit(self) -> bool:
        """Apply and persist the changes in one write."""
        self._previous = {n: self._store.value(n) for n in self._changes}
        self._store.write(self._changes)
        return False

    async def abort(self) -> None:
        """Drop the staged changes, undoing them if already committed."""
        if self._previous is not None:
            self._store.restore(self._previous)
            self._previous = None


def _tables_over(
    shared: Mapping[str, frozenset[int]], own: Mapping[str, set[int]]
) -> Mapping[str, frozenset[int] | set[int]]:
    """``shared``'s factory instances with ``own``'s added (``shared`` itself if none are new)."""
    if all(numbers <= shared.get(table, frozenset()) for table, numbers in own.items()):
        return shared
    merged: dict[str, frozenset[int] | set[int]] = dict(shared)
    for table, numbers in own.items():
        merged[table] = merged.get(table, frozenset()) | numbers
    return merged


def _instances_of(values: Mapping[str, str]) -> dict[str, set[int]]:
    """Factory instances implied by concrete names: "X.2.Y" means instance 2 of "X."."""
    tables: dict[str, set[int]] = {}
    for name in values:
        parts = name.split(".")
        for i in range(1, len(parts) - 1):
            if parts[i].isdigit():
                tables.setdefault(".".join(parts[:i]) + ".", set()).add(int(parts[i]))
    return tables
