"""NSLookupDiagnostics' parameters and results (TR-181 Result.{i}); the lookups are dnsquery's.

Kept apart from dnsquery so that declaring the object does not load twisted.names.
"""

from __future__ import annotations

from dataclasses import dataclass

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
