"""The diagnostics tests as USP commands: inputs over the object's defaults, the outcome as
output arguments (rows numbered), unusable inputs refused before a test starts."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.diagnostics.objects import Kind, Outcome
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.diagnostics.usp import command_name, runner, usp_commands
from cwmpd.reactors import AgentReactor
from support.fakes import stand_in

SEEN: list[dict[str, str]] = []


async def _trace(reactor: AgentReactor, params: Mapping[str, str]) -> Outcome:
    SEEN.append(dict(params))
    rows = ({"Host": "a", "RTTimes": "1"}, {"Host": "b", "RTTimes": "2"})
    return Outcome("Complete", {"ResponseTime": "3", "NotAResult": "x"}, rows)


KIND = Kind(
    "Device.IP.Diagnostics.TraceRoute.",
    {"Host": "", "MaxHopCount": "30"},
    {"ResponseTime": "0"},
    _trace,
    lambda p: None if p["Host"] else "Host must be set",
    table="RouteHops.",
    row_fields=("Host", "RTTimes"),
)


def test_every_tr181_object_is_a_command() -> None:
    commands = usp_commands(Diagnostics(stand_in(Clock()), "Device."), stand_in(Clock()))
    assert sorted(commands) == [
        "Device.DNS.Diagnostics.NSLookupDiagnostics()",
        "Device.IP.Diagnostics.DownloadDiagnostics()",
        "Device.IP.Diagnostics.IPPing()",
        "Device.IP.Diagnostics.TraceRoute()",
        "Device.IP.Diagnostics.UploadDiagnostics()",
    ]
    assert command_name(KIND.prefix) == "Device.IP.Diagnostics.TraceRoute()"


@pytest_twisted.ensureDeferred
async def test_outputs_are_status_results_and_numbered_rows() -> None:
    SEEN.clear()
    out = await runner(KIND, stand_in(Clock()))({"Host": "example"})
    assert SEEN == [{"Host": "example", "MaxHopCount": "30"}]
    assert out == {
        "Status": "Complete",
        "ResponseTime": "3",
        "RouteHops.1.Host": "a",
        "RouteHops.1.RTTimes": "1",
        "RouteHops.2.Host": "b",
        "RouteHops.2.RTTimes": "2",
    }


def test_unusable_inputs_raise_before_the_test() -> None:
    SEEN.clear()
    start = runner(KIND, stand_in(Clock()))
    with pytest.raises(ValueError, match="Host must be set"):
        start({})
    with pytest.raises(ValueError, match="takes no Bogus"):
        start({"Host": "h", "Bogus": "1"})
    assert SEEN == []
