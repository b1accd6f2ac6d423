"""IPPing and TraceRoute through the whole agent: SPV Requested, test after the session,
then an 8 DIAGNOSTICS COMPLETE session whose GPV reads the results."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from support.diag_agent import DIAG_COMPLETE, AgentRun, spv, values_of

PING = "Device.IP.Diagnostics.IPPing."
TRACE = "Device.IP.Diagnostics.TraceRoute."


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_ping_loopback_results_read_in_the_completion_session(tmp_path: Path) -> None:
    """Ping 127.0.0.1 twice: SPV Status 1, then Complete with 2 successes and ordered times."""
    run = AgentRun(tmp_path)
    run.acs.queue(
        spv(
            PING,
            {
                "Host": "127.0.0.1",
                "NumberOfRepetitions": "2",
                "Timeout": "1000",
                "DiagnosticsState": "Requested",
            },
        )
    )
    run.read_on_completion(PING)
    try:
        await run.start()
        first, second = await run.sessions(2)
    finally:
        await run.stop()
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    got = values_of(second.responses[0])
    assert got[PING + "DiagnosticsState"] == "Complete"
    assert got[PING + "Host"] == "127.0.0.1"
    assert (got[PING + "SuccessCount"], got[PING + "FailureCount"]) == ("2", "0")
    assert got[PING + "IPAddressUsed"] == "127.0.0.1"
    lo, avg, hi = (
        int(got[PING + f"{k}ResponseTimeDetailed"]) for k in ("Minimum", "Average", "Maximum")
    )
    assert 0 < lo <= avg <= hi


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_traceroute_loopback_is_one_hop_read_in_the_completion_session(
    tmp_path: Path,
) -> None:
    """Traceroute to 127.0.0.1: Complete, exactly one RouteHops row naming 127.0.0.1."""
    run = AgentRun(tmp_path)
    run.acs.queue(
        spv(
            TRACE,
            {
                "Host": "127.0.0.1",
                "NumberOfTries": "1",
                "Timeout": "1000",
                "MaxHopCount": "5",
                "DiagnosticsState": "Requested",
            },
        )
    )
    run.read_on_completion(TRACE)
    try:
        await run.start()
        first, second = await run.sessions(2)
    finally:
        await run.stop()
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    got = values_of(second.responses[0])
    assert got[TRACE + "DiagnosticsState"] == "Complete"
    assert got[TRACE + "RouteHopsNumberOfEntries"] == "1"
    hop = TRACE + "RouteHops.1."
    assert (got[hop + "Host"], got[hop + "HostAddress"], got[hop + "ErrorCode"]) == (
        "127.0.0.1",
        "127.0.0.1",
        "0",
    )
    assert len(got[hop + "RTTimes"].split(",")) == 1
    assert not any(n.startswith(TRACE + "RouteHops.2.") for n in got)
