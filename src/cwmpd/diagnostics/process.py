"""Run a diagnostic tool as an argv list through the reactor, with a timeout and cancel.

Twisted's ``getProcessOutputAndValue`` neither kills the child on ``Deferred.cancel`` nor
bounds its run time nor its output, so this is the small ProcessProtocol that does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from twisted.internet import defer
from twisted.internet.error import ProcessDone, ProcessExitedAlready, ProcessTerminated
from twisted.internet.interfaces import IDelayedCall, IReactorProcess, IReactorTime
from twisted.internet.protocol import ProcessProtocol
from twisted.python.failure import Failure

MAX_OUTPUT = 256 * 1024


class ToolTimeout(Exception):
    """The tool ran longer than its timeout and was killed."""


class ToolMissing(Exception):
    """The tool could not be started (not installed)."""


@dataclass(frozen=True)
class ToolOutput:
    """What a finished tool printed and how it exited (``code`` None: killed by a signal)."""

    code: int | None
    stdout: str
    stderr: str


class _Collector(ProcessProtocol):
    def __init__(self, done: defer.Deferred[ToolOutput]) -> None:
        self.done = done
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.size = 0
        self.timed_out = False

    def outReceived(self, data: bytes) -> None:
        self._keep(self.out, data)

    def errReceived(self, data: bytes) -> None:
        self._keep(self.err, data)

    def _keep(self, into: list[bytes], data: bytes) -> None:
        if self.size < MAX_OUTPUT:
            into.append(data[: MAX_OUTPUT - self.size])
            self.size += len(data)

    def kill(self) -> None:
        try:
            if self.transport is not None:
                self.transport.signalProcess("KILL")
        except ProcessExitedAlready:
            pass

    def processEnded(self, reason: Failure) -> None:
        if self.done.called:
            return
        if self.timed_out:
            self.done.errback(ToolTimeout())
            return
        value = reason.value
        code: int | None = 0
        if isinstance(value, ProcessTerminated):
            code = value.exitCode
        elif not isinstance(value, ProcessDone):
            code = None
        out = b"".join(self.out).decode("utf-8", "replace")
        err = b"".join(self.err).decode("utf-8", "replace")
        self.done.callback(ToolOutput(code, out, err))


def run_tool(
    reactor: IReactorProcess, argv: Sequence[str], timeout: float
) -> defer.Deferred[ToolOutput]:
    """Run ``argv`` (no shell, LC_ALL=C); fires with its output, or fails with ToolTimeout.

    Cancelling the Deferred kills the process. ``reactor`` provides IReactorProcess and
    IReactorTime (TypeError before anything is spawned otherwise).
    """
    proc_reactor = reactor
    clock = IReactorTime(reactor)
    timer: list[IDelayedCall] = []

    def cancel(_: defer.Deferred[ToolOutput]) -> None:
        collector.kill()

    done: defer.Deferred[ToolOutput] = defer.Deferred(cancel)
    collector = _Collector(done)
    env = {"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    try:
        proc_reactor.spawnProcess(collector, argv[0], list(argv), env=env)
    except OSError as exc:
        return defer.fail(ToolMissing(f"{argv[0]}: {exc}"))

    def expire() -> None:
        collector.timed_out = True
        collector.kill()

    timer.append(clock.callLater(timeout, expire))

    def stop_timer(result: object) -> object:
        if timer[0].active():
            timer[0].cancel()
        return result

    done.addBoth(stop_timer)
    return done


def find_tool(name: str, dirs: Sequence[str] = ("/usr/bin", "/bin", "/usr/sbin", "/sbin")) -> str:
    """The absolute path of tool ``name`` (spawnProcess does not search PATH)."""
    for d in [*os.environ.get("PATH", "").split(os.pathsep), *dirs]:
        path = os.path.join(d, name)
        if d and os.access(path, os.X_OK):
            return path
    raise ToolMissing(f"{name} is not installed")
