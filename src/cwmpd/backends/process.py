"""Run one argv via ``reactor.spawnProcess`` with a timeout (getProcessOutput has none).

Never a shell: the argv list goes to execve as is. A process still running at its deadline
is killed and the call fails with ``CommandTimeout``; a non-zero exit fails with
``CommandFailed`` carrying the tail of stderr (logged, never sent to the ACS).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twisted.internet.defer import Deferred
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.backends.base import BackendError
from cwmpd.reactors import AgentReactor

_log = Logger()
_TAIL = 512
_MAX_OUTPUT = 4 * 1024 * 1024


class CommandFailed(BackendError):
    """A command exited non-zero, was killed, or could not be started."""


class CommandTimeout(CommandFailed):
    """A command did not finish in time and was killed."""


@dataclass(frozen=True)
class ProcessResult:
    """What a finished process left: exit code, stdout and stderr bytes."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: bytes
    stderr: bytes


class _Collect(ProcessProtocol):
    def __init__(self, stdin: bytes | None) -> None:
        self.stdin = stdin
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.size = 0
        self.done: Deferred[int] = Deferred()

    def connectionMade(self) -> None:
        assert self.transport is not None
        if self.stdin is not None:
            self.transport.write(self.stdin)
        self.transport.closeStdin()

    def outReceived(self, data: bytes) -> None:
        self.size += len(data)
        if self.size <= _MAX_OUTPUT:
            self.out.append(data)

    def errReceived(self, data: bytes) -> None:
        self.err.append(data)
        if len(self.err) > 64:
            self.err = [b"".join(self.err)[-_TAIL:]]

    def processEnded(self, reason: Failure) -> None:
        value = reason.value
        if isinstance(value, ProcessDone):
            code = 0
        elif isinstance(value, ProcessTerminated):
            code = value.exitCode if value.exitCode is not None else -(value.signal or 1)
        else:
            code = -1
        self.done.callback(code)


class ProcessRunner:
    """Spawns processes on a reactor and counts them (the benchmark reads ``spawned``)."""

    def __init__(self, reactor: AgentReactor, *, timeout: float = 10.0) -> None:
        self.reactor = reactor
        self.timeout = timeout
        self.spawned = 0

    async def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ProcessResult:
        """Run ``argv`` to completion; CommandTimeout once ``timeout`` seconds pass."""
        args = tuple(argv)
        if not args:
            raise CommandFailed("empty command")
        full_env = {**os.environ, **(env or {})}
        proto = _Collect(stdin)
        try:
            transport = self.reactor.spawnProcess(proto, args[0], args, env=full_env)
        except OSError as exc:
            raise CommandFailed(f"cannot start {args[0]}: {exc}") from exc
        self.spawned += 1
        limit = self.timeout if timeout is None else timeout
        expired: list[bool] = []

        def kill() -> None:
            expired.append(True)
            with contextlib.suppress(Exception):  # it may have ended meanwhile
                transport.signalProcess("KILL")

        timer = self.reactor.callLater(limit, kill)
        code = await proto.done
        if timer.active():
            timer.cancel()
        result = ProcessResult(args, code, b"".join(proto.out), b"".join(proto.err))
        if expired:
            _log.warn("command timed out after {limit}s: {argv}", limit=limit, argv=args[0])
            raise CommandTimeout(f"{args[0]} timed out after {limit}s")
        if proto.size > _MAX_OUTPUT:
            raise CommandFailed(f"{args[0]} wrote more than {_MAX_OUTPUT} bytes")
        return result

    async def output(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> str:
        """Stdout of ``argv`` as text; CommandFailed (stderr tail logged) on non-zero exit."""
        result = await self.run(argv, stdin=stdin, env=env, timeout=timeout)
        if result.exit_code != 0:
            tail = result.stderr[-_TAIL:].decode("utf-8", "replace").strip()
            _log.warn(
                "command {argv} exited {code}: {tail}",
                argv=result.argv[0],
                code=result.exit_code,
                tail=tail,
            )
            raise CommandFailed(f"{result.argv[0]} exited {result.exit_code}")
        return result.stdout.decode("utf-8", "replace")
