"""The Agent's USP Endpoint: between the MTPs (Records in and out) and the message handler.

Bytes an MTP received go through :func:`cwmpd.usp.records.receive`; a request Msg goes to the
:class:`~cwmpd.uspagent.handler.MessageHandler` and its answer back to the sender, in a
NoSessionContext Record published to the reply-to topic the MTP gave (MQTT 5.0 Response
Topic, 3.1.1 ``/reply-to=``) or, without one, to the Controller's configured topic
(R-MQTT.28). A response or Error Msg answers one of the Agent's own requests (:meth:`send`,
used for Notify) and fires its Deferred.

Only configured Controllers are served: a Record from another Endpoint is dropped with a
log line (controller trust comes with issue 15). Each Controller has at most
``max_in_flight`` of its requests handled at once; one more is answered with Error 7005
(Resources Exceeded) and a log line. A Record the codec answers itself (``records.Reply``:
an Error for a bad request, a Disconnect 7106 for a SessionContext Record) goes back the
same way; a Connect or Disconnect Record is logged (with no Session Context there is
nothing to set up or end). Nothing here raises into the MTP: a failing handler is logged
in one line and answered with Error 7003.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.usp import messages, records
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.handler import MessageHandler

_log = Logger(namespace="cwmpd.uspagent")


class Publisher(Protocol):
    """An MTP connection the Endpoint sends Records through (``MqttClient`` is one)."""

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to ``topic``; fails when it cannot be sent."""
        ...


@dataclass
class Controller:
    """A configured Controller: where it is reached and what it has in flight."""

    endpoint_id: str
    mtp: Publisher
    topic: str  # the Controller's configured topic (Device.LocalAgent.Controller.{i}.MTP)
    in_flight: int = 0  # its requests the handler is working on
    waiting: dict[str, Deferred[pb.Msg]] = field(default_factory=dict)  # our requests, by msg_id


