"""A fleet run: devices started at the ramp, scenario steps, the stop, the JSON report."""

from __future__ import annotations

import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, DeferredList, DeferredSemaphore
from twisted.internet.interfaces import IListeningPort
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from cwmpd import __version__, state
from cwmpd.config import AcsConfig, Config, ConnectionRequestConfig, ControlConfig, DeviceConfig
from cwmpd.connreq.urls import udp_connection_request_address
from cwmpd.fleet.connreq import FleetConnectionRequests, device_path
from cwmpd.fleet.connreq_udp import FleetUdpConnectionRequests
from cwmpd.fleet.device import FleetAgent, FleetDevice
from cwmpd.fleet.gcpolicy import GcPolicy
from cwmpd.fleet.identity import Identity, device_rng, identities
from cwmpd.fleet.metrics import Metrics
from cwmpd.fleet.models import SharedModels
from cwmpd.fleet.options import FleetOptions
from cwmpd.fleet.report import Report
from cwmpd.fleet.scenarios import Scenarios
from cwmpd.reactors import AgentReactor

_log = Logger(namespace="cwmpd.fleet")
_BATCH_TICK = 0.05  # seconds between ramp batches


def periodic_interval(opts: FleetOptions, n: int) -> int:
    """Device n's PeriodicInformInterval: --periodic, spread by --jitter (seeded)."""
    if opts.periodic <= 0:
        return 0
    spread = device_rng(opts.seed, n, "periodic").uniform(-opts.jitter, opts.jitter)
    return max(1, round(opts.periodic * (1 + spread)))


