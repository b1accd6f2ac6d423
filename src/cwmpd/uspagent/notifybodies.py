"""The Notify bodies of TR-369 the agent sends, and which event or command a
ReferenceList entry names (for the Event and OperationComplete subscriptions).

Every function returns a ``Notify`` without subscription_id and send_resp: those belong to
the subscription that sends it (cwmpd.uspagent.notify).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

BOOT_EVENT = "Device.Boot!"
PERIODIC_EVENT = "Device.LocalAgent.Periodic!"
#: Device.Boot! Cause values (the data model's enumeration).
BOOT_CAUSES = frozenset(
    {"LocalReboot", "RemoteReboot", "FactoryReset", "LocalFactoryReset", "RemoteFactoryReset"}
)


@dataclass(frozen=True)
class Boot:
    """Why the agent booted, for the ``Device.Boot!`` event."""

    cause: str = "LocalReboot"
    command_key: str = ""
    firmware_updated: bool = False

    def __post_init__(self) -> None:
        if self.cause not in BOOT_CAUSES:
            raise ValueError(f"unknown Boot! Cause {self.cause!r}")


def covers(reference: str, path: str) -> bool:
    """Whether a ReferenceList entry names the command or event ``path``: equal, or an
    object path above it (a filter match); ``*`` and search expressions stand for any
    instance here (the event or command happened on one)."""
    pattern = "".join(
        "[0-9]+" if part == "*" or part.startswith("[") else re.escape(part)
        for part in re.split(r"(\*|\[[^\]]*\])", reference)
        if part
    )
    if reference.endswith("."):
        return re.match(pattern, path) is not None
    return re.fullmatch(pattern, path) is not None


def value_change(path: str, value: str) -> pb.Notify:
    """Parameter ``path`` now has ``value``."""
    return pb.Notify(value_change=pb.Notify.ValueChange(param_path=path, param_value=value))


def object_creation(path: str, unique_keys: Mapping[str, str]) -> pb.Notify:
    """Instance ``path`` was created; ``unique_keys``: its unique-key parameters' values."""
    body = pb.Notify.ObjectCreation(obj_path=path, unique_keys=dict(unique_keys))
    return pb.Notify(obj_creation=body)


def object_deletion(path: str) -> pb.Notify:
    """Instance ``path`` was deleted."""
    return pb.Notify(obj_deletion=pb.Notify.ObjectDeletion(obj_path=path))


def boot_event(boot: Boot, parameter_map: Mapping[str, str]) -> pb.Notify:
    """``Device.Boot!`` with its arguments; ``parameter_map``: the BootParameter values."""
    params = {
        "CommandKey": boot.command_key,
        "Cause": boot.cause,
        "FirmwareUpdated": "true" if boot.firmware_updated else "false",
        "ParameterMap": json.dumps(dict(parameter_map), separators=(",", ":"), sort_keys=True),
    }
    return pb.Notify(event=pb.Notify.Event(obj_path="Device.", event_name="Boot!", params=params))


def periodic_event() -> pb.Notify:
    """``Device.LocalAgent.Periodic!`` (no arguments)."""
    event = pb.Notify.Event(obj_path="Device.LocalAgent.", event_name="Periodic!")
    return pb.Notify(event=event)


def operation_complete(
    command: str,
    command_key: str,
    output: Mapping[str, str] | None = None,
    error: tuple[int, str] | None = None,
) -> pb.Notify:
    """Command ``command`` ("Device.X.1.Download()") ended with ``output`` arguments or
    ``error`` (err_code, err_msg)."""
    obj_path, _, name = command.removesuffix("()").rpartition(".")
    done = pb.Notify.OperationComplete(
        obj_path=obj_path + ".", command_name=name + "()", command_key=command_key
    )
    if error is not None:
        done.cmd_failure.CopyFrom(
            pb.Notify.OperationComplete.CommandFailure(err_code=error[0], err_msg=error[1])
        )
    else:
        done.req_output_args.CopyFrom(
            pb.Notify.OperationComplete.OutputArgs(output_args=dict(output or {}))
        )
    return pb.Notify(oper_complete=done)
