"""Data-model test fakes: a small TR-181 model on the real schema, and a recording backend."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from cwmpd.backends.base import BackendError, Transaction
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import Schema, load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes

MS = "Device.ManagementServer."
FULL = load_schema("Device.")


class FakeBackend:
    """A backend keeping values in a dict, recording calls, failing where told to."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.calls: list[str] = []
        self.fail_stage = False
        self.fail_commit = False
        self.later = False
        self.applied = 0

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Values from the dict."""
        self.calls.append(f"get {len(names)}")
        return {n: self.values[n] for n in names if n in self.values}

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage, or fail when told to."""
        self.calls.append("begin")
        if self.fail_stage:
            raise BackendError("stage failed")
        return _FakeTx(self, dict(changes))

    async def list_instances(self, table: str) -> Sequence[int]:
        """No tables."""
        raise BackendError(table)

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """No tables."""
        raise BackendError(table)

    async def delete_instance(self, instance: str) -> None:
        """No tables."""
        raise BackendError(instance)

    async def apply_after_session(self) -> None:
        """Count the calls."""
        self.applied += 1


class _FakeTx:
    def __init__(self, backend: FakeBackend, changes: dict[str, str]) -> None:
        self.backend = backend
        self.changes = changes
        self.old: dict[str, str | None] | None = None

    async def commit(self) -> bool:
        self.backend.calls.append("commit")
        if self.backend.fail_commit:
            raise OSError("commit failed")
        self.old = {n: self.backend.values.get(n) for n in self.changes}
        self.backend.values.update(self.changes)
        return self.backend.later

    async def abort(self) -> None:
        self.backend.calls.append("abort")
        for name, old in (self.old or {}).items():
            if old is None:
                self.backend.values.pop(name, None)
            else:
                self.backend.values[name] = old


def declarations(extra: Callable[[Declarations], None] | None = None) -> Declarations:
    """A small device: DeviceInfo, ManagementServer with InformParameter, IP.Interface."""
    decl = Declarations("Device.")
    for name in ("Manufacturer", "ManufacturerOUI", "ProductClass", "SerialNumber"):
        decl.store(f"Device.DeviceInfo.{name}")
    decl.store("Device.DeviceInfo.HardwareVersion")
    decl.store("Device.DeviceInfo.ProvisioningCode", "")
    decl.getter("Device.DeviceInfo.SoftwareVersion", lambda _: "1.2.3")
    decl.getter("Device.DeviceInfo.UpTime", lambda _: "42")
    decl.store("Device.RootDataModelVersion", "2.19")
    for rel in (
        "URL",
        "Username",
        "Password",
        "PeriodicInformEnable",
        "PeriodicInformInterval",
        "ParameterKey",
        "ConnectionRequestURL",
        "InformParameter.{i}.Enable",
        "InformParameter.{i}.ParameterName",
        "InformParameter.{i}.EventList",
    ):
        decl.store(MS + rel)
    for rel in ("Enable", "Alias", "Name", "IPv4Address.{i}.IPAddress", "IPv4Address.{i}.Enable"):
        decl.store("Device.IP.Interface.{i}." + rel)
    decl.factory(
        {
            "Device.DeviceInfo.Manufacturer": "ACME",
            "Device.DeviceInfo.ManufacturerOUI": "00AB12",
            "Device.DeviceInfo.ProductClass": "Box",
            "Device.DeviceInfo.SerialNumber": "S1",
            "Device.IP.Interface.1.Name": "lan",
            "Device.IP.Interface.1.IPv4Address.1.IPAddress": "192.168.1.1",
            "Device.IP.Interface.2.Name": "wan",
        }
    )
    if extra is not None:
        extra(decl)
    return decl


def make_model(
    state: Path,
    extra: Callable[[Declarations], None] | None = None,
    factory: Mapping[str, str] | None = None,
    schema: Schema | None = None,
) -> DataModel:
    """A model over ``declarations()`` with its state in ``state``."""
    decl = declarations(extra)
    if schema is None:
        schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    values = {MS + "URL": "http://acs.example/"} if factory is None else factory
    return model_from_declarations(decl, schema, state, values)


def limited_schema(table: str, max_entries: int) -> Schema:
    """The full schema, but ``table`` holds at most ``max_entries``."""
    params = {m.name: m for m in FULL.params()}
    objects = {o.name: o for o in FULL.objects()}
    objects[table] = replace(objects[table], max_entries=max_entries)
    return Schema("Device.", FULL.model, params, objects)
