"""Controller trust: a pure evaluator of a Controller's Role permissions over resolved paths.

TR-181 ``Device.LocalAgent.ControllerTrust.Role.{i}.Permission.{i}.``: each Permission
grants four "rwxn" strings (``-`` for a right not granted) to its Targets, one string per
kind of target: ``Param`` (r: Get and GetSupportedDM, w: Set/Add values, n: ValueChange),
``Obj`` (r: Get resolves the object and GetSupportedDM shows it, w: Add, n: ObjectCreation),
``InstantiatedObj`` (r: GetInstances, w: Delete, n: ObjectDeletion) and ``CommandEvent``
(r: GetSupportedDM shows it, x: Operate, n: OperationComplete and Event).

A Target is a partial path (ends with "."; the object and everything below it), a
parameter, command or event path (that name only), or a search path: ``*`` and ``{i}``
match any instance here; an expression search (``[...]``) is resolved by the caller into
concrete paths first (:func:`cwmpd.uspagent.trustload.load_trust`). Within one Role the
enabled Permission with the highest Order among those whose Targets match a path decides
for that path (the data model's words: "the permissions for the entry with the highest
value takes priority over all others"); a path no Permission matches has no rights. A
Controller with several Roles has the union of what each Role gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

PARAM = "Param"
OBJ = "Obj"
INSTANTIATED_OBJ = "InstantiatedObj"
COMMAND_EVENT = "CommandEvent"
KINDS = (PARAM, OBJ, INSTANTIATED_OBJ, COMMAND_EVENT)

READ, WRITE, EXECUTE, NOTIFY = "r", "w", "x", "n"
NONE = "----"
ALL = "rwxn"


def parse_rights(text: str) -> str:
    """A permission string ("r-xn") checked: 4 characters, each its letter or "-"."""
    if len(text) != 4 or any(c not in (r, "-") for c, r in zip(text, ALL, strict=True)):
        raise ValueError(f"{text!r} is not a permission string like 'r-xn'")
    return text


@dataclass(frozen=True)
class Permission:
    """One Permission row: its Order, Targets and a rights string per kind."""

    order: int
    targets: tuple[str, ...]
    rights: Mapping[str, str] = field(default_factory=dict)
    """Kind (PARAM ...) -> "rwxn"-style string; a kind left out has none."""

    def grants(self, kind: str, right: str) -> bool:
        return right in self.rights.get(kind, NONE)


@dataclass(frozen=True)
class Role:
    """One enabled Role: its Name and enabled Permissions."""

    name: str
    permissions: tuple[Permission, ...]


def _segments(path: str) -> tuple[tuple[str, ...], bool]:
    partial = path.endswith(".")
    return tuple((path[:-1] if partial else path).split(".")), partial


def _wild(seg: str) -> bool:
    return seg in ("*", "{i}")


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    return (_wild(a) and (_wild(b) or b.isdigit())) or (_wild(b) and a.isdigit())


@lru_cache(maxsize=4096)
def matches(target: str, path: str) -> bool:
    """Whether ``target`` (a Targets entry) covers ``path`` (concrete or generic)."""
    want, partial = _segments(target)
    have, _ = _segments(path)
    if partial:
        if len(have) < len(want):
            return False
    elif len(have) != len(want) or path.endswith("."):
        return False
    return all(_same(w, h) for w, h in zip(want, have, strict=False))


def _grants_everything(role: Role) -> bool:
    if not role.permissions:
        return False
    top = role.permissions[0]  # the highest Order: it decides wherever it matches
    return "Device." in top.targets and all(top.rights.get(k) == ALL for k in KINDS)


class Trust:
    """What one Controller may do: the union of its ``roles``."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles = tuple(
            Role(r.name, tuple(sorted(r.permissions, key=lambda p: -p.order))) for r in roles
        )
        self.everything = any(_grants_everything(r) for r in self.roles)
        """Whether one Role's top Permission gives every right on all of ``Device.``
        (Full Access): then no path needs judging."""

    def _deciding(self, role: Role, path: str) -> Permission | None:
        for permission in role.permissions:  # highest Order first
            if any(matches(t, path) for t in permission.targets):
                return permission
        return None

    def rights(self, kind: str, path: str) -> str:
        """The "rwxn" string the Controller has on ``path`` as a target of ``kind``."""
        if self.everything:
            return ALL
        got: set[str] = set()
        for role in self.roles:
            permission = self._deciding(role, path)
            if permission is not None:
                got.update(permission.rights.get(kind, NONE))
        return "".join(c if c in got else "-" for c in ALL)

    def allows(self, kind: str, right: str, path: str) -> bool:
        """Whether the Controller has ``right`` (READ ...) on ``path`` as a ``kind``."""
        if self.everything:
            return True
        for role in self.roles:
            permission = self._deciding(role, path)
            if permission is not None and permission.grants(kind, right):
                return True
        return False

    def readable(self, names: Sequence[str]) -> list[str]:
        """The parameters of ``names`` the Controller may read."""
        if self.everything:
            return list(names)
        return [n for n in names if self.allows(PARAM, READ, n)]


#: A Trust that allows everything (the Full Access role alone).
FULL_ACCESS = Trust(
    [Role("Full Access", (Permission(0, ("Device.",), dict.fromkeys(KINDS, ALL)),))]
)


def notify_target(notify: pb.Notify) -> tuple[str, str] | None:
    """The (kind, path) whose NOTIFY right a Notify needs (None: needs none, OnBoardRequest)."""
    body = notify.WhichOneof("notification")
    if body == "value_change":
        return PARAM, notify.value_change.param_path
    if body == "obj_creation":
        return OBJ, notify.obj_creation.obj_path
    if body == "obj_deletion":
        return INSTANTIATED_OBJ, notify.obj_deletion.obj_path
    if body == "event":
        return COMMAND_EVENT, notify.event.obj_path + notify.event.event_name
    if body == "oper_complete":
        return COMMAND_EVENT, notify.oper_complete.obj_path + notify.oper_complete.command_name
    return None


def may_receive(trust: Trust, notify: pb.Notify) -> bool:
    """Whether a Controller of ``trust`` may be sent ``notify`` (its Notify right)."""
    target = notify_target(notify)
    return target is None or trust.allows(target[0], NOTIFY, target[1])
