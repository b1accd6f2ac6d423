"""AutonomousDUStateChangeComplete: deployment units changed outside ChangeDUState (event 12).

``report(results)`` keeps the results ManagementServer.DUStateChangeComplPolicy lets through,
persists them as one message, queues "12 AUTONOMOUS DU STATE CHANGE COMPLETE" and asks for a
session; the message is sent in every session until its response arrives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from twisted.logger import Logger

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import AUTONOMOUS_DU_STATE_CHANGE_COMPLETE
from cwmpd.cwmp.types import is_true
from cwmpd.state import read_json, write_json
from cwmpd.transfers.settings import Events

MAX_PENDING = 16
_log = Logger(namespace="cwmpd.transfers.du")


def policy_allows(values: Callable[[str], str], result: messages.OpResult) -> bool:
    """DUStateChangeComplPolicy (read through ``values``) lets ``result`` through: enabled,
    its operation in OperationTypeFilter (empty: none), its outcome in ResultTypeFilter, and
    a failure's code in FaultCodeFilter (TR-181: empty means no failure is reported)."""
    if not is_true(values("Enable")):
        return False
    operations = {o.strip() for o in values("OperationTypeFilter").split(",")}
    if result.operation not in operations:
        return False
    kind = values("ResultTypeFilter") or "Both"
    if kind != "Both" and kind != ("Success" if result.fault_code == 0 else "Failure"):
        return False
    codes = {c.strip() for c in values("FaultCodeFilter").split(",") if c.strip()}
    return result.fault_code == 0 or str(result.fault_code) in codes


class AutonomousDUChanges:
    """Pending AutonomousDUStateChangeComplete messages, persisted in one JSON file."""

    def __init__(
        self,
        path: Path,
        events: Events,
        request_session: Callable[[], None],
        policy: Callable[[str], str],
    ) -> None:
        self._path = Path(path)
        self._events = events
        self._request_session = request_session
        self._policy = policy
        self._pending: list[messages.AutonomousDUStateChangeComplete] = []
        try:
            for item in read_json(self._path, []):
                results = tuple(messages.OpResult(**r) for r in item)
                self._pending.append(messages.AutonomousDUStateChangeComplete(results))
        except (ValueError, TypeError) as exc:
            _log.error("ignoring unreadable {path}: {error}", path=self._path, error=exc)

    def report(self, results: Sequence[messages.OpResult]) -> bool:
        """Queue the results the policy allows; False when it allows none."""
        allowed = tuple(r for r in results if policy_allows(self._policy, r))
        if not allowed:
            return False
        self._save([*self._pending, messages.AutonomousDUStateChangeComplete(allowed)])
        self._events.add(AUTONOMOUS_DU_STATE_CHANGE_COMPLETE)
        self._request_session()
        return True

    def session_started(self) -> None:
        """Nothing to hold."""

    def pending_requests(self) -> list[messages.Message]:
        """Every message not yet acknowledged."""
        return list(self._pending)

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """The response: forget the message, then count the event down."""
        if response.name != "AutonomousDUStateChangeCompleteResponse":
            return
        if request in self._pending:
            self._save([p for p in self._pending if p is not request])
            self._events.response_delivered("AutonomousDUStateChangeComplete")

    def _save(self, pending: list[messages.AutonomousDUStateChangeComplete]) -> None:
        pending = pending[-MAX_PENDING:]
        write_json(self._path, [[dataclasses.asdict(r) for r in p.results] for p in pending])
        self._pending = pending
