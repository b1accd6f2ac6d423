"""The pure permission evaluator: Targets matching, highest Order per Role, union of Roles."""

from __future__ import annotations

import pytest

from cwmpd.uspagent.notifybodies import object_creation, operation_complete, value_change
from cwmpd.uspagent.trust import (
    COMMAND_EVENT,
    FULL_ACCESS,
    INSTANTIATED_OBJ,
    NOTIFY,
    OBJ,
    PARAM,
    READ,
    WRITE,
    Permission,
    Role,
    Trust,
    matches,
    may_receive,
    parse_rights,
)


@pytest.mark.parametrize(
    ("target", "path", "expected"),
    [
        ("Device.IP.", "Device.IP.Interface.1.Name", True),  # partial path: all below
        ("Device.IP.", "Device.IP.", True),
        ("Device.IP.", "Device.IPsec.Enable", False),  # segments, not characters
        ("Device.IP.Interface.1.", "Device.IP.Interface.2.Name", False),
        ("Device.IP.Interface.*.Name", "Device.IP.Interface.2.Name", True),
        ("Device.IP.Interface.*.Name", "Device.IP.Interface.2.Type", False),
        ("Device.IP.Interface.1.", "Device.IP.Interface.{i}.Name", True),  # generic paths
        ("Device.IP.Interface.{i}.", "Device.IP.Interface.7.", True),
        ("Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.SerialNumber", True),
        ("Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.SerialNumberX", False),
        ("Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.", False),
        ("Device.Reboot()", "Device.Reboot()", True),
    ],
)
def test_targets(target: str, path: str, expected: bool) -> None:
    assert matches(target, path) is expected


def _perm(order: int, target: str, **rights: str) -> Permission:
    return Permission(order, (target,), rights)


def test_the_highest_order_decides_within_a_role() -> None:
    """Whatever their place in the table, the matching Permission with the larger Order wins,
    also when it grants less."""
    role = Role(
        "r",
        (
            _perm(9, "Device.DeviceInfo.SerialNumber", Param="----"),
            _perm(1, "Device.DeviceInfo.", Param="rw--"),
            _perm(5, "Device.DeviceInfo.ProvisioningCode", Param="r---"),
        ),
    )
    trust = Trust([role])
    assert trust.rights(PARAM, "Device.DeviceInfo.Manufacturer") == "rw--"
    assert trust.rights(PARAM, "Device.DeviceInfo.ProvisioningCode") == "r---"
    assert not trust.allows(PARAM, READ, "Device.DeviceInfo.SerialNumber")
    assert trust.rights(PARAM, "Device.IP.Interface.1.Name") == "----"  # no Target: nothing


def test_roles_add_up() -> None:
    reader = Role("reader", (_perm(0, "Device.", Param="r---", Obj="r---"),))
    writer = Role("writer", (_perm(0, "Device.IP.", Param="-w--", InstantiatedObj="-w--"),))
    trust = Trust([reader, writer])
    assert trust.rights(PARAM, "Device.IP.Interface.1.Name") == "rw--"
    assert trust.rights(PARAM, "Device.DeviceInfo.HostName") == "r---"
    assert trust.allows(INSTANTIATED_OBJ, WRITE, "Device.IP.Interface.1.")
    assert not trust.allows(OBJ, WRITE, "Device.IP.Interface.")
    assert Trust([]).readable(["Device.DeviceInfo.HostName"]) == []


def test_full_access_allows_everything() -> None:
    for kind in (PARAM, OBJ, INSTANTIATED_OBJ, COMMAND_EVENT):
        assert FULL_ACCESS.rights(kind, "Device.X.1.Y") == "rwxn"


@pytest.mark.parametrize("text", ["rwx", "wr--", "rwxnn", "R---", "r-x?"])
def test_malformed_rights(text: str) -> None:
    with pytest.raises(ValueError, match="permission string"):
        parse_rights(text)


def test_notify_needs_the_notify_right_of_its_kind() -> None:
    trust = Trust(
        [
            Role(
                "n",
                (
                    _perm(0, "Device.IP.", Param="r--n", Obj="r---"),
                    _perm(1, "Device.Reboot()", CommandEvent="---n"),
                ),
            )
        ]
    )
    assert may_receive(trust, value_change("Device.IP.Interface.1.Name", "x"))
    assert not may_receive(trust, value_change("Device.DeviceInfo.HostName", "x"))
    assert not may_receive(trust, object_creation("Device.IP.Interface.3.", {}))
    assert may_receive(trust, operation_complete("Device.Reboot()", "k"))
    assert trust.allows(COMMAND_EVENT, NOTIFY, "Device.Reboot()")


def test_an_all_rights_permission_below_a_higher_order_one_is_not_everything() -> None:
    """Full rights on Device. at Order 0 under a higher-Order "----": not Full Access."""
    role = Role(
        "almost",
        (
            _perm(
                0, "Device.", Param="rwxn", Obj="rwxn", InstantiatedObj="rwxn", CommandEvent="rwxn"
            ),
            _perm(1, "Device.DeviceInfo.SerialNumber"),
        ),
    )
    trust = Trust([role])
    assert FULL_ACCESS.everything and not trust.everything
    assert trust.readable(["Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.HostName"]) == [
        "Device.DeviceInfo.HostName"
    ]
