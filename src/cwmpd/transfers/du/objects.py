"""Device.SoftwareModules.ExecEnv.{i}, DeploymentUnit.{i} and ExecutionUnit.{i}: a read-only
data-model backend over the Inventory (declared by the agent when the device has handlers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwmpd.backends.base import Transaction, unsupported_table
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations
from cwmpd.transfers.du.inventory import Inventory, Unit

EXEC_ENV = ("Enable", "Status", "Alias", "Name", "Type", "Vendor", "Version")
DEPLOYMENT_UNIT = (
    *("UUID", "DUID", "Alias", "Name", "Status", "Resolved", "URL", "Description"),
    *("Vendor", "Version", "ExecutionUnitList", "ExecutionEnvRef"),
)
EXECUTION_UNIT = (
    *("EUID", "Alias", "Name", "ExecEnvLabel", "Status", "Vendor", "Version"),
    *("Description", "ExecutionEnvRef"),
)


class SoftwareObjects:
    """Declares the three tables and serves their values from ``inventory``."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def declare(self, decl: Declarations) -> None:
        """Bind each table and its parameters (read-only) to this backend."""
        p = self.inventory.prefix
        for table, names in (
            ("ExecEnv", EXEC_ENV),
            ("DeploymentUnit", DEPLOYMENT_UNIT),
            ("ExecutionUnit", EXECUTION_UNIT),
        ):
            decl.table(f"{p}{table}.{{i}}.", self)
            for name in names:
                decl.bind(f"{p}{table}.{{i}}.{name}", self, writable=False)

    def _eus(self) -> dict[int, tuple[Unit, str]]:
        return {i: (u, n) for u in self.inventory.units.values() for i, n in u.eus}

    def _value(self, table: str, instance: int, name: str) -> str | None:
        inv = self.inventory
        if table == "ExecEnv":
            if not 1 <= instance <= len(inv.handlers):
                return None
            h = inv.handler(instance)
            ee = {"Enable": "true", "Status": "Up", "Alias": f"cpe-ee-{instance}"}
            ee.update(Name=h.name, Type=h.type, Vendor=h.vendor, Version=h.version)
            return ee.get(name)
        if table == "DeploymentUnit":
            u = inv.units.get(instance)
            if u is None:
                return None
            du = {"UUID": u.uuid, "DUID": str(u.instance), "Alias": f"cpe-du-{u.instance}"}
            du.update(Name=u.name, Status="Installed", Resolved="true", URL=u.url)
            du.update(Description=u.description, Vendor=u.vendor, Version=u.version)
            du.update(ExecutionUnitList=inv.eu_refs(u), ExecutionEnvRef=inv.ee_ref(u.ee))
            return du.get(name)
        found = self._eus().get(instance)
        if found is None:
            return None
        u, eu_name = found
        eu = {"EUID": str(instance), "Alias": f"cpe-eu-{instance}", "Name": eu_name}
        eu.update(ExecEnvLabel=eu_name, Status="Active", Vendor=u.vendor, Version=u.version)
        eu.update(Description=u.description, ExecutionEnvRef=inv.ee_ref(u.ee))
        return eu.get(name)

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """The values of concrete names below SoftwareModules."""
        out: dict[str, str] = {}
        p = self.inventory.prefix
        for full in names:
            parts = full.removeprefix(p).split(".")
            if len(parts) == 3 and parts[1].isdigit():
                value = self._value(parts[0], int(parts[1]), parts[2])
                if value is not None:
                    out[full] = value
        return out

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Read-only: 9008."""
        raise CwmpFault(9008, "SoftwareModules is changed by ChangeDUState only")

    async def list_instances(self, table: str) -> Sequence[int]:
        """The instances of one of the three tables."""
        name = table.removeprefix(self.inventory.prefix).rstrip(".")
        if name == "ExecEnv":
            return list(range(1, len(self.inventory.handlers) + 1))
        if name == "DeploymentUnit":
            return sorted(self.inventory.units)
        if name == "ExecutionUnit":
            return sorted(self._eus())
        return []

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Not by AddObject: ChangeDUState installs."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Not by DeleteObject: ChangeDUState uninstalls."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Nothing is deferred."""
