"""ControlCommands (what cwmpctl asks the agent) against a small recording fake agent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest
import pytest_twisted

from cwmpd.control.commands import ControlCommands, ControlError
from cwmpd.cwmp import types
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.cwmp.structs import (
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
)

ROOT = "Device."
URL = "Device.ManagementServer.URL"
CODE = "Device.DeviceInfo.ProvisioningCode"
INTERVAL = "Device.ManagementServer.PeriodicInformInterval"


@dataclass
class FakeModel:
    """A data model of three parameters that records local writes and reported changes."""

    root: str = ROOT
    values: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            URL: ("http://acs.example/", "xsd:string"),
            CODE: ("", "xsd:string"),
            INTERVAL: ("3600", "xsd:unsignedInt"),
        }
    )
    access: dict[str, tuple[str, ...]] = field(default_factory=dict)
    read_only: set[str] = field(default_factory=set)
    local_writes: list[dict[str, str]] = field(default_factory=list)
    reported: list[dict[str, str]] = field(default_factory=list)

    async def get_parameter_values(self, names: Sequence[str]) -> list[ParameterValueStruct]:
        """GPV over the dict; 9005 for unknown names."""
        out = []
        for name in names:
            hits = [
                n for n in self.values if n == name or (name.endswith(".") and n.startswith(name))
            ]
            if not hits:
                raise CwmpFault(9005, f"{name} is unknown")
            out += [ParameterValueStruct(n, *self.values[n]) for n in hits]
        return out

    async def get_parameter_names(self, path: str, next_level: bool) -> list[ParameterInfoStruct]:
        """GPN of one parameter."""
        return [ParameterInfoStruct(path, path not in self.read_only)]

    async def get_parameter_attributes(
        self, names: Sequence[str]
    ) -> list[ParameterAttributeStruct]:
        """GPA with the configured access lists."""
        return [ParameterAttributeStruct(n, 0, self.access.get(n, ())) for n in names]

    def value(self, name: str) -> str:
        """The stored value."""
        return self.values[name][0]

    async def apply_local(self, params: Sequence[ParameterValueStruct]) -> int:
        """Like the model: a bad value is a 9003 fault with 9007 per parameter; else a write."""
        changes = {}
        for p in params:
            try:
                changes[p.name] = types.canonical(p.type.removeprefix("xsd:"), p.value)
            except ValueError:
                raise CwmpFault(9003, set_faults=(SetParameterValuesFault(p.name, 9007),)) from None
        self.set_local(changes)
        return 0

    def set_local(self, values: Mapping[str, str]) -> None:
        """Record and apply a local write."""
        self.local_writes.append(dict(values))
        for k, v in values.items():
            self.values[k] = (v, self.values[k][1])

    def report_changes(self, values: Mapping[str, str]) -> None:
        """Record a reported change."""
        self.reported.append(dict(values))


@dataclass
class FakeScheduler:
    """Records session requests."""

    retry_count: int = 2
    last_session: float | None = 0.0
    next_session_at: float | None = 60.0
    requests: list[str | None] = field(default_factory=list)

    def request(self, code: str | None = None, command_key: str = "") -> None:
        """Record the request."""
        self.requests.append(code)


@dataclass
class FakeEvents:
    """A fixed queue."""

    events: list[EventStruct] = field(default_factory=lambda: [EventStruct("1 BOOT")])

    def queued(self) -> list[EventStruct]:
        """The queue."""
        return list(self.events)


@dataclass
class FakeAgent:
    """The three parts the commands use."""

    model: FakeModel = field(default_factory=FakeModel)
    scheduler: FakeScheduler = field(default_factory=FakeScheduler)
    events: FakeEvents = field(default_factory=FakeEvents)


@pytest_twisted.ensureDeferred
async def test_status_reports_url_sessions_retries_and_events() -> None:
    """status carries the ACS URL, ISO session times, the retry count and queued events."""
    result = await ControlCommands(FakeAgent()).run("status", [])
    assert result == {
        "acs_url": "http://acs.example/",
        "last_session": "1970-01-01T00:00:00+00:00",
        "next_session": "1970-01-01T00:01:00+00:00",
        "retry_count": 2,
        "pending_events": [{"code": "1 BOOT", "command_key": ""}],
    }


@pytest_twisted.ensureDeferred
async def test_get_unknown_path_is_a_clear_error() -> None:
    """A CWMP fault from the model becomes a one-line ControlError with the fault code."""
    with pytest.raises(ControlError, match="9005"):
        await ControlCommands(FakeAgent()).run("get", ["Device.Nope"])


@pytest_twisted.ensureDeferred
async def test_set_refused_without_subscriber_access() -> None:
    """With an empty AccessList only the ACS may write: nothing is written locally."""
    agent = FakeAgent()
    with pytest.raises(ControlError, match="Subscriber"):
        await ControlCommands(agent).run("set", [CODE, "x"])
    assert agent.model.local_writes == []


@pytest_twisted.ensureDeferred
async def test_set_with_subscriber_access_writes_canonical_value_locally() -> None:
    """Subscriber access: the value is checked by type, canonicalised and written as local."""
    agent = FakeAgent()
    agent.model.access[INTERVAL] = ("Subscriber",)
    result = await ControlCommands(agent).run("set", [INTERVAL, "0120"])
    assert result["value"] == "120"
    assert agent.model.local_writes == [{INTERVAL: "120"}]


@pytest_twisted.ensureDeferred
async def test_set_rejects_bad_type_and_read_only() -> None:
    """A non-number for unsignedInt and a read-only parameter are refused without writing."""
    agent = FakeAgent()
    agent.model.access[INTERVAL] = agent.model.access[URL] = ("Subscriber",)
    agent.model.read_only.add(URL)
    commands = ControlCommands(agent)
    with pytest.raises(ControlError, match=f"{INTERVAL}: 9007"):
        await commands.run("set", [INTERVAL, "-1"])
    with pytest.raises(ControlError, match="read-only"):
        await commands.run("set", [URL, "http://evil/"])
    assert agent.model.local_writes == []


@pytest_twisted.ensureDeferred
async def test_inform_requests_a_session_and_checks_the_event() -> None:
    """inform with none or "2 PERIODIC" asks for a periodic session; an unknown code is refused."""
    agent = FakeAgent()
    commands = ControlCommands(agent)
    await commands.run("inform", [])
    await commands.run("inform", ["2 PERIODIC"])
    with pytest.raises(ControlError, match="unknown event"):
        await commands.run("inform", ["9 NOT AN EVENT"])
    assert agent.scheduler.requests == ["2 PERIODIC", "2 PERIODIC"]


@pytest.mark.parametrize(
    "code",
    ["0 BOOTSTRAP", "1 BOOT", "3 SCHEDULED", "4 VALUE CHANGE", "6 CONNECTION REQUEST",
     "7 TRANSFER COMPLETE", "8 DIAGNOSTICS COMPLETE", "10 AUTONOMOUS TRANSFER COMPLETE",
     "14 HEARTBEAT", "M Reboot", "M Download", "X 00D09E BOGUS"],
)  # fmt: skip
@pytest_twisted.ensureDeferred
async def test_inform_refuses_events_the_agent_cannot_back(code: str) -> None:
    """A local user may not claim a boot, a transfer, a Connection Request...: one-line refusal."""
    agent = FakeAgent()
    with pytest.raises(ControlError) as refused:
        await ControlCommands(agent).run("inform", [code])
    assert "\n" not in str(refused.value) and code in str(refused.value)
    assert "only '2 PERIODIC'" in str(refused.value)
    assert agent.scheduler.requests == []


@pytest_twisted.ensureDeferred
async def test_notify_reports_current_values_as_changed() -> None:
    """notify PATH reports every value under PATH to the model as a device-side change."""
    agent = FakeAgent()
    await ControlCommands(agent).run("notify", ["Device.ManagementServer."])
    assert agent.model.reported == [{URL: "http://acs.example/", INTERVAL: "3600"}]


@pytest_twisted.ensureDeferred
async def test_unknown_command_bad_arity_and_missing_reload() -> None:
    """Unknown commands, wrong argument counts and an agent without reload are errors."""
    commands = ControlCommands(FakeAgent())
    with pytest.raises(ControlError, match="unknown command"):
        await commands.run("explode", [])
    with pytest.raises(ControlError, match="usage: get PATH"):
        await commands.run("get", [])
    with pytest.raises(ControlError, match="does not support reload"):
        await commands.run("reload", [])


@pytest_twisted.ensureDeferred
async def test_dump_model_lists_every_parameter() -> None:
    """dump-model returns name, value and type of every parameter under the root."""
    result = await ControlCommands(FakeAgent()).run("dump-model", [])
    assert {p["name"] for p in result} == {URL, CODE, INTERVAL}
