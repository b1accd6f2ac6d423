"""Instance Alias path rules (TR-069 A.2.2.1): both ways, malformed ones, Alias values."""

from __future__ import annotations

import pytest

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.aliases import AliasTable, Unresolved, check_alias, cpe_alias, duplicates

IF = "Device.IP.Interface."
TABLE = AliasTable(
    {IF + "1.": "lan", IF + "2.": "wan", IF + "1.IPv4Address.3.": "a", IF + "4.": ""}
)


@pytest.mark.parametrize(
    ("name", "resolved"),
    [
        (IF + "[lan].Enable", IF + "1.Enable"),
        (IF + "[wan].", IF + "2."),
        (IF + "[lan].IPv4Address.[a].IPAddress", IF + "1.IPv4Address.3.IPAddress"),
        (IF + "1.IPv4Address.[a].", IF + "1.IPv4Address.3."),
        (IF + "2.Enable", IF + "2.Enable"),
        (IF + "[nope].Enable", Unresolved(IF, "nope", "Enable")),
        (IF + "[wan].IPv4Address.[a].", Unresolved(IF + "2.IPv4Address.", "a", "")),
        (IF + "[].Enable", Unresolved(IF, "", "Enable")),  # no instance has an empty alias
    ],
)
def test_resolve(name: str, resolved: str | Unresolved) -> None:
    """Each "[alias]" becomes its instance number; the first unknown one is Unresolved."""
    assert TABLE.resolve(name) == resolved


@pytest.mark.parametrize("name", [IF + "[lan", IF + "[lan]Enable", "[lan].Enable", IF + "[lan]"])
def test_malformed_alias_segments_are_9005(name: str) -> None:
    with pytest.raises(CwmpFault) as exc:
        TABLE.resolve(name)
    assert exc.value.code == 9005


@pytest.mark.parametrize(
    ("name", "aliased"),
    [
        (IF + "1.Enable", IF + "[lan].Enable"),
        (IF + "1.IPv4Address.3.", IF + "[lan].IPv4Address.[a]."),
        (IF + "4.Enable", IF + "4.Enable"),  # no alias: the number stays
        ("Device.DeviceInfo.UpTime", "Device.DeviceInfo.UpTime"),
    ],
)
def test_aliased(name: str, aliased: str) -> None:
    """Numbers of instances that have an alias are written "[alias]", round trip included."""
    assert TABLE.aliased(name) == aliased
    assert TABLE.resolve(aliased) == name


@pytest.mark.parametrize("good", ["a", "lan-2", "X_1 guest", "a" + "é" * 63])
def test_good_alias_values(good: str) -> None:
    check_alias(good)


@pytest.mark.parametrize("bad", ["", "1a", "-a", "a.b", "a[b", "a]", "x" * 65, "é"])
def test_bad_alias_values_are_9007(bad: str) -> None:
    with pytest.raises(CwmpFault) as exc:
        check_alias(bad)
    assert exc.value.code == 9007


def test_cpe_alias_skips_one_the_acs_took() -> None:
    """ "cpe-<n>", with a suffix when the ACS already named another instance so."""
    table = AliasTable({IF + "1.": "cpe-3"})
    assert cpe_alias(3, IF, table) == "cpe-3-2"
    assert cpe_alias(5, IF, table) == "cpe-5"


def test_duplicates() -> None:
    """A value another (unchanged) instance holds, or two set at once, clash; a swap not."""
    assert duplicates([(IF + "2.Alias", IF, "lan")], TABLE) == [IF + "2.Alias"]
    assert duplicates([(IF + "1.Alias", IF, "lan")], TABLE) == []
    swap = [(IF + "1.Alias", IF, "wan"), (IF + "2.Alias", IF, "lan")]
    assert duplicates(swap, TABLE) == []
    both = [(IF + "4.Alias", IF, "x"), (IF + "2.Alias", IF, "x")]
    assert duplicates(both, TABLE) == [IF + "4.Alias", IF + "2.Alias"]
