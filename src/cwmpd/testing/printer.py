"""Readable one-block-per-message renderings of what the scripted ACS saw (for the demo).

Hand-written: a compact CWMP-aware text form that neither lxml nor Twisted offers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from cwmpd.cwmp.faults import SetParameterValuesFault
from cwmpd.cwmp.structs import (
    DeviceId,
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)
from cwmpd.testing.acs_record import AcsSession, Exchange

CPE_TO_ACS = "CPE -> ACS"
ACS_TO_CPE = "ACS -> CPE"
_INDENT = " " * 12
#: Parameter names (lower case) whose values are secrets: printed as *** when set.
_SECRET_WORDS = ("password", "passphrase", "presharedkey", "secret")


def _item(value: Any) -> str:
    """One element of a list argument, on its own line."""
    if isinstance(value, ParameterValueStruct):
        last = value.name.rpartition(".")[2].lower()
        secret = value.value and any(word in last for word in _SECRET_WORDS)
        return f"{value.name}={'***' if secret else value.value}"
    if isinstance(value, ParameterInfoStruct):
        return f"{value.name}  {'writable' if value.writable else 'read-only'}"
    if isinstance(value, ParameterAttributeStruct):
        access = ",".join(value.access_list)
        return f"{value.name}  notification={value.notification}  access=[{access}]"
    if isinstance(value, SetParameterAttributesStruct):
        parts = [value.name]
        if value.notification_change:
            parts.append(f"notification={value.notification}")
        if value.access_list_change:
            parts.append(f"access=[{','.join(value.access_list)}]")
        return "  ".join(parts)
    if isinstance(value, SetParameterValuesFault):
        return f"{value.name}: {value.code} {value.string}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "  ".join(
            f"{f.name}={_scalar(f.name, getattr(value, f.name))}" for f in dataclasses.fields(value)
        )
    return str(value)


def _event(event: EventStruct) -> str:
    return f"{event.code}({event.command_key})" if event.command_key else event.code


def _scalar(name: str, value: Any) -> str:
    if "password" in name and value:
        return "***"
    if isinstance(value, DeviceId):
        return f"{value.oui}-{value.product_class}-{value.serial_number}"
    if isinstance(value, tuple) and all(isinstance(v, EventStruct) for v in value):
        return "[" + ", ".join(_event(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _is_block(value: Any) -> bool:
    """A list argument whose entries get one line each."""
    return (
        isinstance(value, tuple)
        and bool(value)
        and not isinstance(value[0], (str, EventStruct))
        and all(dataclasses.is_dataclass(v) for v in value)
    )


def format_message(direction: str, message: Any, *, max_lines: int = 25) -> str:
    """One block: ``direction  Name  key=value ...`` then one line per list entry."""
    if message is None:
        return f"{direction}  (nothing: no answer came)"
    if isinstance(message, bytes):
        first = message.strip().splitlines()[0][:80] if message.strip() else b""
        return f"{direction}  (raw {len(message)} bytes) {first.decode('utf-8', 'replace')}"
    if not dataclasses.is_dataclass(message) or isinstance(message, type):
        return f"{direction}  {message!r}"
    name = getattr(message, "name", type(message).__name__)
    head = [f"{direction}  {name}"]
    lines: list[str] = []
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        if _is_block(value):
            lines.extend(_item(v) for v in value)
        elif value not in ("", (), None):
            head.append(f"{f.name}={_scalar(f.name, value)}")
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more)"]
    return "\n".join(["  ".join(head), *(_INDENT + line for line in lines)])


def format_exchange(exchange: Exchange, *, max_lines: int = 25) -> str:
    """Both messages of an exchange, the request first."""
    if exchange.by_cpe:
        first = format_message(CPE_TO_ACS, exchange.received, max_lines=max_lines)
        second = format_message(ACS_TO_CPE, exchange.sent, max_lines=max_lines)
    else:
        first = format_message(ACS_TO_CPE, exchange.sent, max_lines=max_lines)
        second = format_message(CPE_TO_ACS, exchange.received, max_lines=max_lines)
    return f"{first}\n{second}"


def format_session(session: AcsSession, *, max_lines: int = 25) -> str:
    """A header line for the session, then each exchange."""
    if session.completed:
        state = "completed"
    else:
        state = f"failed: {session.failure}" if session.failure else "open"
    header = f"=== session {session.index + 1}  events=[{', '.join(session.events)}]  {state}"
    blocks = [format_exchange(x, max_lines=max_lines) for x in session.exchanges]
    return "\n".join([header, *blocks])


def live_printer(
    write: Callable[[str], object] = print, *, max_lines: int = 25
) -> Callable[[AcsSession, Exchange], None]:
    """An ``on_exchange`` hook that writes each exchange as it finishes."""

    def hook(session: AcsSession, exchange: Exchange) -> None:
        if exchange.by_cpe and exchange is session.exchanges[0]:
            write(f"=== session {session.index + 1}")
        write(format_exchange(exchange, max_lines=max_lines))

    return hook
