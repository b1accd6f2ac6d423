"""Register/Deregister: the agent as a USP Service announcing its data model to a Broker.

After each connection to a Broker (the UDS Handshake) the agent sends a Register with its
configured root paths (``register`` in [[usp.controllers]]), ``allow_partial`` true, and
logs the RegisterResp path by path: registered, or refused with its code (7028 Register
failure, 7029 already in use, 7031 path already registered ...). An Error Msg answering
the Register refuses every path. On stop it sends a Deregister of the paths registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

_log = Logger(namespace="cwmpd.uspagent")


class Sender(Protocol):
    """What sends the Agent's requests (:class:`~cwmpd.uspagent.endpoint.UspEndpoint`)."""

    def new_msg_id(self) -> str: ...

    def send(self, controller_id: str, msg: pb.Msg) -> Deferred[pb.Msg]: ...


@dataclass
class Outcome:
    """What a Broker made of a Register: paths registered, and refused (path, code, why)."""

    registered: list[str] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)


def register_msg(msg_id: str, paths: Sequence[str]) -> pb.Msg:
    """A Register of ``paths`` (allow_partial: a refused path does not fail the rest)."""
    body = pb.Register(
        allow_partial=True, reg_paths=[pb.Register.RegistrationPath(path=p) for p in paths]
    )
    return messages.request(msg_id, body)


def deregister_msg(msg_id: str, paths: Sequence[str]) -> pb.Msg:
    """A Deregister of ``paths``."""
    return messages.request(msg_id, pb.Deregister(paths=list(paths)))


def register_outcome(answer: pb.Msg, paths: Sequence[str]) -> Outcome:
    """The Outcome of a RegisterResp, or of an Error Msg (every path refused)."""
    outcome = Outcome()
    if messages.body_kind(answer) == "error":
        err = answer.body.error
        outcome.refused = [(p, err.err_code, err.err_msg) for p in paths]
        return outcome
    if messages.response_name(answer) != "register_resp":
        outcome.refused = [(p, 7000, "the answer is not a RegisterResp") for p in paths]
        return outcome
    for result in answer.body.response.register_resp.registered_path_results:
        status = result.oper_status
        if status.WhichOneof("oper_status") == "oper_success":
            outcome.registered.append(status.oper_success.registered_path or result.requested_path)
        else:
            failure = status.oper_failure
            outcome.refused.append((result.requested_path, failure.err_code, failure.err_msg))
    return outcome


class Registration:
    """The agent's registration of ``paths`` with the Broker ``broker_id``."""

    def __init__(self, sender: Sender, broker_id: str, paths: Sequence[str]) -> None:
        self.sender = sender
        self.broker_id = broker_id
        self.paths = tuple(paths)
        self.registered: tuple[str, ...] = ()
        self.last: Outcome | None = None

    def register(self) -> Deferred[Outcome]:
        """Send the Register; fires with its Outcome (a failure to send refuses all)."""
        msg = register_msg(self.sender.new_msg_id(), self.paths)
        sent = self.sender.send(self.broker_id, msg)

        def answered(answer: pb.Msg) -> Outcome:
            return register_outcome(answer, self.paths)

        def unanswered(failure: Failure) -> Outcome:
            return Outcome(refused=[(p, 7000, failure.getErrorMessage()) for p in self.paths])

        return sent.addCallbacks(answered, unanswered).addCallback(self._record)

    def _record(self, outcome: Outcome) -> Outcome:
        self.last = outcome
        self.registered = tuple(outcome.registered)
        for path in outcome.registered:
            _log.info("USP: {path} registered with {id}", path=path, id=self.broker_id)
        for path, code, why in outcome.refused:
            _log.warn(
                "USP: {path} not registered with {id}: {code} {why}",
                path=path,
                id=self.broker_id,
                code=code,
                why=why,
            )
        return outcome

    def deregister(self) -> Deferred[pb.Msg] | None:
        """Send a Deregister of what is registered (None when nothing is)."""
        if not self.registered:
            return None
        paths, self.registered = self.registered, ()
        sent = self.sender.send(self.broker_id, deregister_msg(self.sender.new_msg_id(), paths))

        def unsent(failure: Failure) -> pb.Msg:
            _log.info(
                "USP: Deregister to {id} not answered: {e}",
                id=self.broker_id,
                e=failure.getErrorMessage(),
            )
            return pb.Msg()

        return sent.addErrback(unsent)
