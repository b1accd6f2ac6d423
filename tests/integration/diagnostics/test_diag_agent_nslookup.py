"""NSLookupDiagnostics through the whole agent against a twisted.names server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from support.diag_agent import DIAG_COMPLETE, AgentRun, dns_server, spv, values_of
from support.web import stop

NS = "Device.DNS.Diagnostics.NSLookupDiagnostics."


async def _lookup(tmp_path: Path, params: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Request one NSLookup in the BOOTSTRAP session: the completion GPV, the names asked."""
    port, dns, listening = dns_server({"host.test": "127.0.0.7"})
    run = AgentRun(tmp_path)
    run.acs.queue(spv(NS, {**params, "DiagnosticsState": "Requested"}))
    run.read_on_completion(NS)
    try:
        await run.start()
        run.diagnostics().dns_port = port
        first, second = await run.sessions(2)
    finally:
        await run.stop()
        await stop(listening)
    assert first.responses == [m.SetParameterValuesResponse(status=1)]
    assert DIAG_COMPLETE in second.events
    return values_of(second.responses[0]), dns.asked


@pytest_twisted.ensureDeferred
async def test_nslookup_answers_from_the_test_dns_server(tmp_path: Path) -> None:
    """Two lookups of host.test: SuccessCount 2, two authoritative Result rows with the A record."""
    got, asked = await _lookup(
        tmp_path, {"HostName": "host.test", "DNSServer": "127.0.0.1", "NumberOfRepetitions": "2"}
    )
    assert asked == ["host.test"] * 4  # A and AAAA, twice
    assert got[NS + "DiagnosticsState"] == "Complete"
    assert got[NS + "SuccessCount"] == "2"
    assert got[NS + "ResultNumberOfEntries"] == "2"
    for i in (1, 2):
        row = f"{NS}Result.{i}."
        assert got[row + "Status"] == "Success"
        assert got[row + "AnswerType"] == "Authoritative"
        assert got[row + "HostNameReturned"] == "host.test"
        assert got[row + "IPAddresses"] == "127.0.0.7"
        assert got[row + "DNSServerIP"] == "127.0.0.1"


@pytest_twisted.ensureDeferred
async def test_nslookup_of_a_missing_name_reports_it_not_resolved(tmp_path: Path) -> None:
    """A name the server does not know: Complete, SuccessCount 0, one HostNameNotResolved row."""
    got, asked = await _lookup(tmp_path, {"HostName": "nosuch.test", "DNSServer": "127.0.0.1"})
    assert asked == ["nosuch.test"] * 2
    assert got[NS + "DiagnosticsState"] == "Complete"
    assert got[NS + "SuccessCount"] == "0"
    assert got[NS + "Result.1.Status"] == "Error_HostNameNotResolved"
    assert got[NS + "Result.1.IPAddresses"] == ""


@pytest_twisted.ensureDeferred
async def test_nslookup_of_an_invalid_name_fails_without_any_query(tmp_path: Path) -> None:
    """nosuch.invalid (RFC 6761): not resolved, and the DNS server is never asked."""
    got, asked = await _lookup(tmp_path, {"HostName": "nosuch.invalid", "DNSServer": "127.0.0.1"})
    assert asked == []
    assert got[NS + "SuccessCount"] == "0"
    assert got[NS + "Result.1.Status"] == "Error_HostNameNotResolved"
    assert got[NS + "Result.1.ResponseTime"] == "0"
