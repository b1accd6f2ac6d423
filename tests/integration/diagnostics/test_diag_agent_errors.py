"""Diagnostics error paths through the whole agent: bad hosts, refused connections,
cancel and a parameter change while a test runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, AnyStr

import pytest
import pytest_twisted
from twisted.internet.interfaces import (
    IDelayedCall,
    IProcessProtocol,
    IProcessTransport,
    IReactorProcess,
    IReactorTime,
)
from zope.interface import implementer

from cwmpd.cwmp import messages as m
from cwmpd.diagnostics.ping import PingParams, run_ping
from cwmpd.diagnostics.traceroute import TraceRouteParams, run_traceroute
from support.agent_harness import reactor
from support.diag_agent import (
    DIAG_COMPLETE,
    AgentRun,
    SizedFile,
    http_server,
    spv,
    values_of,
    within,
)
from support.web import stop

PING = "Device.IP.Diagnostics.IPPing."
DL = "Device.IP.Diagnostics.DownloadDiagnostics."


async def _complete(
    tmp_path: Path, prefix: str, params: dict[str, str]
) -> tuple[AgentRun, dict[str, str]]:
    """Request a test in the BOOTSTRAP session; the GPV read in the completion session."""
    run = AgentRun(tmp_path)
    run.acs.queue(spv(prefix, {**params, "DiagnosticsState": "Requested"}))
    run.read_on_completion(prefix)
    try:
        await run.start()
        first, second = await run.sessions(2)
    finally:
        await run.stop()
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    return run, values_of(second.responses[0])


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_ping_unknown_host_cannot_resolve(tmp_path: Path) -> None:
    """Host nosuch.invalid: Error_CannotResolveHostName, counts zero."""
    _, got = await _complete(tmp_path, PING, {"Host": "nosuch.invalid"})
    assert got[PING + "DiagnosticsState"] == "Error_CannotResolveHostName"
    assert got[PING + "SuccessCount"] == "0"


@pytest_twisted.ensureDeferred
async def test_download_unknown_host_cannot_resolve(tmp_path: Path) -> None:
    """DownloadURL on nosuch.invalid: Error_CannotResolveHostName."""
    _, got = await _complete(tmp_path, DL, {"DownloadURL": "http://nosuch.invalid/f"})
    assert got[DL + "DiagnosticsState"] == "Error_CannotResolveHostName"


@pytest_twisted.ensureDeferred
async def test_download_from_a_closed_port_fails_to_connect(tmp_path: Path) -> None:
    """Nobody listens on the port: Error_InitConnectionFailed, no bytes counted."""
    url, _, port = http_server(SizedFile(1))
    await stop(port)
    _, got = await _complete(tmp_path, DL, {"DownloadURL": url + "f"})
    assert got[DL + "DiagnosticsState"] == "Error_InitConnectionFailed"
    assert got[DL + "TestBytesReceived"] == "0"


@pytest_twisted.ensureDeferred
async def test_option_like_host_is_data_never_a_command(tmp_path: Path) -> None:
    """Host "-f;reboot" is stored as given, fails to resolve, and nothing reboots."""
    run, got = await _complete(tmp_path, PING, {"Host": "-f;reboot"})
    assert got[PING + "Host"] == "-f;reboot"
    assert got[PING + "DiagnosticsState"] == "Error_CannotResolveHostName"
    assert run.runner is not None and run.runner.exits == 0


@implementer(IReactorProcess, IReactorTime)
class NoProcesses:
    """A reactor for the tools that fails the test if any process is spawned; real time."""

    def __init__(self) -> None:
        self.spawned: list[Sequence[bytes | str]] = []

    def spawnProcess(
        self,
        processProtocol: IProcessProtocol,
        executable: bytes | str,
        args: Sequence[bytes | str],
        env: Mapping[AnyStr, AnyStr] | None = None,
        path: bytes | str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
    ) -> IProcessTransport:
        """Record the argv; the tool must never be reached."""
        self.spawned.append(args)
        raise AssertionError(f"spawned {args}")

    def seconds(self) -> float:
        """Reactor time."""
        return reactor.seconds()

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kwargs: object
    ) -> IDelayedCall:
        """Delegated to the real reactor."""
        return reactor.callLater(delay, callable, *args, **kwargs)

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        """The real reactor's."""
        return reactor.getDelayedCalls()


