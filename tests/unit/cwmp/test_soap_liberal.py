"""Liberal input: real-world quirks parse into the right values."""

from __future__ import annotations

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_11, parse
from cwmpd.cwmp.structs import ParameterValueStruct
from support.cwmp_wire import envelope, id_header

SPV = (
    "<cwmp:SetParameterValues><ParameterList enc:arrayType='cwmp:ParameterValueStruct[{n}]'>"
    "{items}</ParameterList><ParameterKey>pk</ParameterKey></cwmp:SetParameterValues>"
)


def pvs(name: str, value: str, attrs: str = " xsi:type='xsd:string'") -> str:
    """One ParameterValueStruct."""
    return (
        f"<ParameterValueStruct><Name>{name}</Name><Value{attrs}>{value}</Value>"
        "</ParameterValueStruct>"
    )


def test_encoding_style_on_envelope_and_zero_padded_counts() -> None:
    """Thomson style: soapenv:encodingStyle, EventStruct[01], RetryCount 05, MaxEnvelopes 2."""
    body = (
        "<cwmp:Inform><DeviceId><Manufacturer>THOMSON</Manufacturer><OUI>00147F</OUI>"
        "<ProductClass>ST</ProductClass><SerialNumber>CP1</SerialNumber></DeviceId>"
        "<Event enc:arrayType='cwmp:EventStruct[01]'><EventStruct><EventCode>2 PERIODIC</EventCode>"
        "<CommandKey></CommandKey></EventStruct></Event><MaxEnvelopes>2</MaxEnvelopes>"
        "<CurrentTime>1970-01-01T00:02:16Z</CurrentTime><RetryCount>05</RetryCount>"
        "<ParameterList enc:arrayType='cwmp:ParameterValueStruct[000]'></ParameterList>"
        "</cwmp:Inform>"
    )
    data = envelope(body, id_header()).replace(
        b"<soap:Envelope ",
        b"<soap:Envelope soap:encodingStyle='http://schemas.xmlsoap.org/soap/encoding/' ",
    )
    inform = parse(data).body
    assert isinstance(inform, m.Inform)
    assert (inform.retry_count, inform.max_envelopes) == (5, 2)
    assert inform.events[0].code == "2 PERIODIC"


def test_count_mismatch_whitespace_comments_pis() -> None:
    """A wrong declared count, blanks, comments and PIs are tolerated; text is kept exactly."""
    items = (
        "\n  <!-- first -->"
        + pvs("  A.B  ", " keep  spaces ")
        + "<?vendor x?>\n"
        + pvs("C", "x<!--c-->y")
    )
    spv = parse(envelope(SPV.format(n=7, items=items))).body
    assert spv == m.SetParameterValues(
        (ParameterValueStruct("A.B", " keep  spaces "), ParameterValueStruct("C", "xy")), "pk"
    )


def test_missing_xsi_type_is_string_and_prefixes_are_free() -> None:
    """No xsi:type reads as string; any xsi prefix or xs: type prefix is accepted."""
    items = pvs("A", "1", "") + pvs(
        "B", "2", " i:type='xs:unsignedInt' xmlns:i='http://www.w3.org/2001/XMLSchema-instance'"
    )
    spv = parse(envelope(SPV.format(n=2, items=items))).body
    assert isinstance(spv, m.SetParameterValues)
    assert [p.type for p in spv.parameters] == ["string", "unsignedInt"]


def test_base64_spellings_read_as_base64() -> None:
    """xsd:base64, xsd:base64Binary and soap-enc:base64 all mean base64."""
    items = "".join(
        pvs(str(i), "AA==", f" xsi:type='{t}'")
        for i, t in enumerate(("xsd:base64", "xsd:base64Binary", "enc:base64"))
    )
    spv = parse(envelope(SPV.format(n=3, items=items))).body
    assert isinstance(spv, m.SetParameterValues)
    assert {p.type for p in spv.parameters} == {"base64"}


def test_booleans_any_case() -> None:
    """NextLevel accepts 1/0/true/false in any case with blanks."""
    for text, expected in (("1", True), (" TRUE ", True), ("False", False), ("0", False)):
        body = (
            "<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath>"
            f"<NextLevel>{text}</NextLevel></cwmp:GetParameterNames>"
        )
        assert parse(envelope(body)).body == m.GetParameterNames("Device.", expected)


