"""Every message type survives encode -> serialize -> parse unchanged, in every namespace."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.samples import NAMESPACES, acs_messages, cpe_messages, for_namespace
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.cwmp.soap import NS_CWMP_12, Envelope, parse, serialize
from cwmpd.cwmp.structs import ParameterValueStruct

ALL = [
    pytest.param(ns, msg, id=f"{ns[-3:]}-{i}-{msg.name}")
    for ns in NAMESPACES
    for i, msg in enumerate(for_namespace(cpe_messages() + acs_messages(), ns))
]


@pytest.mark.parametrize(("ns", "msg"), ALL)
def test_roundtrip(ns: str, msg: m.Message) -> None:
    """parse(serialize(env)) gives back an equal Envelope, namespace and ID included."""
    env = Envelope(msg, ns, id="id-1")
    assert parse(serialize(env)) == env


def test_every_rpc_type_is_sampled() -> None:
    """The samples cover every registered RPC plus the Fault, so the round trip covers all."""
    sampled = {msg.name for msg in cpe_messages() + acs_messages()}
    assert set(m.RPC_TYPES) | {"Fault"} == sampled


def test_registry_names_match_classes() -> None:
    """RPC_TYPES maps each body element name to the class whose ``name`` it is."""
    assert all(cls.name == name for name, cls in m.RPC_TYPES.items())
    assert len(m.RPC_TYPES) == 48


@pytest.mark.parametrize("msg", cpe_messages() + acs_messages(), ids=lambda msg: msg.name)
def test_standalone_encode_decode(msg: m.Message) -> None:
    """encode() gives a self-contained element (prefixes declared) that decode() reads back."""
    elem = msg.encode(NS_CWMP_12)
    reparsed = etree.fromstring(etree.tostring(elem))
    assert type(msg).decode(reparsed) == msg


def test_headers_roundtrip() -> None:
    """HoldRequests, SessionTimeout and both version headers survive a round trip."""
    env = Envelope(
        m.InformResponse(1),
        NS_CWMP_12,
        id="abc",
        hold_requests=True,
        supported_cwmp_versions="1.0,1.1,1.2,1.3,1.4",
        use_cwmp_version="1.4",
        session_timeout=30,
    )
    assert parse(serialize(env)) == env


def test_no_header_without_id() -> None:
    """An envelope with no header values has no Header and parses with id None."""
    data = serialize(Envelope(m.GetRPCMethods()))
    assert b"Header" not in data
    assert parse(data).id is None


def test_large_gpv_response_roundtrip() -> None:
    """10,000 parameters survive the round trip in order."""
    params = tuple(
        ParameterValueStruct(f"Device.T.{i}.V", str(i), "unsignedInt") for i in range(10_000)
    )
    env = Envelope(m.GetParameterValuesResponse(params), id="big")
    assert parse(serialize(env)) == env


def test_fault_exception_conversions() -> None:
    """Fault.from_exception and to_exception carry code, string and SPV entries both ways."""
    exc = CwmpFault(9003, "", (SetParameterValuesFault("A.B", 9008),))
    fault = m.Fault.from_exception(exc)
    assert fault == m.Fault(9003, "Invalid arguments", exc.set_faults)
    back = fault.to_exception()
    assert (back.code, back.string, back.set_faults) == (9003, "Invalid arguments", exc.set_faults)
    assert m.Fault(9005).string == "Invalid parameter name"


def test_encode_rejects_unknown_namespace() -> None:
    """Encoding in a namespace that is not CWMP is a programming error (ValueError)."""
    with pytest.raises(ValueError, match="not a CWMP namespace"):
        m.Reboot("k").encode("urn:dslforum-org:cwmp-1-3")
    with pytest.raises(ValueError, match="not a CWMP namespace"):
        serialize(Envelope(m.Reboot("k"), "urn:example"))
