"""Every message the codec emits validates against the BBF XSDs, in all three namespaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.samples import NAMESPACES, acs_messages, cpe_messages, for_namespace
from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import BadEnvelope, Envelope, parse, serialize
from cwmpd.cwmp.structs import ParameterValueStruct

pytestmark = pytest.mark.spec


def _cases(factory: object) -> list[object]:
    assert callable(factory)
    return [
        pytest.param(ns, msg, id=f"{ns[-3:]}-{i}-{msg.name}")
        for ns in NAMESPACES
        for i, msg in enumerate(for_namespace(factory(), ns))
    ]


@pytest.mark.parametrize(("ns", "msg"), _cases(cpe_messages))
def test_cpe_message_validates(spec: Path, ns: str, msg: m.Message) -> None:
    """A CPE-emitted message, with a cwmp:ID header, is schema-valid in its namespace."""
    data = serialize(Envelope(msg, ns, id="cpe-1"))
    assert validate_envelope(spec, data) == []


@pytest.mark.parametrize(("ns", "msg"), _cases(acs_messages))
def test_acs_message_validates(spec: Path, ns: str, msg: m.Message) -> None:
    """An ACS-side message built by the codec (for the scriptable ACS) is schema-valid."""
    data = serialize(Envelope(msg, ns, id="acs-1", hold_requests=True))
    assert validate_envelope(spec, data) == []


@pytest.mark.parametrize("ns", NAMESPACES)
def test_all_headers_validate(spec: Path, ns: str) -> None:
    """ID, HoldRequests, SessionTimeout, SupportedCWMPVersions and UseCWMPVersion validate."""
    env = Envelope(
        m.InformResponse(1),
        ns,
        id="x" * 32,
        hold_requests=True,
        supported_cwmp_versions="1.0,1.1,1.2,1.3,1.4",
        use_cwmp_version="1.4",
        session_timeout=60,
    )
    assert validate_envelope(spec, serialize(env)) == []


@pytest.mark.parametrize("ns", NAMESPACES)
def test_big_gpv_response_validates(spec: Path, ns: str) -> None:
    """A 2,000-parameter GetParameterValuesResponse is schema-valid (arrayType count right)."""
    params = tuple(ParameterValueStruct(f"Device.T.{i}.Name", str(i), "int") for i in range(2000))
    data = serialize(Envelope(m.GetParameterValuesResponse(params), ns, id="1"))
    assert b'arrayType="cwmp:ParameterValueStruct[2000]"' in data
    assert validate_envelope(spec, data) == []


def test_validator_reports_errors(spec: Path) -> None:
    """The helper is not vacuous: a missing arrayType and a bad RetryCount are reported."""
    good = serialize(Envelope(cpe_messages()[0], NAMESPACES[0], id="1"))
    broken = good.replace(b' soap-enc:arrayType="cwmp:EventStruct[3]"', b"").replace(
        b"<RetryCount>0</RetryCount>", b"<RetryCount>abc</RetryCount>"
    )
    errors = validate_envelope(spec, broken)
    assert any("arrayType" in e for e in errors)
    assert any("RetryCount" in e for e in errors)


def test_bad_envelope_reply_validates(spec: Path) -> None:
    """The Fault answering an unparseable request (BadEnvelope.to_envelope) is schema-valid."""
    with pytest.raises(BadEnvelope) as info:
        parse(b"<not-soap/>")
    assert validate_envelope(spec, serialize(info.value.to_envelope())) == []
