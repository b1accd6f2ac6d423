"""The control socket: one JSON object a line over a UNIX socket (0660), served by Twisted.

Twisted's LineReceiver does the framing, a UNIXServerEndpoint the listening; the JSON
request/response shapes are cwmpd.control.wire's (cwmpctl speaks them too).
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import UNIXServerEndpoint
from twisted.internet.interfaces import IListeningPort, IReactorUNIX
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver

from cwmpd.control.commands import ControlCommands, ControlError
from cwmpd.control.wire import DEFAULT_SOCKET, DELIMITER, MAX_LINE, WireError, decode_request
from cwmpd.control.wire import encode_reply as _reply

__all__ = ["DEFAULT_SOCKET", "ControlFactory", "ControlProtocol", "ControlService"]

_log = Logger(namespace="cwmpd.control.commands")
_service_log = Logger(namespace="cwmpd.service")


class ControlProtocol(LineReceiver):
    """Answers each request line with one response line, in order."""

    delimiter = DELIMITER
    MAX_LENGTH = MAX_LINE

    def __init__(self, commands: ControlCommands) -> None:
        self._commands = commands
        self._busy: Deferred[None] | None = None
        self._queue: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        """Queue the request; requests on one connection are answered in order."""
        self._queue.append(line)
        if self._busy is None:
            self._next()

    def lineLengthExceeded(self, line: bytes) -> None:
        """Refuse an oversized request and hang up."""
        self._send(_reply(False, error=f"request longer than {MAX_LINE} bytes"))
        if self.transport is not None:
            self.transport.loseConnection()

    def _send(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def _next(self) -> None:
        if not self._queue:
            self._busy = None
            return
        line = self._queue.pop(0)
        self._busy = Deferred.fromCoroutine(self._answer(line))
        self._busy.addErrback(lambda f: _log.failure("control request failed", f))
        self._busy.addBoth(lambda _: self._next())

    async def _answer(self, line: bytes) -> None:
        try:
            command, args = decode_request(line)
        except WireError as exc:
            self._send(_reply(False, error=str(exc)))
            return
        try:
            result = await self._commands.run(command, args)
        except ControlError as exc:
            self._send(_reply(False, error=str(exc)))
            return
        except Exception as exc:
            _log.failure("control command {command} failed", command=command)
            self._send(_reply(False, error=f"internal error: {exc!r}"))
            return
        _log.info("control: {command} {args}", command=command, args=args[:1])
        try:
            reply = _reply(True, result=result)
        except (TypeError, ValueError) as exc:  # a result JSON cannot carry: still answer
            _log.failure("control command {command}: unencodable result", command=command)
            reply = _reply(False, error=f"internal error: {exc}")
        self._send(reply)


class ControlFactory(Factory):
    """Makes a ControlProtocol per connection, sharing one ControlCommands."""

    noisy = False  # no "Starting factory" line per cwmpctl call

    def __init__(self, commands: ControlCommands) -> None:
        self.commands = commands

    def buildProtocol(self, addr: Any) -> ControlProtocol:
        """A protocol for one cwmpctl connection."""
        proto = ControlProtocol(self.commands)
        proto.factory = self
        return proto


def _remove_stale(path: Path) -> None:
    """Remove a socket file nobody listens on (left by a crash); refuse a live one."""
    if not path.exists():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError as exc:
        if exc.errno in (errno.ECONNREFUSED, errno.ENOTSOCK):
            path.unlink()
            return
        raise
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, f"another agent is listening on {path}")


class ControlService(Service):
    """Listens on the control socket while running (mode 0660: root and group cwmpd).

    A socket that cannot be used is one error line: the agent runs on without it."""

    def __init__(
        self, reactor: IReactorUNIX, commands: ControlCommands, path: str = DEFAULT_SOCKET
    ) -> None:
        self._commands = commands
        self.path = Path(path)
        self._endpoint = UNIXServerEndpoint(  # type: ignore[no-untyped-call]
            reactor, str(self.path), mode=0o660, wantPID=False
        )
        self._port: IListeningPort | None = None

    def startService(self) -> None:
        """Bind the socket (making its folder 0750 if missing), or log why it cannot."""
        super().startService()  # type: ignore[no-untyped-call]
        try:
            self.path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
            _remove_stale(self.path)
            old = os.umask(0o117)  # no window where the socket is wider than 0660
            try:  # a UNIX endpoint listens at once: the Deferred has fired on return
                factory = ControlFactory(self._commands)
                listening = self._endpoint.listen(factory)  # type: ignore[no-untyped-call]
            finally:
                os.umask(old)
        except Exception as exc:
            self._unusable(str(exc))
            return
        listening.addCallbacks(self._listening, lambda f: self._unusable(f.getErrorMessage()))

    def _listening(self, port: IListeningPort) -> None:
        self._port = port

    def _unusable(self, error: str) -> None:
        _service_log.error(
            "control socket {path} unavailable ({error}); cwmpctl will not reach this agent",
            path=str(self.path),
            error=error,
        )

    @property
    def listening(self) -> bool:
        """True while the socket is bound."""
        return self._port is not None

    def stopService(self) -> Deferred[None] | None:
        """Close the socket (Twisted removes the file)."""
        super().stopService()  # type: ignore[no-untyped-call]
        port, self._port = self._port, None
        if port is None:
            return None
        result: Deferred[None] | None = port.stopListening()
        return result
