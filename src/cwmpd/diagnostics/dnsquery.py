"""NSLookupDiagnostics' DNS queries with twisted.names: A and AAAA to one server, timed.

Only the TR-181 result mapping is hand-written; DNS itself is twisted.names. This module is
imported only when a test runs (cwmpd.diagnostics.kinds), so the idle daemon stays smaller.
"""

from __future__ import annotations

import socket

from twisted.internet import defer
from twisted.names import client, dns, error

from cwmpd.diagnostics.hosts import is_ip, never_resolves, safe_host
from cwmpd.diagnostics.nslookup import (
    COMPLETE,
    OTHER,
    SERVER_NOT_RESOLVED,
    NSLookupAnswer,
    NSLookupParams,
    NSLookupResult,
)
from cwmpd.reactors import AgentReactor

_FAMILY = {dns.A: socket.AF_INET, dns.AAAA: socket.AF_INET6}


def _addresses(message: dns.Message) -> tuple[str, list[str]]:
    name = ""
    out: list[str] = []
    for rr in message.answers:
        if rr.type in (dns.A, dns.AAAA):
            name = name or str(rr.name)
            payload = rr.payload
            if isinstance(payload, dns.Record_A | dns.Record_AAAA):
                out.append(socket.inet_ntop(_FAMILY[rr.type], payload.address))
    return name, out


async def one_lookup(
    reactor: AgentReactor, resolver: client.Resolver, p: NSLookupParams, server: str
) -> NSLookupAnswer:
    """One repetition: A and AAAA queries to ``resolver``; a failure is an answer status."""
    start = reactor.seconds()
    timeout = (max(p.timeout_ms, 1) / 1000,)
    name = p.host_name.encode("idna")
    queries = [dns.Query(name, t, dns.IN) for t in (dns.A, dns.AAAA)]
    try:
        messages = await defer.gatherResults(
            [
                resolver.queryUDP([q], timeout)  # type: ignore[no-untyped-call]
                for q in queries
            ],
            consumeErrors=True,
        )
    except defer.FirstError as exc:
        failure = exc.subFailure
        status = (
            "Error_Timeout"
            if isinstance(failure.value, error.DNSQueryTimeoutError)
            else "Error_DNSServerNotAvailable"
        )
        return NSLookupAnswer(status, "None", "", (), server, 0)
    elapsed = round((reactor.seconds() - start) * 1000)
    found: list[str] = []
    returned = ""
    for m in messages:
        n, addrs = _addresses(m)
        returned = returned or n
        found.extend(addrs)
    if not found:
        return NSLookupAnswer("Error_HostNameNotResolved", "None", "", (), server, elapsed)
    kind = "Authoritative" if all(m.auth for m in messages if m.answers) else "NonAuthoritative"
    return NSLookupAnswer("Success", kind, returned, tuple(found), server, elapsed)


def forget(resolver: client.Resolver) -> None:
    """Stop the resolv.conf re-read timer a file-based Resolver re-arms every minute."""
    call = getattr(resolver, "_parseCall", None)
    if call is not None and call.active():
        call.cancel()


async def run_nslookup(reactor: AgentReactor, params: NSLookupParams) -> NSLookupResult:
    """Run ``repetitions`` lookups of ``host_name``; a DNS failure is a result, not an error."""
    if params.dns_server and not is_ip(params.dns_server):
        return NSLookupResult(SERVER_NOT_RESOLVED)
    if not safe_host(params.host_name):
        return NSLookupResult(OTHER)
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
