"""Parameter RPCs (A.3.2.1-A.3.2.7): Get/Set values, names, attributes; Add/Delete object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import BOOL, INT, KEY, TOKEN, UINT, Arg
from cwmpd.cwmp.struct_codecs import (
    NAMES,
    PARAMETER_ATTRIBUTES,
    PARAMETER_INFOS,
    PARAMETER_VALUES,
    SET_PARAMETER_ATTRIBUTES,
)
from cwmpd.cwmp.structs import (
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)


@dataclass(frozen=True, slots=True)
class GetParameterValues(Message):
    """ACS -> CPE: full names or partial paths (ending in ".") to read."""

    name: ClassVar[str] = "GetParameterValues"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("ParameterNames", "names", NAMES),)
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GetParameterValuesResponse(Message):
    """CPE -> ACS: every requested value with its xsi:type."""

    name: ClassVar[str] = "GetParameterValuesResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("ParameterList", "parameters", PARAMETER_VALUES),)
    parameters: tuple[ParameterValueStruct, ...]


@dataclass(frozen=True, slots=True)
class SetParameterValues(Message):
    """ACS -> CPE: set values atomically and record ParameterKey."""

    name: ClassVar[str] = "SetParameterValues"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("ParameterList", "parameters", PARAMETER_VALUES),
        Arg("ParameterKey", "parameter_key", KEY),
    )
    parameters: tuple[ParameterValueStruct, ...]
    parameter_key: str = ""


@dataclass(frozen=True, slots=True)
class SetParameterValuesResponse(Message):
    """CPE -> ACS: Status 0 (applied) or 1 (committed, applied later)."""

    name: ClassVar[str] = "SetParameterValuesResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("Status", "status", INT),)
    status: int = 0


@dataclass(frozen=True, slots=True)
class GetParameterNames(Message):
    """ACS -> CPE: names below ParameterPath, all levels or the next level only."""

    name: ClassVar[str] = "GetParameterNames"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("ParameterPath", "path", TOKEN),
        Arg("NextLevel", "next_level", BOOL),
    )
    path: str
    next_level: bool


@dataclass(frozen=True, slots=True)
class GetParameterNamesResponse(Message):
    """CPE -> ACS: ParameterInfoStruct {Name, Writable} entries."""

    name: ClassVar[str] = "GetParameterNamesResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("ParameterList", "parameters", PARAMETER_INFOS),)
    parameters: tuple[ParameterInfoStruct, ...]


@dataclass(frozen=True, slots=True)
class GetParameterAttributes(Message):
    """ACS -> CPE: names whose Notification and AccessList to read."""

    name: ClassVar[str] = "GetParameterAttributes"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("ParameterNames", "names", NAMES),)
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GetParameterAttributesResponse(Message):
    """CPE -> ACS: ParameterAttributeStruct entries."""

    name: ClassVar[str] = "GetParameterAttributesResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("ParameterList", "parameters", PARAMETER_ATTRIBUTES),)
    parameters: tuple[ParameterAttributeStruct, ...]


@dataclass(frozen=True, slots=True)
class SetParameterAttributes(Message):
    """ACS -> CPE: change Notification and/or AccessList of parameters."""

    name: ClassVar[str] = "SetParameterAttributes"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("ParameterList", "parameters", SET_PARAMETER_ATTRIBUTES),
    )
    parameters: tuple[SetParameterAttributesStruct, ...]


@dataclass(frozen=True, slots=True)
class SetParameterAttributesResponse(Message):
    """CPE -> ACS: empty answer to SetParameterAttributes."""

    name: ClassVar[str] = "SetParameterAttributesResponse"


@dataclass(frozen=True, slots=True)
class AddObject(Message):
    """ACS -> CPE: create an instance of the table ObjectName (ends with ".")."""

    name: ClassVar[str] = "AddObject"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("ObjectName", "object_name", TOKEN),
        Arg("ParameterKey", "parameter_key", KEY),
    )
    object_name: str
    parameter_key: str = ""


@dataclass(frozen=True, slots=True)
class AddObjectResponse(Message):
    """CPE -> ACS: the new InstanceNumber and Status 0/1."""

    name: ClassVar[str] = "AddObjectResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("InstanceNumber", "instance_number", UINT),
        Arg("Status", "status", INT),
    )
    instance_number: int
    status: int = 0


@dataclass(frozen=True, slots=True)
class DeleteObject(Message):
    """ACS -> CPE: delete the instance ObjectName (ends with ".") and its subtree."""

    name: ClassVar[str] = "DeleteObject"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("ObjectName", "object_name", TOKEN),
        Arg("ParameterKey", "parameter_key", KEY),
    )
    object_name: str
    parameter_key: str = ""


@dataclass(frozen=True, slots=True)
class DeleteObjectResponse(Message):
    """CPE -> ACS: Status 0/1."""

    name: ClassVar[str] = "DeleteObjectResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("Status", "status", INT),)
    status: int = 0
