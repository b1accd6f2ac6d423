"""Read-only parameters computed by plugin Python code (UpTime, versions): a tiny backend."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from cwmpd.backends.base import BackendError, Transaction, unsupported_table

Getter = Callable[[str], str]
_NUMBER = re.compile(r"(?<=\.)[0-9]+(?=\.|$)")


def _generic(name: str) -> str:
    return _NUMBER.sub("{i}", name)


class FunctionBackend:
    """Calls ``getters[generic name](concrete name)`` for each value read."""

    def __init__(self, getters: Mapping[str, Getter]) -> None:
        self._getters = dict(getters)

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Compute each value; a getter that raises fails the whole read (9002)."""
        return {n: self._getters[_generic(n)](n) for n in names}

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Computed parameters cannot be written."""
        raise BackendError(f"read-only parameters: {', '.join(sorted(changes))}")

    async def list_instances(self, table: str) -> Sequence[int]:
        """Function parameters own no table."""
        raise unsupported_table(table)

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Function parameters own no table."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Function parameters own no table."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Nothing is ever deferred."""
