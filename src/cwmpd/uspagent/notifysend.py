"""Sending USP Notify requests: once (NotifRetry false) or until NotifyResp (TR-369 R-NOT.1-4).

A Notify with send_resp is queued (persisted, cwmpd.uspagent.notifyqueue) before it is
sent, re-sent after the spec's back-off while no valid NotifyResp came back (one whose
subscription_id is the Notify's, R-NOT.16), and dropped once answered or past its
NotifExpiration. After a restart every queued Notify is sent again with the retry count at
zero (R-NOT.4). The MTP side is a :class:`Sender`; which one is the wiring's business.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Protocol

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.cwmp.retry import retry_window as cwmp_retry_window
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.notifyqueue import NotifyQueue, Queued

_log = Logger()


class Sender(Protocol):
    """Sends a request Msg to a Controller; the Deferred fires with its response Msg (or
    fails when it cannot be sent or no response came)."""

    def send(self, controller_id: str, msg: pb.Msg) -> Deferred[pb.Msg]:
        """Send ``msg`` to the Controller whose EndpointID is ``controller_id``."""
        ...


def retry_window(retry: int, min_wait: int = 5, multiplier: int = 2000) -> tuple[float, float]:
    """The (min, max) wait in seconds before retry number ``retry`` (1-based), R-NOT.1/2:
    TR-069's table (cwmpd.cwmp.retry) with m = USPNotifRetryMinimumWaitInterval and k = the
    multiplier / 1000. Out-of-range settings fall back to the defaults (5, 2000)."""
    m = min_wait if 1 <= min_wait <= 65535 else 5
    k = multiplier if 1000 <= multiplier <= 65535 else 2000
    return cwmp_retry_window(retry, m, k)


def new_msg_id() -> str:
    """A msg_id no other Notify of this agent has."""
    return f"notify-{uuid.uuid4().hex}"


class NotifyDelivery:
    """Sends Notifies through ``sender``; the ones to retry through ``queue``. ``rng``
    draws each wait within its window (injected, like the CWMP session's)."""

    def __init__(
        self,
        sender: Sender,
        queue: NotifyQueue,
        clock: IReactorTime,
        rng: random.Random,
        new_id: Callable[[], str] = new_msg_id,
    ) -> None:
        self._sender = sender
        self._queue = queue
        self._clock = clock
        self._rng = rng
        self._new_id = new_id
        self._timers: dict[str, IDelayedCall] = {}
        self._retries: dict[str, int] = {}
        self.delivered = 0
        self.expired = 0
        #: Called with each Notify once its valid NotifyResp came (cwmpd.uspagent.onboard).
        self.on_delivered: Callable[[Queued], None] | None = None

    def start(self) -> None:
        """Send every queued Notify again (after a restart), retry count zero (R-NOT.4)."""
        for entry in self._queue:
            if entry.msg_id not in self._timers:
                self._retries[entry.msg_id] = 0
                self._attempt(entry)

    def stop(self) -> None:
        """Stop retrying (the queue stays: the next start sends its Notifies again)."""
        for call in self._timers.values():
            if call.active():
                call.cancel()
        self._timers.clear()

    def clear(self) -> None:
        """Forget every queued Notify (factory reset)."""
        self.stop()
        self._retries.clear()
        try:
            self._queue.clear()
        except OSError as exc:
            _log.error("USP Notify queue not cleared: {error}", error=exc)

    def queued(self) -> list[Queued]:
        """The Notifies waiting for their NotifyResp, oldest first."""
        return list(self._queue)

    @property
    def pending(self) -> int:
        """How many Notifies wait for their NotifyResp."""
        return len(self._queue)

    def notify(
        self,
        controller_id: str,
        notify: pb.Notify,
        *,
        retry: bool,
        expiration: int = 0,
        min_wait: int = 5,
        multiplier: int = 2000,
    ) -> str:
        """Send ``notify`` to ``controller_id``; returns its msg_id.

        With ``retry`` it carries send_resp and is retried until answered, or for at most
        ``expiration`` seconds when that is above 0 (the subscription's NotifExpiration)."""
        msg_id = self._new_id()
        notify.send_resp = retry
        msg = messages.request(msg_id, notify)
        if not retry:
            self._send(controller_id, msg).addErrback(self._lost, msg_id, controller_id)
            return msg_id
        expires = self._clock.seconds() + expiration if expiration > 0 else None
        entry = Queued(
            msg_id,
            controller_id,
            notify.subscription_id,
            msg.SerializeToString(),
            expires,
            min_wait,
            multiplier,
        )
        try:
            dropped = self._queue.add(entry)
        except OSError as exc:  # not persisted: sent once all the same
            _log.error("USP Notify {id} not queued ({error}): sent once", id=msg_id, error=exc)
            self._send(controller_id, msg).addErrback(self._lost, msg_id, controller_id)
            return msg_id
        for gone in dropped:
            self._forget(gone.msg_id)
        self._retries[msg_id] = 0
        self._attempt(entry)
        return msg_id

    def _send(self, controller_id: str, msg: pb.Msg) -> Deferred[pb.Msg]:
        return maybeDeferred(self._sender.send, controller_id, msg)  # a raise is a failure

    def _attempt(self, entry: Queued) -> None:
        now = self._clock.seconds()
        if entry.expires is not None and now >= entry.expires:
            self._expire(entry)
            return
        retry = self._retries.get(entry.msg_id, 0) + 1
        lo, hi = retry_window(retry, entry.min_wait, entry.multiplier)
        wait = lo + (hi - lo) * self._rng.random()
        if entry.expires is not None:
            wait = min(wait, entry.expires - now)
        self._timers[entry.msg_id] = self._clock.callLater(wait, self._retry, entry.msg_id)
        msg = pb.Msg.FromString(entry.payload)
        d = self._send(entry.controller_id, msg)
        d.addCallbacks(
            self._answered, self._unanswered, callbackArgs=(entry,), errbackArgs=(entry,)
        )

    def _retry(self, msg_id: str) -> None:
        self._timers.pop(msg_id, None)
        entry = self._queue.get(msg_id)
        if entry is None:
            return
        if entry.expires is None or self._clock.seconds() < entry.expires:
            self._retries[msg_id] = self._retries.get(msg_id, 0) + 1
            _log.info(
                "USP Notify {msg_id} to {controller} unanswered: retry {n}",
                msg_id=msg_id,
                controller=entry.controller_id,
                n=self._retries[msg_id],
            )
        self._attempt(entry)

    def _answered(self, response: pb.Msg, entry: Queued) -> None:
        if self._queue.get(entry.msg_id) is None:
            return  # an earlier attempt was answered already
        name = messages.response_name(response)
        valid = (
            name == "notify_resp"
            and response.body.response.notify_resp.subscription_id == entry.subscription_id
        )
        if not valid:  # R-NOT.16: not a valid response, so no delivery
            _log.warn(
                "USP Notify {msg_id}: {kind} is no NotifyResp for subscription {sub}; retrying",
                msg_id=entry.msg_id,
                kind=name or messages.body_kind(response),
                sub=entry.subscription_id,
            )
            return
        self.delivered += 1
        self._done(entry.msg_id)
        if self.on_delivered is not None:
            self.on_delivered(entry)

    def _unanswered(self, failure: Failure, entry: Queued) -> None:
        _log.info(
            "USP Notify {msg_id} to {controller} not delivered: {error}",
            msg_id=entry.msg_id,
            controller=entry.controller_id,
            error=failure.getErrorMessage(),
        )

    def _lost(self, failure: Failure, msg_id: str, controller_id: str) -> None:
        _log.info(
            "USP Notify {msg_id} to {controller} (no retry) not delivered: {error}",
            msg_id=msg_id,
            controller=controller_id,
            error=failure.getErrorMessage(),
        )

    def _expire(self, entry: Queued) -> None:
        _log.warn(
            "USP Notify {msg_id} to {controller} expired unanswered (NotifExpiration)",
            msg_id=entry.msg_id,
            controller=entry.controller_id,
        )
        self.expired += 1
        self._done(entry.msg_id)

    def _done(self, msg_id: str) -> None:
        self._forget(msg_id)
        try:
            self._queue.remove(msg_id)
        except OSError as exc:  # re-sent after a restart: at least once, never lost
            _log.error("USP Notify {msg_id} not unqueued: {error}", msg_id=msg_id, error=exc)

    def _forget(self, msg_id: str) -> None:
        call = self._timers.pop(msg_id, None)
        if call is not None and call.active():
            call.cancel()
        self._retries.pop(msg_id, None)
