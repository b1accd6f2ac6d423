"""Session-level RPCs: Inform, GetRPCMethods, Reboot, FactoryReset, ScheduleInform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import KEY, TOKEN, UINT, Arg, string_array
from cwmpd.cwmp.struct_codecs import DEVICE_ID, EVENTS, PARAMETER_VALUES
from cwmpd.cwmp.structs import DeviceId, EventStruct, ParameterValueStruct


@dataclass(frozen=True, slots=True)
class Inform(Message):
    """CPE -> ACS: opens every session (A.3.3.1)."""

    name: ClassVar[str] = "Inform"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("DeviceId", "device_id", DEVICE_ID),
        Arg("Event", "events", EVENTS),
        Arg("MaxEnvelopes", "max_envelopes", UINT),
        Arg("CurrentTime", "current_time", TOKEN),
        Arg("RetryCount", "retry_count", UINT),
        Arg("ParameterList", "parameters", PARAMETER_VALUES),
    )
    device_id: DeviceId
    events: tuple[EventStruct, ...]
    max_envelopes: int
    current_time: str
    retry_count: int
    parameters: tuple[ParameterValueStruct, ...]


@dataclass(frozen=True, slots=True)
class InformResponse(Message):
    """ACS -> CPE: acknowledges the Inform (MaxEnvelopes is ignored by the CPE)."""

    name: ClassVar[str] = "InformResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("MaxEnvelopes", "max_envelopes", UINT),)
    max_envelopes: int = 1


@dataclass(frozen=True, slots=True)
class GetRPCMethods(Message):
    """Either direction: asks which RPCs the peer supports (A.3.1.1)."""

    name: ClassVar[str] = "GetRPCMethods"


@dataclass(frozen=True, slots=True)
class GetRPCMethodsResponse(Message):
    """The supported RPC names (MethodList, xsd:string[n])."""

    name: ClassVar[str] = "GetRPCMethodsResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("MethodList", "methods", string_array()),)
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reboot(Message):
    """ACS -> CPE: reboot after the session; CommandKey comes back with "M Reboot"."""

    name: ClassVar[str] = "Reboot"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("CommandKey", "command_key", KEY),)
    command_key: str = ""


@dataclass(frozen=True, slots=True)
class RebootResponse(Message):
    """CPE -> ACS: empty answer to Reboot."""

    name: ClassVar[str] = "RebootResponse"


@dataclass(frozen=True, slots=True)
class FactoryReset(Message):
    """ACS -> CPE: factory reset after the session (A.4.1.6)."""

    name: ClassVar[str] = "FactoryReset"


@dataclass(frozen=True, slots=True)
class FactoryResetResponse(Message):
    """CPE -> ACS: empty answer to FactoryReset."""

    name: ClassVar[str] = "FactoryResetResponse"


@dataclass(frozen=True, slots=True)
class ScheduleInform(Message):
    """ACS -> CPE: Inform again after DelaySeconds with "3 SCHEDULED" (A.4.1.2)."""

    name: ClassVar[str] = "ScheduleInform"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        Arg("DelaySeconds", "delay_seconds", UINT),
        Arg("CommandKey", "command_key", KEY),
    )
    delay_seconds: int
    command_key: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleInformResponse(Message):
    """CPE -> ACS: empty answer to ScheduleInform."""

    name: ClassVar[str] = "ScheduleInformResponse"
