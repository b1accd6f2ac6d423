"""Strict output: the exact wire shape of what the codec emits."""

from __future__ import annotations

from lxml import etree

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import SetParameterValuesFault
from cwmpd.cwmp.soap import NS_CWMP_11, SOAP_ENC, SOAP_ENV, Envelope, parse, serialize, xml_safe
from cwmpd.cwmp.structs import ParameterAttributeStruct, ParameterValueStruct

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
MUST = f"{{{SOAP_ENV}}}mustUnderstand"


def tree(msg: m.Message, **kw: object) -> etree._Element:
    """The serialized envelope of ``msg`` parsed back as an lxml tree."""
    return etree.fromstring(serialize(Envelope(msg, **kw)))  # type: ignore[arg-type]


def test_array_types_and_counts() -> None:
    """Every array states "type[count]": cwmp structs and xsd:string lists alike."""
    gpa = tree(
        m.GetParameterAttributesResponse((ParameterAttributeStruct("A", 1, ("Subscriber",)),) * 3)
    )
    plist = gpa.find(".//ParameterList")
    assert plist is not None and plist.get(ARRAY_TYPE) == "cwmp:ParameterAttributeStruct[3]"
    access = gpa.find(".//AccessList")
    assert access is not None and access.get(ARRAY_TYPE) == "xsd:string[1]"
    methods = tree(m.GetRPCMethodsResponse(("A", "B"))).find(".//MethodList")
    assert methods is not None and methods.get(ARRAY_TYPE) == "xsd:string[2]"
    assert [e.tag for e in methods] == ["string", "string"]


def test_every_value_has_xsi_type() -> None:
    """Each Value carries xsi:type="xsd:<type>"; base64 goes out as xsd:base64Binary."""
    params = (
        ParameterValueStruct("A", "1", "unsignedInt"),
        ParameterValueStruct("B", "AA==", "base64"),
    )
    values = tree(m.GetParameterValuesResponse(params)).findall(".//Value")
    assert [v.get(XSI_TYPE) for v in values] == ["xsd:unsignedInt", "xsd:base64Binary"]


def test_children_are_unqualified_and_rpc_is_qualified() -> None:
    """Only the RPC element is in the cwmp namespace; its arguments are unqualified."""
    root = tree(m.SetParameterValues((ParameterValueStruct("A", "b"),), "k"), ns=NS_CWMP_11)
    rpc = root.find(f"{{{SOAP_ENV}}}Body/{{{NS_CWMP_11}}}SetParameterValues")
    assert rpc is not None
    assert all(not str(e.tag).startswith("{") for e in rpc.iterdescendants())


def test_fault_shape() -> None:
    """faultcode Client/Server by code, faultstring "CWMP fault", detail/cwmp:Fault + SPV faults."""
    fault = m.Fault(9003, set_faults=(SetParameterValuesFault("A.B", 9007),))
    data = serialize(Envelope(fault, id="7"))
    assert b"<faultcode>Client</faultcode><faultstring>CWMP fault</faultstring>" in data
    assert (
        b"<cwmp:Fault><FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>"
        in data
    )
    assert b"<ParameterName>A.B</ParameterName><FaultCode>9007</FaultCode>" in data
    assert b"<faultcode>Server</faultcode>" in serialize(Envelope(m.Fault(9002)))


def test_header_must_understand_values() -> None:
    """ID/HoldRequests/UseCWMPVersion say mustUnderstand=1; SessionTimeout/Supported say 0."""
    env = Envelope(
        m.InformResponse(),
        id="i",
        hold_requests=True,
        supported_cwmp_versions="1.0",
        use_cwmp_version="1.0",
        session_timeout=30,
    )
    header = etree.fromstring(serialize(env)).find(f"{{{SOAP_ENV}}}Header")
    assert header is not None
    got = {etree.QName(h).localname: (h.get(MUST), h.text) for h in header}
    assert got == {
        "ID": ("1", "i"),
        "HoldRequests": ("1", "1"),
        "SessionTimeout": ("0", "30"),
        "SupportedCWMPVersions": ("0", "1.0"),
        "UseCWMPVersion": ("1", "1.0"),
    }


def test_escaping_and_declaration() -> None:
    """Output is UTF-8 with an XML declaration; markup characters in values are escaped."""
    data = serialize(Envelope(m.GetParameterValuesResponse((ParameterValueStruct("A", "<&>é"),))))
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "&lt;&amp;&gt;é".encode() in data
    assert data.count(b"\n") == 1  # only after the declaration: no pretty-printing


def test_control_characters_are_replaced_not_fatal() -> None:
    """A device value with a control character is sent with U+FFFD instead of failing."""
    msg = m.GetParameterValuesResponse((ParameterValueStruct("Device.SSID", "a\x01b\udcff"),))
    env = parse(serialize(Envelope(msg, id="i\x0b")))
    fixed = ParameterValueStruct("Device.SSID", "a\ufffdb\ufffd")
    assert (env.body, env.id) == (m.GetParameterValuesResponse((fixed,)), "i\ufffd")


def test_xml_safe_replaces_exactly_what_xml_1_0_cannot_carry() -> None:
    """Every code point: replaced by U+FFFD iff it is outside XML 1.0's Char production."""

    def is_char(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or c >= 0x10000

    text = "".join(map(chr, range(0x110000)))
    safe = xml_safe(text)
    assert len(safe) == len(text)
    wrong = [hex(c) for c in range(0x110000) if (safe[c] == chr(c)) != is_char(c) and c != 0xFFFD]
    assert wrong == []


def test_du_operations_are_typed() -> None:
    """ChangeDUState Operations carry xsi:type cwmp:<Kind>OpStruct and omit absent members."""
    op = m.DUOperation("Install", url="http://x", username="u")
    ops = tree(m.ChangeDUState((op,), "k")).findall(".//Operations")
    assert [o.get(XSI_TYPE) for o in ops] == ["cwmp:InstallOpStruct"]
    assert [c.tag for c in ops[0]] == ["URL", "Username"]


def test_booleans_are_one_and_zero() -> None:
    """Booleans go out as 1/0 (NextLevel, Writable, IsDownload)."""
    root = tree(m.GetParameterNames("Device.", True))
    assert root.findtext(".//NextLevel") == "1"
