"""Instance Aliases in CWMP path names (TR-069 3.6.1, A.2.2.1): the rules, as plain strings.

An Instance Alias is the value of an instance's ``Alias`` parameter written in brackets
where the instance number would stand: ``Device.IP.Interface.[lan].Enable`` names
``Device.IP.Interface.1.Enable`` when instance 1's Alias is "lan". This module maps the
two forms both ways and checks Alias values (TR-181's Alias data type); the RPCs that use
it are in cwmpd.datamodel.acsview.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault

ALIAS = "Alias"
CPE_PREFIX = "cpe-"
MAX_LENGTH = 64
#: Starts with a letter; no dot or bracket (they would end the path segment).
_VALID = re.compile(r"[A-Za-z][^.\[\]]*")


def alias_parameter(name: str) -> bool:
    """True for the Alias parameter of an instance ("Device.IP.Interface.3.Alias")."""
    return name.endswith("." + ALIAS) and paths.is_instance(paths.parent(name))


def check_alias(value: str) -> None:
    """An Alias value TR-181 allows with Alias-Based Addressing, else CwmpFault 9007:
    not empty, at most 64 characters, starting with a letter (and no "." "[" "]")."""
    if not value:
        raise CwmpFault(9007, "Invalid parameter value: an Alias must not be empty")
    if len(value) > MAX_LENGTH:
        raise CwmpFault(9007, f"Invalid parameter value: an Alias has at most {MAX_LENGTH} chars")
    if not _VALID.fullmatch(value):
        raise CwmpFault(
            9007, "Invalid parameter value: an Alias starts with a letter, without . [ ]"
        )


@dataclass(frozen=True)
class Unresolved:
    """A path whose Instance Alias names no instance (yet): ``table`` ("X.") has no
    instance ``alias``; ``rest`` is the part of the path after "[alias]."."""

    table: str
    alias: str
    rest: str


class AliasTable:
    """The aliases of the live instances: instance object <-> alias within its table."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        """``aliases``: instance object ("X.3.") -> its Alias value (empty ones ignored)."""
        self.of: dict[str, str] = {inst: a for inst, a in aliases.items() if a}
        self._by_table = {(paths.parent(inst), a): inst for inst, a in self.of.items()}

    def add(self, instance: str, alias: str) -> None:
        """Record ``alias`` for ``instance`` ("X.3.")."""
        self.of[instance] = alias
        self._by_table[(paths.parent(instance), alias)] = instance

    def instance(self, table: str, alias: str) -> str | None:
        """The instance object ("X.3.") of ``table`` ("X.") whose Alias is ``alias``."""
        return self._by_table.get((table, alias))

    def taken(self, table: str, alias: str, besides: str = "") -> bool:
        """True when another instance of ``table`` than ``besides`` has ``alias``."""
        found = self._by_table.get((table, alias))
        return found is not None and found != besides

    def resolve(self, name: str) -> str | Unresolved:
        """``name`` with every Instance Alias replaced by the instance number (the first
        unknown one: Unresolved); 9005 for a malformed alias segment."""
        if "[" not in name:
            return name
        out, pos = "", 0
        while True:
            start = name.find("[", pos)
            if start < 0:
                return out + name[pos:]
            end = name.find("]", start)
            prefix = out + name[pos:start]
            if end < 0 or not prefix.endswith(".") or name[end + 1 : end + 2] != ".":
                raise CwmpFault(9005, f"malformed Instance Alias in {name}")
            alias = name[start + 1 : end]
            found = self._by_table.get((prefix, alias))
            if found is None:
                return Unresolved(prefix, alias, name[end + 2 :])
            out, pos = found, end + 2

    def aliased(self, name: str) -> str:
        """``name`` with each instance number that has an alias written as "[alias]"."""
        if not self.of:
            return name
        pieces: list[str] = []
        seg = 0  # start of the current segment
        while True:
            dot = name.find(".", seg)
            if dot < 0:
                pieces.append(name[seg:])
                break
            alias = self.of.get(name[: dot + 1]) if name[seg:dot].isdigit() else None
            pieces.append(name[seg : dot + 1] if alias is None else f"[{alias}].")
            seg = dot + 1
        return "".join(pieces)


def cpe_alias(number: int, table: str, aliases: AliasTable) -> str:
    """The Alias the CPE gives a new instance ``number`` of ``table``: "cpe-<number>"
    (with a suffix in the odd case that the ACS already gave that one to another row)."""
    alias, n = f"{CPE_PREFIX}{number}", 1
    while aliases.taken(table, alias):
        n += 1
        alias = f"{CPE_PREFIX}{number}-{n}"
    return alias


def duplicates(table_of: Iterable[tuple[str, str, str]], aliases: AliasTable) -> list[str]:
    """Of (Alias parameter name, table, new value) being set together, the names whose
    value another instance of the same table has or gets (Alias is a unique key)."""
    new: dict[tuple[str, str], list[str]] = {}
    moved: set[str] = set()  # instances whose alias changes in this request
    for name, table, value in table_of:
        new.setdefault((table, value), []).append(name)
        moved.add(paths.parent(name))
    out = []
    for (table, value), names in new.items():
        holder = aliases.instance(table, value)
        if len(names) > 1 or (holder is not None and holder not in moved):
            out.extend(names)
    return out
