"""TraceRoute through the system ``traceroute -n`` (argv, LC_ALL=C), parsed into RouteHops.

Sending TTL-limited probes and reading ICMP errors needs raw sockets; the tool has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorProcess

from cwmpd.diagnostics.hosts import family_flag, is_ip, never_resolves, safe_host
from cwmpd.diagnostics.ping import CANNOT_RESOLVE, COMPLETE, INTERNAL, OTHER
from cwmpd.diagnostics.process import ToolMissing, ToolOutput, ToolTimeout, find_tool, run_tool

MAX_HOPS_EXCEEDED = "Error_MaxHopCountExceeded"

_HEADER = re.compile(r"^traceroute to \S+ \(([^)]+)\)", re.M)
_HOP = re.compile(r"^\s*(\d+)\s+(.*)$")
#: ICMP unreachable codes behind traceroute's "!X" annotations.
_ANNOTATIONS = {"!N": 0, "!H": 1, "!P": 2, "!F": 4, "!S": 5, "!X": 13, "!V": 14, "!C": 15}


@dataclass(frozen=True)
class TraceRouteParams:
    """Validated TraceRoute test parameters (Timeout per probe in milliseconds)."""

    host: str
    tries: int = 3
    timeout_ms: int = 5000
    data_block_size: int = 38
    dscp: int = 0
    max_hops: int = 30
    interface: str = ""
    protocol_version: str = "Any"


@dataclass(frozen=True)
class RouteHop:
    """One RouteHops.{i} entry; ``rtts_ms`` are the probe round trips that came back."""

    host: str
    host_address: str
    error_code: int
    rtts_ms: tuple[int, ...]


@dataclass(frozen=True)
class TraceRouteResult:
    """TraceRoute results: state, hops, ResponseTime (ms, last hop) and the address used."""

    state: str
    hops: tuple[RouteHop, ...] = ()
    response_time_ms: int = 0
    ip_address_used: str = ""


def traceroute_argv(tool: str, p: TraceRouteParams) -> list[str]:
    """The argv for ``p``: numeric output, the host after ``--``, then the packet length."""
    argv = [tool, "-n", "-q", str(p.tries), "-w", f"{p.timeout_ms / 1000:g}"]
    argv += ["-m", str(p.max_hops)]
    if p.dscp:
        argv += ["-t", str(p.dscp << 2)]
    if p.interface:
        argv += ["-i", p.interface]
    return [*argv, *family_flag(p.protocol_version), "--", p.host, str(p.data_block_size)]


def _hop(rest: str) -> RouteHop:
    tokens = rest.split()
    address = ""
    error = 0
    rtts: list[int] = []
    for i, tok in enumerate(tokens):
        if tok == "ms" and i and _is_number(tokens[i - 1]):
            rtts.append(max(0, round(float(tokens[i - 1]))))
        elif tok.startswith("!"):
            error = _ANNOTATIONS.get(tok, int(tok[1:]) if tok[1:].isdigit() else 0)
        elif not address and is_ip(tok):
            address = tok
    return RouteHop(address, address, error, tuple(rtts))


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def parse_traceroute(out: ToolOutput) -> TraceRouteResult:
    """Results from traceroute's output; the route must end at the target's address."""
    header = _HEADER.search(out.stdout)
    if header is None:
        text = out.stdout + out.stderr
        resolve = "Name or service not known" in text or "unknown host" in text.lower()
        return TraceRouteResult(CANNOT_RESOLVE if resolve else OTHER)
    target = header.group(1)
    hops = []
    for line in out.stdout.splitlines()[1:]:
        m = _HOP.match(line)
        if m:
            hops.append(_hop(m.group(2)))
    reached = bool(hops) and hops[-1].host_address == target
    last = hops[-1].rtts_ms if hops else ()
    return TraceRouteResult(
        COMPLETE if reached else MAX_HOPS_EXCEEDED,
        tuple(hops),
        round(sum(last) / len(last)) if last else 0,
    )


async def run_traceroute(reactor: IReactorProcess, params: TraceRouteParams) -> TraceRouteResult:
    """Run one TraceRoute test; a failed test is a result state, never an exception.

    ``reactor`` spawns the tool and times it out: IReactorProcess and IReactorTime."""
    if not safe_host(params.host) or never_resolves(params.host):
        return TraceRouteResult(CANNOT_RESOLVE)
    try:
        tool = find_tool("traceroute")
    except ToolMissing:
        return TraceRouteResult(INTERNAL)
    budget = params.max_hops * params.tries * params.timeout_ms / 1000 + 5
    try:
        out = await run_tool(reactor, traceroute_argv(tool, params), budget)
    except ToolTimeout:
        return TraceRouteResult(OTHER)
    except ToolMissing:
        return TraceRouteResult(INTERNAL)
    return parse_traceroute(out)
