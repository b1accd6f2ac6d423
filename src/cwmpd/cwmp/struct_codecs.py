"""Codecs for the shared CWMP structs (cwmpd.cwmp.structs) and their arrays.

ParameterValueStruct has a hand-tuned codec: it carries xsi:type on Value and is the bulk
of large GPV responses and Informs, so it avoids the generic per-argument machinery.
"""

from __future__ import annotations

from typing import Any, Final

from lxml import etree

from cwmpd.cwmp.soapenc import (
    BOOL,
    INT,
    KEY,
    STRING,
    TOKEN,
    Arg,
    Array,
    Struct,
    cwmp_array,
    elements,
    invalid,
    put_args,
    read_args,
    string_array,
)
from cwmpd.cwmp.structs import (
    DeviceId,
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)
from cwmpd.cwmp.xmlns import XSI_TYPE, local_name

_SubElement = etree.SubElement

#: TR-106 types whose xsd name differs: "xsd:base64" (common in CPEs) is not an XML Schema
#: type and fails validation, so base64 values go out as xsd:base64Binary and either
#: spelling (or soap-enc:base64) reads back as "base64".
WIRE_TYPES: Final = {"base64": "base64Binary"}
_READ_TYPES: Final = {"base64Binary": "base64"}


class ParameterValueCodec:
    """ParameterValueStruct {Name, Value xsi:type="xsd:<type>"}; a missing xsi:type is string."""

    __slots__ = ()

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append one struct; ``value.type`` is the xsd local name."""
        struct = _SubElement(parent, tag)
        _SubElement(struct, "Name").text = value.name
        vtype = value.type
        vtype = WIRE_TYPES.get(vtype, vtype)
        _SubElement(struct, "Value", {XSI_TYPE: "xsd:" + vtype}).text = value.value

    def get(self, elem: etree._Element, what: str) -> ParameterValueStruct:
        """Read Name and Value (text verbatim; the type is the xsi:type local name)."""
        name = value = None
        for child in elem:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            tag = local_name(tag)
            if tag == "Name" and name is None:
                name = child
            elif tag == "Value" and value is None:
                value = child
            else:
                raise invalid(f"unexpected {tag} in ParameterValueStruct")
        if name is None or value is None:
            raise invalid("ParameterValueStruct needs Name and Value")
        if len(name) or len(value):
            raise invalid("ParameterValueStruct members must be simple values")
        xsi_type = value.get(XSI_TYPE)
        vtype = xsi_type.rpartition(":")[2].strip() if xsi_type else "string"
        vtype = _READ_TYPES.get(vtype, vtype) or "string"
        return ParameterValueStruct((name.text or "").strip(), value.text or "", vtype)


PARAMETER_VALUES: Final = cwmp_array("ParameterValueStruct", ParameterValueCodec())
NAMES: Final = string_array()

EVENT: Final = Struct(
    (Arg("EventCode", "code", TOKEN), Arg("CommandKey", "command_key", KEY)), EventStruct
)
EVENTS: Final = cwmp_array("EventStruct", EVENT)

DEVICE_ID: Final = Struct(
    (
        Arg("Manufacturer", "manufacturer", STRING),
        Arg("OUI", "oui", TOKEN),
        Arg("ProductClass", "product_class", STRING),
        Arg("SerialNumber", "serial_number", STRING),
    ),
    DeviceId,
)

PARAMETER_INFOS: Final = cwmp_array(
    "ParameterInfoStruct",
    Struct((Arg("Name", "name", TOKEN), Arg("Writable", "writable", BOOL)), ParameterInfoStruct),
)

PARAMETER_ATTRIBUTES: Final = cwmp_array(
    "ParameterAttributeStruct",
    Struct(
        (
            Arg("Name", "name", TOKEN),
            Arg("Notification", "notification", INT),
            Arg("AccessList", "access_list", string_array()),
        ),
        ParameterAttributeStruct,
    ),
)


class SetAttributesCodec:
    """SetParameterAttributesStruct; a value whose ``*Change`` flag is false is not read.

    GenieACS 1.2.16 writes ``<Notification></Notification>`` for an unchanged notification:
    A.3.2.4 says the value is ignored then, so it may be empty, garbage or absent. With
    the flag true the value is required and checked as usual (9003).
    """

    __slots__ = ()
    _ARGS: Final = (
        Arg("Name", "name", TOKEN),
        Arg("NotificationChange", "notification_change", BOOL),
        Arg("Notification", "notification", INT),
        Arg("AccessListChange", "access_list_change", BOOL),
        Arg("AccessList", "access_list", string_array()),
    )
    _GUARDS: Final = {"notification": "notification_change", "access_list": "access_list_change"}

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append one struct (every member, as the XSD requires)."""
        put_args(_SubElement(parent, tag), value, self._ARGS)

    def get(self, elem: etree._Element, what: str) -> SetParameterAttributesStruct:
        """Read the flags, then only the values they ask to change."""
        by_name = {arg.xml: arg for arg in self._ARGS}
        raw: dict[str, tuple[Arg, etree._Element]] = {}
        for child in elements(elem):
            name = local_name(child.tag)
            arg = by_name.get(name)
            if arg is None:
                raise invalid(f"unexpected {name} in {what}")
            if arg.attr in raw:
                raise invalid(f"duplicate {name} in {what}")
            raw[arg.attr] = (arg, child)
        found: dict[str, Any] = {"notification": 0, "access_list": ()}
        for arg in self._ARGS:
            guard = self._GUARDS.get(arg.attr)
            if guard is not None and not found[guard]:
                continue
            if arg.attr not in raw:
                raise invalid(f"missing {arg.xml} in {what}")
            found[arg.attr] = arg.codec.get(raw[arg.attr][1], arg.xml)
        return SetParameterAttributesStruct(**found)


SET_PARAMETER_ATTRIBUTES: Final = cwmp_array("SetParameterAttributesStruct", SetAttributesCodec())


class _ArgPair:
    """ArgStruct {Name, Value} as a (name, value) tuple (RequestDownload FileTypeArg)."""

    __slots__ = ()
    _ARGS: Final = (Arg("Name", "name", TOKEN), Arg("Value", "value", STRING))

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append one ArgStruct."""
        struct = _SubElement(parent, tag)
        _SubElement(struct, "Name").text = value[0]
        _SubElement(struct, "Value").text = value[1]

    def get(self, elem: etree._Element, what: str) -> tuple[str, str]:
        """Read one ArgStruct."""
        found = read_args(elem, self._ARGS, "ArgStruct")
        return (found["name"], found["value"])


FILE_TYPE_ARGS: Final[Array] = cwmp_array("ArgStruct", _ArgPair(), cap=16)