def test_qualified_arguments_and_other_prefixes() -> None:
    """Arguments qualified with the cwmp prefix and unusual prefixes still decode."""
    data = (
        b"<E:Envelope xmlns:E='http://schemas.xmlsoap.org/soap/envelope/'"
        b" xmlns:c='urn:dslforum-org:cwmp-1-1'>"
        b"<E:Body><c:Reboot><c:CommandKey>rk</c:CommandKey></c:Reboot></E:Body></E:Envelope>"
    )
    env = parse(data)
    assert (env.body, env.ns, env.id) == (m.Reboot("rk"), NS_CWMP_11, None)


def test_header_flags() -> None:
    """HoldRequests "true"/"1", NoMoreRequests ignored, optional unknown headers ignored."""
    header = (
        id_header("x")
        + "<cwmp:HoldRequests soap:mustUnderstand='1'>true</cwmp:HoldRequests>"
        + "<cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>"
        + "<v:Hint xmlns:v='urn:v' soap:mustUnderstand='0'>x</v:Hint>"
        + "<v:Other xmlns:v='urn:v' soap:actor='urn:someone-else'"
        + " soap:mustUnderstand='1'>x</v:Other>"
        + "<cwmp:SessionTimeout>0030</cwmp:SessionTimeout>"
    )
    env = parse(envelope("<cwmp:GetRPCMethods/>", header))
    assert (env.id, env.hold_requests, env.session_timeout) == ("x", True, 30)


def test_id_is_echoed_verbatim() -> None:
    """The cwmp:ID text is kept exactly (spaces included) so the reply can echo it."""
    assert parse(envelope("<cwmp:GetRPCMethods/>", id_header(" a b "))).id == " a b "


def test_transfer_complete_without_fault_struct_is_success() -> None:
    """genieacs-sim omits FaultStruct: read as FaultCode 0."""
    body = (
        "<cwmp:TransferComplete><CommandKey>k</CommandKey><StartTime>2024-01-01T00:00:00Z</StartTime>"
        "<CompleteTime>2024-01-01T00:00:01Z</CompleteTime></cwmp:TransferComplete>"
    )
    tc = parse(envelope(body)).body
    assert isinstance(tc, m.TransferComplete)
    assert (tc.fault_code, tc.fault_string) == (0, "")


def test_acs_fault_8005_decodes() -> None:
    """An ACS SOAP Fault with detail/cwmp:Fault 8005 becomes messages.Fault."""
    body = (
        "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>CWMP fault</faultstring>"
        "<detail><cwmp:Fault><FaultCode>8005</FaultCode><FaultString>Retry request</FaultString>"
        "</cwmp:Fault></detail></soap:Fault>"
    )
    env = parse(envelope(body, id_header("i")))
    assert (env.body, env.id) == (m.Fault(8005, "Retry request"), "i")


def test_fault_with_unexpected_faultcode_keeps_it() -> None:
    """A Client faultcode on a Server-type code is kept in soap_code; no FaultString = default."""
    body = (
        "<soap:Fault><faultcode>Client</faultcode><faultstring>x</faultstring><detail>"
        "<cwmp:Fault><FaultCode>9002</FaultCode></cwmp:Fault></detail></soap:Fault>"
    )
    assert parse(envelope(body)).body == m.Fault(9002, "Internal error", soap_code="Client")


def test_gpv_with_ten_thousand_names() -> None:
    """A GetParameterValues of 10,000 names is accepted (under the array cap)."""
    items = "".join(f"<string>Device.X.{i}.</string>" for i in range(10_000))
    body = (
        "<cwmp:GetParameterValues><ParameterNames enc:arrayType='xsd:string[10000]'>"
        f"{items}</ParameterNames></cwmp:GetParameterValues>"
    )
    gpv = parse(envelope(body)).body
    assert isinstance(gpv, m.GetParameterValues)
    assert len(gpv.names) == 10_000


