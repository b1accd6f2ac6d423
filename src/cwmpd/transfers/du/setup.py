"""Builds the ChangeDUState side from the config and the device's execution environments and
attaches it to the session side (dispatcher, the engine's request sources, the runner's hooks).

``software_objects(root, handlers, state_dir)`` is what build_model declares (the tables);
``start_software`` then runs ChangeDUState over the same inventory.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cwmpd.config import Config
from cwmpd.http.tls import TlsPolicy
from cwmpd.plugin.api import ExecEnvHandler
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir
from cwmpd.transfers.du.inventory import Inventory
from cwmpd.transfers.du.manager import DUManager
from cwmpd.transfers.du.objects import SoftwareObjects
from cwmpd.transfers.du.settings import DUSettings
from cwmpd.transfers.settings import Events
from cwmpd.transfers.setup import RequestSources, RpcTable, SessionHooks


def software_objects(
    root: str, handlers: Sequence[ExecEnvHandler], state_dir: Path
) -> SoftwareObjects:
    """Device.SoftwareModules.* over ``handlers`` (ExecEnv.1, ExecEnv.2 ...)."""
    return SoftwareObjects(Inventory(root, handlers, StateDir(Path(state_dir)).software))


def start_software(
    reactor: AgentReactor,
    config: Config,
    objects: SoftwareObjects,
    *,
    state_dir: Path,
    events: Events,
    model: Any,
    request_session: Callable[[], None],
    dispatcher: RpcTable,
    engine: RequestSources,
    runner: SessionHooks,
) -> DUManager:
    """ChangeDUState registered, its completions sent by the engine, held during sessions,
    and resumed (before the scheduler starts: completions go into the first Inform)."""
    inventory = objects.inventory
    inventory.changed = model.instances_changed
    policy = sys.intern(f"{model.root}ManagementServer.DUStateChangeComplPolicy.")

    def value(name: str) -> str:
        try:
            return str(model.value(policy + name))
        except KeyError:
            return ""

    files = StateDir(Path(state_dir))
    cfg = config.transfers
    manager = DUManager(
        DUSettings(
            reactor=reactor,
            inventory=inventory,
            jobs_path=files.du_jobs,
            autonomous_path=files.du_autonomous,
            spool=Path(cfg.spool_dir) if cfg.spool_dir else files.spool,
            events=events,
            request_session=request_session,
            policy=value,
            tls=TlsPolicy.from_config(config.acs),
            capacity=cfg.queue_size,
            allow_basic_over_http=cfg.allow_basic_over_http,
        )
    )
    manager.register(dispatcher)
    engine.add_request_source(manager)
    engine.add_request_source(manager.autonomous)
    runner.before.append(manager.before_session)
    runner.after.append(manager.after_session)
    manager.start()
    return manager
