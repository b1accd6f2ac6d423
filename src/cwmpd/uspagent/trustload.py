"""A Controller's Trust read from Device.LocalAgent.ControllerTrust. and its AssignedRole.

The Controller is the ``Controller.{i}`` whose EndpointID sent the message; its Roles are
its AssignedRole list, the enabled ones. A Controller not in the table, or with no
AssignedRole, gets ``ControllerTrust.UntrustedRole``. Targets with an expression search
path (``[...]``) are resolved against the live model here, so the evaluator
(:mod:`cwmpd.uspagent.trust`) matches concrete paths only.
"""

from __future__ import annotations

from collections.abc import Mapping

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.tree import prefixed
from cwmpd.uspagent.snapshot import UniqueKeys, resolve_paths
from cwmpd.uspagent.trust import KINDS, NONE, Permission, Role, Trust, parse_rights

TRUST = "Device.LocalAgent.ControllerTrust."
CONTROLLER = "Device.LocalAgent.Controller."


def _rows(values: Mapping[str, str], table: str) -> dict[str, dict[str, str]]:
    """``table`` ("X.Role.") rows by path ("X.Role.1"): relative name -> value."""
    out: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        if not name.startswith(table):
            continue
        number, _, rel = name[len(table) :].partition(".")
        if number.isdigit():
            out.setdefault(table + number, {})[rel] = value
    return out


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _rights(text: str) -> str:
    try:
        return parse_rights(text)
    except ValueError:  # a malformed string grants nothing
        return NONE


async def _read(model: DataModel, prefix: str) -> dict[str, str]:
    """The values of the parameters under ``prefix``, read object by object (as a USP Get
    reads them: no model-wide parameter list needed, every message reads these)."""
    index = await model.live_index()
    objects = prefixed(index.object_names, prefix)
    try:
        values, _ = await model.read_objects(objects, {})
    except CwmpFault:
        return {}
    return {
        obj + rel: value for obj, pairs in zip(objects, values, strict=True) for rel, value in pairs
    }


async def _roles_of(model: DataModel, endpoint_id: str) -> list[str]:
    controllers = _rows(await _read(model, CONTROLLER), CONTROLLER)
    for row in controllers.values():
        if row.get("EndpointID") == endpoint_id:
            assigned = _list(row.get("AssignedRole", ""))
            if assigned:
                return [a.rstrip(".") for a in assigned]
    return []


async def _targets(
    model: DataModel, targets: list[str], unique_keys: UniqueKeys
) -> tuple[str, ...]:
    """Targets with expression searches replaced by the paths they resolve to now."""
    plain = [t for t in targets if "[" not in t]
    searches = [t for t in targets if "[" in t]
    if searches:
        _, found = await resolve_paths(model, searches, unique_keys)
        for res in found:
            if res is not None:
                plain.extend(res.paths)
    return tuple(plain)


async def load_trust(model: DataModel, endpoint_id: str, unique_keys: UniqueKeys) -> Trust:
    """The Trust of the Controller ``endpoint_id`` on ``model`` now."""
    values = await _read(model, TRUST)
    wanted = await _roles_of(model, endpoint_id)
    if not wanted:
        wanted = [r.rstrip(".") for r in _list(values.get(TRUST + "UntrustedRole", ""))]
    roles = _rows(values, TRUST + "Role.")
    out: list[Role] = []
    for path in wanted:
        role = roles.get(path)
        if role is None or role.get("Enable") != "true":
            continue
        permissions = []
        for row in _rows(values, path + ".Permission.").values():
            if row.get("Enable") != "true":
                continue
            try:
                order = int(row.get("Order", "0"))
            except ValueError:
                continue
            rights = {k: _rights(row.get(k, NONE)) for k in KINDS}
            targets = await _targets(model, _list(row.get("Targets", "")), unique_keys)
            permissions.append(Permission(order, targets, rights))
        out.append(Role(role.get("Name", ""), tuple(permissions)))
    return Trust(out)
