"""Notification and AccessList attributes (A.3.2.4/A.3.2.5), persisted through cwmpd.state.

Only attributes that differ from the default are stored. Defaults: Notification 2 for
"forceEnabled" and "forceDefaultEnabled" parameters (E-12), 0 otherwise; AccessList empty.
Notification 3..6 (cwmp-1-4) add lightweight (UDP, Annex M) notification: 3 passive and 5
active lightweight alone, 4 and 6 the same with passive (Inform) notification besides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import SetParameterAttributesStruct
from cwmpd.datamodel.tree import Index, ParamInfo
from cwmpd.state import Writer, read_json, write_json

SUBSCRIBER = "Subscriber"
_FORCED_ON = frozenset({"forceEnabled", "forceDefaultEnabled"})
_SUPPORTED = frozenset(range(7))
#: Notification value -> its Inform part (0 off, 1 passive, 2 active).
_INFORM_PART = {3: 0, 4: 1, 5: 0, 6: 1}
#: Notification value -> its lightweight part (1 passive, 2 active); others have none.
_LIGHTWEIGHT_PART = {3: 1, 4: 1, 5: 2, 6: 2}

Attrs = tuple[int, tuple[str, ...]]


def inform_part(notification: int) -> int:
    """What ``notification`` asks of the Inform: 0 nothing, 1 passive, 2 active."""
    return _INFORM_PART.get(notification, notification)


def lightweight_part(notification: int) -> int:
    """What ``notification`` asks of lightweight notifications: 0 none, 1 passive, 2 active."""
    return _LIGHTWEIGHT_PART.get(notification, 0)


def default_notification(info: ParamInfo) -> int:
    """Notification a parameter has until the ACS changes it."""
    return 2 if info.active_notify in _FORCED_ON else 0


class AttributeStore:
    """Per-parameter attributes that differ from their defaults."""

    def __init__(self, path: Path, writer: Writer = write_json) -> None:
        self.path = Path(path)
        self._writer = writer
        state: Any = read_json(self.path, {})
        raw = state.get("attributes", {}) if isinstance(state, dict) else {}
        self._attrs: dict[str, Attrs] = {
            name: (int(n), tuple(acl)) for name, (n, acl) in raw.items()
        }

    def get(self, name: str, info: ParamInfo) -> Attrs:
        """The (Notification, AccessList) of concrete ``name``."""
        if info.active_notify == "forceEnabled":
            return 2, self._attrs.get(name, (2, ()))[1]
        return self._attrs.get(name, (default_notification(info), ()))

    def notification(self, name: str, info: ParamInfo) -> int:
        """The Notification attribute of concrete ``name``."""
        return self.get(name, info)[0]

    def update(self, changes: dict[str, Attrs], index: Index) -> None:
        """Store ``changes`` (one write), dropping entries equal to the default.

        OSError when the write fails: the attributes stay as they were (the SPA faults).
        """
        new = dict(self._attrs)
        for name, attrs in changes.items():
            if attrs == (default_notification(index.params[name]), ()):
                new.pop(name, None)
            else:
                new[name] = attrs
        self._save(new)

    def forget_under(self, prefix: str) -> None:
        """Drop the attributes of every parameter below ``prefix`` (a deleted instance)."""
        kept = {n: a for n, a in self._attrs.items() if not n.startswith(prefix)}
        if len(kept) != len(self._attrs):
            self._save(kept)

    def reset(self) -> None:
        """Factory reset: every attribute back to its default."""
        self._save({})

    def _save(self, attrs: dict[str, Attrs]) -> None:
        """Write ``attrs``, then make them the attributes (a failed write changes nothing)."""
        data = {n: [v, list(acl)] for n, (v, acl) in attrs.items()}
        self._writer(self.path, {"version": 1, "attributes": data})
        self._attrs = attrs


def plan(
    requests: Sequence[SetParameterAttributesStruct], index: Index, store: AttributeStore
) -> dict[str, Attrs]:
    """Validate a whole SetParameterAttributes; the new attributes, or CwmpFault.

    A full name that cannot take the requested Notification faults 9009 (forceEnabled
    parameters cannot change, canDeny parameters refuse active). Through a partial path
    such parameters are left as they are, so the ACS can still set a whole subtree.
    """
    changes: dict[str, Attrs] = {}
    for req in requests:
        if req.notification_change and req.notification not in _SUPPORTED:
            raise CwmpFault(9003, f"Notification {req.notification} not supported")
        acl = _access_list(req.access_list) if req.access_list_change else None
        selected = names_of(req.name, index)
        for name in selected:
            info = index.params[name]
            old = changes.get(name) or store.get(name, info)
            notify = old[0]
            if req.notification_change and req.notification != old[0]:
                refused = _refuses(info, req.notification)
                if refused and name == req.name:
                    raise CwmpFault(9009, f"{name}: {refused}")
                if not refused:
                    notify = req.notification
            changes[name] = (notify, old[1] if acl is None else acl)
    return changes


def _refuses(info: ParamInfo, notification: int) -> str:
    if info.active_notify == "forceEnabled":
        return "active notification is forced on"
    if info.active_notify == "canDeny" and notification == 2:
        return "active notification denied"
    return ""


def _access_list(entries: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for entry in entries:
        if entry.lower() != SUBSCRIBER.lower():
            raise CwmpFault(9003, f"unknown AccessList entry {entry!r}")
        if SUBSCRIBER not in out:
            out.append(SUBSCRIBER)
    return tuple(out)


def names_of(name: str, index: Index) -> list[str]:
    """Parameters named by a full or partial name ("" is the whole model); 9005 if unknown."""
    if name == "" or name.endswith("."):
        if name and name not in index.objects:
            raise CwmpFault(9005, f"no object {name}")
        return index.params_under(name)
    if name not in index.params:
        raise CwmpFault(9005, f"no parameter {name}")
    return [name]
