"""The TR-181 and TR-098 diagnostics objects: names, defaults, checks and runner adapters.

Plain tables of names; the runners do the work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cwmpd.diagnostics.hosts import is_ip
from cwmpd.diagnostics.nslookup import NSLookupParams
from cwmpd.diagnostics.objects import Kind, Outcome
from cwmpd.reactors import AgentReactor

if TYPE_CHECKING:
    from cwmpd.diagnostics.http_test import HttpTestResult

# The runners (ping, traceroute, nslookup, the HTTP test and its web client) are imported
# when a test runs: most devices never run one, and the agent starts without them.

#: Runner states a TR-098 object does not know, and what it reports instead.
_TR098_STATES = {
    "ping": {"Error_NoRouteToHost": "Error_Other"},
    "trace": {
        "Error_Other": "Error_MaxHopCountExceeded",
        "Error_Internal": "Error_MaxHopCountExceeded",
        "Error_NoRouteToHost": "Error_MaxHopCountExceeded",
    },
    "download": {
        "Complete": "Completed",
        "Error_CannotResolveHostName": "Error_InitConnectionFailed",
        "Error_Other": "Error_TransferFailed",
        "Error_Internal": "Error_TransferFailed",
    },
    "upload": {
        "Complete": "Completed",
        "Error_CannotResolveHostName": "Error_InitConnectionFailed",
        "Error_Timeout": "Error_NoTransferComplete",
        "Error_Other": "Error_NoTransferComplete",
        "Error_Internal": "Error_NoTransferComplete",
    },
}


def _need_host(params: Mapping[str, str]) -> str | None:
    return None if params.get("Host") else "Host must be set before the test is requested"


def _ping(tr098: bool, interval: float) -> Any:
    async def run(reactor: AgentReactor, p: Mapping[str, str]) -> Outcome:
        from cwmpd.diagnostics.ping import PingParams, run_ping  # lazy: see the top

        r = await run_ping(
            reactor,
            PingParams(
                host=p["Host"],
                repetitions=int(p["NumberOfRepetitions"]),
                timeout_ms=int(p["Timeout"]),
                data_block_size=int(p["DataBlockSize"]),
                dscp=int(p["DSCP"]),
                protocol_version=p.get("ProtocolVersion", "Any"),
                interval=interval,
            ),
        )
        values = {
            "SuccessCount": str(r.success_count),
            "FailureCount": str(r.failure_count),
            "AverageResponseTime": str(r.average_ms),
            "MinimumResponseTime": str(r.minimum_ms),
            "MaximumResponseTime": str(r.maximum_ms),
        }
        if not tr098:
            values |= {
                "IPAddressUsed": r.ip_address_used,
                "AverageResponseTimeDetailed": str(r.average_us),
                "MinimumResponseTimeDetailed": str(r.minimum_us),
                "MaximumResponseTimeDetailed": str(r.maximum_us),
            }
        return Outcome(_TR098_STATES["ping"].get(r.state, r.state) if tr098 else r.state, values)

    return run


def _trace(tr098: bool) -> Any:
    async def run(reactor: AgentReactor, p: Mapping[str, str]) -> Outcome:
        from cwmpd.diagnostics.traceroute import TraceRouteParams, run_traceroute  # lazy

        r = await run_traceroute(
            reactor,
            TraceRouteParams(
                host=p["Host"],
                tries=int(p["NumberOfTries"]),
                timeout_ms=int(p["Timeout"]),
                data_block_size=int(p["DataBlockSize"]),
                dscp=int(p["DSCP"]),
                max_hops=int(p["MaxHopCount"]),
                protocol_version=p.get("ProtocolVersion", "Any"),
            ),
        )
        pre = "Hop" if tr098 else ""
        rows = [
            {
                pre + "Host": h.host,
                pre + "HostAddress": h.host_address,
                pre + "ErrorCode": str(h.error_code),
                pre + "RTTimes": ",".join(map(str, h.rtts_ms))[: 16 if tr098 else None],
            }
            for h in r.hops
        ]
        values = {"ResponseTime": str(r.response_time_ms)}
        if not tr098:
            values["IPAddressUsed"] = r.ip_address_used
        state = _TR098_STATES["trace"].get(r.state, r.state) if tr098 else r.state
        return Outcome(state, values, rows)

    return run


def _http_values(r: HttpTestResult, upload: bool, tr098: bool) -> dict[str, str]:
    values = {
        "ROMTime": r.rom_time,
        "BOMTime": r.bom_time,
        "EOMTime": r.eom_time,
        "TCPOpenRequestTime": r.tcp_open_request_time,
        "TCPOpenResponseTime": r.tcp_open_response_time,
        "TotalBytesSent": str(r.total_bytes_sent),
    }
    if not (tr098 and upload):
        values["TotalBytesReceived"] = str(r.total_bytes_received)
    values["TestBytesSent" if upload else "TestBytesReceived"] = str(r.test_bytes)
    if tr098:
        values.pop("TestBytesSent", None)
        if not upload:
            values.pop("TotalBytesSent")
    return values


def _http(upload: bool, tr098: bool) -> Any:
    url_name = "UploadURL" if upload else "DownloadURL"

    async def run(reactor: AgentReactor, p: Mapping[str, str]) -> Outcome:
        length = int(p["TestFileLength"]) if upload else None
        from cwmpd.diagnostics.http_test import run_http_test  # lazy: see the top

        r = await run_http_test(reactor, p[url_name], upload_length=length)
        table = _TR098_STATES["upload" if upload else "download"]
        state = table.get(r.state, r.state) if tr098 else r.state
        return Outcome(state, _http_values(r, upload, tr098))

    return run


def _check_url(name: str) -> Any:
    def check(p: Mapping[str, str]) -> str | None:
        from cwmpd.diagnostics.http_test import check_url  # lazy: only when one is asked for

        return None if check_url(p.get(name, "")) else f"{name} must be an http:// URL"

    return check


def _nslookup(dns_port: int | Callable[[], int]) -> Any:
    async def run(reactor: AgentReactor, p: Mapping[str, str]) -> Outcome:
        port = dns_port() if callable(dns_port) else dns_port
        from cwmpd.diagnostics.dnsquery import run_nslookup  # lazy: twisted.names

        r = await run_nslookup(
            reactor,
            NSLookupParams(
                p["HostName"],
                p["DNSServer"],
                port,
                int(p["Timeout"]) or 2000,
                max(1, int(p["NumberOfRepetitions"])),
            ),
        )
        rows = [
            {
                "Status": a.status,
                "AnswerType": a.answer_type,
                "HostNameReturned": a.host_name_returned,
                "IPAddresses": ",".join(a.ip_addresses),
                "DNSServerIP": a.dns_server_ip,
                "ResponseTime": str(a.response_time_ms),
            }
            for a in r.results
        ]
        return Outcome(r.state, {"SuccessCount": str(r.success_count)}, rows)

    return run


def _check_nslookup(p: Mapping[str, str]) -> str | None:
    if not p.get("HostName"):
        return "HostName must be set before the test is requested"
    server = p.get("DNSServer", "")
    return None if not server or is_ip(server) else "DNSServer must be an IP address"


_PING_PARAMS = {"Interface": "", "Host": "", "NumberOfRepetitions": "3", "Timeout": "1000"}
_PING_PARAMS |= {"DataBlockSize": "56", "DSCP": "0"}
_PING_RESULTS = dict.fromkeys(
    ("SuccessCount", "FailureCount", "AverageResponseTime", "MinimumResponseTime"), "0"
) | {"MaximumResponseTime": "0"}
_TRACE_PARAMS = {"Interface": "", "Host": "", "NumberOfTries": "3", "Timeout": "5000"}
_TRACE_PARAMS |= {"DataBlockSize": "38", "DSCP": "0", "MaxHopCount": "30"}
_TIMES = ("ROMTime", "BOMTime", "EOMTime", "TCPOpenRequestTime", "TCPOpenResponseTime")
_UNKNOWN = "0001-01-01T00:00:00Z"
_RESULT_FIELDS = (
    "Status",
    "AnswerType",
    "HostNameReturned",
    "IPAddresses",
    "DNSServerIP",
    "ResponseTime",
)
_HTTP_PARAMS = {"Interface": "", "DSCP": "0", "EthernetPriority": "0"}


def tr181_kinds(
    *, ping_interval: float = 1.0, dns_port: int | Callable[[], int] = 53
) -> list[Kind]:
    """The TR-181 diagnostics objects (Device.IP.Diagnostics.*, Device.DNS.Diagnostics.*).

    ``dns_port`` is the port NSLookup queries on DNSServer, or a callable read at each run.
    """
    ip = "Device.IP.Diagnostics."
    detailed = dict.fromkeys((f"{n}Detailed" for n in ("Average", "Minimum", "Maximum")), "0")
    detailed = {k.replace("Detailed", "ResponseTimeDetailed"): v for k, v in detailed.items()}
    http_results = dict.fromkeys(_TIMES, _UNKNOWN) | {"IPAddressUsed": ""}
    http_results |= dict.fromkeys(("TotalBytesReceived", "TotalBytesSent"), "0")
    return [
        Kind(
            ip + "IPPing.",
            _PING_PARAMS | {"ProtocolVersion": "Any"},
            _PING_RESULTS | detailed | {"IPAddressUsed": ""},
            _ping(False, ping_interval),
            _need_host,
        ),
        Kind(
            ip + "TraceRoute.",
            _TRACE_PARAMS | {"ProtocolVersion": "Any"},
            {"ResponseTime": "0", "IPAddressUsed": ""},
            _trace(False),
            _need_host,
            table="RouteHops.",
            row_fields=("Host", "HostAddress", "ErrorCode", "RTTimes"),
        ),
        Kind(
            ip + "DownloadDiagnostics.",
            _HTTP_PARAMS | {"DownloadURL": "", "ProtocolVersion": "Any"},
            http_results | {"TestBytesReceived": "0"},
            _http(False, False),
            _check_url("DownloadURL"),
        ),
        Kind(
            ip + "UploadDiagnostics.",
            _HTTP_PARAMS | {"UploadURL": "", "TestFileLength": "0", "ProtocolVersion": "Any"},
            http_results | {"TestBytesSent": "0"},
            _http(True, False),
            _check_url("UploadURL"),
        ),
        Kind(
            "Device.DNS.Diagnostics.NSLookupDiagnostics.",
            {"Interface": "", "HostName": "", "DNSServer": "", "Timeout": "2000"}
            | {"NumberOfRepetitions": "1"},
            {"SuccessCount": "0"},
            _nslookup(dns_port),
            _check_nslookup,
            table="Result.",
            row_fields=_RESULT_FIELDS,
        ),
    ]


def tr098_kinds(*, ping_interval: float = 1.0) -> list[Kind]:
    """The TR-098 diagnostics objects (InternetGatewayDevice.*Diagnostics)."""
    igd = "InternetGatewayDevice."
    times = dict.fromkeys(_TIMES, _UNKNOWN)
    return [
        Kind(
            igd + "IPPingDiagnostics.",
            _PING_PARAMS,
            _PING_RESULTS,
            _ping(True, ping_interval),
            _need_host,
            internal_error="Error_Internal",
        ),
        Kind(
            igd + "TraceRouteDiagnostics.",
            _TRACE_PARAMS,
            {"ResponseTime": "0"},
            _trace(True),
            _need_host,
            table="RouteHops.",
            row_fields=("HopHost", "HopHostAddress", "HopErrorCode", "HopRTTimes"),
            internal_error="Error_MaxHopCountExceeded",
        ),
        Kind(
            igd + "DownloadDiagnostics.",
            _HTTP_PARAMS | {"DownloadURL": ""},
            times | {"TestBytesReceived": "0", "TotalBytesReceived": "0"},
            _http(False, True),
            _check_url("DownloadURL"),
            internal_error="Error_TransferFailed",
        ),
        Kind(
            igd + "UploadDiagnostics.",
            _HTTP_PARAMS | {"UploadURL": "", "TestFileLength": "0"},
            times | {"TotalBytesSent": "0"},
            _http(True, True),
            _check_url("UploadURL"),
            internal_error="Error_NoTransferComplete",
        ),
    ]
