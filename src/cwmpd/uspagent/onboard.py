"""USP OnBoardRequest notifications: at first boot, on SendOnBoardRequest(), and again after
OnBoardingRestartTime while a Controller's onboarding is not complete.

What the standard says, and what this module does with it:

* TR-369 R-NOT.5: an Agent sends an OnBoardRequest (1) when a Controller's
  ``SendOnBoardRequest()`` runs, to that Controller, if its ``Enable`` is true, and (2) when
  its own policy says so. This agent's policy is the one TR-181 gives
  ``Controller.{i}.OnBoardingComplete`` (default false): a Controller that has not completed
  onboarding "MUST" be sent one while it is enabled. The agent does so at its **first boot**
  (fresh state, or after a factory reset), to every enabled Controller whose
  OnBoardingComplete is false, exactly once per first boot: whether one is owed is kept by
  the caller (``owed``/``settled`` of :meth:`OnBoarding.start`, agent.json), and a Notify
  already queued for a Controller (a kill -9 after it was queued) is not queued again.
  A mere restart or reboot sends none.
* R-NOT.6 and OnBoardingComplete's "MUST be retried until the Controller confirms": every
  OnBoardRequest carries send_resp and goes through the persisted Notify queue with the
  retry algorithm of R-NOT.1-4 (the Controller's USPNotifRetry* values), without an
  expiration; a queued one is sent again after a restart.
* R-NOT.7: its subscription_id is empty (no Subscription triggers it); the NotifyResp that
  confirms it carries the empty one too.
* OnBoardingRestartTime (seconds, default 0 = no restart): once the NotifyResp came, the
  agent sends another OnBoardRequest after that time if OnBoardingComplete is still false;
  setting OnBoardingComplete true cancels the timer. The timer is not persisted: at a start
  the agent arms it afresh for each such Controller (none when the time is 0).

The body: the agent's OUI, ProductClass and SerialNumber (DeviceInfo, as the Inform's
DeviceId) and the USP versions it supports (as its GetSupportedProtocolResp).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import DeviceId
from cwmpd.datamodel.model import DataModel
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.notifyqueue import Queued
from cwmpd.uspagent.notifysend import NotifyDelivery
from cwmpd.uspagent.supported import USP_VERSIONS

CONTROLLERS = "Device.LocalAgent.Controller."
_TRUE = ("true", "1")
_log = Logger()


@dataclass(frozen=True)
class Controller:
    """What an OnBoardRequest to one Device.LocalAgent.Controller.{i}. needs."""

    path: str  # "Device.LocalAgent.Controller.1."
    endpoint_id: str
    enabled: bool
    on_boarded: bool  # OnBoardingComplete
    restart_time: int = 0  # OnBoardingRestartTime
    min_wait: int = 5
    multiplier: int = 2000

    @property
    def wants_one(self) -> bool:
        """Enabled, with an Endpoint ID, and its onboarding not complete."""
        return self.enabled and not self.on_boarded and bool(self.endpoint_id)


def on_board_request(device: DeviceId, versions: str = USP_VERSIONS) -> pb.Notify:
    """The OnBoardRequest Notify of ``device`` (without send_resp: the delivery sets it)."""
    body = pb.Notify.OnBoardRequest(
        oui=device.oui,
        product_class=device.product_class,
        serial_number=device.serial_number,
        agent_supported_protocol_versions=versions,
    )
    return pb.Notify(subscription_id="", on_board_req=body)


def is_on_board_request(entry: Queued) -> bool:
    """Whether a queued Notify is an OnBoardRequest."""
    try:
        msg = pb.Msg.FromString(entry.payload)
    except DecodeError:  # a payload we cannot read is nothing of ours
        return False
    kind: str | None = msg.body.request.notify.WhichOneof("notification")
    return kind == "on_board_req"


def _int(values: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(values.get(name, ""))
    except ValueError:
        return default


async def read_controllers(model: DataModel) -> list[Controller]:
    """The Controller table's rows, in instance order."""
    try:
        found = await model.get_parameter_values([CONTROLLERS])
    except CwmpFault:
        return []
    rows: dict[str, dict[str, str]] = {}
    for v in found:
        instance, _, name = v.name[len(CONTROLLERS) :].partition(".")
        if instance.isdigit() and "." not in name:
            rows.setdefault(instance, {})[name] = v.value
    out = []
    for instance in sorted(rows, key=int):
        values = rows[instance]
        out.append(
            Controller(
                path=f"{CONTROLLERS}{instance}.",
                endpoint_id=values.get("EndpointID", ""),
                enabled=values.get("Enable", "").lower() in _TRUE,
                on_boarded=values.get("OnBoardingComplete", "").lower() in _TRUE,
                restart_time=max(0, _int(values, "OnBoardingRestartTime", 0)),
                min_wait=_int(values, "USPNotifRetryMinimumWaitInterval", 5),
                multiplier=_int(values, "USPNotifRetryIntervalMultiplier", 2000),
            )
        )
    return out


