"""Builds the agent's transfer side from the config (handlers, queue, autonomous reports) and
attaches it to the session side: the dispatcher, the engine's request sources, the runner's hooks.

The session side is described by Protocols here: transfers does not import its peer session."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from cwmpd.config import Config
from cwmpd.cwmp import messages
from cwmpd.http.tls import TlsPolicy
from cwmpd.plugin.api import DeviceHooks
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir
from cwmpd.transfers.autonomous import AutonomousTransfers, policy_allows
from cwmpd.transfers.handlers import (
    ConfigRestore,
    FileHandler,
    ModelSnapshot,
    StoreFile,
    device_firmware,
)
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.settings import Events, TransferSettings


class RpcTable(Protocol):
    """Where the transfer RPCs go (cwmpd.session.dispatch.Dispatcher)."""

    def register(self, name: str, handler: Callable[[Any], Awaitable[messages.Message]]) -> None:
        """Answer the ACS's ``name`` requests with ``handler``."""


class RequestSource(Protocol):
    """One source of CPE requests (cwmpd.session.engine.CpeRequestSource)."""

    def session_started(self) -> None:
        """A session begins."""

    def pending_requests(self) -> list[messages.Message]:
        """The requests to send now."""

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """The ACS answered ``request``."""


class RequestSources(Protocol):
    """Who sends the CPE's own requests (cwmpd.session.engine.SessionEngine)."""

    def add_request_source(self, source: RequestSource) -> None:
        """Send ``source``'s requests in each session, after InformResponse."""


class SessionHooks(Protocol):
    """What runs around each session (cwmpd.session.runner.SessionRunner)."""

    before: list[Callable[[], None]]
    after: list[Callable[[], None]]


def start_transfers(
    reactor: AgentReactor,
    config: Config,
    *,
    state_dir: Path,
    events: Events,
    device: DeviceHooks,
    model: Any,
    request_session: Callable[[], None],
    reboot: Callable[[], None],
    dispatcher: RpcTable,
    engine: RequestSources,
    runner: SessionHooks,
) -> tuple[TransferManager, AutonomousTransfers]:
    """``build_transfers``, attached to the session side and started: the transfer RPCs
    registered, the TransferCompletes and AutonomousTransferCompletes sent by the engine, the
    queue held during each session, and resumed before the scheduler starts (completions
    go into the first Inform)."""
    manager, autonomous = build_transfers(
        reactor,
        config,
        state_dir=state_dir,
        events=events,
        device=device,
        model=model,
        request_session=request_session,
        reboot=reboot,
    )
    manager.register(dispatcher)
    engine.add_request_source(manager.request_source)
    engine.add_request_source(autonomous)
    runner.before.append(manager.before_session)
    runner.after.append(manager.after_session)
    manager.start()
    return manager, autonomous


def build_transfers(
    reactor: AgentReactor,
    config: Config,
    *,
    state_dir: Path,
    events: Events,
    device: DeviceHooks,
    model: Any,
    request_session: Callable[[], None],
    reboot: Callable[[], None],
) -> tuple[TransferManager, AutonomousTransfers]:
    """The transfer manager (Download, Upload, ScheduleDownload and the queued-transfer RPCs)
    and the AutonomousTransferComplete reporter, filtered by the data model's policy."""
    handlers: dict[str, FileHandler] = {
        "2 Web Content": StoreFile(StateDir(state_dir).web_content),
        "3 Vendor Configuration File": ConfigRestore(model),
    }
    firmware = device_firmware(device, model)
    if firmware is not None:
        handlers["1 Firmware Upgrade Image"] = firmware
    if device.file_handlers is not None:  # a plugin may add or replace file types
        handlers.update(device.file_handlers(model))
    cfg = config.transfers
    settings = TransferSettings(
        reactor=reactor,
        state_dir=state_dir,
        events=events,
        request_session=request_session,
        reboot=reboot,
        boot_id=device.boot_id,
        handlers=handlers,
        uploads={"1 Vendor Configuration File": ModelSnapshot(model)},
        tls=TlsPolicy.from_config(config.acs),
        spool_dir=Path(cfg.spool_dir) if cfg.spool_dir else None,
        spool_quota=cfg.spool_quota or None,
        capacity=cfg.queue_size,
        allow_basic_over_http=cfg.allow_basic_over_http,
    )
    manager = TransferManager(settings)
    policy = sys.intern(f"{model.root}ManagementServer.AutonomousTransferCompletePolicy.")

    def allowed(message: messages.AutonomousTransferComplete) -> bool:
        def value(name: str) -> str:
            try:
                return str(model.value(policy + name))
            except KeyError:
                return ""

        return policy_allows(value, message)

    autonomous = AutonomousTransfers(
        StateDir(state_dir).autonomous, events, request_session, policy=allowed
    )
    return manager, autonomous
