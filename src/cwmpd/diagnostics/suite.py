"""Register the diagnostics objects with a device plugin's declarations (no logic here)."""

from __future__ import annotations

from collections.abc import Callable

from cwmpd.cwmp.eventcodes import DIAGNOSTICS_COMPLETE
from cwmpd.datamodel.bindings import Declarations
from cwmpd.diagnostics.kinds import tr098_kinds, tr181_kinds
from cwmpd.diagnostics.objects import DiagnosticObject, Kind
from cwmpd.diagnostics.udpecho import UdpEchoConfig
from cwmpd.reactors import AgentReactor

_UDP_ECHO = {
    "Device.": "Device.IP.Diagnostics.UDPEchoConfig.",
    "InternetGatewayDevice.": "InternetGatewayDevice.UDPEchoConfig.",
}


class Diagnostics:
    """The diagnostics objects of one device; ``declare`` binds them into a plugin's model.

    ``on_complete()`` is called when a test finishes (not when cancelled), ``on_rows_changed()``
    when a results table (RouteHops, Result) gained or lost rows; ``attach`` wires both.
    ``dns_port`` (53) is the port NSLookupDiagnostics queries on its DNSServer; it may be
    changed while running (tests use a loopback server).
    ``udp_echo`` is the UDPEchoConfig server (Device.IP.Diagnostics. or the TR-098 object).
    """

    def __init__(
        self,
        reactor: AgentReactor,
        root: str,
        *,
        ping_interval: float = 1.0,
        dns_port: int = 53,
    ) -> None:
        self.dns_port = dns_port
        kinds: list[Kind] = (
            tr181_kinds(ping_interval=ping_interval, dns_port=lambda: self.dns_port)
            if root == "Device."
            else tr098_kinds(ping_interval=ping_interval)
        )
        self.on_complete: Callable[[], None] = lambda: None
        self.on_rows_changed: Callable[[], None] = lambda: None
        self.objects = {
            k.prefix: DiagnosticObject(k, reactor, self._complete, self._rows) for k in kinds
        }
        self.udp_echo = UdpEchoConfig(reactor, _UDP_ECHO[root])

    def attach(
        self, request_session: Callable[[str], None], instances_changed: Callable[[], None]
    ) -> None:
        """A finished test asks a "8 DIAGNOSTICS COMPLETE" session (``scheduler.request``);
        a results table's rows changing invalidates the model's instance cache."""
        self.on_complete = lambda: request_session(DIAGNOSTICS_COMPLETE)
        self.on_rows_changed = instances_changed

    def _complete(self) -> None:
        self.on_complete()

    def _rows(self) -> None:
        self.on_rows_changed()

    def declare(self, decl: Declarations) -> None:
        """Bind every diagnostics parameter and results table to its object."""
        for obj in self.objects.values():
            kind = obj.kind
            for name in kind.names():
                decl.bind(name, obj)
            if kind.table:
                decl.table(f"{kind.prefix}{kind.table}{{i}}.", obj)
        for name in self.udp_echo.names():
            decl.bind(name, self.udp_echo)

    def stop(self) -> None:
        """Stop every running test and the UDP echo server (daemon shutdown)."""
        for obj in self.objects.values():
            obj.cancel()
        self.udp_echo.stop()  # the socket closes on the next reactor turn
