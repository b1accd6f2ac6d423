"""IPPing through iputils ``ping`` (argv, LC_ALL=C), its output parsed into TR-181 results.

Raw ICMP sockets need privileges the daemon may not have; the system tool has them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorProcess

from cwmpd.diagnostics.hosts import family_flag, never_resolves, safe_host
from cwmpd.diagnostics.process import ToolMissing, ToolOutput, ToolTimeout, find_tool, run_tool

COMPLETE = "Complete"
CANNOT_RESOLVE = "Error_CannotResolveHostName"
NO_ROUTE = "Error_NoRouteToHost"
INTERNAL = "Error_Internal"
OTHER = "Error_Other"

_HEADER = re.compile(r"^PING [^\s(]+ ?\(([0-9A-Fa-f.:%]+)\)", re.M)
_REPLY = re.compile(r"icmp_seq=(\d+)\b.*?\btime[=<]([0-9]+(?:\.[0-9]+)?) ms(?!.*DUP!)")
_RESOLVE_ERRORS = (
    "Name or service not known",
    "unknown host",
    "Temporary failure in name resolution",
    "No address associated",
    "nodename nor servname",
)


@dataclass(frozen=True)
class PingParams:
    """Validated IPPing test parameters (Timeout in milliseconds, as TR-181 has it)."""

    host: str
    repetitions: int = 3
    timeout_ms: int = 1000
    data_block_size: int = 56
    dscp: int = 0
    interface: str = ""
    protocol_version: str = "Any"
    interval: float = 1.0


@dataclass(frozen=True)
class PingResult:
    """IPPing results; times in ms (rounded up) and µs (the Detailed variants)."""

    state: str
    ip_address_used: str = ""
    success_count: int = 0
    failure_count: int = 0
    average_us: int = 0
    minimum_us: int = 0
    maximum_us: int = 0

    @property
    def average_ms(self) -> int:
        """AverageResponseTime in milliseconds."""
        return _ms(self.average_us)

    @property
    def minimum_ms(self) -> int:
        """MinimumResponseTime in milliseconds."""
        return _ms(self.minimum_us)

    @property
    def maximum_ms(self) -> int:
        """MaximumResponseTime in milliseconds."""
        return _ms(self.maximum_us)


def _ms(us: int) -> int:
    return math.ceil(us / 1000)


def ping_argv(tool: str, p: PingParams) -> list[str]:
    """The argv for ``p``: every ACS value is its own element, the host after ``--``."""
    argv = [tool, "-n", "-c", str(p.repetitions), "-W", f"{p.timeout_ms / 1000:.3f}"]
    argv += ["-i", f"{p.interval:g}", "-s", str(p.data_block_size)]
    if p.dscp:
        argv += ["-Q", str(p.dscp << 2)]
    if p.interface:
        argv += ["-I", p.interface]
    return [*argv, *family_flag(p.protocol_version), "--", p.host]


def parse_ping(out: ToolOutput, repetitions: int) -> PingResult:
    """Results from ping's output (replies counted per sequence number, DUPs ignored)."""
    header = _HEADER.search(out.stdout)
    if header is None:
        text = out.stdout + out.stderr
        if any(e in text for e in _RESOLVE_ERRORS):
            return PingResult(CANNOT_RESOLVE)
        if "unreachable" in text.lower():
            return PingResult(NO_ROUTE)
        return PingResult(OTHER)
    times: dict[int, int] = {}
    for seq, ms in _REPLY.findall(out.stdout):
        times.setdefault(int(seq), round(float(ms) * 1000))
    values = list(times.values())
    ok = len(values)
    return PingResult(
        COMPLETE,
        ip_address_used=header.group(1),
        success_count=ok,
        failure_count=max(0, repetitions - ok),
        average_us=round(sum(values) / ok) if ok else 0,
        minimum_us=min(values, default=0),
        maximum_us=max(values, default=0),
    )


async def run_ping(reactor: IReactorProcess, params: PingParams) -> PingResult:
    """Run one IPPing test; never raises for a test failure (it is the result's state).

    ``reactor`` spawns the tool and times it out: IReactorProcess and IReactorTime."""
    if not safe_host(params.host) or never_resolves(params.host):
        return PingResult(CANNOT_RESOLVE)
    try:
        tool = find_tool("ping")
    except ToolMissing:
        return PingResult(INTERNAL)
    budget = params.repetitions * (params.interval + params.timeout_ms / 1000) + 5
    try:
        out = await run_tool(reactor, ping_argv(tool, params), budget)
    except ToolTimeout:
        return PingResult(OTHER)
    except ToolMissing:
        return PingResult(INTERNAL)
    return parse_ping(out, params.repetitions)
