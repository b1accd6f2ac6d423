"""Value structs shared by the codec, the data model and the session engine.

Field names follow the CWMP XSD in snake_case. Every value travels as a string
(its xsd lexical form); ``type`` is the xsd local name without prefix
("string", "unsignedInt", "boolean", "dateTime", ...).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParameterValueStruct:
    """One parameter and its value (GPV response, SPV request, Inform)."""

    name: str
    value: str
    type: str = "string"


@dataclass(frozen=True, slots=True)
class ParameterInfoStruct:
    """One GetParameterNames entry: objects end with a dot."""

    name: str
    writable: bool


@dataclass(frozen=True, slots=True)
class ParameterAttributeStruct:
    """One GetParameterAttributes entry."""

    name: str
    notification: int
    access_list: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SetParameterAttributesStruct:
    """One SetParameterAttributes entry; a false ``*_change`` means ignore the value."""

    name: str
    notification_change: bool
    notification: int
    access_list_change: bool
    access_list: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventStruct:
    """An Inform event: a code such as "1 BOOT" or "M Reboot" and its CommandKey."""

    code: str
    command_key: str = ""


@dataclass(frozen=True, slots=True)
class DeviceId:
    """The Inform DeviceId; must equal the DeviceInfo parameters."""

    manufacturer: str
    oui: str
    product_class: str
    serial_number: str
