"""The backend interface: where parameter values live (a typing Protocol; nothing to reuse here).

A backend serves concrete parameter names ("Device.IP.Interface.1.Enable") that the data
model routed to it through the bindings a device plugin declares. Every call is batched:
the model asks once per RPC per backend, never once per parameter.

Writes are two-phase: ``begin`` validates and stages a set of changes and returns a
``Transaction``; the model commits every backend's transaction, and if one commit fails it
calls ``abort`` on all of them, which must undo a commit already done. Backend failures are
raised as ``BackendError`` (or any exception): the model turns them into CWMP fault 9002.
A backend may raise ``CwmpFault`` itself (for example 9007 for a value the device refuses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable


class BackendError(Exception):
    """A backend could not do what was asked (the model answers 9002 Internal error)."""


class Transaction(Protocol):
    """Staged changes of one backend inside one SetParameterValues."""

    async def commit(self) -> bool:
        """Make the staged changes permanent; True when they take effect only later."""
        ...

    async def abort(self) -> None:
        """Drop the staged changes, or undo them if ``commit`` already ran."""
        ...


@runtime_checkable
class Backend(Protocol):
    """Reads and writes the values of the parameters bound to it."""

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Current values of ``names``; a name left out reads as its default value."""
        ...

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Validate and stage ``changes`` (canonical values) without applying them."""
        ...

    async def list_instances(self, table: str) -> Sequence[int]:
        """Instance numbers of the concrete table ``table`` ("Device.IP.Interface.")."""
        ...

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Create an instance of ``table`` with ``values`` (relative names); its number."""
        ...

    async def delete_instance(self, instance: str) -> None:
        """Delete ``instance`` ("Device.IP.Interface.3.") and everything below it."""
        ...

    async def apply_after_session(self) -> None:
        """Apply what commits deferred (their ``commit`` returned True); called at session end."""
        ...


def unsupported_table(table: str) -> BackendError:
    """The error for a table operation a backend does not support."""
    return BackendError(f"table {table} is not managed by this backend")


class ReadOnlyBackend:
    """The writing half of a backend whose values and rows only the agent changes (its own
    tables, e.g. USP Requests and firmware slots): no Set, no Add, no Delete."""

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Nothing here is writable by a Set."""
        raise BackendError(f"not writable: {sorted(changes)}")

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Rows are made by the agent only."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Rows are deleted by the agent only."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Nothing is deferred."""
