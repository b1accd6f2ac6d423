"""AutonomousTransferComplete for transfers the device started itself (P-36, event 10).

A second CpeRequestSource: ``report()`` persists the outcome (cwmpd.state), queues
"10 AUTONOMOUS TRANSFER COMPLETE" and asks for a session; the message is re-sent in later
sessions until AutonomousTransferCompleteResponse arrives. cwmpctl is meant to call report().
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from twisted.logger import Logger

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import AUTONOMOUS_TRANSFER_COMPLETE
from cwmpd.cwmp.types import is_true
from cwmpd.state import Writer, read_json, write_json
from cwmpd.transfers.settings import Events

MAX_PENDING = 16
_log = Logger(namespace="cwmpd.transfers")


class AutonomousTransfers:
    """Pending AutonomousTransferComplete messages, persisted in one JSON file."""

    def __init__(
        self,
        path: Path,
        events: Events,
        request_session: Callable[[], None],
        policy: Callable[[messages.AutonomousTransferComplete], bool] | None = None,
        writer: Writer = write_json,
    ) -> None:
        self._path = Path(path)
        self._writer = writer
        self._policy = policy
        self._events = events
        self._request_session = request_session
        self._pending: list[messages.AutonomousTransferComplete] = []
        try:
            for item in read_json(self._path, []):
                self._pending.append(messages.AutonomousTransferComplete(**item))
        except (ValueError, TypeError) as exc:
            _log.error("ignoring unreadable {path}: {error}", path=self._path, error=exc)

    def report(self, message: messages.AutonomousTransferComplete) -> bool:
        """Queue one report (the oldest is dropped past MAX_PENDING) and ask for a session.

        False when AutonomousTransferCompletePolicy filters it out (nothing is sent).
        """
        if self._policy is not None and not self._policy(message):
            _log.info("autonomous transfer of {url} not reported: policy", url=message.transfer_url)
            return False
        self._save([*self._pending, message][-MAX_PENDING:])  # OSError: nothing changed
        self._events.add(AUTONOMOUS_TRANSFER_COMPLETE)
        self._request_session()
        return True

    def session_started(self) -> None:
        """A session begins: nothing to hold (the reports go out in any session)."""

    def pending_requests(self) -> list[messages.Message]:
        """Every report not yet acknowledged."""
        return list(self._pending)

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """AutonomousTransferCompleteResponse: forget the report, then count the event down."""
        if not isinstance(response, messages.AutonomousTransferCompleteResponse):
            return
        if request in self._pending:
            rest = list(self._pending)
            rest.remove(request)
            self._save(rest)
            self._events.response_delivered("AutonomousTransferComplete")

    def _save(self, pending: list[messages.AutonomousTransferComplete]) -> None:
        """Write ``pending``, then make it the list (a failed write changes nothing)."""
        self._writer(self._path, [dataclasses.asdict(p) for p in pending])
        self._pending = pending


def policy_allows(
    values: Callable[[str], str], message: messages.AutonomousTransferComplete
) -> bool:
    """ManagementServer.AutonomousTransferCompletePolicy.* (read through ``values``) lets
    ``message`` through: enabled, and the transfer direction, result and file type match."""
    if not is_true(values("Enable")):
        return False
    direction = values("TransferTypeFilter") or "Both"
    if direction != "Both" and direction != ("Download" if message.is_download else "Upload"):
        return False
    result = values("ResultTypeFilter") or "Both"
    if result != "Both" and result != ("Success" if message.fault_code == 0 else "Failure"):
        return False
    types = [t.strip() for t in values("FileTypeFilter").split(",") if t.strip()]
    return not types or message.file_type in types
