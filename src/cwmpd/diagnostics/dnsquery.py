"""The DNS queries of NSLookupDiagnostics, with twisted.names (imported only when a test runs)."""

from __future__ import annotations

import socket

from twisted.internet import defer
from twisted.names import client, dns, error

from cwmpd.diagnostics.nslookup import NSLookupAnswer, NSLookupParams
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
