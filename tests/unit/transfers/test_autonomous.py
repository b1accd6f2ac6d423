"""AutonomousTransferComplete reports survive restarts and stop once acknowledged."""

from __future__ import annotations

from pathlib import Path

from cwmpd.cwmp import messages as m
from cwmpd.session.events import EventQueue
from cwmpd.transfers.autonomous import AutonomousTransfers

ATC = m.AutonomousTransferComplete(
    "", "http://f/fw", True, "1 Firmware Upgrade Image", 10, "", 0, "", "t0", "t1"
)


def test_report_is_resent_until_acknowledged_across_restarts(tmp_path: Path) -> None:
    """Event 10 is queued; the report survives a restart and goes once acknowledged."""
    events = EventQueue(tmp_path / "events.json")
    asked: list[int] = []
    AutonomousTransfers(tmp_path / "atc.json", events, lambda: asked.append(1)).report(ATC)
    assert asked and [e.code for e in events.queued()] == ["10 AUTONOMOUS TRANSFER COMPLETE"]
    again = AutonomousTransfers(tmp_path / "atc.json", events, lambda: None)
    (sent,) = again.pending_requests()
    again.delivered(sent, m.AutonomousTransferCompleteResponse())
    assert again.pending_requests() == [] and events.queued() == []
    assert AutonomousTransfers(tmp_path / "atc.json", events, lambda: None).pending_requests() == []
