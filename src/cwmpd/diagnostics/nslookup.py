"""NSLookupDiagnostics with twisted.names: A and AAAA queries to one DNS server, timed.

Only the TR-181 result mapping is hand-written; DNS itself is twisted.names.
"""

from __future__ import annotations

from dataclasses import dataclass

from cwmpd.diagnostics.hosts import is_ip, never_resolves, safe_host
from cwmpd.reactors import AgentReactor

COMPLETE = "Complete"
SERVER_NOT_RESOLVED = "Error_DNSServerNotResolved"
OTHER = "Error_Other"


@dataclass(frozen=True)
class NSLookupParams:
    """Validated NSLookup parameters; ``dns_server`` an IP literal ("" = resolv.conf)."""

    host_name: str
    dns_server: str = ""
    port: int = 53
    timeout_ms: int = 2000
    repetitions: int = 1


@dataclass(frozen=True)
class NSLookupAnswer:
    """One Result.{i} entry."""

    status: str
    answer_type: str
    host_name_returned: str
    ip_addresses: tuple[str, ...]
    dns_server_ip: str
    response_time_ms: int


@dataclass(frozen=True)
class NSLookupResult:
    """The test state, how many repetitions succeeded, and one answer per repetition."""

    state: str
    success_count: int = 0
    results: tuple[NSLookupAnswer, ...] = ()


async def run_nslookup(reactor: AgentReactor, params: NSLookupParams) -> NSLookupResult:
    """Run ``repetitions`` lookups of ``host_name``; a DNS failure is a result, not an error."""
    if params.dns_server and not is_ip(params.dns_server):
        return NSLookupResult(SERVER_NOT_RESOLVED)
    if not safe_host(params.host_name):
        return NSLookupResult(OTHER)
    # twisted.names is only imported when a lookup runs: the idle daemon stays smaller.
    from twisted.names import client

    from cwmpd.diagnostics.dnsquery import forget, one_lookup

    if params.dns_server:
        resolver = client.Resolver(servers=[(params.dns_server, params.port)], reactor=reactor)  # type: ignore[no-untyped-call]
    else:
        resolver = client.Resolver(resolv="/etc/resolv.conf", reactor=reactor)  # type: ignore[no-untyped-call]
    try:
        server = params.dns_server or (resolver.dynServers or resolver.servers or [("", 0)])[0][0]
        if never_resolves(params.host_name):
            none = NSLookupAnswer("Error_HostNameNotResolved", "None", "", (), server, 0)
            return NSLookupResult(COMPLETE, 0, (none,) * params.repetitions)
        answers = [
            await one_lookup(reactor, resolver, params, server) for _ in range(params.repetitions)
        ]
    finally:
        forget(resolver)
    ok = sum(1 for a in answers if a.status == "Success")
    return NSLookupResult(COMPLETE, ok, tuple(answers))
