"""Parsing of ping and traceroute output, argv construction and host checks (no processes)."""

from __future__ import annotations

from cwmpd.diagnostics.hosts import safe_host
from cwmpd.diagnostics.ping import PingParams, parse_ping, ping_argv
from cwmpd.diagnostics.process import ToolOutput
from cwmpd.diagnostics.traceroute import TraceRouteParams, parse_traceroute, traceroute_argv

PING_OUT = """PING example.test (192.0.2.7) 56(84) bytes of data.
64 bytes from 192.0.2.7: icmp_seq=1 ttl=64 time=1.50 ms
64 bytes from 192.0.2.7: icmp_seq=1 ttl=64 time=9.00 ms (DUP!)
64 bytes from 192.0.2.7: icmp_seq=3 ttl=64 time=2.5 ms

--- example.test ping statistics ---
4 packets transmitted, 2 received, +1 duplicates, 50% packet loss, time 3004ms
rtt min/avg/max/mdev = 1.500/4.333/9.000/3.300 ms
"""

TRACE_OUT = """traceroute to 192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets
 1  10.0.0.1  0.512 ms  0.401 ms  0.388 ms
 2  * * *
 3  198.51.100.1  3.1 ms !H  198.51.100.2  4.9 ms !H *
 4  192.0.2.9  7.4 ms  7.6 ms  7.2 ms
"""


def test_ping_counts_replies_per_sequence_ignoring_duplicates() -> None:
    """Two distinct replies out of four; the DUP reply counts for neither time nor success."""
    r = parse_ping(ToolOutput(1, PING_OUT, ""), 4)
    assert (r.state, r.success_count, r.failure_count) == ("Complete", 2, 2)
    assert (r.minimum_us, r.average_us, r.maximum_us) == (1500, 2000, 2500)
    assert (r.minimum_ms, r.average_ms, r.maximum_ms) == (2, 2, 3)
    assert r.ip_address_used == "192.0.2.7"


def test_ping_without_replies_is_complete_with_failures() -> None:
    """No reply at all is still a completed test, every repetition failed."""
    out = "PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.\n\n--- stats ---\n"
    r = parse_ping(ToolOutput(1, out, ""), 3)
    assert (r.state, r.success_count, r.failure_count) == ("Complete", 0, 3)


def test_ping_resolution_error() -> None:
    """ping's resolver message maps to Error_CannotResolveHostName."""
    r = parse_ping(ToolOutput(2, "", "ping: x.invalid: Name or service not known\n"), 1)
    assert r.state == "Error_CannotResolveHostName"


def test_argv_keeps_host_after_double_dash() -> None:
    """ACS values are separate argv elements and the host follows "--"."""
    argv = ping_argv("/bin/ping", PingParams("h.test", 2, 1500, 64, 10, "", "IPv6"))
    assert argv[-2:] == ["--", "h.test"]
    assert argv[argv.index("-Q") : argv.index("-Q") + 2] == ["-Q", "40"]
    assert "-6" in argv
    targv = traceroute_argv("/usr/sbin/traceroute", TraceRouteParams("h.test"))
    assert targv[-3:] == ["--", "h.test", "38"]


def test_traceroute_hops_timeouts_and_errors() -> None:
    """Hops keep their order; "*" probes give no RTT; "!H" is ICMP code 1."""
    r = parse_traceroute(ToolOutput(0, TRACE_OUT, ""))
    assert r.state == "Complete"
    assert [h.host_address for h in r.hops] == ["10.0.0.1", "", "198.51.100.1", "192.0.2.9"]
    assert r.hops[0].rtts_ms == (1, 0, 0)
    assert r.hops[1].rtts_ms == ()
    assert r.hops[2].error_code == 1
    assert r.hops[2].rtts_ms == (3, 5)
    assert r.response_time_ms == 7


def test_traceroute_not_reaching_target_exceeds_max_hops() -> None:
    """A route that never reaches the target is Error_MaxHopCountExceeded."""
    out = "traceroute to 192.0.2.9 (192.0.2.9), 2 hops max, 60 byte packets\n"
    out += " 1  10.0.0.1  1 ms\n 2  * * *\n"
    assert parse_traceroute(ToolOutput(0, out, "")).state == "Error_MaxHopCountExceeded"


def test_safe_host() -> None:
    """Option-like or shell-like text is never a host; names and literals are."""
    assert not safe_host("-f;reboot")
    assert not safe_host("a;reboot")
    assert not safe_host("$(reboot)")
    assert not safe_host("")
    assert safe_host("host.example.test")
    assert safe_host("::1")
    assert safe_host("127.0.0.1")
