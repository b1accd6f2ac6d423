"""One queued transfer and its persisted state machine (P-24..P-34); plain TR-069 bookkeeping.

States, in order: queued -> fetching -> fetched -> applying -> awaiting-boot -> complete
(TransferComplete pending) -> removed once TransferCompleteResponse arrives. Uploads go
queued -> uploading -> complete. Every step is persisted before it is acted upon.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Final

UNKNOWN_TIME: Final = "0001-01-01T00:00:00Z"

QUEUED: Final = "queued"
FETCHING: Final = "fetching"
FETCHED: Final = "fetched"
APPLYING: Final = "applying"
AWAITING_BOOT: Final = "awaiting-boot"
UPLOADING: Final = "uploading"
COMPLETE: Final = "complete"
STATES: Final = (QUEUED, FETCHING, FETCHED, APPLYING, AWAITING_BOOT, UPLOADING, COMPLETE)

DOWNLOAD: Final = "Download"
UPLOAD: Final = "Upload"
SCHEDULE_DOWNLOAD: Final = "ScheduleDownload"
KINDS: Final = (DOWNLOAD, UPLOAD, SCHEDULE_DOWNLOAD)


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
    kind: str  # DOWNLOAD, UPLOAD or SCHEDULE_DOWNLOAD: its event is "M <kind>"
    command_key: str
    file_type: str
    url: str
    username: str = ""
    password: str = ""
    file_size: int = 0
    target_file_name: str = ""
    not_before: float = 0.0  # clock seconds: DelaySeconds after receipt, or a window start
    windows: tuple[Window, ...] = ()
    state: str = QUEUED
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
        return self.kind != UPLOAD

    @property
    def event_code(self) -> str:
        """The "M ..." event of the RPC that queued this transfer."""
        return f"M {self.kind}"

    @property
    def queue_state(self) -> int:
        """GetAllQueuedTransfers State: 1 not yet started, 2 in progress, 3 completed."""
        if self.state == QUEUED:
            return 1
        return 3 if self.state == COMPLETE else 2

    def but(self, **changes: Any) -> Transfer:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = dataclasses.asdict(self)
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
            record = cls(**values)
        except TypeError as exc:
            raise ValueError(f"bad transfer record: {exc}") from exc
        if record.state not in STATES or record.kind not in KINDS:
            raise ValueError(f"bad transfer state or kind: {record.state!r} {record.kind!r}")
        return record
