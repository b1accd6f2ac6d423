"""Device.LocalAgent.ControllerTrust. (Roles and Permissions), declared when USP is enabled.

The agent keeps the rows itself, like the Subscription table: stored, persisted, reset to
the factory rows by a factory reset. The factory rows are the two predefined Roles,
``Role.1`` "Full Access" (every right on ``Device.``) and ``Role.2`` "Untrusted" (no right
on anything; ``ControllerTrust.UntrustedRole`` names it), then the roles the configuration
defines (``[[usp.roles]]``). ``cwmpd.uspagent.trustload`` reads them for every message.

Not declared: Credential.{i}., Challenge.{i}. and the RequestChallenge()/ChallengeResponse()
commands (certificate-based role assignment and challenges are not implemented).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwmpd.datamodel.bindings import Declarations

TRUST = "Device.LocalAgent.ControllerTrust."
ROLE = TRUST + "Role."
FULL_ACCESS = ROLE + "1"
UNTRUSTED = ROLE + "2"
#: The configuration's names of the predefined roles.
PREDEFINED = {"full": FULL_ACCESS, "untrusted": UNTRUSTED}

#: Relative name -> factory default (None: the data model's default).
TRUST_KEPT: dict[str, str | None] = {
    "UntrustedRole": None,
    "BannedRole": "",
    "SecuredRoles": "",
    "TOFUAllowed": "false",
    "TOFUInactivityTimer": "0",
    "Role.{i}.Alias": None,
    "Role.{i}.Enable": "false",
    "Role.{i}.Name": "",
    "Role.{i}.Permission.{i}.Alias": None,
    "Role.{i}.Permission.{i}.Enable": "false",
    "Role.{i}.Permission.{i}.Order": "0",
    "Role.{i}.Permission.{i}.Targets": "",
    "Role.{i}.Permission.{i}.Param": "----",
    "Role.{i}.Permission.{i}.Obj": "----",
    "Role.{i}.Permission.{i}.InstantiatedObj": "----",
    "Role.{i}.Permission.{i}.CommandEvent": "----",
}


def declare_trust(decl: Declarations) -> None:
    """Declare ControllerTrust's Roles and Permissions as agent-kept parameters."""
    for rel, default in TRUST_KEPT.items():
        decl.store(TRUST + rel, default)


PermissionRow = Mapping[str, str]
"""A permission as configured: ``targets`` (comma list), ``order``, ``param``, ``obj``,
``instantiated_obj``, ``command_event``."""


def _role(i: int, name: str, permissions: Sequence[PermissionRow]) -> dict[str, str]:
    row = f"{ROLE}{i}."
    values = {row + "Enable": "true", row + "Name": name, row + "Alias": f"cpe-role-{i}"}
    for j, perm in enumerate(permissions, 1):
        p = f"{row}Permission.{j}."
        values.update(
            {
                p + "Enable": "true",
                p + "Alias": f"cpe-permission-{j}",
                p + "Order": str(perm.get("order", j - 1)),
                p + "Targets": perm.get("targets", ""),
                p + "Param": perm.get("param", "----"),
                p + "Obj": perm.get("obj", "----"),
                p + "InstantiatedObj": perm.get("instantiated_obj", "----"),
                p + "CommandEvent": perm.get("command_event", "----"),
            }
        )
    return values


def trust_factory_values(
    roles: Mapping[str, Sequence[PermissionRow]] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The factory rows of ControllerTrust (the predefined roles, then ``roles`` by name,
    each its permissions in order), and the role path of every configured name
    ("full", "untrusted" and each of ``roles``)."""
    everything = {"targets": "Device.", "param": "rwxn", "obj": "rwxn"}
    everything |= {"instantiated_obj": "rwxn", "command_event": "rwxn"}
    values = _role(1, "Full Access", [everything])
    values |= _role(2, "Untrusted", [{"targets": "Device."}])
    values[TRUST + "UntrustedRole"] = UNTRUSTED
    names = dict(PREDEFINED)
    for i, (name, permissions) in enumerate((roles or {}).items(), 3):
        values |= _role(i, name, permissions)
        names[name] = f"{ROLE}{i}"
    return values, names


def with_trust(usp: Mapping[str, str]) -> dict[str, str]:
    """LocalAgent factory values with the predefined roles added (when ``usp`` has none)
    and each factory Controller without an AssignedRole given Full Access."""
    values = dict(usp)
    if not any(n.startswith(TRUST) for n in values):
        values |= trust_factory_values()[0]
    controllers = {
        n[: -len("EndpointID")]
        for n in values
        if n.startswith("Device.LocalAgent.Controller.")
        and n.count(".") == 4
        and n.endswith(".EndpointID")
    }
    for row in controllers:
        values.setdefault(row + "AssignedRole", FULL_ACCESS)
    return values
