"""What cwmpctl can ask the running agent: status, get, set, inform, notify, dump-model,
transfers, reload.

Hand-written: these are cwmpd's own operator commands over its data model and scheduler;
the wire side (a LineReceiver on a UNIX socket) is in cwmpd.control.socket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from cwmpd.config import ConfigError
from cwmpd.cwmp import messages, types
from cwmpd.cwmp.eventcodes import PERIODIC, POLICIES, VALUE_CHANGE
from cwmpd.cwmp.faults import CwmpFault, fault_string
from cwmpd.cwmp.structs import (
    EventStruct,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
)

SUBSCRIBER = "Subscriber"
#: The events ``cwmpctl inform`` may add: ones whose meaning holds whoever asks (README).
LOCAL_EVENTS = (PERIODIC,)


class ControlError(Exception):
    """A command that cannot be done, said in one line for the operator."""


class ControlledModel(Protocol):
    """The parts of cwmpd.datamodel.model.DataModel the control commands use."""

    @property
    def root(self) -> str:
        """ "Device." or "InternetGatewayDevice."."""
        ...

    async def get_parameter_values(self, names: Sequence[str]) -> list[ParameterValueStruct]:
        """GPV."""
        ...

    async def get_parameter_names(self, path: str, next_level: bool) -> list[ParameterInfoStruct]:
        """GPN."""
        ...

    async def get_parameter_attributes(
        self, names: Sequence[str]
    ) -> list[ParameterAttributeStruct]:
        """GPA."""
        ...

    def value(self, name: str) -> str:
        """Sync read of an agent-stored value."""
        ...

    async def apply_local(self, params: Sequence[ParameterValueStruct]) -> int:
        """A validated, atomic non-ACS write of any parameters."""
        ...

    def set_local(self, values: Mapping[str, str]) -> None:
        """Agent-internal (non-ACS) write of store parameters."""
        ...

    def report_changes(self, values: Mapping[str, str]) -> None:
        """These values changed on the device (non-ACS)."""
        ...


class ControlledScheduler(Protocol):
    """The parts of cwmpd.session.scheduler.SessionScheduler the commands use."""

    @property
    def retry_count(self) -> int:
        """Failed sessions in a row."""
        ...

    @property
    def last_session(self) -> float | None:
        """When the last session ended (reactor seconds)."""
        ...

    @property
    def next_session_at(self) -> float | None:
        """When the next session is due (reactor seconds)."""
        ...

    def request(self, code: str | None = None, command_key: str = "") -> None:
        """Queue an event and have a session start promptly."""
        ...


class ControlledEvents(Protocol):
    """The parts of cwmpd.session.events.EventQueue the commands use."""

    def queued(self) -> list[EventStruct]:
        """Events waiting for an Inform."""
        ...


class ControlledAgent(Protocol):
    """What the control commands need of the agent (CwmpAgent or a test fake)."""

    @property
    def model(self) -> ControlledModel:
        """The data model."""
        ...

    @property
    def scheduler(self) -> ControlledScheduler:
        """The session scheduler."""
        ...

    @property
    def events(self) -> ControlledEvents:
        """The persisted event queue."""
        ...


def _when(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _param(p: ParameterValueStruct) -> dict[str, str]:
    return {"name": p.name, "value": p.value, "type": p.type}


def _fault_text(fault: CwmpFault) -> str:
    if fault.set_faults:
        return "; ".join(f"{f.name}: {f.code} {fault_string(f.code)}" for f in fault.set_faults)
    return f"{fault.code} {fault.string or fault_string(fault.code)}"


class ControlCommands:
    """The commands, each ``async (args) -> JSON-able result``; errors are ControlError."""

    def __init__(self, agent: ControlledAgent) -> None:
        self._agent = agent
        self._table: dict[str, Callable[[Sequence[str]], Awaitable[Any]]] = {
            "status": self.status,
            "get": self.get,
            "set": self.set,
            "inform": self.inform,
            "notify": self.notify,
            "dump-model": self.dump_model,
            "reload": self.reload,
            "transfers": self.transfers,
            "transfer-complete": self.transfer_complete,
        }

    @property
    def names(self) -> list[str]:
        """The command names."""
        return sorted(self._table)

    async def run(self, command: str, args: Sequence[str]) -> Any:
        """Run one command; CWMP faults become ControlErrors with the fault's text."""
        handler = self._table.get(command)
        if handler is None:
            raise ControlError(f"unknown command {command!r} (known: {', '.join(self.names)})")
        try:
            return await handler(args)
        except CwmpFault as fault:
            raise ControlError(_fault_text(fault)) from fault

    @staticmethod
    def _arity(args: Sequence[str], usage: str, lo: int, hi: int) -> None:
        if not lo <= len(args) <= hi:
            raise ControlError(f"usage: {usage}")

    async def status(self, args: Sequence[str]) -> dict[str, Any]:
        """ACS URL, last and next session, retry count, pending events."""
        self._arity(args, "status", 0, 0)
        agent = self._agent
        model, sched = agent.model, agent.scheduler
        try:
            url = model.value(f"{model.root}ManagementServer.URL")
        except KeyError:
            url = ""
        return {
            "acs_url": url,
            "last_session": _when(sched.last_session),
            "next_session": _when(sched.next_session_at),
            "retry_count": sched.retry_count,
            "pending_events": [
                {"code": e.code, "command_key": e.command_key} for e in agent.events.queued()
            ],
        }

    async def get(self, args: Sequence[str]) -> list[dict[str, str]]:
        """Values of a parameter or of everything under an object path."""
        self._arity(args, "get PATH", 1, 1)
        return [_param(p) for p in await self._agent.model.get_parameter_values([args[0]])]

    async def set(self, args: Sequence[str]) -> dict[str, str]:
        """A local (non-ACS) write, allowed when the AccessList grants "Subscriber"."""
        self._arity(args, "set PATH VALUE", 2, 2)
        name, text = args
        model = self._agent.model
        if name.endswith("."):
            raise ControlError(f"{name} is an object; set takes a parameter")
        attrs = await model.get_parameter_attributes([name])
        if not attrs or SUBSCRIBER not in attrs[0].access_list:
            raise ControlError(
                f"{name}: AccessList does not grant {SUBSCRIBER!r}; only the ACS may write it"
            )
        (info,) = await model.get_parameter_names(name, False)
        if not info.writable:
            raise ControlError(f"{name} is read-only")
        (current,) = await model.get_parameter_values([name])
        # Validated and atomic like an SPV, through whichever backend holds the parameter;
        # a non-ACS change, so a notified parameter is reported (and ParameterKey kept).
        await model.apply_local([ParameterValueStruct(name, text, current.type)])
        (after,) = await model.get_parameter_values([name])
        return {"name": name, "value": after.value, "type": after.type}

    async def inform(self, args: Sequence[str]) -> dict[str, str | None]:
        """Ask for a session now; it carries "2 PERIODIC" (the only event a local user may add).

        Every other event code claims something the agent did not see happen (a boot, a
        bootstrap, a finished transfer, a Connection Request from the ACS...) and would make
        the ACS act on it, so it is refused; value changes go through ``notify PATH``.
        """
        self._arity(args, "inform [EVENT]", 0, 1)
        code = args[0] if args else PERIODIC
        if code not in LOCAL_EVENTS:
            hint = "; use 'cwmpctl notify PATH' for a value change" if code == VALUE_CHANGE else ""
            allowed = ", ".join(repr(c) for c in LOCAL_EVENTS)
            known = code in POLICIES or code.startswith(("M ", "X "))
            what = "event" if known else "unknown event"
            raise ControlError(
                f"{what} {code!r} cannot be sent from here: only {allowed} may be asked for "
                f"locally, the agent adds the others itself{hint}"
            )
        self._agent.scheduler.request(code)
        return {"requested": code}

    async def notify(self, args: Sequence[str]) -> list[dict[str, str]]:
        """Report the current value of PATH as changed on the device (a non-ACS change)."""
        self._arity(args, "notify PATH", 1, 1)
        params = await self._agent.model.get_parameter_values([args[0]])
        self._agent.model.report_changes({p.name: p.value for p in params})
        return [_param(p) for p in params]

    async def dump_model(self, args: Sequence[str]) -> list[dict[str, str]]:
        """Every parameter of the data model with its value and type."""
        self._arity(args, "dump-model", 0, 0)
        model = self._agent.model
        return [_param(p) for p in await model.get_parameter_values([model.root])]

    async def transfers(self, args: Sequence[str]) -> list[dict[str, Any]]:
        """The transfer queue: what the ACS asked for and where each transfer stands."""
        self._arity(args, "transfers", 0, 0)
        manager = getattr(self._agent, "transfers", None)
        if manager is None:
            raise ControlError("this agent has no transfer queue")
        return [
            {
                "command_key": t.command_key,
                "kind": t.kind,
                "file_type": t.file_type,
                "state": t.state,
                "queue_state": t.queue_state,
                "fault_code": t.fault_code,
                "start_time": t.start_time,
                "complete_time": t.complete_time,
            }
            for t in manager.store
        ]

    async def transfer_complete(self, args: Sequence[str]) -> dict[str, bool]:
        """Report a transfer the device made by itself (AutonomousTransferComplete, P-36)."""
        usage = "transfer-complete download|upload URL FILE_TYPE SIZE TARGET FAULT TEXT START END"
        self._arity(args, usage, 9, 9)
        direction, url, file_type, size, target, fault, text, start, end = args
        autonomous = getattr(self._agent, "autonomous", None)
        if autonomous is None:
            raise ControlError("this agent cannot report autonomous transfers")
        if direction not in ("download", "upload"):
            raise ControlError("direction must be download or upload")
        if urlsplit(url).scheme not in ("http", "https", "ftp", "file") or len(url) > 1024:
            raise ControlError(f"not a transfer URL: {url!r}")
        if not file_type or len(file_type) > 64 or len(target) > 256 or len(text) > 256:
            raise ControlError("FILE_TYPE (64), TARGET (256) or TEXT (256) too long or empty")
        try:
            size_n, fault_n = int(size), int(fault)
            times = [types.canonical("dateTime", t) if t else "" for t in (start, end)]
        except ValueError as exc:
            raise ControlError(f"bad number or time: {exc}") from exc
        if size_n < 0 or not (fault_n == 0 or 9001 <= fault_n <= 9899):
            raise ControlError("SIZE must be >= 0 and FAULT 0 or 9001..9899")
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        message = messages.AutonomousTransferComplete(
            announce_url="", transfer_url=url, is_download=direction == "download",
            file_type=file_type, file_size=size_n, target_file_name=target,
            fault_code=fault_n, fault_string=text if fault_n else "",
            start_time=times[0] or types.UNKNOWN_TIME, complete_time=times[1] or now,
        )  # fmt: skip
        return {"reported": bool(autonomous.report(message))}

    async def reload(self, args: Sequence[str]) -> dict[str, bool]:
        """Have the agent re-read its configuration (when it supports reloading)."""
        self._arity(args, "reload", 0, 0)
        reload: Callable[[], object] | None = getattr(self._agent, "reload", None)
        if reload is None:
            raise ControlError("this agent does not support reload; restart it instead")
        try:
            result = reload()
            if isinstance(result, Awaitable):
                await result
        except ConfigError as exc:  # the agent runs on as it was: say why in one line
            raise ControlError(str(exc)) from exc
        return {"reloaded": True}