class Fleet:
    """The devices of one process (one shard), the Connection Request listener, the metrics."""

    def __init__(
        self, opts: FleetOptions, reactor: AgentReactor, *, say: Callable[[str], None]
    ) -> None:
        self.opts = opts
        self.reactor = reactor
        self.say = say
        self.metrics = Metrics()
        #: Retry jitter of every device's scheduler: one seeded generator (2.5 KiB each).
        self.rng = random.Random(f"{opts.seed}/scheduler")  # noqa: S311 - seeded on purpose
        self.models = SharedModels()
        self.gc = GcPolicy()
        #: at most --max-sessions devices in a session at once (the others wait their turn)
        self.gate = DeferredSemaphore(opts.max_sessions) if opts.max_sessions > 0 else None
        self.devices: dict[str, FleetDevice] = {}
        self.identities: list[Identity] = list(
            identities(
                opts.devices,
                seed=opts.seed,
                prefix=opts.prefix,
                variants=opts.variants,
                shard=opts.shard,
            )
        )
        self.connreq: FleetConnectionRequests | None = None
        self.cr_base = ""
        self.udp: FleetUdpConnectionRequests | None = None
        self.udp_address = ""  # host:port of the UDP Connection Request socket
        self._udp_port: IListeningPort | None = None
        self.scenarios = Scenarios(reactor, self.devices, opts.seed)
        self.done: Deferred[None] = Deferred()
        self.started_at = 0.0
        self.cpu_at_start = 0.0
        self.all_started_at: float | None = None
        self.first_session_done_at: float | None = None
        self._pending = list(self.identities)
        self._scratch: Path | None = None
        self._lock: state.StateLock | None = None
        self._ramp: LoopingCall | None = None
        self._progress: LoopingCall | None = None
        self._stop_call: Any = None
        self._stopping = False
        self._first_sessions = 0
        self._states_at_stop: Counter[str] = Counter()
        self._acs = AcsConfig(
            url=opts.acs, username=opts.username, password=opts.password,
            periodic_inform_interval=0,
        )  # fmt: skip
        self._no_connreq = ConnectionRequestConfig(enable=False)
        self._no_control = ControlConfig(socket="")

    # -- start -------------------------------------------------------------------

    async def start(self) -> None:
        """Lock the state folder, listen for Connection Requests, start the ramp."""
        opts = self.opts
        if opts.state_dir:
            root = Path(opts.state_dir)
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock = state.StateLock(root)
        else:
            shm = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a private folder in it
            where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
            self._scratch = Path(tempfile.mkdtemp(prefix="cwmpd-fleet-", dir=where))
            state.set_durable(False)  # scratch state, deleted at the end: no fsync to wait for
        if opts.cr_port is not None:
            self.connreq = FleetConnectionRequests(self.reactor, self.devices, self.metrics)
            port = await self.connreq.listen(self.reactor, opts.cr_port, opts.cr_host)
            self.cr_base = f"http://{opts.cr_host}:{port}"
        if opts.cr_udp_port is not None:
            self.udp = FleetUdpConnectionRequests(
                self.reactor, self.metrics, persistent=bool(opts.state_dir)
            )
            self._udp_port = self.reactor.listenUDP(
                opts.cr_udp_port, self.udp, interface=opts.cr_host, maxPacketSize=8192
            )
            bound = cast(IPv4Address, self._udp_port.getHost())
            self.udp_address = udp_connection_request_address(opts.cr_host, bound.port)
            if self.connreq is not None:
                self.connreq.joins_burst = self.udp.joins_burst
        self.say(
            f"cwmpd fleet: {len(self.identities)} devices (shard {opts.shard.index}/"
            f"{opts.shard.count} of {opts.devices}) connect only to {opts.acs} and to the file "
            "servers that ACS names"
            + (f"; Connection Requests at {self.cr_base}/<serial>/" if self.cr_base else "")
            + (f"; UDP Connection Requests at {self.udp_address}" if self.udp_address else "")
        )
        self.gc.start()
        self.started_at = time.monotonic()
        self.cpu_at_start = time.process_time()
        if opts.ramp > 0:
            self._ramp = LoopingCall(self._ramp_batch, max(1, round(opts.ramp * _BATCH_TICK)))
            self._ramp.clock = self.reactor
            self._ramp.start(_BATCH_TICK, now=True)
        else:
            self._ramp = LoopingCall(self._ramp_batch, 100)  # unbounded: as fast as it goes
            self._ramp.clock = self.reactor
            self._ramp.start(0, now=True)
        if opts.duration > 0:
            self._stop_call = self.reactor.callLater(opts.duration, self.stop)
        self.scenarios.schedule(opts.steps)
        if opts.progress and sys.stderr.isatty():
            self._progress = LoopingCall(self._show_progress)
            self._progress.clock = self.reactor
            self._progress.start(1.0, now=False)

    def state_dir_of(self, ident: Identity) -> Path:
        """Where device ``ident`` keeps its state."""
        base = Path(self.opts.state_dir) if self.opts.state_dir else self._scratch
        assert base is not None
        return base / ident.key

    def _ramp_batch(self, size: int) -> None:
        batch, self._pending = self._pending[:size], self._pending[size:]
        for ident in batch:
            self.start_device(ident)
        if batch:
            self.gc.freeze()  # the new devices' state: never rescanned
        if not self._pending and self._ramp is not None and self._ramp.running:
            self._ramp.stop()
            self.all_started_at = time.monotonic()

    def start_device(self, ident: Identity) -> FleetDevice:
        """Build and start device ``ident``."""
        opts = self.opts
        device_config = DeviceConfig(
            plugins=(ident.variant.plugin,), state_dir=str(self.state_dir_of(ident)),
            poll_interval=0,
        )  # fmt: skip
        config = Config(
            acs=self._acs,
            connection_request=self._no_connreq,
            device=device_config,
            control=self._no_control,
            source=f"fleet device {ident.serial}",
        )
        cr_url = self.cr_base + device_path(ident.key) if self.cr_base else ""
        device = FleetDevice(
            ident,
            config,
            self.reactor,
            metrics=self.metrics,
            build=self.models.builder(
                ident,
                periodic=periodic_interval(opts, ident.n),
                cr_url=cr_url,
                udp_address=self.udp_address,
            ),
            rng=self.rng,
            on_session=self._session_ended,
            cr_url=cr_url,
            faults=opts.faults.of(opts.seed, ident.n),
            udp_address=self.udp_address,
            on_started=None if self.udp is None else self._watch_udp,
            gate=self.gate,
        )
        self.devices[ident.key] = device
        try:
            device.start()
        except Exception as exc:
            _log.failure("device {serial} failed to start", serial=ident.serial)
            self.metrics.failures[f"start: {type(exc).__name__}"] += 1
            device.state = "failed"
        return device

    def _watch_udp(self, device: FleetDevice, agent: FleetAgent) -> None:
        assert self.udp is not None
        self.udp.watch(device, agent.model)

    def _session_ended(self, device: FleetDevice, failure: str) -> None:
        if device.sessions == 1 and not failure:
            self._first_sessions += 1
            if self._first_sessions == len(self.identities):
                self.first_session_done_at = time.monotonic()
                self.gc.steady()
                took = self.first_session_done_at - self.started_at
                self.say(f"cwmpd fleet: every device has had its first session ({took:.1f} s)")

    # -- progress and stop -------------------------------------------------------

    def _show_progress(self) -> None:
        wall = max(1e-9, time.monotonic() - self.started_at)
        m = self.metrics
        line = (
            f"\r{len(self.devices)}/{len(self.identities)} up, "
            f"{m.sessions_ok / wall:.1f} sessions/s, "
            f"p99 {m.session.percentile(99) * 1000:.0f} ms, "
            f"{m.sessions_failed} failed "
        )
        sys.stderr.write(line)
        sys.stderr.flush()

    def stop(self) -> Deferred[None]:
        """Stop every device, the listener, write the report; ``done`` fires after."""
        if self._stopping:
            return self.done
        self._stopping = True
        for call in (self._ramp, self._progress):
            if call is not None and call.running:
                call.stop()
        if self._stop_call is not None and self._stop_call.active():
            self._stop_call.cancel()
        self.scenarios.cancel()
        ended = time.monotonic()
        self._states_at_stop = Counter(d.state for d in self.devices.values())
        stopping: list[Deferred[Any]] = []
        for device in self.devices.values():
            device.stop()
        if self.connreq is not None:
            d = self.connreq.stop()
            if d is not None:
                stopping.append(d)
        if self.udp is not None:
            self.udp.stop()
        if self._udp_port is not None:
            port, self._udp_port = self._udp_port, None
            d = port.stopListening()
            if d is not None:
                stopping.append(d)
        if self._progress is not None:
            sys.stderr.write("\n")

        def finish(_: object) -> None:
            report = self.report(ended)
            if self.opts.report:
                report.write(Path(self.opts.report))
            self.say(report.summary())
            self._cleanup()
            self.done.callback(None)

        DeferredList(stopping).addCallback(finish)
        return self.done

    def _cleanup(self) -> None:
        self.gc.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
            state.set_durable(True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def report(self, ended: float) -> Report:
        """What this run did, as the JSON report holds it."""
        wall = max(1e-9, ended - self.started_at)
        by_state = self._states_at_stop or Counter(d.state for d in self.devices.values())
        first = None
        if self.first_session_done_at is not None:
            first = self.first_session_done_at - self.started_at
        return Report(
            version=__version__,
            options=_options_json(self.opts),
            shards=[f"{self.opts.shard.index}/{self.opts.shard.count}"],
            wall_seconds=wall,
            cpu_seconds=time.process_time() - self.cpu_at_start,
            max_rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            devices=[[i.n, i.serial, i.variant.name] for i in self.identities],
            devices_by_state=dict(by_state),
            first_sessions_seconds=first,
            sessions=[d.sessions for d in self.devices.values()],
            metrics=self.metrics,
        )


def _options_json(opts: FleetOptions) -> dict[str, Any]:
    out = {
        "acs": opts.acs, "devices": opts.devices, "ramp": opts.ramp, "periodic": opts.periodic,
        "jitter": opts.jitter, "seed": opts.seed, "duration": opts.duration,
        "max_sessions": opts.max_sessions, "prefix": opts.prefix,
        "state_dir": opts.state_dir or "(memory)",
        "variants": [v.__dict__ for v in opts.variants],
    }  # fmt: skip
    return out
