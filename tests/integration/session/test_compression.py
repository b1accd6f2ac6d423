"""HTTP compression against the scripted ACS: gzip both ways, deflate answers, the 415
fallback, and a 1 GiB-inflating answer refused (9004) with the agent's memory bounded."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor
from support.bombs import GIB, gzip_of_zeros, peak_rss_kib, peak_rss_reset

SW = "Device.DeviceInfo.SoftwareVersion"


def gpv() -> m.GetParameterValues:
    """An ACS request whose answer has a body the CPE may compress."""
    return m.GetParameterValues(names=(SW,))


async def two_sessions(acs: ScriptedAcs, tmp_path: Path) -> None:
    """Run the agent for two sessions (the second asked for by a Connection Request event)."""
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        await acs.wait_for_sessions(1, timeout=30)
        agent.scheduler.request("6 CONNECTION REQUEST")
        await acs.wait_for_sessions(2, timeout=30)
    finally:
        runner.stop()
        await acs.stop()


def bodies(acs: ScriptedAcs) -> list[tuple[int, str | None]]:
    """(status, Content-Encoding) of every POST with a body, in order."""
    return [(r.status, r.content_encoding) for r in acs.requests if r.body]


@pytest_twisted.ensureDeferred
async def test_gzip_both_ways_once_the_acs_accepts_it(tmp_path: Path) -> None:
    """The first Inform goes as identity (nothing learnt yet); once answers carry
    Accept-Encoding: gzip every body is gzipped, the next session's Inform too; the ACS's
    gzip answers are inflated (the GPV comes back right)."""
    acs = ScriptedAcs(accept_gzip=True, compress_responses="gzip")
    acs.queue(gpv())
    await two_sessions(acs, tmp_path)
    # Inform, GetParameterValuesResponse (answered 204: nothing more), the next Inform.
    assert bodies(acs) == [(200, None), (204, "gzip"), (200, "gzip")]
    assert all(r.accept_encoding == "gzip, deflate" for r in acs.requests)
    first, second = acs.completed_sessions
    (answer,) = first.responses
    assert isinstance(answer, m.GetParameterValuesResponse)
    assert answer.parameters[0].value == "1.0.0"
    assert "6 CONNECTION REQUEST" in [e.code for e in second.inform.events]


@pytest_twisted.ensureDeferred
async def test_deflate_answers_and_no_gzip_unasked(tmp_path: Path) -> None:
    """An ACS that never advertises Accept-Encoding gets identity bodies only; its deflate
    answers are read all the same."""
    acs = ScriptedAcs(compress_responses="deflate")
    acs.queue(gpv())
    await two_sessions(acs, tmp_path)
    assert bodies(acs) == [(200, None), (204, None), (200, None)]
    (answer,) = acs.completed_sessions[0].responses
    assert isinstance(answer, m.GetParameterValuesResponse)


@pytest_twisted.ensureDeferred
async def test_415_resends_identity_and_gzip_stays_off(tmp_path: Path) -> None:
    """The ACS advertises gzip but answers 415 to it: the same message goes again as
    identity, and no later body (this session or the next) is gzipped."""
    acs = ScriptedAcs(accept_gzip=True, refuse_gzip=True)
    acs.queue(gpv())
    acs.queue(gpv())
    await two_sessions(acs, tmp_path)
    assert bodies(acs) == [(200, None), (415, "gzip"), (200, None), (204, None), (200, None)]
    refused, resent = [r for r in acs.requests if r.body][1:3]
    assert gzip.decompress(refused.body) == resent.body  # that very message, uncompressed
    first = acs.completed_sessions[0]
    assert [type(r).__name__ for r in first.responses] == ["GetParameterValuesResponse"] * 2


@pytest_twisted.ensureDeferred
async def test_compression_bomb_gets_9004_with_memory_bounded(tmp_path: Path) -> None:
    """A 1 MiB gzip answer that inflates to 1 GiB: the agent stops inflating at acs.max_body
    (4 MiB), answers fault 9004 and the session goes on; its peak RSS grows by far less than
    100 MB (VmHWM, reset before the session)."""
    bomb = gzip_of_zeros()
    assert len(bomb) < 2 << 20 and GIB == 1 << 30
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(bomb)
    )
    acs = ScriptedAcs()
    acs.queue_raw(head + bomb, raw_http=True)
    acs.queue(gpv())
    url = await acs.listen(reactor)
    if not peak_rss_reset():
        pytest.skip("this kernel cannot reset VmHWM (/proc/self/clear_refs)")
    before = peak_rss_kib()
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=60)
    finally:
        runner.stop()
        await acs.stop()
    grown_mib = (peak_rss_kib() - before) / 1024
    print(f"peak RSS growth during the bomb session: {grown_mib:.1f} MiB")
    fault, follow_up = session.responses
    assert isinstance(fault, m.Fault) and fault.code == 9004
    assert isinstance(follow_up, m.GetParameterValuesResponse)
    assert grown_mib < 100
