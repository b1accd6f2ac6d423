"""TransferQueue: the persisted transfers and the acts every part of the queue shares.

Each step is ``advance(transfer, outcome)``: the next record (cwmpd.transfers.lifecycle)
is persisted first, then acted upon; a completed transfer's spooled file is removed, its
"7 TRANSFER COMPLETE" and "M <kind>" events are queued (idempotently: safe to repeat after
a crash) and a session is asked for. The rest is what the runner, the start-up recovery
and the RPCs need: the clock, the spool, the file-server client, the device's hooks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cwmpd.cwmp.eventcodes import TRANSFER_COMPLETE
from cwmpd.cwmp.structs import EventStruct
from cwmpd.transfers.handlers import FileHandler, UploadSource
from cwmpd.transfers.lifecycle import Completed, EventsQueued, Outcome, next_transfer
from cwmpd.transfers.record import State, Transfer
from cwmpd.transfers.store import TransferStore

if TYPE_CHECKING:
    from cwmpd.reactors import AgentReactor
    from cwmpd.transfers.settings import FileClient, TransferSettings


class TransferQueue:
    """The store of one TransferManager and what acting on a transfer needs."""

    def __init__(self, settings: TransferSettings) -> None:
        self.settings = settings
        self.reactor: AgentReactor = settings.reactor
        self.store = TransferStore(settings.paths.transfers, settings.capacity)
        self.events = settings.events
        self.handlers: Mapping[str, FileHandler] = dict(settings.handlers)
        self.uploads: Mapping[str, UploadSource] = dict(settings.uploads)
        self.spool_dir = settings.spool

    # -- time and space ----------------------------------------------------------------

    def now(self) -> float:
        """Clock seconds."""
        return float(self.reactor.seconds())

    def spool_path(self, transfer: Transfer) -> Path:
        """Where the file of ``transfer`` is spooled."""
        return self.spool_dir / f"transfer-{transfer.id}"

    def free_space(self) -> int:
        """Bytes the spool may still take: free space, capped by the quota if configured."""
        self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.statvfs(self.spool_dir)
        free = st.f_bavail * st.f_frsize
        quota = self.settings.spool_quota
        if quota is not None:
            used = sum(p.stat().st_size for p in self.spool_dir.iterdir() if p.is_file())
            free = min(free, max(quota - used, 0))
        return free

    def client(self, t: Transfer) -> FileClient:
        """A client for the file server of ``t``."""
        if self.settings.client is not None:
            return self.settings.client(t)
        # lazy: the HTTP client is loaded by the first transfer, not by every start-up.
        from cwmpd.transfers.http import FileServerClient

        return FileServerClient(
            self.reactor,
            self.settings.tls,
            t.username,
            t.password,
            limits=self.settings.limits,
            allow_basic_over_http=self.settings.allow_basic_over_http,
        )

    # -- the device --------------------------------------------------------------------

    def boot_id(self) -> str:
        """The device's current boot id."""
        return self.settings.boot_id()

    def awaiting_boot(self) -> bool:
        """A firmware apply waits for the device to reboot on this boot: nothing else starts."""
        boot = self.boot_id()
        return any(t.state == State.AWAITING_BOOT and t.boot_id == boot for t in self.store)

    def reboot(self) -> None:
        """Ask the agent to reboot the device (soon, outside the caller's stack)."""
        self.reactor.callLater(0, self.settings.reboot)

    def arm_apply_timeout(self, transfer_id: int) -> None:
        """Fail a self-rebooting apply that has not rebooted the device in time (9010)."""

        def expire() -> None:
            t = self.store.get(transfer_id)
            if t is not None and t.state == State.AWAITING_BOOT:
                self.complete(t, 9010, "the device did not reboot into the new image")

        self.reactor.callLater(self.settings.apply_timeout, expire)

    # -- steps -------------------------------------------------------------------------

    def advance(self, t: Transfer, outcome: Outcome) -> Transfer:
        """Persist the record ``outcome`` leads ``t`` to, then act on it; that record."""
        after = self.store.put(next_transfer(t, outcome))
        if isinstance(outcome, Completed):
            self.spool_path(after).unlink(missing_ok=True)
            after = self.queue_events(after)
            self.settings.request_session()
        return after

    def complete(self, t: Transfer, code: int = 0, reason: str = "") -> Transfer:
        """The outcome of ``t``: persisted, its events queued, a session asked for."""
        return self.advance(t, Completed(self.now(), code, reason))

    def queue_events(self, t: Transfer) -> Transfer:
        """Idempotently queue the completion events of ``t`` (safe to repeat after a crash)."""
        queued = self.events.queued()
        if EventStruct(t.event_code, t.command_key) not in queued:
            self.events.add(t.event_code, t.command_key)
            self.events.add(TRANSFER_COMPLETE)
        elif all(e.code != TRANSFER_COMPLETE for e in queued):
            self.events.add(TRANSFER_COMPLETE)
        return self.store.put(next_transfer(t, EventsQueued()))
