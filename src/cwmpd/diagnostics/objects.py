"""One diagnostics object (IPPing, TraceRoute, ...) as a data-model backend with P-37 semantics.

The DiagnosticsState life cycle is TR-106/TR-181 specific; nothing generic exists to reuse.
Writing Requested stages a run that starts in ``apply_after_session``; writing Canceled, or
any other test parameter, stops a running test and resets the state to None; a finished
test (not a cancelled one) calls ``on_complete``. Results live in memory until the next run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from twisted.internet import defer
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.reactors import AgentReactor

_log = Logger()
STATE = "DiagnosticsState"
REQUESTED = "Requested"
CANCELED = "Canceled"
NONE = "None"


@dataclass(frozen=True)
class Outcome:
    """A finished test: its state, result values and table rows (relative names)."""

    state: str
    values: Mapping[str, str] = field(default_factory=dict)
    rows: Sequence[Mapping[str, str]] = ()


@dataclass(frozen=True)
class Kind:
    """What differs between diagnostics objects: names, defaults, checks and the runner.

    ``params`` are the writable test parameters with their defaults, ``results`` the
    read-only results with their reset values, ``table`` the relative results table
    ("RouteHops.") whose rows carry ``row_fields``; ``check`` returns a reason the test
    parameters cannot run (the SPV then faults 9007), ``run`` performs the test.
    """

    prefix: str
    params: Mapping[str, str]
    results: Mapping[str, str]
    run: Callable[[AgentReactor, Mapping[str, str]], Awaitable[Outcome]]
    check: Callable[[Mapping[str, str]], str | None] = lambda _: None
    table: str = ""
    row_fields: tuple[str, ...] = ()
    internal_error: str = "Error_Internal"

    def names(self) -> list[str]:
        """Every generic parameter name this object serves."""
        out = [self.prefix + STATE, *(self.prefix + n for n in (*self.params, *self.results))]
        return out + [f"{self.prefix}{self.table}{{i}}.{f}" for f in self.row_fields]


class DiagnosticObject:
    """The backend of one diagnostics object; only one test of its kind runs at a time."""

    def __init__(
        self,
        kind: Kind,
        reactor: AgentReactor,
        on_complete: Callable[[], None],
        on_rows_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.kind = kind
        self._reactor = reactor
        self._on_complete = on_complete
        self._on_rows_changed = on_rows_changed
        self.state = NONE
        self.params = dict(kind.params)
        self.results = dict(kind.results)
        self.rows: list[Mapping[str, str]] = []
        self._pending = False
        self._running: defer.Deferred[None] | None = None

    # -- reading -----------------------------------------------------------------

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Current values: state, test parameters, results and result rows."""
        return {n: v for n in names if (v := self._value(n)) is not None}

    def _value(self, name: str) -> str | None:
        rel = name[len(self.kind.prefix) :]
        if rel == STATE:
            return self.state
        if rel in self.params:
            return self.params[rel]
        if rel in self.results:
            return self.results[rel]
        if self.kind.table and rel.startswith(self.kind.table):
            number, _, leaf = rel[len(self.kind.table) :].partition(".")
            if number.isdigit() and 1 <= int(number) <= len(self.rows):
                return self.rows[int(number) - 1].get(leaf)
        return None

    async def list_instances(self, table: str) -> Sequence[int]:
        """Rows of the results table (1..n)."""
        if not self.kind.table or table != self.kind.prefix + self.kind.table:
            raise unsupported_table(table)
        return list(range(1, len(self.rows) + 1))

    # -- writing -----------------------------------------------------------------

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage a write; Requested with unusable test parameters faults 9007 here (P-37)."""
        rels = {n[len(self.kind.prefix) :]: v for n, v in changes.items()}
        unknown = [r for r in rels if r != STATE and r not in self.params]
        if unknown:
            raise BackendError(f"not writable here: {unknown}")
        if rels.get(STATE) == REQUESTED:
            merged = {**self.params, **{k: v for k, v in rels.items() if k != STATE}}
            reason = self.kind.check(merged)
            if reason is not None:
                fault = SetParameterValuesFault(self.kind.prefix + STATE, 9007, reason)
                raise CwmpFault(9003, set_faults=(fault,))
        return _Write(self, rels)

    def _apply(self, rels: Mapping[str, str]) -> bool:
        """Commit a staged write; True when a run waits for the end of the session."""
        self.params.update({k: v for k, v in rels.items() if k != STATE})
        state = rels.get(STATE)
        if state is None and len(rels) == 0:
            return False
        self._stop()
        self.results = dict(self.kind.results)
        if self.rows:
            self.rows = []
            self._on_rows_changed()
        self._pending = state == REQUESTED
        self.state = REQUESTED if self._pending else NONE
        return self._pending

    async def apply_after_session(self) -> None:
        """Start the requested test (after the session that requested it)."""
        if not self._pending:
            return
        self._pending = False
        params = dict(self.params)
        d = defer.Deferred.fromCoroutine(self._run(params))
        self._running = d
        d.addErrback(_cancelled_is_fine)

    async def _run(self, params: Mapping[str, str]) -> None:
        try:
            outcome = await self.kind.run(self._reactor, params)
        except defer.CancelledError:
            raise
        except Exception:
            _log.failure("diagnostics test {prefix} failed", prefix=self.kind.prefix)
            outcome = Outcome(self.kind.internal_error)
        self._running = None
        self.state = outcome.state
        self.results = {**self.kind.results, **outcome.values}
        self.rows = list(outcome.rows)
        self._on_rows_changed()
        self._on_complete()

    def _stop(self) -> None:
        self._pending = False
        running, self._running = self._running, None
        if running is not None:
            running.cancel()

    def cancel(self) -> None:
        """Stop a running or requested test; the state reads None."""
        if self._running is not None or self._pending:
            self._stop()
            self.state = NONE

    @property
    def running(self) -> bool:
        """True while a test runs."""
        return self._running is not None

    # -- tables are read-only ----------------------------------------------------

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Result rows are created by the test only."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Result rows are deleted by the next run only."""
        raise unsupported_table(instance)


def _cancelled_is_fine(failure: Failure) -> None:
    if not isinstance(failure.value, defer.CancelledError):
        _log.failure("diagnostics test crashed", failure)


class _Write:
    """A staged write to one diagnostics object."""

    def __init__(self, obj: DiagnosticObject, rels: Mapping[str, str]) -> None:
        self._obj = obj
        self._rels = dict(rels)
        self._saved: tuple[str, dict[str, str]] | None = None

    async def commit(self) -> bool:
        """Apply: parameters stored, a running test stopped, a new one maybe staged."""
        self._saved = (self._obj.state, dict(self._obj.params))
        return self._obj._apply(self._rels)

    async def abort(self) -> None:
        """Put the parameters back (a stopped test stays stopped: the state reads None)."""
        if self._saved is not None:
            state, params = self._saved
            self._obj.params = params
            self._obj._pending = False
            self._obj.state = state if state not in (REQUESTED,) else NONE
