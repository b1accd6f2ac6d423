"""A small stand-in USP message handler for the wiring tests: GetSupportedProtocol and Get of
a fixed map; every other request gets Error 7001. (The agent's real handlers are
cwmpd.uspagent.dispatch's; these tests prove the plumbing, not the message semantics.)"""

from __future__ import annotations

from collections.abc import Mapping

from twisted.internet.defer import Deferred, succeed

from cwmpd.usp import messages, records
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.handler import MessageHandler

VALUES = {
    "Device.DeviceInfo.Manufacturer": "cwmpd",
    "Device.DeviceInfo.SerialNumber": "SIM0001",
    "Device.LocalAgent.EndpointID": "",
}


class FixedHandler:
    """Answers GetSupportedProtocol and Get (exact parameter paths or an object prefix)."""

    def __init__(self, values: Mapping[str, str] = VALUES) -> None:
        self.values = dict(values)
        self.seen: list[tuple[str, str]] = []  # (request name, controller)

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        name = messages.request_name(msg)
        msg_id = msg.header.msg_id
        if name is None:
            self.seen.append((messages.response_name(msg) or "error", controller_id))
            return succeed(None)
        self.seen.append((name, controller_id))
        if name == "get_supported_protocol":
            versions = ",".join(records.SUPPORTED_VERSIONS)
            body = pb.GetSupportedProtocolResp(agent_supported_protocol_versions=versions)
            return succeed(messages.response(msg_id, body))
        if name == "get":
            return succeed(messages.response(msg_id, self._get(msg.body.request.get)))
        return succeed(messages.error(msg_id, ErrorCode.MESSAGE_NOT_SUPPORTED, f"no {name}"))

    def _get(self, get: pb.Get) -> pb.GetResp:
        results = []
        for path in get.param_paths:
            found = {k: v for k, v in self.values.items() if k == path or k.startswith(path)}
            if not found:
                results.append(
                    pb.GetResp.RequestedPathResult(
                        requested_path=path,
                        err_code=int(ErrorCode.INVALID_PATH),
                        err_msg=f"no {path}",
                    )
                )
                continue
            by_object: dict[str, dict[str, str]] = {}
            for name, value in found.items():
                obj, _, param = name.rpartition(".")
                by_object.setdefault(obj + ".", {})[param] = value
            results.append(
                pb.GetResp.RequestedPathResult(
                    requested_path=path,
                    resolved_path_results=[
                        pb.GetResp.ResolvedPathResult(resolved_path=o, result_params=p)
                        for o, p in by_object.items()
                    ],
                )
            )
        return pb.GetResp(req_path_results=results)


class SlowHandler:
    """Answers nothing until the test fires ``pending`` (to fill the in-flight budget)."""

    def __init__(self) -> None:
        self.pending: list[tuple[pb.Msg, Deferred[pb.Msg | None]]] = []

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        answer: Deferred[pb.Msg | None] = Deferred()
        self.pending.append((msg, answer))
        return answer


class BrokenHandler:
    """Raises, as a handler with a bug would."""

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        raise ValueError("a handler bug")


class Fallback:
    """``primary`` first (the agent's own handler); a request it answers Error 7001 (not
    supported by this build) goes to ``fallback`` instead. Once the agent's handlers answer
    a request themselves, the fallback is never asked."""

    def __init__(self, primary: MessageHandler, fallback: MessageHandler) -> None:
        self.primary = primary
        self.fallback = fallback

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        def check(answer: pb.Msg | None) -> Deferred[pb.Msg | None] | pb.Msg | None:
            unsupported = (
                answer is not None
                and messages.body_kind(answer) == "error"
                and answer.body.error.err_code == ErrorCode.MESSAGE_NOT_SUPPORTED
            )
            return self.fallback.handle(msg, controller_id) if unsupported else answer

        return self.primary.handle(msg, controller_id).addCallback(check)
