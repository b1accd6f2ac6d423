"""OpenWrt UCI through the ``uci`` CLI: batched reads, staged sets, commit, revert, reload after.

One ``uci -X -q show PACKAGE`` per package and batch gives every option and section; sets
are staged with ``uci set``/``add_list`` in ``begin`` (``uci revert`` if staging fails),
made permanent with ``uci commit`` in ``commit``, and undone after a commit by setting the
values read before staging back and committing again. The value is always one argv
element ("pkg.sec.opt=value"), which uci splits at the first "=" itself: no shell.

UCI has no nested sections, so a nested table is either a table of its own section type
or ``per_parent``: exactly one instance (number 1) inside each parent instance, stored in
the parent's section (``IP.Interface.{i}.IPv4Address.{i}`` in ``network.<iface>``).
An option of ``"{key}"`` reads the instance's section name (read-only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from twisted.internet.interfaces import IReactorTime

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.backends.documents import DocumentCache
from cwmpd.backends.instances import InstanceNumbers
from cwmpd.backends.mapped import instance_of
from cwmpd.backends.process import ProcessRunner
from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault

_LINE = re.compile(r"^([^.=\s]+)\.([^.=\s]+)(?:\.([^=\s]+))?=(.*)$")
_ITEM = re.compile(r"'((?:[^']|'\\'')*)'")


@dataclass(frozen=True)
class UciParam:
    """A parameter stored in a UCI option ("wireless.{key}.ssid" or "system.@system[0].x")."""

    name: str
    option: str
    is_list: bool = False
    map: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    writable: bool = True

    def package(self) -> str:
        """The UCI package ("wireless")."""
        return self.option.split(".", 1)[0]


@dataclass(frozen=True)
class UciTable:
    """A table whose instances are the sections of one type ("wireless", "wifi-iface").

    ``per_parent``: instead, one instance per parent instance, in the parent's section.
    """

    path: str
    package: str
    type: str
    per_parent: bool = False


@dataclass
class UciConfig:
    """Parsed ``uci show`` output: option values (lists as tuples) and section types."""

    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)


def parse_show(text: str) -> UciConfig:
    """Parse ``uci -X show`` output."""
    cfg = UciConfig()
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        pkg, sec, opt, raw = m.groups()
        if opt is None:
            cfg.sections[f"{pkg}.{sec}"] = raw.strip("'")
            continue
        items = [i.replace("'\\''", "'") for i in _ITEM.findall(raw)]
        cfg.options[f"{pkg}.{sec}.{opt}"] = tuple(items) if items else (raw,)
    return cfg


class UciBackend:
    """Parameters and tables kept in UCI."""

    def __init__(
        self,
        runner: ProcessRunner,
        clock: IReactorTime,
        *,
        params: Mapping[str, UciParam],
        tables: Mapping[str, UciTable] | None = None,
        apply: Mapping[str, Sequence[Sequence[str]]] | None = None,
        instances: InstanceNumbers | None = None,
        uci: str = "uci",
        ttl: float = 2.0,
    ) -> None:
        self.runner = runner
        self.params = dict(params)
        self.tables = dict(tables or {})
        self.apply = {k: [tuple(a) for a in v] for k, v in (apply or {}).items()}
        self.numbers = instances or InstanceNumbers(None)
        self.uci = uci
        self.docs = DocumentCache(runner, clock, ttl)
        self.pending: list[str] = []

    async def show(self, package: str) -> UciConfig:
        """The parsed package (cached for the batch)."""
        text = await self.docs.command([self.uci, "-X", "-q", "show", package])
        return parse_show(text)

    def _table(self, table: str) -> UciTable:
        spec = self.tables.get(paths.generic(table) + "{i}.")
        if spec is None:
            raise BackendError(f"table {table} is not mapped to UCI")
        return spec

    async def _sections(self, table: str) -> list[str]:
        spec = self._table(table)
        if spec.per_parent:
            return [await self.section_of(paths.parent(table))]
        cfg = await self.show(spec.package)
        return [
            s.split(".", 1)[1]
            for s, t in cfg.sections.items()
            if t == spec.type and s.startswith(spec.package + ".")
        ]

    async def list_instances(self, table: str) -> Sequence[int]:
        """Instances are sections of the table's type, numbered stably by section name."""
        if self._table(table).per_parent:
            await self.section_of(paths.parent(table))
            return [1]
        return sorted(self.numbers.assign(table, await self._sections(table)).values())

    async def section_of(self, instance: str) -> str:
        """The UCI section name holding ``instance`` ("Device.IP.Interface.2.")."""
        table, number = paths.parent(instance), int(paths.last_segment(instance))
        if self._table(table).per_parent:
            if number != 1:
                raise BackendError(f"no UCI section for {instance}")
            return await self.section_of(paths.parent(table))
        sections = await self._sections(table)
        for key, n in self.numbers.assign(table, sections).items():
            if n == number:
                return key
        raise BackendError(f"no UCI section for {instance}")

    async def _option(self, name: str) -> str:
        spec = self.params[paths.generic(name)]
        if "{key}" not in spec.option:
            return spec.option
        return spec.option.replace("{key}", await self.section_of(instance_of(name)))

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Values from ``uci show``; absent options read as the mapping's default."""
        out: dict[str, str] = {}
        for name in names:
            spec = self.params[paths.generic(name)]
            option = await self._option(name)
            if spec.option == "{key}":
                out[name] = option
                continue
            cfg = await self.show(spec.package())
            raw = cfg.options.get(option)
            if raw is None:
                if spec.default is not None:
                    out[name] = spec.default
                continue
            text = ",".join(raw)
            out[name] = spec.map.get(text, text)
        return out

    async def run(self, *args: str) -> str:
        """Run ``uci ARGS``; its stdout."""
        return await self.runner.output([self.uci, *args])

    async def put(self, option: str, value: str | None, is_list: bool) -> None:
        """Stage ``option`` = ``value`` (None deletes it)."""
        if value is None or is_list:
            await self.runner.run([self.uci, "-q", "delete", option])
        if value is None:
            return
        if is_list:
            for item in [i for i in value.split(",") if i]:
                await self.run("add_list", f"{option}={item}")
        else:
            await self.run("set", f"{option}={value}")

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage every change with ``uci set``; on failure revert the touched packages."""
        self.docs.clear()
        staged: list[tuple[UciParam, str, str | None, str]] = []
        for name, value in changes.items():
            spec = self.params[paths.generic(name)]
            if not spec.writable or spec.option == "{key}":
                raise CwmpFault(9008, f"{name} is read-only on this device")
            option = await self._option(name)
            old = (await self.show(spec.package())).options.get(option)
            old_text = None if old is None else ",".join(old)
            reverse = {v: k for k, v in spec.map.items()}
            staged.append((spec, option, old_text, reverse.get(value, value)))
        tx = _UciTransaction(self, staged)
        try:
            for spec, option, _, device_value in staged:
                await self.put(option, device_value, spec.is_list)
        except BaseException:
            await tx.revert()
            raise
        return tx

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """``uci add`` a section of the table's type and commit it."""
        spec = self.tables.get(paths.generic(table) + "{i}.")
        if spec is None:
            raise CwmpFault(9005, f"{table} cannot be added to")
        if spec.per_parent:
            raise CwmpFault(9004, f"{table} holds exactly one instance on this device")
        key = (await self.run("add", spec.package, spec.type)).strip()
        await self.run("commit", spec.package)
        self.docs.clear()
        return self.numbers.assign(table, [key])[key]

    async def delete_instance(self, instance: str) -> None:
        """``uci delete`` the instance's section and commit."""
        table = paths.parent(instance)
        spec = self.tables.get(paths.generic(table) + "{i}.")
        if spec is None or spec.per_parent:
            raise CwmpFault(9005, f"{instance} cannot be deleted")
        number = int(paths.last_segment(instance))
        keys = {n: k for k, n in self.numbers.assign(table, await self._sections(table)).items()}
        if number not in keys:
            raise BackendError(f"no UCI section for {instance}")
        await self.run("delete", f"{spec.package}.{keys[number]}")
        await self.run("commit", spec.package)
        self.numbers.forget(table, keys[number])
        self.docs.clear()

    async def apply_after_session(self) -> None:
        """Run the reload commands of every package committed this session."""
        pending, self.pending = self.pending, []
        failed: BackendError | None = None
        for package in pending:
            for argv in self.apply.get(package, ()):
                try:
                    await self.runner.output(argv)
                except BackendError as exc:
                    failed = failed or exc
        if failed is not None:
            raise failed


