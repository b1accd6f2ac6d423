"""TransferSettings: everything the transfer queue is built from, in one frozen value.

Its collaborators (the reactor, the event queue, the device's hooks and file handlers)
and its limits (queue size, spool quota, HTTP limits, restart attempts, apply timeout).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cwmpd.cwmp.structs import EventStruct
from cwmpd.http.tls import TlsPolicy
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir
from cwmpd.transfers.handlers import FileHandler, UploadSource
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.record import Transfer

Progress = Callable[[int, int], None]  # (bytes so far, total or 0)


class Events(Protocol):
    """What the transfers need of cwmpd.session.events.EventQueue."""

    def add(self, code: str, command_key: str = "") -> bool:
        """Queue event ``code`` for the next Inform."""

    def response_delivered(self, method: str, command_key: str = "") -> bool:
        """The ACS acknowledged ``method``: drop the events it delivers."""

    def queued(self) -> list[EventStruct]:
        """The events waiting for delivery."""


class FileClient(Protocol):
    """What a transfer needs of cwmpd.transfers.http.FileServerClient."""

    async def get(
        self, url: str, dest: Path, *, expected: int, space: int, progress: Progress | None = None
    ) -> int:
        """GET ``url`` into ``dest``; the byte count (TransferError on failure)."""

    async def put(self, url: str, source: Path, content_type: str) -> int:
        """PUT ``source`` to ``url``; the HTTP status (TransferError on failure)."""

    def close(self) -> Awaitable[None]:
        """Close the client's connections."""


@dataclass(frozen=True)
class TransferSettings:
    """What a TransferManager is made of."""

    reactor: AgentReactor
    state_dir: Path
    events: Events
    request_session: Callable[[], None]  # ask the scheduler for a session soon
    reboot: Callable[[], None]  # reboot the device (the agent exits)
    boot_id: Callable[[], str]  # the device's current boot id
    handlers: Mapping[str, FileHandler]  # per Download FileType
    uploads: Mapping[str, UploadSource] = field(default_factory=dict)  # per Upload FileType
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    spool_dir: Path | None = None  # None: StateDir(state_dir).spool
    spool_quota: int | None = None  # bytes; None: only the free space limits the spool
    capacity: int = 16  # transfers the queue holds
    limits: HttpLimits = field(default_factory=HttpLimits)
    allow_basic_over_http: bool = False
    max_attempts: int = 3  # starts of an interrupted fetch before it fails
    apply_timeout: float = 900.0  # seconds a self-rebooting apply may take to reboot
    #: The file-server client of one transfer; None: cwmpd.transfers.http.FileServerClient.
    client: Callable[[Transfer], FileClient] | None = None

    @property
    def paths(self) -> StateDir:
        """The state folder's file names."""
        return StateDir(Path(self.state_dir))

    @property
    def spool(self) -> Path:
        """Where downloaded files wait to be applied."""
        return Path(self.spool_dir) if self.spool_dir else self.paths.spool
