"""The deployment units the execution environments hold, with stable instance numbers.

Device.SoftwareModules.DeploymentUnit.{i} and ExecutionUnit.{i} are numbered by the agent:
a unit keeps its number for as long as it is installed (persisted in software.json, across
restarts). ``refresh()`` lists every execution environment and returns the changes nobody
asked for (installed, updated or removed outside ChangeDUState): the autonomous ones. The
very first listing (no software.json yet: a new device, or one just given this agent) only
takes stock: what is installed then was not installed autonomously.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from twisted.logger import Logger

from cwmpd.plugin.api import DeploymentUnit, ExecEnvHandler
from cwmpd.state import read_json, write_json

_log = Logger(namespace="cwmpd.transfers.du")
#: UUIDs the agent makes up (TR-181: version 5, from the DU's name and environment).
_NAMESPACE = uuidlib.UUID("6a5b5c1e-8d1f-5e0a-9a42-0c77d0e0f2a1")


def make_uuid(ee_name: str, du_name: str) -> str:
    """The version 5 UUID of DU ``du_name`` in execution environment ``ee_name``."""
    return str(uuidlib.uuid5(_NAMESPACE, f"{ee_name}\0{du_name}"))


@dataclass(frozen=True)
class Unit:
    """One installed deployment unit: DeploymentUnit.{instance}, its execution units."""

    instance: int
    ee: int  # ExecEnv.{ee}
    name: str
    version: str = ""
    vendor: str = ""
    description: str = ""
    uuid: str = ""
    url: str = ""
    eus: tuple[tuple[int, str], ...] = ()  # (ExecutionUnit instance, name)


def _described(unit: Unit) -> tuple[str, str, str, tuple[str, ...]]:
    return (unit.version, unit.vendor, unit.description, tuple(n for _, n in unit.eus))


@dataclass(frozen=True)
class Change:
    """A change ``refresh()`` found: Install, Update or Uninstall of ``unit``."""

    operation: str
    unit: Unit


@dataclass
class Inventory:
    """Units by instance, persisted in ``path``; ``handlers`` are ExecEnv.1, ExecEnv.2 ..."""

    root: str
    handlers: Sequence[ExecEnvHandler]
    path: Path
    units: dict[int, Unit] = field(default_factory=dict)
    next_du: int = 1
    next_eu: int = 1
    changed: Callable[[], None] = lambda: None  # the model re-lists its tables

    def __post_init__(self) -> None:
        self._stocked = self.path.exists()
        try:
            data = read_json(self.path, None) or {}
            for item in data.get("units", []):
                item["eus"] = tuple(tuple(e) for e in item.get("eus", ()))
                unit = Unit(**item)
                self.units[unit.instance] = unit
            self.next_du = max(int(data.get("next_du", 1)), *(u + 1 for u in self.units), 1)
            self.next_eu = int(data.get("next_eu", 1))
        except (ValueError, TypeError, AttributeError) as exc:
            _log.error("ignoring unreadable {path}: {error}", path=self.path, error=exc)

    # -- references ---------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """ "Device.SoftwareModules."."""
        return f"{self.root}SoftwareModules."

    def ee_ref(self, ee: int) -> str:
        """The path of ExecEnv ``ee`` (no trailing dot, as references are written)."""
        return f"{self.prefix}ExecEnv.{ee}"

    def du_ref(self, unit: Unit) -> str:
        """The path of the unit's DeploymentUnit object."""
        return f"{self.prefix}DeploymentUnit.{unit.instance}"

    def eu_refs(self, unit: Unit) -> str:
        """Its ExecutionUnit paths, comma-separated."""
        return ",".join(f"{self.prefix}ExecutionUnit.{i}" for i, _ in unit.eus)

    def resolve_ee(self, ref: str) -> int:
        """The instance ``ref`` names ("" is the first environment); 0 when none."""
        if not self.handlers:
            return 0
        if not ref:
            return 1
        tail = ref.rstrip(".").removeprefix(f"{self.prefix}ExecEnv.")
        return int(tail) if tail.isdigit() and 1 <= int(tail) <= len(self.handlers) else 0

    def handler(self, ee: int) -> ExecEnvHandler:
        """The handler of ExecEnv ``ee``."""
        return self.handlers[ee - 1]

    def find(
        self, *, uuid: str = "", name: str = "", ee: int = 0, version: str = ""
    ) -> Unit | None:
        """The installed unit with this UUID (or name), in ``ee`` and of ``version`` if given."""
        for unit in self.units.values():
            if uuid and unit.uuid.lower() != uuid.lower():
                continue
            if name and unit.name != name:
                continue
            if (ee and unit.ee != ee) or (version and unit.version != version):
                continue
            return unit
        return None

    # -- changes ------------------------------------------------------------------------

    def record(self, ee: int, du: DeploymentUnit, *, uuid: str = "", url: str = "") -> Unit:
        """``du`` is installed in ``ee`` now (new, or updated in place); the unit persisted."""
        old = self.find(name=du.name, ee=ee)
        names = du.units
        if old is not None:
            kept = {n: i for i, n in old.eus}
            eus = tuple((kept.get(n) or self._eu(), n) for n in names)
            unit = dataclasses.replace(
                old,
                version=du.version,
                vendor=du.vendor,
                description=du.description,
                url=url or old.url,
                uuid=uuid or old.uuid,
                eus=eus,
            )
        else:
            instance, self.next_du = self.next_du, self.next_du + 1
            unit = Unit(
                instance,
                ee,
                du.name,
                du.version,
                du.vendor,
                du.description,
                uuid or make_uuid(self.handler(ee).name, du.name),
                url,
                tuple((self._eu(), n) for n in names),
            )
        self._save({**self.units, unit.instance: unit})
        return unit

    def forget(self, unit: Unit) -> None:
        """``unit`` is uninstalled."""
        self._save({k: v for k, v in self.units.items() if k != unit.instance})

    async def refresh(self, expected: Collection[tuple[int, str]] = ()) -> list[Change]:
        """List every environment; record what changed. The changes, except those to the
        (ee, name) pairs ``expected`` (a ChangeDUState in progress acts on them)."""
        found: list[Change] = []
        for ee in range(1, len(self.handlers) + 1):
            try:
                listed = {du.name: du for du in await self.handler(ee).list()}
            except Exception as exc:
                _log.warn("cannot list {name}: {error}", name=self.handler(ee).name, error=exc)
                continue
            for unit in [u for u in self.units.values() if u.ee == ee]:
                if unit.name not in listed:
                    self.forget(unit)
                    found.append(Change("Uninstall", unit))
            for name, du in listed.items():
                old = self.find(name=name, ee=ee)
                if old is None:
                    found.append(Change("Install", self.record(ee, du)))
                elif _described(old) != (du.version, du.vendor, du.description, du.units):
                    found.append(Change("Update", self.record(ee, du)))
        if not self._stocked:
            self._stocked = True
            self._save(self.units)  # stock taken, even of nothing
            return []
        return [c for c in found if (c.unit.ee, c.unit.name) not in expected]

    def _eu(self) -> int:
        instance, self.next_eu = self.next_eu, self.next_eu + 1
        return instance

    def _save(self, units: dict[int, Unit]) -> None:
        write_json(
            self.path,
            {
                "units": [dataclasses.asdict(u) for u in units.values()],
                "next_du": self.next_du,
                "next_eu": self.next_eu,
            },
        )
        self.units = units
        self.changed()
