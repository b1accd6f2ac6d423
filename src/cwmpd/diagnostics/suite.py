"""The diagnostics of one device as one backend: its objects built on first use (no logic here).

A device declares every diagnostics parameter, but most devices never read or run a test:
``declare`` binds every name to the ``Diagnostics`` itself, which builds its objects
(``DiagnosticObject`` per kind, the UDPEchoConfig server) the first time one is read or
written and routes each call to the object that serves the name. A fleet of thousands of
devices thus holds one small object per device until the ACS touches its diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.cwmp.eventcodes import DIAGNOSTICS_COMPLETE
from cwmpd.datamodel.bindings import Declarations
from cwmpd.diagnostics.kinds import tr098_kinds, tr181_kinds
from cwmpd.diagnostics.objects import DiagnosticObject, Kind
from cwmpd.diagnostics.udpecho import UdpEchoConfig, echo_names
from cwmpd.reactors import AgentReactor

_UDP_ECHO = {
    "Device.": "Device.IP.Diagnostics.UDPEchoConfig.",
    "InternetGatewayDevice.": "InternetGatewayDevice.UDPEchoConfig.",
}

#: Per root: each kind's prefix, parameter names and generic results table ("" if none).
_Layout = tuple[tuple[str, tuple[str, ...], str], ...]
_layouts: dict[str, _Layout] = {}


def _kinds(root: str, ping_interval: float, dns_port: Callable[[], int]) -> list[Kind]:
    if root == "Device.":
        return tr181_kinds(ping_interval=ping_interval, dns_port=dns_port)
    return tr098_kinds(ping_interval=ping_interval)


def _layout(root: str) -> _Layout:
    """What ``declare`` binds for ``root``, computed once for every device."""
    known = _layouts.get(root)
    if known is None:
        kinds = _kinds(root, 1.0, lambda: 53)
        known = tuple(
            (k.prefix, tuple(k.names()), f"{k.prefix}{k.table}{{i}}." if k.table else "")
            for k in kinds
        )
        echo = _UDP_ECHO[root]
        known += ((echo, tuple(echo_names(echo)), ""),)
        _layouts[root] = known
    return known


def _nothing() -> None:
    """The default completion and rows-changed callbacks."""


class Diagnostics:
    """The diagnostics objects of one device; ``declare`` binds them into a plugin's model.

    ``on_complete()`` is called when a test finishes (not when cancelled), ``on_rows_changed()``
    when a results table (RouteHops, Result) gained or lost rows; ``attach`` wires both.
    ``dns_port`` (53) is the port NSLookupDiagnostics queries on its DNSServer; it may be
    changed while running (tests use a loopback server).
    ``objects`` (by prefix) and ``udp_echo`` (the UDPEchoConfig server, Device.IP.Diagnostics.
    or the TR-098 object) are built on first use.
    """

    __slots__ = (
        "_echo",
        "_objects",
        "_reactor",
        "dns_port",
        "on_complete",
        "on_rows_changed",
        "ping_interval",
        "root",
    )

    def __init__(
        self,
        reactor: AgentReactor,
        root: str,
        *,
        ping_interval: float = 1.0,
        dns_port: int = 53,
    ) -> None:
        self._reactor = reactor
        self.root = root
        self.ping_interval = ping_interval
        self.dns_port = dns_port
        self.on_complete: Callable[[], None] = _nothing
        self.on_rows_changed: Callable[[], None] = _nothing
        self._objects: dict[str, DiagnosticObject] | None = None
        self._echo: UdpEchoConfig | None = None

    @property
    def built(self) -> bool:
        """True once a diagnostics parameter was read or written (the objects exist)."""
        return self._objects is not None or self._echo is not None

    @property
    def objects(self) -> dict[str, DiagnosticObject]:
        """The diagnostics objects by prefix ("Device.IP.Diagnostics.IPPing."), built now
        if this is their first use."""
        if self._objects is None:
            kinds = _kinds(self.root, self.ping_interval, self._dns_port)
            self._objects = {
                k.prefix: DiagnosticObject(k, self._reactor, self._complete, self._rows)
                for k in kinds
            }
        return self._objects

    @property
    def udp_echo(self) -> UdpEchoConfig:
        """The UDPEchoConfig server, built now if this is its first use."""
        if self._echo is None:
            self._echo = UdpEchoConfig(self._reactor, _UDP_ECHO[self.root])
        return self._echo

    def _dns_port(self) -> int:
        return self.dns_port

    def attach(
        self, request_session: Callable[[str], None], instances_changed: Callable[[], None]
    ) -> None:
        """A finished test asks a "8 DIAGNOSTICS COMPLETE" session (``scheduler.request``);
        a results table's rows changing invalidates the model's instance cache."""
        self.on_complete = partial(request_session, DIAGNOSTICS_COMPLETE)
        self.on_rows_changed = instances_changed

    def _complete(self) -> None:
        self.on_complete()

    def _rows(self) -> None:
        self.on_rows_changed()

    def declare(self, decl: Declarations) -> None:
        """Bind every diagnostics parameter and results table to this device's diagnostics."""
        for _, names, table in _layout(self.root):
            for name in names:
                decl.bind(name, self)
            if table:
                decl.table(table, self)

    def stop(self) -> None:
        """Stop every running test and the UDP echo server (daemon shutdown)."""
        if self._objects is not None:
            for obj in self._objects.values():
                obj.cancel()
        if self._echo is not None:
            self._echo.stop()  # the socket closes on the next reactor turn

    # -- the backend: each call goes to the objects that serve the names ------------

    def _of(self, name: str) -> DiagnosticObject | UdpEchoConfig:
        """The object that serves concrete ``name`` (or table, instance)."""
        for prefix, _, _ in _layout(self.root):
            if name.startswith(prefix):
                return self.udp_echo if prefix == _UDP_ECHO[self.root] else self.objects[prefix]
        raise BackendError(f"no diagnostics object serves {name}")

    def _grouped(
        self, names: Sequence[str] | Mapping[str, str]
    ) -> dict[DiagnosticObject | UdpEchoConfig, list[str]]:
        groups: dict[DiagnosticObject | UdpEchoConfig, list[str]] = {}
        for name in names:
            groups.setdefault(self._of(name), []).append(name)
        return groups

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Current values, each from its object."""
        out: dict[str, str] = {}
        for obj, mine in self._grouped(names).items():
            out.update(await obj.get_many(mine))
        return out

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage the changes of each object; one refusing drops the ones staged before it."""
        begun: list[Transaction] = []
        try:
            for obj, mine in self._grouped(changes).items():
                begun.append(await obj.begin({n: changes[n] for n in mine}))
        except BaseException:
            await _Together(begun).abort()
            raise
        return _Together(begun)

    async def list_instances(self, table: str) -> Sequence[int]:
        """Rows of a results table (1..n); none before a first test (objects not built)."""
        if self._objects is None:
            if not any(t and table == t[: -len("{i}.")] for _, _, t in _layout(self.root)):
                raise unsupported_table(table)
            return []
        return await self._of(table).list_instances(table)

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """Result rows are created by the tests only."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """Result rows are deleted by the next run only."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Start the tests requested in the session that just ended."""
        if self._objects is not None:
            for obj in self._objects.values():
                await obj.apply_after_session()


class _Together:
    """The staged writes of several diagnostics objects in one SetParameterValues."""

    def __init__(self, parts: Sequence[Transaction]) -> None:
        self._parts = list(parts)

    async def commit(self) -> bool:
        """Commit each; True when a test waits for the end of the session."""
        later = False
        for part in self._parts:
            later = await part.commit() or later
        return later

    async def abort(self) -> None:
        """Undo each, last first."""
        for part in reversed(self._parts):
            await part.abort()
