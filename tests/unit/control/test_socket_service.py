"""ControlService on a real UNIX socket, and the JSON-line wire format cwmpctl shares with it."""

from __future__ import annotations

import socket
import stat
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import threads
from twisted.logger import LogLevel

from cwmpd.control import wire
from cwmpd.control.commands import ControlCommands
from cwmpd.control.socket import ControlService
from support.agent_harness import reactor
from support.logged import LogCapture, capturing


class _Idle:
    """A ControlledAgent the tests never ask anything."""

    model: Any = None
    scheduler: Any = None
    events: Any = None


def _service(path: Path) -> ControlService:
    return ControlService(reactor, ControlCommands(_Idle()), str(path))


def _errors() -> AbstractContextManager[LogCapture]:
    """The error lines logged in the ``with`` block."""
    return capturing(lambda event: event.get("log_level") == LogLevel.error)


async def _stop(service: ControlService) -> None:
    """Stop a listening service: its port closes (and the file goes) when this returns."""
    stopped = service.stopService()
    assert stopped is not None, "the service was not listening"
    await stopped


def _ask(path: Path, command: str) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(wire.encode_request(command, []))
        return sock.recv(65536)


@pytest_twisted.ensureDeferred
async def test_listens_0660_in_a_new_0750_folder_and_removes_the_file_on_stop(
    tmp_path: Path,
) -> None:
    """The socket is 0660 in a folder made 0750; stopping removes it."""
    path = tmp_path / "run" / "control.sock"
    service = _service(path)
    service.startService()
    assert service.listening
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750
    await _stop(service)
    assert not path.exists()


@pytest_twisted.ensureDeferred
async def test_a_stale_socket_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    """A socket file nobody listens on is removed and bound again."""
    path = tmp_path / "control.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nothing listens: what a kill -9 leaves
    service = _service(path)
    service.startService()
    try:
        assert service.listening
        reply = await threads.deferToThread(_ask, path, "no-such-command")
    finally:
        await _stop(service)
    with pytest.raises(wire.Refused, match="no-such-command"):
        wire.decode_reply(reply)


@pytest_twisted.ensureDeferred
async def test_a_live_socket_is_one_error_line_and_the_service_runs_on(tmp_path: Path) -> None:
    """Another agent listening on the path: one error line, the socket is left alone."""
    path = tmp_path / "control.sock"
    first = _service(path)
    first.startService()
    second = _service(path)
    try:
        with _errors() as errors:
            second.startService()
        lines = errors.texts()
        assert second.running and not second.listening
        assert len(lines) == 1 and str(path) in lines[0], lines
        assert "cwmpctl will not reach this agent" in lines[0]
        assert path.exists() and first.listening
    finally:
        assert second.stopService() is None
        await _stop(first)


def test_an_unusable_path_is_one_error_line(tmp_path: Path) -> None:
    """A path under a regular file cannot be made: one error line naming it, no exception."""
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "control.sock"
    service = _service(path)
    with _errors() as errors:
        service.startService()
    lines = errors.texts()
    assert not service.listening
    assert len(lines) == 1 and str(path) in lines[0], lines


def test_request_round_trip_and_bad_requests() -> None:
    """What cwmpctl encodes the server decodes; anything else is the one bad-request error."""
    line = wire.encode_request("get", ["Device.DeviceInfo."])
    assert line.endswith(wire.DELIMITER) and line.count(wire.DELIMITER) == 1
    assert wire.decode_request(line.rstrip(wire.DELIMITER)) == ("get", ["Device.DeviceInfo."])
    assert wire.decode_request(b'{"command": "status"}') == ("status", [])
    for bad in (
        b"not json",
        b"[]",
        b'{"args": []}',
        b'{"command": 1}',
        b'{"command": "get", "args": [1]}',
    ):
        with pytest.raises(wire.WireError, match="bad request"):
            wire.decode_request(bad)


def test_reply_round_trip() -> None:
    """A result comes back as it went; an error line is Refused; garbage is WireError."""
    assert wire.decode_reply(wire.encode_reply(True, result={"a": [1]})) == {"a": [1]}
    with pytest.raises(wire.Refused, match=r"^no such parameter$"):
        wire.decode_reply(wire.encode_reply(False, error="no such parameter"))
    with pytest.raises(wire.WireError, match="garbled"):
        wire.decode_reply(b"{half")
