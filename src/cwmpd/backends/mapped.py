"""The mapped backend: parameters and tables read from commands, files and their rows.

One backend serves every declarative (command/file/source) mapping of a plugin, so one
``get_many`` groups its reads: a source or command is run once per batch (and reused
for ``ttl`` seconds), then every value is extracted from that one document. Writes run
set commands (the value as one argv element, on stdin or in the environment) or write
files; a commit that fails part-way, or an abort after commit, puts back the values read
before staging. Apply commands run after the session (``commit`` then returns True).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.backends.documents import DocumentCache
from cwmpd.backends.extract import ExtractError, is_missing, json_path
from cwmpd.backends.extract import text_of as as_text
from cwmpd.backends.file import write_text
from cwmpd.backends.instances import InstanceNumbers
from cwmpd.backends.process import ProcessRunner
from cwmpd.backends.specs import (
    Chain,
    ParamSpec,
    Read,
    SourceSpec,
    TableSpec,
    Write,
    file_path,
    substitute,
)
from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault

_log = Logger()


class MappedBackend:
    """Serves the parameters and tables a mapping file declares."""

    def __init__(
        self,
        runner: ProcessRunner,
        clock: IReactorTime,
        *,
        params: Mapping[str, ParamSpec],
        sources: Mapping[str, SourceSpec] | None = None,
        tables: Mapping[str, TableSpec] | None = None,
        instances: InstanceNumbers | None = None,
        ttl: float = 2.0,
    ) -> None:
        self.runner = runner
        self.clock = clock
        self.params = dict(params)
        self.sources = dict(sources or {})
        self.tables = dict(tables or {})
        self.numbers = instances or InstanceNumbers(None)
        self.docs = DocumentCache(runner, clock, ttl)
        self._rows: dict[str, tuple[float, Any, tuple[tuple[int, str], ...]]] = {}
        self._gone: dict[str, tuple[float, Any, tuple[tuple[int, str], ...]]] = {}
        self.pending_apply: list[tuple[str, ...]] = []

    # -- reads -----------------------------------------------------------------

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Values of ``names``; optional reads that fail are left out (default value)."""
        out: dict[str, str] = {}
        for name in names:
            spec = self.params[paths.generic(name)]
            if spec.read is None:
                continue
            try:
                value = await self._read(name, spec.read)
            except (BackendError, ValueError) as exc:
                if not spec.read.optional:
                    _log.warn("cannot read {name}: {why}", name=name, why=str(exc))
                    raise
                continue
            if value is not None:
                out[name] = value
        return out

    async def _read(self, name: str, read: Read) -> str | None:
        chain = await self.chain_of(name)
        doc: Any
        if read.constant is not None:
            return read.constant
        if read.row:
            doc = (await self._instance(instance_of(name)))[0]
        elif read.source is not None:
            doc = await self.source(read.source)
        elif read.command is not None:
            argv = substitute(read.command, chain)
            doc = await self.docs.command(argv, timeout=read.timeout)
        elif read.file is not None:
            doc = await self.docs.file(file_path(read.file, chain))
            if doc is None:
                return read.extract.default
        else:
            return None
        return read.extract.apply(doc)

    async def source(self, name: str) -> Any:
        """The parsed document of named source ``name``."""
        src = self.sources[name]
        if src.command is not None:
            return await self.docs.command(
                src.command, fmt=src.format, line_regex=src.line_regex, timeout=src.timeout
            )
        assert src.file is not None
        doc = await self.docs.file(src.file, fmt=src.format, line_regex=src.line_regex)
        return [] if doc is None and src.format == "lines" else doc

    async def chain_of(self, name: str) -> Chain:
        """(number, key) of every instance ``name`` lies in, outermost first."""
        inst = instance_of(name)
        return (await self._instance(inst))[1] if inst else ()

    # -- tables ----------------------------------------------------------------

    async def list_instances(self, table: str) -> Sequence[int]:
        """List ``table`` from its source rows; numbers are stable per key."""
        spec = self._table(table)
        parent = instance_of(table[:-1])
        parent_row: Any = None
        chain: tuple[tuple[int, str], ...] = ()
        if parent:
            parent_row, parent_chain = await self._instance(parent)
            chain = tuple(parent_chain)
        base = await self.source(spec.source) if spec.source is not None else parent_row
        rows = json_path(base, spec.rows) if base is not None else []
        if is_missing(rows) or rows is None:
            rows = []
        if not isinstance(rows, list):
            raise ExtractError(f"rows of {table} are not a list")
        keyed: dict[str, Any] = {}
        for row in rows:
            if not _passes(row, spec.filter):
                continue
            key = json_path(row, spec.key)
            if not is_missing(key) and as_text(key) not in keyed:
                keyed[as_text(key)] = row
        numbers = self.numbers.assign(table, list(keyed))
        expires = self.clock.seconds() + self.docs.ttl
        for old in [n for n in self._rows if n.startswith(table)]:
            # A row gone since the session's index listed it (a process that exited while
            # the ACS reads Device.) keeps answering with its last values until the session
            # ends (invalidate), rather than failing the whole GPV.
            self._gone[old] = self._rows.pop(old)
        for key, row in keyed.items():
            number = numbers[key]
            self._rows[f"{table}{number}."] = (expires, row, (*chain, (number, key)))
        return sorted(numbers.values())

    async def _instance(self, inst: str) -> tuple[Any, Chain]:
        entry = self._rows.get(inst)
        if entry is None or entry[0] <= self.clock.seconds():
            await self.list_instances(paths.parent(inst))
            entry = self._rows.get(inst) or self._gone.get(inst)
            if entry is None:
                raise BackendError(f"instance {inst} vanished")
        return entry[1], entry[2]

    def _table(self, table: str) -> TableSpec:
        spec = self.tables.get(paths.generic(table) + paths.INSTANCE + ".")
        if spec is None:
            raise BackendError(f"table {table} is not mapped")
        return spec

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Run the table's ``add`` command; its stdout (stripped) is the new row's key."""
        spec = self._table(table)
        if spec.add is None:
            raise CwmpFault(9005, f"{table} cannot be added to")
        parent = instance_of(table[:-1])
        chain = (await self._instance(parent))[1] if parent else ()
        key = (await self.runner.output(substitute(spec.add, chain), timeout=spec.timeout)).strip()
        if not key:
            raise BackendError(f"add command of {table} printed no key")
        self.invalidate()
        return self.numbers.assign(table, [key])[key]

    async def delete_instance(self, instance: str) -> None:
        """Run the table's ``delete`` command with this instance's key."""
        table = paths.parent(instance)
        spec = self._table(table)
        if spec.delete is None:
            raise CwmpFault(9005, f"{instance} cannot be deleted")
        chain = (await self._instance(instance))[1]
        await self.runner.output(substitute(spec.delete, chain), timeout=spec.timeout)
        self.numbers.forget(table, chain[-1][1])
        self.invalidate()

    # -- writes ----------------------------------------------------------------

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Check every name is settable and remember its current value for rollback."""
        writes: list[tuple[str, Write, Chain]] = []
        for name in changes:
            spec = self.params[paths.generic(name)]
            if spec.write is None:
                raise CwmpFault(9008, f"{name} is read-only on this device")
            writes.append((name, spec.write, await self.chain_of(name)))
        self.invalidate()
        old = await self.get_many([n for n in changes if self.params[paths.generic(n)].read])
        return _MappedTransaction(self, writes, dict(changes), dict(old))

    async def write(self, write: Write, chain: Chain, value: str) -> None:
        """Set one value on the device."""
        device_value = write.map.get(value, value)
        if write.command is not None:
            argv = substitute(write.command, chain, device_value)
            env = {k: placeholder_env(v, chain, device_value) for k, v in write.env.items()}
            stdin = device_value.encode() if write.stdin else None
            await self.runner.output(argv, stdin=stdin, env=env, timeout=write.timeout)
        elif write.file is not None:
            write_text(file_path(write.file, chain), device_value)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget cached documents and rows (after a write)."""
        self.docs.clear()
        self._rows.clear()
        self._gone.clear()

    async def apply_after_session(self) -> None:
        """Run the apply commands commits queued (each once); the first failure is raised."""
        pending, self.pending_apply = self.pending_apply, []
        failed: BackendError | None = None
        for argv in pending:
            try:
                await self.runner.output(argv)
            except BackendError as exc:
                failed = failed or exc
        self.invalidate()
        if failed is not None:
            raise failed


def placeholder_env(template: str, chain: Chain, value: str) -> str:
    """An environment value: a whole placeholder, or literal text."""
    return substitute([template], chain, value)[0]


class _MappedTransaction:
    """Runs the staged writes at commit; restores the old values when aborted."""

    def __init__(
        self,
        backend: MappedBackend,
        writes: list[tuple[str, Write, Chain]],
        values: dict[str, str],
        old: dict[str, str],
    ) -> None:
        self._backend = backend
        self._writes = writes
        self._values = values
        self._old = old
        self._done: list[tuple[str, Write, Chain]] = []
        self._queued: list[tuple[str, ...]] = []

    async def commit(self) -> bool:
        """Write each value in order; stops at the first failure (abort undoes the rest)."""
        for name, write, chain in self._writes:
            self._done.append((name, write, chain))
            await self._backend.write(write, chain, self._values[name])
        pending = self._backend.pending_apply
        for _name, write, _ in self._writes:
            for argv in write.apply:
                if argv not in pending:
                    pending.append(argv)
                    self._queued.append(argv)
        return any(write.apply for _, write, _ in self._writes)

    async def abort(self) -> None:
        """Put back the values read before staging, newest write first."""
        for argv in self._queued:
            if argv in self._backend.pending_apply:
                self._backend.pending_apply.remove(argv)
        failed: Exception | None = None
        for name, write, chain in reversed(self._done):
            if name not in self._old:
                continue
            try:
                await self._backend.write(write, chain, self._old[name])
            except Exception as exc:
                failed = failed or exc
        self._done.clear()
        if failed is not None:
            raise failed


def instance_of(name: str) -> str:
    """The innermost instance ``name`` lies in ("A.2.B.3.C" gives "A.2.B.3."), or ""."""
    parts = name.rstrip(".").split(".")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].isdigit() and (i < len(parts) - 1 or name.endswith(".")):
            return ".".join(parts[: i + 1]) + "."
    return ""


def _passes(row: Any, wanted: Mapping[str, tuple[str, ...]]) -> bool:
    for path, allowed in wanted.items():
        value = json_path(row, path)
        if is_missing(value) or as_text(value) not in allowed:
            return False
    return True