class _UciTransaction:
    """Staged UCI changes: commit the packages, or revert/restore them."""

    def __init__(
        self, backend: UciBackend, staged: list[tuple[UciParam, str, str | None, str]]
    ) -> None:
        self._b = backend
        self._staged = staged
        self._packages = list(dict.fromkeys(s[0].package() for s in staged))
        self._committed: list[str] = []

    async def revert(self) -> None:
        """Drop uncommitted staged changes of the touched packages."""
        for package in self._packages:
            if package not in self._committed:
                await self._b.runner.run([self._b.uci, "revert", package])
        self._b.docs.clear()

    async def commit(self) -> bool:
        """``uci commit`` each touched package; True when a reload is configured."""
        for package in self._packages:
            await self._b.run("commit", package)
            self._committed.append(package)
        self._b.docs.clear()
        later = [p for p in self._packages if self._b.apply.get(p)]
        for package in later:
            if package not in self._b.pending:
                self._b.pending.append(package)
        return bool(later)

    async def abort(self) -> None:
        """Revert what is staged; restore and recommit the old values of what was committed."""
        await self.revert()
        if not self._committed:
            return
        for spec, option, old, _ in reversed(self._staged):
            if spec.package() in self._committed:
                await self._b.put(option, old, spec.is_list)
        for package in self._committed:
            await self._b.run("commit", package)
        self._committed.clear()
        self._b.docs.clear()
