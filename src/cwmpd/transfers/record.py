"""One queued transfer as persisted in transfers.json: its State, its Kind, its fields.

States, in order: queued -> fetching -> fetched -> applying -> awaiting-boot -> complete
(TransferComplete pending) -> removed once TransferCompleteResponse arrives. Uploads go
queued -> uploading -> complete. Which outcome leads from one to the next is
cwmpd.transfers.lifecycle; every step is persisted before it is acted upon.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from cwmpd.cwmp.eventcodes import M_DOWNLOAD, M_SCHEDULE_DOWNLOAD, M_UPLOAD

UNKNOWN_TIME: Final = "0001-01-01T00:00:00Z"


class State(StrEnum):
    """Where a transfer is; the values are what transfers.json holds."""

    QUEUED = "queued"
    FETCHING = "fetching"
    FETCHED = "fetched"
    APPLYING = "applying"
    AWAITING_BOOT = "awaiting-boot"
    UPLOADING = "uploading"
    COMPLETE = "complete"


class Kind(StrEnum):
    """The RPC that queued a transfer; the values are what transfers.json holds."""

    DOWNLOAD = "Download"
    UPLOAD = "Upload"
    SCHEDULE_DOWNLOAD = "ScheduleDownload"


#: The "M <method>" event each kind's TransferComplete delivers.
M_EVENTS: Final = {
    Kind.DOWNLOAD: M_DOWNLOAD,
    Kind.UPLOAD: M_UPLOAD,
    Kind.SCHEDULE_DOWNLOAD: M_SCHEDULE_DOWNLOAD,
}


@dataclass(frozen=True)
class Window:
    """A ScheduleDownload time window in absolute clock seconds."""

    start: float
    end: float
    mode: str
    max_retries: int = -1


@dataclass(frozen=True)
class Transfer:
    """A transfer the ACS asked for, as persisted in transfers.json."""

    id: int
    kind: Kind
    command_key: str
    file_type: str
    url: str
    username: str = ""
    password: str = ""
    file_size: int = 0
    target_file_name: str = ""
    not_before: float = 0.0  # clock seconds: DelaySeconds after receipt, or a window start
    windows: tuple[Window, ...] = ()
    state: State = State.QUEUED
    attempts: int = 0
    start_time: str = UNKNOWN_TIME
    complete_time: str = UNKNOWN_TIME
    fault_code: int = 0
    fault_string: str = ""
    prior_version: str = ""
    expected_version: str = ""
    boot_id: str = ""  # device boot id when the image was applied
    self_reboot: bool = False  # the handler reboots the device itself (e.g. sysupgrade)
    events_queued: bool = False  # "7 TRANSFER COMPLETE" + "M <kind>" are in the event queue
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_download(self) -> bool:
        """True for Download and ScheduleDownload."""
        return self.kind != Kind.UPLOAD

    @property
    def event_code(self) -> str:
        """The "M ..." event of the RPC that queued this transfer."""
        return M_EVENTS[self.kind]

    @property
    def queue_state(self) -> int:
        """GetAllQueuedTransfers State: 1 not yet started, 2 in progress, 3 completed."""
        if self.state == State.QUEUED:
            return 1
        return 3 if self.state == State.COMPLETE else 2

    def with_changes(self, **changes: Any) -> Transfer:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (State and Kind are written as their plain string values)."""
        data = dataclasses.asdict(self)
        data["kind"], data["state"] = str(self.kind), str(self.state)
        data["windows"] = [dataclasses.asdict(w) for w in self.windows]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Transfer:
        """Rebuild from to_json() output; ValueError when it is not one."""
        if not isinstance(data, dict):
            raise ValueError(f"not a transfer record: {data!r}")
        try:
            fields = {f.name for f in dataclasses.fields(cls)}
            values = {k: v for k, v in data.items() if k in fields}
            values["windows"] = tuple(Window(**w) for w in values.get("windows", ()))
            state, kind = values.get("state", State.QUEUED), values.get("kind", "")
            try:
                values["state"], values["kind"] = State(state), Kind(kind)
            except ValueError:
                raise ValueError(f"bad transfer state or kind: {state!r} {kind!r}") from None
            return cls(**values)
        except TypeError as exc:
            raise ValueError(f"bad transfer record: {exc}") from exc
