"""The session side of one agent run, assembled: events, scheduler, life, engine, runner.

``assemble`` builds them on a loaded model in the order the agent's start needs: the event
queue and the scheduler, the agent's life (which detects the boot, queueing its events), the
dispatcher and the engine, the runner; then the scheduler is configured from the model and
the life and the runner follow its changes. Nothing is started here (cwmpd.service does that).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet.defer import Deferred

from cwmpd.config import AcsConfig
from cwmpd.datamodel.budget import ResponseLimits
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.api import DeviceHooks
from cwmpd.reactors import AgentReactor
from cwmpd.session.boot import AgentLife, AgentState, configure_scheduler
from cwmpd.session.dispatch import Dispatcher
from cwmpd.session.engine import Exchange, HttpClient, SessionEngine
from cwmpd.session.events import EventQueue
from cwmpd.session.runner import SessionRunner
from cwmpd.session.scheduler import SessionScheduler
from cwmpd.statedir import StateDir


@dataclass(frozen=True)
class SessionSide:
    """The session parts of one agent run."""

    events: EventQueue
    scheduler: SessionScheduler
    life: AgentLife
    dispatcher: Dispatcher
    engine: SessionEngine
    runner: SessionRunner


def assemble(
    model: DataModel,
    device: DeviceHooks,
    files: StateDir,
    reactor: AgentReactor,
    rng: random.Random,
    acs: AcsConfig,
    *,
    run_session: Callable[[int], Deferred[bool]],
    http_factory: Callable[[], HttpClient],
    on_exit: Callable[[], None],
    rebooted: Callable[[], None],
    on_exchange: Exchange | None = None,
) -> SessionSide:
    """The session parts for ``model``; ``run_session`` is what the scheduler calls (the
    agent's, which runs the runner), ``http_factory`` makes each session's ACS client."""
    events = EventQueue(files.events)
    scheduler = SessionScheduler(
        reactor, rng, run_session, events, run_heartbeat=lambda: runner.run_heartbeat()
    )
    life = AgentLife(
        model,
        device,
        events,
        AgentState(files.agent),
        reactor,
        scheduler,
        on_exit=on_exit,
        rebooted=rebooted,
    )
    life.detect_boot()
    dispatcher = Dispatcher(
        model,
        add_event=life.add_event,
        schedule_inform=scheduler.schedule_inform,
        limits=ResponseLimits(acs.max_response, acs.max_response_values),
    )
    engine = SessionEngine(
        model=model,
        events=events,
        dispatcher=dispatcher,
        http_factory=http_factory,
        clock=reactor,
        max_body=acs.max_body,
        on_exchange=lambda direction, message: runner.exchanged(direction, message),
    )
    runner = SessionRunner(
        engine, model, dispatcher, events, scheduler, life, on_exchange=on_exchange
    )
    configure_scheduler(scheduler, model)
    model.subscribe(life.on_change)
    model.on_value_change(runner.value_changed)
    return SessionSide(events, scheduler, life, dispatcher, engine, runner)
