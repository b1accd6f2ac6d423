"""The diagnostic runners against loopback targets: real ping, traceroute, HTTP and DNS."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet import defer

from cwmpd.cwmp.types import parse_datetime
from cwmpd.diagnostics.dnsquery import run_nslookup
from cwmpd.diagnostics.http_test import run_http_test
from cwmpd.diagnostics.nslookup import NSLookupParams
from cwmpd.diagnostics.ping import PingParams, run_ping
from cwmpd.diagnostics.process import find_tool, run_tool
from cwmpd.diagnostics.traceroute import TraceRouteParams, run_traceroute
from support.agent_harness import reactor
from support.diag_servers import dns_server, http_server
from support.web import stop


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_ping_loopback_counts_every_reply() -> None:
    """Pinging 127.0.0.1 three times gives three successes and ordered response times."""
    r = await run_ping(reactor, PingParams("127.0.0.1", repetitions=3, interval=0.2))
    assert (r.state, r.success_count, r.failure_count) == ("Complete", 3, 0)
    assert r.ip_address_used == "127.0.0.1"
    assert 0 < r.minimum_us <= r.average_us <= r.maximum_us
    assert r.maximum_ms >= 1


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_ping_unknown_host_cannot_resolve() -> None:
    """A name under .invalid ends in Error_CannotResolveHostName."""
    r = await run_ping(reactor, PingParams("nohost.invalid", repetitions=1))
    assert r.state == "Error_CannotResolveHostName"


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_option_like_host_is_data() -> None:
    """A host like "-f;reboot" never reaches ping as an option nor a shell."""
    r = await run_ping(reactor, PingParams("-f;reboot", repetitions=1))
    assert r.state == "Error_CannotResolveHostName"
    t = await run_traceroute(reactor, TraceRouteParams("-f;reboot"))
    assert t.state == "Error_CannotResolveHostName"


@pytest.mark.needs_tools("ping", "traceroute")
@pytest_twisted.ensureDeferred
async def test_traceroute_loopback_is_one_hop() -> None:
    """traceroute to 127.0.0.1 reports exactly one hop, the target, with its RTTs."""
    r = await run_traceroute(reactor, TraceRouteParams("127.0.0.1", timeout_ms=1000))
    assert r.state == "Complete"
    assert len(r.hops) == 1
    assert r.hops[0].host_address == "127.0.0.1"
    assert len(r.hops[0].rtts_ms) == 3


@pytest_twisted.ensureDeferred
async def test_cancel_kills_the_tool() -> None:
    """Cancelling a running tool's Deferred kills the subprocess promptly."""
    d = run_tool(reactor, [find_tool("sleep"), "30"], timeout=60)
    reactor.callLater(0.1, d.cancel)
    with pytest.raises(defer.CancelledError):
        await d


@pytest_twisted.ensureDeferred
async def test_download_counts_exact_bytes_and_orders_times() -> None:
    """A download of a 100000-byte file: TestBytesReceived exact, ROM <= BOM <= EOM."""
    _, port = http_server(100000)
    try:
        url = f"http://127.0.0.1:{port.getHost().port}/file"  # type: ignore[attr-defined]
        r = await run_http_test(reactor, url, timeout=10)
    finally:
        await stop(port)
    assert r.state == "Complete"
    assert r.test_bytes == 100000
    assert r.total_bytes_received > 100000
    assert r.total_bytes_sent > 0
    times = [parse_datetime(t) for t in (r.tcp_open_request_time, r.tcp_open_response_time)]
    times += [parse_datetime(t) for t in (r.rom_time, r.bom_time, r.eom_time)]
    assert times == sorted(times)


@pytest_twisted.ensureDeferred
async def test_upload_sends_test_file_length() -> None:
    """An upload PUTs exactly TestFileLength bytes, and sends at least that many in total."""
    res, port = http_server(0)
    try:
        url = f"http://127.0.0.1:{port.getHost().port}/up"  # type: ignore[attr-defined]
        r = await run_http_test(reactor, url, timeout=10, upload_length=70000)
    finally:
        await stop(port)
    assert r.state == "Complete"
    assert res.uploaded == [70000]
    assert r.test_bytes == 70000
    assert r.total_bytes_sent > 70000
    assert parse_datetime(r.rom_time) <= parse_datetime(r.bom_time) <= parse_datetime(r.eom_time)


@pytest_twisted.ensureDeferred
async def test_download_from_closed_port_fails_to_connect() -> None:
    """An unreachable server (closed loopback port) is Error_InitConnectionFailed."""
    _, port = http_server(1)
    number = port.getHost().port  # type: ignore[attr-defined]
    await stop(port)
    r = await run_http_test(reactor, f"http://127.0.0.1:{number}/", timeout=5)
    assert r.state == "Error_InitConnectionFailed"


@pytest_twisted.ensureDeferred
async def test_nslookup_against_local_server() -> None:
    """NSLookup against a twisted.names server on loopback returns its authoritative answer."""
    port, number = dns_server({"host.test": "127.0.0.7"})
    try:
        params = NSLookupParams("host.test", "127.0.0.1", number, 2000, 2)
        r = await run_nslookup(reactor, params)
        missing = await run_nslookup(reactor, NSLookupParams("nope.test", "127.0.0.1", number))
    finally:
        await stop(port)
    assert (r.state, r.success_count, len(r.results)) == ("Complete", 2, 2)
    first = r.results[0]
    assert first.status == "Success"
    assert first.ip_addresses == ("127.0.0.7",)
    assert first.answer_type == "Authoritative"
    assert first.host_name_returned == "host.test"
    assert first.dns_server_ip == "127.0.0.1"
    assert missing.results[0].status == "Error_HostNameNotResolved"
