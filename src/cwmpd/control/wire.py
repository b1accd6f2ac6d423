"""The control socket's wire format: one JSON object a line each way (stdlib only).

``{"command": "get", "args": ["Device.DeviceInfo."]}`` ->
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "one line"}``.
Shared by the server (cwmpd.control.socket) and the cwmpctl client (cwmpd.ctl).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

DEFAULT_SOCKET = "/run/cwmpd/control.sock"
MAX_LINE = 64 * 1024
DELIMITER = b"\n"
BAD_REQUEST = 'bad request: expected {"command": str, "args": [str, ...]}'


class WireError(ValueError):
    """A line that is not a well-formed request or reply; the message says which."""


class Refused(Exception):
    """The agent answered ``{"ok": false}``; the message is its error line."""


def encode_request(command: str, args: Sequence[str]) -> bytes:
    """One request line."""
    return json.dumps({"command": command, "args": list(args)}).encode() + DELIMITER


def decode_request(line: bytes) -> tuple[str, list[str]]:
    """(command, args) of one request line; WireError(BAD_REQUEST) for anything else."""
    try:
        request = json.loads(line)
        command = request["command"]
        args = request.get("args", [])
        if not isinstance(command, str) or not (
            isinstance(args, list) and all(isinstance(a, str) for a in args)
        ):
            raise TypeError
    except (ValueError, TypeError, KeyError, AttributeError):
        raise WireError(BAD_REQUEST) from None
    return command, args


def encode_reply(ok: bool, **fields: Any) -> bytes:
    """One reply line: ``ok`` with ``result=...`` or ``error=...``; TypeError/ValueError for a
    result JSON cannot carry."""
    return json.dumps({"ok": ok, **fields}, separators=(",", ":")).encode() + DELIMITER


def decode_reply(line: bytes) -> Any:
    """The result of one reply line; Refused with the agent's error, WireError if garbled."""
    try:
        response = json.loads(line)
    except ValueError as exc:
        raise WireError(f"garbled answer from cwmpd: {line[:80]!r}") from exc
    if not response.get("ok"):
        raise Refused(str(response.get("error", "unknown error")))
    return response.get("result")
