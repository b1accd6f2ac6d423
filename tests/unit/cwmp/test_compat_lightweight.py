"""Notification 3..6 per namespace: cwmp-1-2 carries them, cwmp-1-0/1-1 do not (A.6)."""

from __future__ import annotations

import pytest

from cwmpd.cwmp import compat
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterAttributeStruct as PA
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.cwmp.xmlns import NS_CWMP_10, NS_CWMP_11, NS_CWMP_12


@pytest.mark.parametrize("ns", [NS_CWMP_10, NS_CWMP_11])
@pytest.mark.parametrize("value", [3, 4, 5, 6])
def test_lightweight_values_are_invalid_before_cwmp_1_2(ns: str, value: int) -> None:
    """An SPA asking for 3..6 in cwmp-1-0/1-1 does not validate there."""
    spa = m.SetParameterAttributes(parameters=(SPA("Device.A", True, value, False, ()),))
    assert "not defined" in compat.invalid_arguments(spa, ns)


def test_lightweight_values_are_fine_in_cwmp_1_2_or_unchanged() -> None:
    """cwmp-1-2 takes them; NotificationChange false ignores the value; 0..2 always fine."""
    assert (
        compat.invalid_arguments(
            m.SetParameterAttributes(parameters=(SPA("Device.A", True, 5, False, ()),)), NS_CWMP_12
        )
        == ""
    )
    assert (
        compat.invalid_arguments(
            m.SetParameterAttributes(parameters=(SPA("Device.A", False, 5, False, ()),)), NS_CWMP_10
        )
        == ""
    )
    assert compat.invalid_arguments(m.GetRPCMethods(), NS_CWMP_10) == ""


def test_gpa_response_narrowed_to_the_inform_part() -> None:
    """Reported in cwmp-1-0/1-1, 3 and 5 read 0, 4 and 6 read 1; cwmp-1-2 keeps them."""
    resp = m.GetParameterAttributesResponse(
        parameters=tuple(PA(f"Device.P{v}", v) for v in range(7))
    )
    for ns in (NS_CWMP_10, NS_CWMP_11):
        narrowed = compat.adapt(resp, ns)
        assert isinstance(narrowed, m.GetParameterAttributesResponse)
        assert [p.notification for p in narrowed.parameters] == [0, 1, 2, 0, 1, 0, 1]
    assert compat.adapt(resp, NS_CWMP_12) == resp
