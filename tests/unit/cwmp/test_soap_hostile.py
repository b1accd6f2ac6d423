"""Hostile and malformed input always ends in the documented BadEnvelope, nothing else."""

from __future__ import annotations

import time

import pytest

from cwmpd.cwmp.soap import NS_CWMP_10, NS_CWMP_12, BadEnvelope, parse
from support.cwmp_wire import NS10, envelope, id_header

NS12 = "urn:dslforum-org:cwmp-1-2"
GPV = (
    "<cwmp:GetParameterValues><ParameterNames enc:arrayType='xsd:string[{n}]'>{items}"
    "</ParameterNames></cwmp:GetParameterValues>"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol9;</soap:Body></soap:Envelope>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body></soap:Envelope>"""


def bad(data: bytes, **kwargs: int) -> BadEnvelope:
    """The BadEnvelope parse() raises for ``data``."""
    with pytest.raises(BadEnvelope) as info:
        parse(data, **kwargs)
    return info.value


# (name, data, fault code, soap_code, ns, id, method)
UNRECOVERABLE = [
    ("billion-laughs", BILLION_LAUGHS),
    ("external-entity", XXE),
    ("doctype", b"<!DOCTYPE x><x/>"),
    ("non-xml", b"HTTP/1.1 200 OK\r\n\r\nhello"),
    ("empty", b""),
    ("truncated", envelope(GPV.format(n=1, items="<string>A.</string>"))[:-30]),
    (
        "invalid-utf8",
        envelope("<cwmp:Reboot><CommandKey>\xff</CommandKey></cwmp:Reboot>").replace(
            "\xff".encode(), b"\xff\xfe"
        ),
    ),
    ("utf16", envelope("<cwmp:GetRPCMethods/>").decode().encode("utf-16")),
    ("nul-byte", envelope("<cwmp:GetRPCMethods/>").replace(b"<cwmp:GetRPCMethods/>", b"\x00")),
    ("not-an-envelope", b"<cwmp:Inform xmlns:cwmp='urn:dslforum-org:cwmp-1-0'/>"),
    ("unbound-prefix", b"<soap:Envelope><soap:Body/></soap:Envelope>"),
]


@pytest.mark.parametrize(("name", "data"), UNRECOVERABLE, ids=[c[0] for c in UNRECOVERABLE])
def test_unrecoverable_input_is_9003(name: str, data: bytes) -> None:
    """Unparseable, DTD-bearing or non-SOAP input: 9003 in cwmp-1-0 with no ID (case a)."""
    err = bad(data)
    assert (err.fault.code, err.ns, err.id, err.method) == (9003, NS_CWMP_10, None, None)


def test_billion_laughs_is_refused_fast() -> None:
    """Entity expansion never happens: the refusal takes milliseconds."""
    start = time.perf_counter()
    bad(BILLION_LAUGHS)
    assert time.perf_counter() - start < 0.5


def test_doctype_hidden_in_utf16_is_refused() -> None:
    """A DOCTYPE the byte pre-scan cannot see (UTF-16) is still refused."""
    data = ("\ufeff" + XXE.decode()).encode("utf-16-le")
    assert bad(data).fault.code == 9003


def test_oversize_body_is_9004_before_parsing() -> None:
    """A 10 MiB body is refused with 9004 against the default 4 MiB cap."""
    data = envelope(
        "<cwmp:Reboot><CommandKey>" + "a" * (10 * 1024 * 1024) + "</CommandKey></cwmp:Reboot>"
    )
    err = bad(data)
    assert (err.fault.code, err.id) == (9004, None)


def test_max_size_is_configurable() -> None:
    """max_size lowers the cap; a message just below it parses."""
    data = envelope("<cwmp:GetRPCMethods/>")
    assert bad(data, max_size=len(data) - 1).fault.code == 9004
    assert parse(data, max_size=len(data)).body.name == "GetRPCMethods"


def test_wrong_envelope_namespace_is_version_mismatch() -> None:
    """A SOAP 1.2 envelope gets a VersionMismatch-style fault."""
    err = bad(envelope("<cwmp:GetRPCMethods/>", env_ns="http://www.w3.org/2003/05/soap-envelope"))
    assert (err.fault.code, err.soap_code, err.ns) == (9003, "VersionMismatch", NS_CWMP_10)


def test_unknown_rpc_is_9000_with_ns_and_id() -> None:
    """An RPC the codec does not know: 9000 with the namespace and cwmp:ID it carried (b)."""
    err = bad(envelope("<cwmp:SetVouchers><VoucherList/></cwmp:SetVouchers>", id_header(), NS12))
    assert (err.fault.code, err.ns, err.id, err.method) == (
        9000,
        NS_CWMP_12,
        "req-7",
        "SetVouchers",
    )


def test_rpc_in_foreign_namespace_is_9000() -> None:
    """A body element outside the cwmp namespaces is an unsupported method."""
    body = "<x:Reboot xmlns:x='urn:dslforum-org:cwmp-1-3'><CommandKey/></x:Reboot>"
    err = bad(envelope(body, id_header()))
    assert (err.fault.code, err.ns, err.id, err.method) == (9000, NS_CWMP_10, "req-7", "Reboot")


ARGUMENT_ERRORS = [
    ("missing-arg", "<cwmp:Reboot/>"),
    ("extra-arg", "<cwmp:Reboot><CommandKey/><Force>1</Force></cwmp:Reboot>"),
    ("duplicate-arg", "<cwmp:Reboot><CommandKey/><CommandKey/></cwmp:Reboot>"),
    (
        "not-int",
        "<cwmp:ScheduleInform><DelaySeconds>soon</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    ),
    (
        "underscore-int",
        "<cwmp:ScheduleInform><DelaySeconds>1_000</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    ),
    (
        "negative-uint",
        "<cwmp:ScheduleInform><DelaySeconds>-5</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    ),
    (
        "uint-overflow",
        "<cwmp:ScheduleInform><DelaySeconds>4294967296</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    ),
    (
        "huge-int",
        "<cwmp:ScheduleInform><DelaySeconds>"
        + "9" * 5000
        + "</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    ),
    (
        "bad-bool",
        "<cwmp:GetParameterNames><ParameterPath/><NextLevel>yes</NextLevel></cwmp:GetParameterNames>",
    ),
    ("element-in-scalar", "<cwmp:Reboot><CommandKey><b>x</b></CommandKey></cwmp:Reboot>"),
    ("absurd-arraytype", GPV.format(n=999999999, items="<string>A.</string>")),
    ("huge-arraytype", GPV.format(n="9" * 400, items="<string>A.</string>")),
    ("malformed-arraytype", GPV.format(n="x", items="<string>A.</string>")),
    ("too-many-items", GPV.format(n=1, items="<string>A.</string>" * 100_001)),
    (
        "pvs-without-value",
        "<cwmp:SetParameterValues><ParameterList><ParameterValueStruct><Name>A</Name>"
        "</ParameterValueStruct></ParameterList><ParameterKey/></cwmp:SetParameterValues>",
    ),
    (
        "three-time-windows",
        "<cwmp:ScheduleDownload><CommandKey/><FileType>1 Firmware Upgrade Image</FileType>"
        "<URL>http://x</URL><Username/><Password/><FileSize>0</FileSize><TargetFileName/>"
        "<TimeWindowList>"
        + "<TimeWindowStruct><WindowStart>0</WindowStart><WindowEnd>9</WindowEnd>"
        "<WindowMode>1 At Any Time</WindowMode><UserMessage/><MaxRetries>-1</MaxRetries>"
        "</TimeWindowStruct>" * 3 + "</TimeWindowList></cwmp:ScheduleDownload>",
    ),
    (
        "unknown-du-op",
        "<cwmp:ChangeDUState><Operations xsi:type='cwmp:RebootOpStruct'/></cwmp:ChangeDUState>",
    ),
    (
        "fault-without-detail",
        "<soap:Fault><faultcode>Client</faultcode><faultstring>x</faultstring></soap:Fault>",
    ),
]


@pytest.mark.parametrize(("name", "body"), ARGUMENT_ERRORS, ids=[c[0] for c in ARGUMENT_ERRORS])
def test_argument_errors_are_9003_with_ns_and_id(name: str, body: str) -> None:
    """Known RPC with missing/extra/malformed arguments or absurd arrays: 9003, ns+ID kept (c)."""
    err = bad(envelope(body, id_header("k-1"), NS12))
    assert (err.fault.code, err.ns, err.id) == (9003, NS_CWMP_12, "k-1")
    assert err.method is not None


def test_absurd_arraytype_allocates_nothing() -> None:
    """A declared count of 999999999 is refused at once (no allocation from the count)."""
    start = time.perf_counter()
    bad(envelope(GPV.format(n=999999999, items="<string>A.</string>")))
    assert time.perf_counter() - start < 0.1


def test_body_must_hold_one_element() -> None:
    """An empty Body, a missing Body and two RPCs are 9003; the ID is still recovered."""
    assert bad(envelope("", id_header())).id == "req-7"
    two = envelope("<cwmp:GetRPCMethods/><cwmp:GetRPCMethods/>", id_header())
    assert (bad(two).fault.code, bad(two).method) == (9003, None)
    no_body = b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'/>"
    assert bad(no_body).fault.code == 9003


def test_must_understand_header_is_refused() -> None:
    """An unknown header with mustUnderstand="1" gets a MustUnderstand fault, ns and ID kept."""
    header = id_header() + "<x:Trace xmlns:x='urn:x' soap:mustUnderstand='1'>on</x:Trace>"
    err = bad(envelope("<cwmp:GetRPCMethods/>", header, NS12))
    assert (err.fault.code, err.soap_code, err.ns, err.id) == (
        9003,
        "MustUnderstand",
        NS_CWMP_12,
        "req-7",
    )
    assert err.method == "GetRPCMethods"


def test_must_understand_reply_carries_soap_faultcode() -> None:
    """to_envelope() answers with faultcode soap-env:MustUnderstand and the same ID."""
    from cwmpd.cwmp.soap import serialize

    header = id_header() + "<cwmp:HoldRequest soap:mustUnderstand='true'>1</cwmp:HoldRequest>"
    reply = serialize(bad(envelope("<cwmp:GetRPCMethods/>", header)).to_envelope())
    assert b"<faultcode>soap-env:MustUnderstand</faultcode>" in reply
    assert b">req-7</cwmp:ID>" in reply


def test_bad_hold_requests_value_is_9003() -> None:
    """HoldRequests must be a boolean."""
    header = id_header() + "<cwmp:HoldRequests soap:mustUnderstand='1'>maybe</cwmp:HoldRequests>"
    err = bad(envelope("<cwmp:GetRPCMethods/>", header))
    assert (err.fault.code, err.id) == (9003, "req-7")


def test_namespace_recovered_from_id_for_faults() -> None:
    """A Fault body takes its namespace from the cwmp:ID header."""
    body = "<soap:Fault><faultcode>Server</faultcode></soap:Fault>"
    err = bad(envelope(body, id_header(), NS12))
    assert (err.ns, err.method) == (NS_CWMP_12, "Fault")


@pytest.mark.parametrize(
    "junk", [b"\xff" * 64, b"<" * 1000, b"<a>" * 300 + b"x", bytes(range(256))]
)
def test_junk_never_escapes(junk: bytes) -> None:
    """Random junk raises BadEnvelope, never another exception."""
    assert bad(junk).fault.code in (9003, 9004)


def test_deep_nesting_is_refused() -> None:
    """Nesting deeper than libxml2's limit (no huge_tree) is refused, not a crash."""
    data = envelope(
        "<cwmp:Reboot><CommandKey>" + "<a>" * 300 + "</a>" * 300 + "</CommandKey></cwmp:Reboot>"
    )
    assert bad(data).fault.code == 9003
    deep = envelope("<a>" * 100_000 + "</a>" * 100_000)
    assert bad(deep).fault.code == 9003


def test_ns_helper_constant() -> None:
    """The test helper's namespace is the codec's."""
    assert NS10 == NS_CWMP_10
