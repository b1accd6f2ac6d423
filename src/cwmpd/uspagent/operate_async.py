"""Asynchronous USP commands (TR-369 7.7.2): a Request row while they run, then OperationComplete.

``start`` checks the input arguments (a runner raising ValueError: the OperateResp says
7004 for that command), creates ``Device.LocalAgent.Request.{i}.`` (persisted, Status
Active) and answers with its path (req_obj_path); when the command ends its row goes and
an OperationComplete with the output arguments, or the error, goes to the subscriptions
(cwmpd.uspagent.notify.Notifications.operation_complete, wired by the assembly once the
notifications run: completions before that wait). ``Request.{i}.Cancel()`` cancels the
command (7023). Rows left from an earlier run end with an error (``recover``).

The runners (what a command does) come from the parts that own them (diagnostics ...),
given by the service: this layer does not import its peers. A command that outlives a
restart (firmware Download()/Activate(), cwmpd.transfers.usp_firmware) is a
:class:`Resumable`: it gets the concrete command path, and ``recover`` hands it the rows
left from the earlier run so it carries them on instead of ending them with an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Protocol

from twisted.internet.defer import CancelledError, Deferred, ensureDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.cwmp import paths
from cwmpd.datamodel.model import DataModel
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.uspagent.requests import CANCEL, CANCELED, NOT_RESUMED, request_table

#: A command's input arguments in, its output arguments out (ValueError: bad arguments).
Runner = Callable[[Mapping[str, str]], Awaitable[Mapping[str, str]]]
#: (command, command key, output arguments, error (code, message)): one OperationComplete.
Completion = Callable[[str, str, "Mapping[str, str] | None", "tuple[int, str] | None"], object]
_log = Logger()


class Resumable(Protocol):
    """An asynchronous command that can carry on after a restart of the agent."""

    def start(
        self, command: str, command_key: str, inputs: Mapping[str, str]
    ) -> Awaitable[Mapping[str, str]]:
        """Start concrete ``command``; its output arguments (ValueError: bad arguments,
        checked before anything starts; UspError: it cannot start now)."""
        ...

    def resume(self, commands: Collection[str]) -> Mapping[str, Awaitable[Mapping[str, str]]]:
        """The Requests left by an earlier run for these concrete commands: the running
        ones carried on, by command (the rest end with an error); forget any other."""
        ...


class AsyncOperations:
    """The asynchronous commands of one agent, by generic path, and their Requests."""

    def __init__(
        self,
        model: DataModel,
        runners: Mapping[str, Runner],
        resumable: Mapping[str, Resumable] | None = None,
    ) -> None:
        self.model = model
        self.runners = dict(runners)
        self.resumable = dict(resumable or {})
        self.table = request_table(model)
        self._running: dict[int, Deferred[Mapping[str, str]]] = {}
        self._notify: Completion | None = None
        self._waiting: list[tuple[str, str, Mapping[str, str] | None, tuple[int, str] | None]] = []
        self._stopped = False

    @property
    def commands(self) -> frozenset[str]:
        """The generic commands this part runs (with Request.{i}.Cancel())."""
        if self.table is None:
            return frozenset()
        return frozenset({*self.runners, *self.resumable, CANCEL})

    def runs(self, command: str) -> bool:
        """Whether concrete ``command`` is one of the asynchronous ones."""
        generic = paths.generic(command)
        return self.table is not None and (generic in self.runners or generic in self.resumable)

    def start(
        self, command: str, command_key: str, inputs: Mapping[str, str], originator: str
    ) -> str:
        """Start ``command``; the path of its Request (UspError when it cannot start)."""
        table = self.table
        assert table is not None  # runs(command) was true
        generic = paths.generic(command)
        try:
            resumable = self.resumable.get(generic)
            if resumable is not None:
                running = resumable.start(command, command_key, inputs)
            else:
                running = self.runners[generic](inputs)
        except ValueError as e:
            raise UspError(ErrorCode.INVALID_ARGUMENTS, str(e)) from e
        row = table.create(originator, command, command_key, inputs)
        table.set_status(row.number, "Active")
        self.model.instances_changed()
        self._attach(row.number, command, command_key, running)
        return row.path

    def _attach(
        self, number: int, command: str, command_key: str, running: Awaitable[Mapping[str, str]]
    ) -> None:
        d = ensureDeferred(_awaited(running))
        self._running[number] = d
        d.addCallbacks(
            lambda out: self._succeeded(number, command, command_key, out),
            lambda f: self._failed(number, command, command_key, f),
        )

    def cancel(self, request: str) -> None:
        """Request.{i}.Cancel() on ``request`` ("Device.LocalAgent.Request.3."): the command
        ends now (7023), whatever its runner does with the cancellation."""
        number = int(request.rstrip(".").rpartition(".")[2])
        running = self._running.get(number)
        row = self.table.rows.get(number) if self.table is not None else None
        if running is None or row is None:
            raise UspError(ErrorCode.COMMAND_FAILURE, f"{request} is not running")
        self._finish(number, row.command, row.command_key, None, CANCELED)
        running.cancel()

    def _failed(self, number: int, command: str, key: str, failure: Failure) -> None:
        if number not in self._running:  # cancelled: it has ended already
            return
        if failure.check(CancelledError):  # type: ignore[no-untyped-call]
            self._finish(number, command, key, None, CANCELED)
            return
        _log.failure("USP {command} failed", failure, command=command)
        error = (int(ErrorCode.COMMAND_FAILURE), failure.getErrorMessage() or "command failed")
        self._finish(number, command, key, None, error)

    def _succeeded(self, number: int, command: str, key: str, output: Mapping[str, str]) -> None:
        if number in self._running:
            self._finish(number, command, key, output, None)

    def _finish(
        self,
        number: int,
        command: str,
        key: str,
        output: Mapping[str, str] | None,
        error: tuple[int, str] | None,
    ) -> None:
        if self._stopped:  # shutting down: the row stays for the next run's recover()
            return
        self._running.pop(number, None)
        if self.table is not None:
            self.table.remove(number)
            self.model.instances_changed()
        self._complete(command, key, output, error)

    def _complete(
        self,
        command: str,
        key: str,
        output: Mapping[str, str] | None,
        error: tuple[int, str] | None,
    ) -> None:
        if self._notify is None:
            self._waiting.append((command, key, output, error))
        else:
            self._notify(command, key, output, error)

    def notify_with(self, notify: Completion) -> None:
        """Send OperationComplete with ``notify`` from now on, those waiting first; end the
        Requests left from an earlier run of the agent (none of them resume)."""
        self._notify = notify
        waiting, self._waiting = self._waiting, []
        for args in waiting:
            notify(*args)
        self.recover()

    def recover(self) -> None:
        """Carry on the Requests left from an earlier run whose command is Resumable (and
        still running there); end every other row this run did not start with an error."""
        if self.table is None:
            return
        left = [r for r in self.table.rows.values() if r.number not in self._running]
        for generic, resumable in self.resumable.items():
            mine = [r for r in left if paths.generic(r.command) == generic]
            carried = resumable.resume([r.command for r in mine])
            for r in mine:
                running = carried.get(r.command)
                if running is not None:
                    _log.info("USP {command}: resumed after a restart", command=r.command)
                    self._attach(r.number, r.command, r.command_key, running)
        for row in list(self.table.rows.values()):
            if row.number not in self._running:
                _log.info("USP {command}: not resumed after a restart", command=row.command)
                self._finish(row.number, row.command, row.command_key, None, NOT_RESUMED)

    def stop(self) -> None:
        """Daemon shutdown: the running commands stop, their Requests stay (for ``recover``)."""
        self._stopped = True
        running, self._running = self._running, {}
        self._notify = None
        for d in running.values():
            d.cancel()


async def _awaited(running: Awaitable[Mapping[str, str]]) -> Mapping[str, str]:
    return await running
