"""A Reboot the agent acknowledged is carried out even when the daemon is SIGKILLed right
after answering it (E-6): found by the random crash campaign, pinned here at the exact
moment, the ACS killing the daemon as the RebootResponse arrives (before the session
ends, so before the reboot can have started)."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs_record import AcsSession, Exchange
from support.crash_rig import campaign, finish
from support.waiting import wait_for


@pytest_twisted.ensureDeferred
async def test_reboot_acknowledged_then_killed_still_reboots(tmp_path: Path) -> None:
    """The next Inform carries "1 BOOT" with "M Reboot" (before: "M Reboot" alone, the
    device never rebooted), once."""
    rig = await campaign(tmp_path, 0, periodic=0)

    def kill_on_ack(session: AcsSession, exchange: Exchange) -> None:
        if isinstance(exchange.received, m.RebootResponse) and rig.daemon.kills == 0:
            rig.daemon.kill()

    rig.acs.on_exchange(kill_on_ack)
    rig.acs.queue(m.Reboot(command_key="rk"))
    try:
        await wait_for(lambda: rig.delivered("M Reboot"), 15, "the M Reboot Inform")
        await wait_for(lambda: rig.acs.completed_sessions[-1:], 5, "its session")
    finally:
        await finish(rig)
    (session,) = rig.delivered("M Reboot")["rk"]
    assert rig.daemon.kills == 1
    assert sorted(session.events) == ["1 BOOT", "M Reboot"], session.events