class UspEndpoint:
    """Records in from MTPs, answers out, the Agent's own requests with their responses."""

    def __init__(
        self,
        agent_id: str,
        handler: MessageHandler,
        clock: IReactorTime,
        *,
        max_in_flight: int = 8,
        response_timeout: float = 30.0,
        max_record: int = records.MAX_RECORD_SIZE,
    ) -> None:
        self.agent_id = agent_id
        self.handler = handler
        self.clock = clock
        self.max_in_flight = max_in_flight
        self.response_timeout = response_timeout
        self.max_record = max_record
        self.controllers: dict[str, Controller] = {}
        self._next_id = 0

    def add_controller(self, endpoint_id: str, mtp: Publisher, topic: str) -> None:
        """Serve ``endpoint_id``, reached by publishing on ``mtp`` to ``topic``."""
        self.controllers[endpoint_id] = Controller(endpoint_id, mtp, topic)

    # -- in

    def received(self, mtp: Publisher, data: bytes, reply_to: str) -> None:
        """One Record from ``mtp``; ``reply_to`` is the sender's reply topic, or ""."""
        outcome = records.receive(data, self.agent_id, max_size=self.max_record)
        if isinstance(outcome, records.Dropped):
            return
        sender = outcome.to_id if isinstance(outcome, records.Reply) else outcome.from_id
        controller = self.controllers.get(sender)
        if controller is None:
            _log.warn(
                "USP Record from {sender!r} dropped: not a configured Controller", sender=sender
            )
            return
        topic = reply_to or controller.topic
        if isinstance(outcome, records.Reply):
            self._publish(mtp, topic, outcome.data, f"answer to {controller.endpoint_id}")
        elif isinstance(outcome, records.Connected):
            _log.info("USP: {id} connected over {mtp}", id=controller.endpoint_id, mtp=outcome.mtp)
        elif isinstance(outcome, records.Disconnected):
            _log.info(
                "USP: {id} disconnected ({code} {reason})",
                id=controller.endpoint_id,
                code=outcome.reason_code,
                reason=outcome.reason,
            )
        else:
            self._inbound(controller, mtp, topic, outcome)

    def _inbound(
        self, controller: Controller, mtp: Publisher, topic: str, inbound: records.Inbound
    ) -> None:
        msg = inbound.msg
        kind = messages.body_kind(msg)
        msg_id = msg.header.msg_id
        if kind != "request":
            waiting = controller.waiting.pop(msg_id, None)
            if waiting is None:
                _log.info(
                    "USP: {kind} {msg_id!r} from {id} answers no request of ours; ignored",
                    kind=kind,
                    msg_id=msg_id,
                    id=controller.endpoint_id,
                )
                return
            waiting.callback(msg)
            return
        if controller.in_flight >= self.max_in_flight:
            _log.warn(
                "USP: {id} has {n} requests in flight; {msg_id!r} answered 7005",
                id=controller.endpoint_id,
                n=controller.in_flight,
                msg_id=msg_id,
            )
            busy = messages.error(
                msg_id,
                ErrorCode.RESOURCES_EXCEEDED,
                f"more than {self.max_in_flight} requests in flight",
            )
            self._answer(mtp, topic, inbound, busy, controller)
            return
        controller.in_flight += 1
        handled: Deferred[pb.Msg | None] = maybeDeferred(
            self.handler.handle, msg, controller.endpoint_id
        )

        def done(answer: pb.Msg | None) -> None:
            if answer is not None:
                self._answer(mtp, topic, inbound, answer, controller)

        def failed(failure: Failure) -> None:
            _log.warn(
                "USP: handling {name} {msg_id!r} from {id} failed: {error}",
                name=messages.request_name(msg),
                msg_id=msg_id,
                id=controller.endpoint_id,
                error=f"{type(failure.value).__name__}: {failure.getErrorMessage()}",
            )
            answer = messages.error(msg_id, ErrorCode.INTERNAL_ERROR, "internal error")
            self._answer(mtp, topic, inbound, answer, controller)

        def settle(result: object) -> None:
            controller.in_flight -= 1

        handled.addCallbacks(done, failed).addBoth(settle)

    def _answer(
        self,
        mtp: Publisher,
        topic: str,
        inbound: records.Inbound,
        answer: pb.Msg,
        controller: Controller,
    ) -> None:
        record = records.reply_to(inbound, answer, self.agent_id)
        self._publish(mtp, topic, record, f"answer to {controller.endpoint_id}")

    def _publish(self, mtp: Publisher, topic: str, record: bytes, what: str) -> None:
        def unsent(failure: Failure) -> None:
            _log.info(
                "USP: {what} on {topic} not sent: {error}",
                what=what,
                topic=topic,
                error=failure.getErrorMessage(),
            )

        mtp.publish(topic, record).addErrback(unsent)

    # -- out

    def new_msg_id(self) -> str:
        """A msg_id for one of the Agent's requests, unique for this run."""
        self._next_id += 1
        return f"{self.agent_id}-{self.clock.seconds():.0f}-{self._next_id}"

    def send(self, controller_id: str, msg: pb.Msg) -> Deferred[pb.Msg]:
        """Send request ``msg`` (a Notify ...) to ``controller_id``: fires with its response
        or Error Msg; fails with TimeoutError after ``response_timeout`` seconds, with
        ConnectionError when the MTP cannot send it, with UspError 7005 when that
        Controller already has ``max_in_flight`` of our requests outstanding, with KeyError
        for a Controller that is not configured."""
        controller = self.controllers.get(controller_id)
        if controller is None:
            failed: Deferred[pb.Msg] = Deferred()
            failed.errback(KeyError(f"{controller_id} is not a configured Controller"))
            return failed
        msg_id = msg.header.msg_id
        if len(controller.waiting) >= self.max_in_flight:
            _log.warn(
                "USP: {n} requests to {id} outstanding; {msg_id!r} not sent",
                n=len(controller.waiting),
                id=controller_id,
                msg_id=msg_id,
            )
            busy: Deferred[pb.Msg] = Deferred()
            busy.errback(UspError(ErrorCode.RESOURCES_EXCEEDED, "too many requests outstanding"))
            return busy
        answer: Deferred[pb.Msg] = Deferred()
        controller.waiting[msg_id] = answer
        timer: IDelayedCall = self.clock.callLater(
            self.response_timeout, self._timed_out, controller, msg_id
        )

        def settle(result: object) -> object:
            if timer.active():
                timer.cancel()
            if controller.waiting.get(msg_id) is answer:
                del controller.waiting[msg_id]
            return result

        answer.addBoth(settle)
        record = records.no_session_record(msg, controller_id, self.agent_id)

        def unsent(failure: Failure) -> None:
            if not answer.called:
                answer.errback(failure)

        controller.mtp.publish(controller.topic, record).addErrback(unsent)
        return answer

    def _timed_out(self, controller: Controller, msg_id: str) -> None:
        waiting = controller.waiting.pop(msg_id, None)
        if waiting is not None:
            _log.info(
                "USP: {id} did not answer {msg_id!r} within {s} s",
                id=controller.endpoint_id,
                msg_id=msg_id,
                s=self.response_timeout,
            )
            waiting.errback(TimeoutError(f"no response to {msg_id} from {controller.endpoint_id}"))

    def stop(self) -> None:
        """Fail every request of ours still waiting (the Agent is stopping)."""
        for controller in self.controllers.values():
            waiting, controller.waiting = controller.waiting, {}
            for answer in waiting.values():
                answer.errback(ConnectionError("USP endpoint stopped"))
