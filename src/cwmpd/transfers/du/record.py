"""One ChangeDUState as persisted in du-jobs.json: its operations, each with its progress.

An operation goes pending -> fetching (StartTime, attempts counted) -> applying (what the
package installs: name and version, persisted before the handler acts) -> done (its
OpResult). The job is complete once every operation is done; it is removed once the
DUStateChangeCompleteResponse arrives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

UNKNOWN_TIME: Final = "0001-01-01T00:00:00Z"
PENDING: Final = "pending"
FETCHING: Final = "fetching"
APPLYING: Final = "applying"
DONE: Final = "done"


def iso(seconds: float) -> str:
    """dateTime in UTC, as DUStateChangeComplete carries it."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Result:
    """The outcome of one operation (an OpResultStruct's fields)."""

    uuid: str
    du_ref: str
    version: str
    state: str
    resolved: bool
    eu_refs: str
    start_time: str
    complete_time: str
    fault_code: int = 0
    fault_string: str = ""


@dataclass(frozen=True)
class Operation:
    """One Install, Update or Uninstall with its progress."""

    kind: str
    url: str = ""
    uuid: str = ""
    username: str = ""
    password: str = ""
    ee_ref: str = ""
    version: str = ""
    phase: str = PENDING
    attempts: int = 0
    start_time: str = UNKNOWN_TIME
    target: str = ""  # the DU the package installs / the operation acts on (name)
    target_version: str = ""  # the version it installs (Install, Update)
    ee: int = 0  # the execution environment's instance, once resolved
    result: Result | None = None

    def with_changes(self, **changes: Any) -> Operation:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Job:
    """One ChangeDUState: its CommandKey and operations in order."""

    id: int
    command_key: str
    operations: tuple[Operation, ...]
    events_queued: bool = False

    @property
    def complete(self) -> bool:
        """Every operation is done."""
        return all(op.phase == DONE for op in self.operations)

    def with_operation(self, index: int, op: Operation) -> Job:
        """A copy with operation ``index`` replaced."""
        ops = list(self.operations)
        ops[index] = op
        return dataclasses.replace(self, operations=tuple(ops))

    def with_changes(self, **changes: Any) -> Job:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Job:
        """Rebuild from to_json() output; ValueError when it is not one."""
        try:
            ops = []
            for item in data["operations"]:
                result = item.get("result")
                ops.append(Operation(**{**item, "result": Result(**result) if result else None}))
            return cls(data["id"], data["command_key"], tuple(ops), data["events_queued"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"bad ChangeDUState record: {exc!r}") from exc
