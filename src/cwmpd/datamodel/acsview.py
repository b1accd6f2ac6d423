"""The data model as the ACS addresses it: Instance Aliases (TR-069 3.6.1) and wildcards.

``ManagementServer.AliasBasedAddressing`` (read-only for the ACS: a factory value, config
``acs.alias_based_addressing``) turns it on. Then:

- every path an RPC takes (GPV, GPN, GPA, SPA, SPV, AddObject, DeleteObject) may name
  instances by Instance Alias, "Device.IP.Interface.[lan].Enable" (unknown alias: 9005);
- ``InstanceMode`` "InstanceAlias" makes the names the CPE returns (GPV, GPN, GPA
  responses, Inform ParameterList) use "[alias]" for every instance that has an Alias;
- ``AutoCreateInstances`` true lets an SPV create each instance its aliases name that does
  not exist yet, with that Alias (all undone if the SPV faults);
- AddObject "X.[alias]." creates an instance with that Alias; one made by plain
  AddObject "X." gets "cpe-<n>" (TR-181: a CPE-assigned Alias starts with "cpe-"), and
  so does, when the aliases are first read, every instance whose agent-stored Alias is
  empty (factory instances);
- an Alias set by SPV must be a valid, unique Alias (cwmpd.datamodel.aliases; 9007).

Instance wildcards (TR-069 A.2.2.2, ``InstanceWildcardsSupported``): in GPV, GPN and GPA
an instance segment may be "*", every instance there is ("Device.IP.Interface.*.Name";
none: an empty answer), with or without Alias-Based Addressing.

With neither an alias nor a wildcard in it, a request passes straight to DataModel (and
with AliasBasedAddressing off, every answer). Internal readers (poller, cwmpctl,
transfers) use DataModel itself and always see instance numbers.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from twisted.logger import Logger

from cwmpd.cwmp import paths, types
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.cwmp.structs import (
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)
from cwmpd.datamodel.aliases import (
    ALIAS,
    AliasTable,
    Unresolved,
    alias_parameter,
    check_alias,
    cpe_alias,
    duplicates,
)
from cwmpd.datamodel.budget import ResponseBudget, unlimited
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.tree import Index

S = TypeVar("S", ParameterValueStruct, ParameterInfoStruct, ParameterAttributeStruct)
WILDCARD = "*"


def _generic(name: str) -> str:
    """The generic form of a path with numbers, aliases or wildcards as instances."""
    parts = name.split(".")
    for i, seg in enumerate(parts):
        if seg == WILDCARD or seg.isdigit() or (seg.startswith("[") and seg.endswith("]")):
            parts[i] = paths.INSTANCE
    return ".".join(parts)


_log = Logger()


class AcsView:
    """The RPCs of DataModel with Instance Aliases in and (InstanceMode) out."""

    def __init__(self, model: DataModel) -> None:
        self._model = model
        ms = f"{model.root}ManagementServer."
        self._enable = sys.intern(ms + "AliasBasedAddressing")  # one copy for every device
        self._mode = sys.intern(ms + "InstanceMode")
        self._auto = sys.intern(ms + "AutoCreateInstances")
        self._cache: tuple[Index, AliasTable] | None = None
        model.subscribe(self._on_commit)

    # -- settings and the alias table ---------------------------------------------

    def _setting(self, name: str) -> str:
        try:
            return self._model.value(name)
        except KeyError:  # a model without ManagementServer (some test models)
            return ""

    def enabled(self) -> bool:
        """True when ManagementServer.AliasBasedAddressing is true."""
        return types.is_true(self._setting(self._enable))

    def alias_mode(self) -> bool:
        """True when returned names use Instance Aliases (InstanceMode InstanceAlias)."""
        return self.enabled() and self._setting(self._mode) == "InstanceAlias"

    def _auto_create(self) -> bool:
        return self.enabled() and types.is_true(self._setting(self._auto))

    def _on_commit(self, values: Mapping[str, str], source: str) -> None:
        if self._cache is not None and any(alias_parameter(n) for n in values):
            self._cache = None

    async def aliases(self) -> AliasTable:
        """The aliases of the live instances (read once per instance index and Alias write)."""
        index = await self._model.live_index()
        cached = self._cache
        if cached is not None and cached[0] is index:
            return cached[1]
        params, objects = index.params, index.objects
        names = [o + ALIAS for o, i in objects.items() if i.is_instance and o + ALIAS in params]
        values = await self._model.get_parameter_values(names)
        table = AliasTable({paths.parent(v.name): v.value for v in values})
        self._assign([paths.parent(v.name) for v in values if not v.value], table)
        self._cache = (index, table)
        return table

    def _assign(self, unnamed: list[str], table: AliasTable) -> None:
        """Give the instances without an Alias one ("cpe-<n>"; TR-181: never empty), where
        the agent stores it (a device-side Alias is the device's business)."""
        assigned: dict[str, str] = {}
        for instance in unnamed:
            try:
                self._model.value(instance + ALIAS)
            except KeyError:
                continue
            alias = cpe_alias(int(paths.last_segment(instance)), paths.parent(instance), table)
            table.add(instance, alias)
            assigned[instance + ALIAS] = alias
        if assigned:
            try:
                self._model.set_local(assigned)
            except OSError:  # not saved: they are assigned again next time
                _log.warn("could not store the aliases given to {n} instances", n=len(assigned))

    async def _expand(self, names: Sequence[str]) -> list[str]:
        """``names`` with Instance Aliases resolved and instance wildcards ("*", TR-069
        A.2.2.2; GPV, GPN, GPA) expanded to the instances there are (none: no names; a
        wildcard where the model has no table: 9005)."""
        out: list[str] = []
        for name in names:
            if WILDCARD not in name.split("."):
                out.append(await self._resolve(name))
                continue
            if not self._model.defines(_generic(name)):
                raise CwmpFault(9005, f"no parameter or object {name}")
            index = await self._model.live_index()
            table = await self.aliases() if self.enabled() and "[" in name else None
            prefixes = [""]
            segments = name.split(".")
            for seg in segments[:-1]:
                nxt: list[str] = []
                for prefix in prefixes:
                    if seg == WILDCARD:
                        kids = index.children.get(prefix, ())
                        nxt.extend(k for k in kids if paths.is_instance(k))
                    elif table is not None and seg.startswith("[") and seg.endswith("]"):
                        found = table.instance(prefix, seg[1:-1])
                        nxt.extend(() if found is None else (found,))
                    else:
                        nxt.append(f"{prefix}{seg}.")
                prefixes = nxt
            out.extend(p + segments[-1] for p in prefixes)
        return out

    async def _resolve(self, name: str) -> str:
        if "[" not in name or not self.enabled():
            return name
        got = (await self.aliases()).resolve(name)
        if isinstance(got, Unresolved):
            raise CwmpFault(9005, f"no instance [{got.alias}] in {got.table}")
        return got

    async def _renamed(self, structs: list[S], budget: ResponseBudget | None = None) -> list[S]:
        if not self.alias_mode():
            return structs
        table = await self.aliases()
        out = []
        for s in structs:
            name = table.aliased(s.name)
            if name != s.name:
                if budget is not None and len(name) > len(s.name):
                    budget.take(len(name) - len(s.name), count=0)
                s = replace(s, name=name)
            out.append(s)
        return out

    # -- reading -------------------------------------------------------------------

    async def get_parameter_values(
        self, names: Sequence[str], budget: ResponseBudget | None = None
    ) -> list[ParameterValueStruct]:
        """GPV with Instance Aliases."""
        budget = budget or unlimited()
        budget.check_names(len(names))
        got = await self._model.get_parameter_values(await self._expand(names), budget)
        return await self._renamed(got, budget)

    async def get_parameter_names(
        self, path: str, next_level: bool, budget: ResponseBudget | None = None
    ) -> list[ParameterInfoStruct]:
        """GPN with Instance Aliases."""
        budget = budget or unlimited()
        got: list[ParameterInfoStruct] = []
        for concrete in await self._expand([path]):
            got.extend(await self._model.get_parameter_names(concrete, next_level, budget))
        return await self._renamed(got, budget)

    async def get_parameter_attributes(
        self, names: Sequence[str], budget: ResponseBudget | None = None
    ) -> list[ParameterAttributeStruct]:
        """GPA with Instance Aliases."""
        budget = budget or unlimited()
        budget.check_names(len(names))
        got = await self._model.get_parameter_attributes(await self._expand(names), budget)
        return await self._renamed(got, budget)

    async def inform_parameters(self, event_codes: Sequence[str]) -> list[ParameterValueStruct]:
        """The Inform ParameterList, with Instance Aliases in InstanceAlias mode."""
        got = await self._model.inform_parameters(event_codes)
        try:
            return await self._renamed(got)
        except CwmpFault:  # the aliases could not be read: the Inform goes with numbers
            _log.warn("Inform: instance aliases unreadable, instance numbers sent")
            return got

    # -- writing -------------------------------------------------------------------

    async def set_parameter_attributes(
        self, params: Sequence[SetParameterAttributesStruct]
    ) -> None:
        """SPA with Instance Aliases."""
        resolved = [replace(p, name=await self._resolve(p.name)) for p in params]
        await self._model.set_parameter_attributes(resolved)

    async def delete_object(self, object_name: str, parameter_key: str) -> int:
        """DeleteObject of "X.[alias]." or "X.3."."""
        return await self._model.delete_object(await self._resolve(object_name), parameter_key)

    async def add_object(self, object_name: str, parameter_key: str) -> tuple[int, int]:
        """AddObject "X." (the new instance's Alias "cpe-<n>") or "X.[alias]."."""
        if not self.enabled():
            return await self._model.add_object(object_name, parameter_key)
        alias = None
        if object_name.endswith("]."):
            start = object_name.rfind("[")
            if start < 0:
                raise CwmpFault(9005, f"malformed Instance Alias in {object_name}")
            alias = object_name[start + 1 : -2]
            object_name = object_name[:start]
            check_alias(alias)
        table = await self._resolve(object_name)
        if alias is not None and (await self.aliases()).taken(table, alias):
            raise CwmpFault(9007, f"Invalid parameter value: {table}[{alias}] exists already")
        number, status = await self._create(table, alias)
        status = max(status, await self._model.set_parameter_values([], parameter_key))
        return number, status

    async def _create(self, table: str, alias: str | None) -> tuple[int, int]:
        """A new instance of ``table`` with Alias ``alias`` (None: "cpe-<n>"); no
        ParameterKey. 9005 for an alias on a table whose instances have no writable Alias."""
        number, status = await self._model.add_object(table, None)
        instance = f"{table}{number}."
        info = (await self._model.live_index()).params.get(instance + ALIAS)
        if info is None or not info.writable:
            if alias is not None:
                await self._model.delete_object(instance, None)
                raise CwmpFault(9005, f"{table} has no Alias to address instances by")
            return number, status
        if alias is None:
            aliases = await self.aliases()  # gives a stored Alias its "cpe-<n>" already
            if instance in aliases.of:
                return number, status
            alias = cpe_alias(number, table, aliases)
        try:
            later = await self._model.apply_local(
                [ParameterValueStruct(instance + ALIAS, alias, "string")]
            )
        except BaseException:
            await self._model.delete_object(instance, None)
            raise
        return number, max(status, later)

    async def set_parameter_values(
        self, params: Sequence[ParameterValueStruct], parameter_key: str
    ) -> int:
        """SPV with Instance Aliases, Alias checks and (AutoCreateInstances) new instances."""
        if not self.enabled():
            return await self._model.set_parameter_values(params, parameter_key)
        created: list[str] = []
        sent: dict[str, str] = {}
        try:
            resolved = await self._resolve_set(params, sent, created)
            await self._check_aliases(resolved, sent)
            return await self._model.set_parameter_values(resolved, parameter_key)
        except CwmpFault as fault:
            await self._undo(created)
            if not fault.set_faults:
                raise
            named = tuple(replace(f, name=sent.get(f.name, f.name)) for f in fault.set_faults)
            raise CwmpFault(fault.code, fault.string, named) from None
        except BaseException:
            await self._undo(created)
            raise

    async def _resolve_set(
        self, params: Sequence[ParameterValueStruct], sent: dict[str, str], created: list[str]
    ) -> list[ParameterValueStruct]:
        """``params`` by instance number (``sent``: number form -> the name as sent),
        creating the instances AutoCreateInstances allows (``created``)."""
        faults: list[SetParameterValuesFault] = []
        out: list[ParameterValueStruct] = []
        for p in params:
            name: str | Unresolved = p.name
            while isinstance(name, str) and "[" in name:
                got = (await self.aliases()).resolve(name)
                if not isinstance(got, Unresolved):
                    name = got
                    break
                if not self._auto_create():
                    faults.append(SetParameterValuesFault(p.name, 9005, "no such instance"))
                    name = got
                    break
                try:
                    check_alias(got.alias)
                    number, _ = await self._create(got.table, got.alias)
                except CwmpFault as fault:
                    faults.append(SetParameterValuesFault(p.name, fault.code, fault.string))
                    name = got
                    break
                created.append(f"{got.table}{number}.")
            if isinstance(name, str):
                sent[name] = p.name
                out.append(replace(p, name=name))
        if faults:
            raise CwmpFault(9003, set_faults=tuple(faults))
        return out

    async def _check_aliases(
        self, params: Sequence[ParameterValueStruct], sent: Mapping[str, str]
    ) -> None:
        """Alias values being set: valid (9007) and unique within their table (9007)."""
        faults: list[SetParameterValuesFault] = []
        setting: list[tuple[str, str, str]] = []
        for p in params:
            if not alias_parameter(p.name):
                continue
            try:
                check_alias(p.value)
            except CwmpFault as fault:
                faults.append(SetParameterValuesFault(sent[p.name], fault.code, fault.string))
                continue
            setting.append((p.name, paths.parent(paths.parent(p.name)), p.value))
        if setting:
            in_use = "Invalid parameter value: Alias in use"
            for name in duplicates(setting, await self.aliases()):
                faults.append(SetParameterValuesFault(sent[name], 9007, in_use))
        if faults:
            raise CwmpFault(9003, set_faults=tuple(faults))

    async def _undo(self, created: list[str]) -> None:
        """Delete the instances an SPV that faulted created (newest first)."""
        for instance in reversed(created):
            try:
                await self._model.delete_object(instance, None)
            except CwmpFault:
                _log.warn("could not delete auto-created {instance}", instance=instance)
