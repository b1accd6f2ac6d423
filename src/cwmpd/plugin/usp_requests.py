"""Device.LocalAgent.Request.{i}. (TR-181 2.19), the running asynchronous USP commands.

A read-only table (a Controller cannot Add to it) whose rows the USP agent creates when a
command starts and deletes when it ends: Originator, Command, CommandKey, Status, and the
command's input arguments (kept for a command that resumes after a restart, not in the
data model). Persisted in the state directory (``usp-requests.json``, written whole by
cwmpd.state.write_json), so a Request outlives a daemon restart; what happens to it then
is the agent's choice (cwmpd.uspagent.requests). Declared beside the other LocalAgent
objects when USP is on, for a Device. root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from cwmpd.backends.base import ReadOnlyBackend, unsupported_table
from cwmpd.datamodel.bindings import Declarations
from cwmpd.state import read_json, write_json

TABLE = "Device.LocalAgent.Request."
GENERIC = TABLE + "{i}."
FIELDS = ("Alias", "Originator", "Command", "CommandKey", "Status")
FILE = "usp-requests.json"


@dataclass(frozen=True)
class Request:
    """One row: the Controller that asked, the concrete command path, its key, Status
    (Requested, Active, Canceling, Canceled, Success, Error) and its input arguments."""

    number: int
    originator: str
    command: str
    command_key: str
    status: str = "Requested"
    alias: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """Its object path, "Device.LocalAgent.Request.3."."""
        return f"{TABLE}{self.number}."

    def value(self, rel: str) -> str:
        """The value of relative parameter ``rel`` (one of FIELDS)."""
        return {
            "Alias": self.alias or f"cpe-{self.number}",
            "Originator": self.originator,
            "Command": self.command,
            "CommandKey": self.command_key,
            "Status": self.status,
        }[rel]


class RequestTable(ReadOnlyBackend):
    """The Request rows as a data-model backend, kept in ``state_dir``/usp-requests.json."""

    def __init__(self, state_dir: Path) -> None:
        self._file = state_dir / FILE
        try:
            saved = read_json(self._file, {"next": 1, "rows": []})
        except ValueError:  # a corrupt file: the requests it held are lost, say nothing more
            saved = {"next": 1, "rows": []}
        self._next = int(saved["next"])
        self.rows: dict[int, Request] = {
            int(r["number"]): Request(**{**r, "inputs": dict(r["inputs"])}) for r in saved["rows"]
        }

    def _save(self) -> None:
        rows = [asdict(r) | {"inputs": dict(r.inputs)} for r in self.rows.values()]
        write_json(self._file, {"next": self._next, "rows": rows})

    def create(
        self, originator: str, command: str, command_key: str, inputs: Mapping[str, str]
    ) -> Request:
        """A new row (Status Requested), persisted before it is returned."""
        row = Request(self._next, originator, command, command_key, inputs=dict(inputs))
        self._next += 1
        self.rows[row.number] = row
        self._save()
        return row

    def set_status(self, number: int, status: str) -> None:
        """Change the Status of row ``number`` (gone: nothing)."""
        row = self.rows.get(number)
        if row is not None and row.status != status:
            self.rows[number] = replace(row, status=status)
            self._save()

    def remove(self, number: int) -> None:
        """Delete row ``number`` (the command ended)."""
        if self.rows.pop(number, None) is not None:
            self._save()

    # -- the Backend protocol ------------------------------------------------------

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """The rows' values by concrete name."""
        out = {}
        for name in names:
            number, _, rel = name[len(TABLE) :].partition(".")
            row = self.rows.get(int(number)) if number.isdigit() else None
            if row is not None and rel in FIELDS:
                out[name] = row.value(rel)
        return out

    async def list_instances(self, table: str) -> Sequence[int]:
        """The running requests' numbers."""
        if table != TABLE:
            raise unsupported_table(table)
        return sorted(self.rows)


def declare_requests(decl: Declarations, table: RequestTable) -> None:
    """Declare the Request table on ``table`` (Device. models with USP on)."""
    decl.table(GENERIC, table)
    for rel in FIELDS:
        decl.bind(GENERIC + rel, table, writable=False)