class OnBoarding:
    """The OnBoardRequests of one USP agent, sent through ``delivery`` (whose delivered
    OnBoardRequests arm OnBoardingRestartTime). Make it before ``delivery.start()``: the
    OnBoardRequests queued before a restart are noted then, before one is answered."""

    def __init__(
        self,
        model: DataModel,
        delivery: NotifyDelivery,
        clock: IReactorTime,
        *,
        versions: str = USP_VERSIONS,
    ) -> None:
        self.model = model
        self.delivery = delivery
        self._clock = clock
        self._versions = versions
        self._timers: dict[str, IDelayedCall] = {}  # by Controller path
        self._running = True
        self.sent = 0
        self._waiting = self._queued_to()  # queued before this start
        delivery.on_delivered = self._delivered
        model.subscribe(self._committed)
        model.add_factory_reset_hook(self._cancel_all)

    async def start(
        self, owed: Callable[[], bool], settled: Callable[[], None] | None = None
    ) -> int:
        """Agent start (or a reboot the daemon ran through): when ``owed()`` (a first boot),
        an OnBoardRequest to every Controller that wants one and has none queued, then
        ``settled()``, on the same reactor turn as the queueing (so a kill leaves either
        both or the queued Notifies alone, which the next start does not queue again).
        Arms OnBoardingRestartTime for the others. Returns how many it queued."""
        controllers = await read_controllers(self.model)
        waiting, self._waiting = self._waiting | self._queued_to(), set()
        first = owed()
        device = await self.model.device_id() if first else None
        queued = 0
        for ctrl in controllers:
            if not ctrl.wants_one or ctrl.endpoint_id in waiting:
                continue
            if device is not None:
                self._send(ctrl, device)
                queued += 1
            elif ctrl.restart_time > 0:
                self._arm(ctrl)
        if first and settled is not None:
            settled()
        if queued:
            _log.info("first boot: OnBoardRequest to {n} USP Controller(s)", n=queued)
        return queued

    def stop(self) -> None:
        """Cancel the restart timers (the queued Notifies stay queued)."""
        self._running = False
        self._cancel_all()

    async def request(self, controller: str) -> bool:
        """``SendOnBoardRequest()`` of ``controller`` ("Device.LocalAgent.Controller.1."):
        an OnBoardRequest to it if it is enabled (R-NOT.5). True when one was queued."""
        for ctrl in await read_controllers(self.model):
            if ctrl.path == controller:
                if not (ctrl.enabled and ctrl.endpoint_id):
                    _log.info("{path} is disabled: no OnBoardRequest", path=controller)
                    return False
                self._cancel(controller)
                self._send(ctrl, await self.model.device_id())
                return True
        return False

    def _send(self, ctrl: Controller, device: DeviceId) -> None:
        self.delivery.notify(
            ctrl.endpoint_id,
            on_board_request(device, self._versions),
            retry=True,
            min_wait=ctrl.min_wait,
            multiplier=ctrl.multiplier,
        )
        self.sent += 1

    def _queued_to(self) -> set[str]:
        """The Controllers (Endpoint IDs) an OnBoardRequest waits in the queue for."""
        return {e.controller_id for e in self.delivery.queued() if is_on_board_request(e)}

    # -- OnBoardingRestartTime ------------------------------------------------------

    def _delivered(self, entry: Queued) -> None:
        if self._running and is_on_board_request(entry):
            done = ensureDeferred(self._confirmed(entry.controller_id))
            done.addErrback(lambda f: _log.failure("OnBoardingRestartTime not armed", f))

    async def _confirmed(self, endpoint_id: str) -> None:
        for ctrl in await read_controllers(self.model):
            if ctrl.endpoint_id == endpoint_id and ctrl.wants_one and ctrl.restart_time > 0:
                self._arm(ctrl)

    def _arm(self, ctrl: Controller) -> None:
        self._cancel(ctrl.path)
        self._timers[ctrl.path] = self._clock.callLater(ctrl.restart_time, self._restart, ctrl.path)

    def _restart(self, path: str) -> None:
        self._timers.pop(path, None)
        done: Deferred[None] = ensureDeferred(self._send_again(path))
        done.addErrback(lambda f: _log.failure("OnBoardRequest not restarted", f))

    async def _send_again(self, path: str) -> None:
        for ctrl in await read_controllers(self.model):
            if ctrl.path == path and ctrl.wants_one and self._running:
                _log.info("{path}: onboarding not complete; OnBoardRequest again", path=path)
                self._send(ctrl, await self.model.device_id())

    def _committed(self, values: Mapping[str, str], source: str) -> None:
        for name, value in values.items():
            if name.endswith(".OnBoardingComplete") and value.lower() in _TRUE:
                self._cancel(name.removesuffix("OnBoardingComplete"))

    def _cancel(self, path: str) -> None:
        call = self._timers.pop(path, None)
        if call is not None and call.active():
            call.cancel()

    def _cancel_all(self) -> None:
        self._waiting.clear()  # a factory reset emptied the queue
        for path in list(self._timers):
            self._cancel(path)
