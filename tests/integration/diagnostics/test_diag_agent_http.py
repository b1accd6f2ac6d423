"""TR-143 Download/UploadDiagnostics through the whole agent against a loopback web server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from support.diag_agent import DIAG_COMPLETE, AgentRun, SizedFile, http_server, spv, values_of
from support.web import stop

DL = "Device.IP.Diagnostics.DownloadDiagnostics."
UL = "Device.IP.Diagnostics.UploadDiagnostics."
SIZE = 300_000


def _times(got: dict[str, str], prefix: str) -> list[datetime]:
    names = ("TCPOpenRequestTime", "TCPOpenResponseTime", "ROMTime", "BOMTime", "EOMTime")
    return [datetime.fromisoformat(got[prefix + n].replace("Z", "+00:00")) for n in names]


@pytest_twisted.ensureDeferred
async def test_download_counts_exact_bytes_and_orders_times(tmp_path: Path) -> None:
    """GET of a 300 kB file: TestBytesReceived exact, totals match the server's wire bytes."""
    url, wire, port = http_server(SizedFile(SIZE))
    run = AgentRun(tmp_path)
    run.acs.queue(spv(DL, {"DownloadURL": url + "file.bin", "DiagnosticsState": "Requested"}))
    run.read_on_completion(DL)
    try:
        await run.start()
        first, second = await run.sessions(2)
    finally:
        await run.stop()
        await stop(port)
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    got = values_of(second.responses[0])
    assert got[DL + "DiagnosticsState"] == "Complete"
    assert got[DL + "TestBytesReceived"] == str(SIZE)
    assert got[DL + "TotalBytesReceived"] == str(wire.sent)
    assert got[DL + "TotalBytesSent"] == str(wire.received)
    assert wire.sent > SIZE  # the status line and headers count too
    times = _times(got, DL)
    assert times == sorted(times), times
    assert times[0].year == datetime.now().year


@pytest_twisted.ensureDeferred
async def test_upload_sends_exactly_sized_length(tmp_path: Path) -> None:
    """PUT of TestFileLength bytes: the server got exactly that, totals match its wire bytes."""
    sized = SizedFile(0)
    url, wire, port = http_server(sized)
    run = AgentRun(tmp_path)
    run.acs.queue(
        spv(
            UL,
            {
                "UploadURL": url + "up.bin",
                "TestFileLength": str(SIZE),
                "DiagnosticsState": "Requested",
            },
        )
    )
    run.read_on_completion(UL)
    try:
        await run.start()
        first, second = await run.sessions(2)
    finally:
        await run.stop()
        await stop(port)
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    got = values_of(second.responses[0])
    assert got[UL + "DiagnosticsState"] == "Complete"
    assert sized.uploaded == [SIZE]
    assert got[UL + "TestBytesSent"] == str(SIZE)
    assert got[UL + "TotalBytesSent"] == str(wire.received)
    assert got[UL + "TotalBytesReceived"] == str(wire.sent)
    times = _times(got, UL)
    assert times == sorted(times), times
