"""Whatever the agent emits validates in the namespace it is sent in: events, faults, codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.xsd import validate_envelope
from cwmpd.cwmp import compat, soap
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.eventcodes import POLICIES
from cwmpd.cwmp.faults import FAULT_STRINGS, SetParameterValuesFault
from cwmpd.cwmp.structs import DeviceId, EventStruct

NAMESPACES = (soap.NS_CWMP_10, soap.NS_CWMP_11, soap.NS_CWMP_12)
CPE_FAULTS = [*sorted(c for c in FAULT_STRINGS if c >= 9000), 9800, 9899]
DEVICE = DeviceId("cwmpd", "00CAFE", "Sim", "SN1")
T = "2026-01-01T00:00:00Z"


def _event(code: str) -> EventStruct:
    return EventStruct(code, "key-1" if code.startswith("M ") else "")


def _valid(spec: Path, env: soap.Envelope) -> list[str]:
    return validate_envelope(spec, soap.serialize(env))


@pytest.mark.parametrize("code", sorted(POLICIES))
@pytest.mark.parametrize("preferred", NAMESPACES)
def test_inform_with_each_event_validates(spec: Path, code: str, preferred: str) -> None:
    """An Inform carrying any event goes in a namespace that defines it, and validates."""
    events = (_event(code),)
    ns = compat.inform_namespace(events, preferred)
    assert NAMESPACES.index(ns) >= NAMESPACES.index(preferred)
    inform = m.Inform(DEVICE, events, 1, T, 0, ())
    assert _valid(spec, soap.Envelope(inform, ns=ns, id="1")) == []


def test_classic_events_keep_the_preferred_namespace() -> None:
    """Events cwmp-1-0 knows do not force a newer namespace on an old ACS."""
    events = (_event("0 BOOTSTRAP"), _event("1 BOOT"), _event("M Reboot"))
    assert compat.inform_namespace(events, soap.NS_CWMP_10) == soap.NS_CWMP_10


@pytest.mark.parametrize("code", CPE_FAULTS)
@pytest.mark.parametrize("ns", NAMESPACES)
def test_every_fault_validates_in_every_namespace(spec: Path, code: int, ns: str) -> None:
    """Every CPE fault code, narrowed for the namespace, validates (with SPV entries too)."""
    set_faults = (SetParameterValuesFault("Device.A", code),) if code == 9003 else ()
    fault = compat.adapt(m.Fault(code, set_faults=set_faults), ns)
    assert isinstance(fault, m.Fault)
    if ns == soap.NS_CWMP_12 or code <= 9013 or code >= 9800:
        assert fault.code == code
    assert _valid(spec, soap.Envelope(fault, ns=ns, id="7")) == []


@pytest.mark.parametrize("code", [0, 9001, 9002, 9010, 9011, 9012, *range(9014, 9021), 9850])
@pytest.mark.parametrize("ns", NAMESPACES)
def test_transfer_complete_codes_validate(spec: Path, code: int, ns: str) -> None:
    """TransferComplete and AutonomousTransferComplete codes validate in each namespace."""
    tc = compat.adapt(m.TransferComplete("k", code, "x" if code else "", T, T), ns)
    assert _valid(spec, soap.Envelope(tc, ns=ns, id="2")) == []
    if ns != soap.NS_CWMP_10:
        atc = m.AutonomousTransferComplete("", "http://f/x", True, "1 Firmware Upgrade Image",
                                           1, "", code, "", T, T)  # fmt: skip
        assert _valid(spec, soap.Envelope(compat.adapt(atc, ns), ns=ns, id="3")) == []