def test_missing_array_type_is_tolerated() -> None:
    """An array without soap-enc:arrayType still decodes."""
    body = (
        "<cwmp:GetParameterAttributes><ParameterNames><string>A.</string>"
        "</ParameterNames></cwmp:GetParameterAttributes>"
    )
    assert parse(envelope(body)).body == m.GetParameterAttributes(("A.",))


def test_change_du_state_without_command_key() -> None:
    """CommandKey is optional in ChangeDUState; operations keep their kind."""
    body = (
        "<cwmp:ChangeDUState><Operations xsi:type='cwmp:UninstallOpStruct'><UUID>u</UUID>"
        "</Operations>"
        "</cwmp:ChangeDUState>"
    )
    assert parse(envelope(body)).body == m.ChangeDUState(
        (m.DUOperation("Uninstall", uuid="u"),), ""
    )


def test_leading_blank_lines_and_bom() -> None:
    """Blank lines before the XML declaration and a UTF-8 BOM are tolerated."""
    data = envelope("<cwmp:GetRPCMethods/>", prolog="<?xml version='1.0' encoding='UTF-8'?>")
    assert parse(b"\r\n\n" + data).body == m.GetRPCMethods()
    assert parse(b"\xef\xbb\xbf" + data).body == m.GetRPCMethods()


def spa(*structs: str) -> bytes:
    """A SetParameterAttributes envelope around SetParameterAttributesStruct bodies."""
    items = "".join(
        f"<SetParameterAttributesStruct>{s}</SetParameterAttributesStruct>" for s in structs
    )
    return envelope(
        f"<cwmp:SetParameterAttributes><ParameterList>{items}</ParameterList>"
        "</cwmp:SetParameterAttributes>"
    )


ACL = "<AccessList enc:arrayType='xsd:string[1]'><string>Subscriber</string></AccessList>"


def test_unchanged_notification_value_is_ignored_whatever_it_holds() -> None:
    """GenieACS 1.2.16 writes <Notification></Notification> when NotificationChange is false.

    A false *Change flag means the value is not used (A.3.2.4): empty, garbage, element
    content or a missing element all read as "no change" instead of faulting the RPC.
    """
    for notification in (
        "<Notification></Notification>",
        "<Notification>lots</Notification>",
        "<Notification><x/></Notification>",
        "",
    ):
        msg = parse(
            spa(
                f"<Name>A.B</Name><NotificationChange>false</NotificationChange>{notification}"
                f"<AccessListChange>true</AccessListChange>{ACL}"
            )
        ).body
        assert isinstance(msg, m.SetParameterAttributes), notification
        (req,) = msg.parameters
        assert (req.notification_change, req.access_list_change) == (False, True)
        assert req.access_list == ("Subscriber",)


def test_unchanged_access_list_is_ignored_whatever_it_holds() -> None:
    """AccessListChange false: a missing or malformed AccessList is not an error."""
    for acl in ("", "<AccessList>junk<y/></AccessList>", "<AccessList enc:arrayType='bad'/>"):
        msg = parse(
            spa(
                "<Name>A.B</Name><NotificationChange>1</NotificationChange>"
                f"<Notification>2</Notification><AccessListChange>0</AccessListChange>{acl}"
            )
        ).body
        assert isinstance(msg, m.SetParameterAttributes), acl
        (req,) = msg.parameters
        assert (req.notification_change, req.notification, req.access_list) == (True, 2, ())


def test_changed_values_are_still_checked() -> None:
    """With the flag true, the value is required and must be well-formed (9003)."""
    import pytest

    from cwmpd.cwmp.soap import BadEnvelope

    for body in (
        "<Name>A</Name><NotificationChange>true</NotificationChange><Notification></Notification>"
        "<AccessListChange>false</AccessListChange>",
        "<Name>A</Name><NotificationChange>true</NotificationChange>"
        "<AccessListChange>false</AccessListChange>",
        "<Name>A</Name><NotificationChange>false</NotificationChange>"
        "<AccessListChange>true</AccessListChange>",
        "<Name>A</Name><NotificationChange>false</NotificationChange>"
        "<AccessListChange>true</AccessListChange><Bogus/>",
        "<Name>A</Name><NotificationChange>false</NotificationChange>",
    ):
        with pytest.raises(BadEnvelope) as info:
            parse(spa(body))
        assert info.value.fault.code == 9003, body