@pytest.mark.needs_tools("ping", "traceroute")
@pytest.mark.parametrize("host", ["nosuch.invalid", "NoSuch.Invalid.", "-f;reboot", "-f"])
@pytest_twisted.ensureDeferred
async def test_unresolvable_or_hostile_hosts_never_start_a_tool(host: str) -> None:
    """ping/traceroute are not spawned for .invalid names or option-like text (no DNS, no argv)."""
    fake = NoProcesses()
    ping = await run_ping(fake, PingParams(host=host))
    trace = await run_traceroute(fake, TraceRouteParams(host=host))
    assert (ping.state, trace.state) == ("Error_CannotResolveHostName",) * 2
    assert fake.spawned == []


async def _start_stalled(tmp_path: Path) -> tuple[AgentRun, SizedFile, Any]:
    """Start a download that hangs after its first byte; returns once the server has it."""
    stalled = SizedFile(10, stall=True)
    url, _, port = http_server(stalled)
    run = AgentRun(tmp_path)
    run.acs.queue(spv(DL, {"DownloadURL": url + "slow", "DiagnosticsState": "Requested"}))
    await run.start()
    await run.sessions(1)
    await within(stalled.arrived)
    return run, stalled, port


@pytest.mark.parametrize(
    "change", [{"DiagnosticsState": "Canceled"}, {"DownloadURL": "http://127.0.0.1:9/other"}]
)
@pytest_twisted.ensureDeferred
async def test_cancel_or_parameter_change_stops_the_test_without_completion(
    tmp_path: Path, change: dict[str, str]
) -> None:
    """Canceled, or a new test parameter, mid-run: connection dropped, state None, no event 8."""
    run, stalled, port = await _start_stalled(tmp_path)
    try:
        run.acs.queue(spv(DL, change, key="stop"))
        run.acs.queue(m.GetParameterValues(names=(DL + "DiagnosticsState",)))
        run.new_session()
        second = (await run.sessions(2))[1]
        await within(stalled.dropped)
        run.new_session()
        third = (await run.sessions(3))[2]
    finally:
        await run.stop()
        await port.stopListening()
    assert second.responses[0] == m.SetParameterValuesResponse(status=0)
    assert values_of(second.responses[1]) == {DL + "DiagnosticsState": "None"}
    assert DIAG_COMPLETE not in second.events + third.events
    assert third.events == ["6 CONNECTION REQUEST"]


@pytest.mark.parametrize("state", ["Complete", "None", "Error_Other"])
@pytest_twisted.ensureDeferred
async def test_only_requested_and_canceled_may_be_written(tmp_path: Path, state: str) -> None:
    """SPV DiagnosticsState=Complete (or any other read-only state) faults 9007 for that name."""
    run = AgentRun(tmp_path)
    run.acs.queue(spv(PING, {"Host": "127.0.0.1", "DiagnosticsState": state}))
    try:
        await run.start()
        (first,) = await run.sessions(1)
    finally:
        await run.stop()
    fault = first.responses[0]
    assert isinstance(fault, m.Fault), fault
    assert fault.code == 9003
    assert [(f.name, f.code) for f in fault.set_faults] == [(PING + "DiagnosticsState", 9007)]


@pytest_twisted.ensureDeferred
async def test_requested_again_while_running_restarts_the_test(tmp_path: Path) -> None:
    """Requested mid-run: Status 1, the running GET is dropped, a new GET follows the session."""
    run, stalled, port = await _start_stalled(tmp_path)
    dropped, again = stalled.dropped, stalled.arrived
    try:
        run.acs.queue(spv(DL, {"DiagnosticsState": "Requested"}, key="again"))
        run.acs.queue(m.GetParameterValues(names=(DL + "DiagnosticsState",)))
        run.new_session()
        second = (await run.sessions(2))[1]
        await within(dropped)
        await within(again)
    finally:
        await run.stop()
        await port.stopListening()
    assert second.responses[0] == m.SetParameterValuesResponse(status=1)
    assert values_of(second.responses[1]) == {DL + "DiagnosticsState": "Requested"}
