"""The diagnostics tests as USP asynchronous commands (``Device.IP.Diagnostics.IPPing()`` ...).

Each command runs its object's runner (the same one a CWMP DiagnosticsState=Requested
runs) on the command's input arguments over the object's defaults, without touching the
CWMP object's state or results: a USP test and a CWMP test do not see each other. The
outcome becomes the command's output arguments: ``Status``, the results, and the results
table's rows as ``RouteHops.1.Host`` ... (TR-181 2.15 USP commands). Unusable input
arguments (no Host) raise ValueError before the test starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from cwmpd.diagnostics.objects import Kind
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.reactors import AgentReactor

#: A started command: its input arguments in, its output arguments out.
Runner = Callable[[Mapping[str, str]], Awaitable[Mapping[str, str]]]


def command_name(prefix: str) -> str:
    """ "Device.IP.Diagnostics.IPPing." -> "Device.IP.Diagnostics.IPPing()"."""
    return prefix.removesuffix(".") + "()"


def outputs(
    kind: Kind, state: str, values: Mapping[str, str], rows: list[Mapping[str, str]]
) -> dict[str, str]:
    """A finished test as output arguments: Status, the results, the numbered rows."""
    out = {"Status": state, **{k: v for k, v in values.items() if k in kind.results}}
    for number, row in enumerate(rows, 1):
        out.update({f"{kind.table}{number}.{k}": v for k, v in row.items()})
    return out


def runner(kind: Kind, reactor: AgentReactor) -> Runner:
    """The USP command of diagnostics ``kind``."""

    def start(args: Mapping[str, str]) -> Awaitable[Mapping[str, str]]:
        unknown = sorted(set(args) - set(kind.params))
        if unknown:
            raise ValueError(f"{command_name(kind.prefix)} takes no {', '.join(unknown)}")
        params = {**kind.params, **args}
        reason = kind.check(params)
        if reason is not None:
            raise ValueError(reason)
        return run(params)

    async def run(params: Mapping[str, str]) -> Mapping[str, str]:
        outcome = await kind.run(reactor, params)
        return outputs(kind, outcome.state, outcome.values, list(outcome.rows))

    return start


def usp_commands(diagnostics: Diagnostics, reactor: AgentReactor) -> dict[str, Runner]:
    """Every diagnostics object of a Device. model as its USP command, by generic path."""
    return {
        command_name(prefix): runner(obj.kind, reactor)
        for prefix, obj in diagnostics.objects.items()
        if prefix.startswith("Device.")
    }
