"""The USP message Dispatcher: every request Msg of a Controller answered on the DataModel.

Implements :class:`~cwmpd.uspagent.handler.MessageHandler`. Each request goes to its
module (get, supported, setadd, delete, operate); a :class:`~cwmpd.usp.errors.UspError`
becomes an Error Msg with its 7000-7999 code (and parameter errors), anything unexpected
7003 with a log line, never a traceback to the MTP. Register/Deregister (for USP Services)
and Notify (an Agent's to send, not to receive) are 7001. Responses and Errors answer the
Agent's own requests (NotifyResp): None, no answer. Every request is judged by the sending
Controller's Roles (:mod:`cwmpd.uspagent.trust`), read afresh for each message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.uspmeta import UspMeta, load_usp_meta
from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context, MessageError
from cwmpd.uspagent.delete import delete
from cwmpd.uspagent.get import get, get_instances
from cwmpd.uspagent.operate import COMMANDS, Actions, operate
from cwmpd.uspagent.operate_async import AsyncOperations
from cwmpd.uspagent.setadd import add, set_
from cwmpd.uspagent.supported import get_supported_dm, get_supported_protocol
from cwmpd.uspagent.trustload import load_trust

#: Events the agent emits (their subscriptions and Notify are the subscriptions' part).
EVENTS = ("Device.Boot!", "Device.LocalAgent.Periodic!")
_log = Logger()


class Dispatcher:
    """Answers USP request Msgs on ``model`` (a MessageHandler).

    ``reboot(command_key)`` and ``factory_reset()`` are called on the reactor turn after a
    ``Device.Reboot()`` / ``Device.FactoryReset()`` Operate; ``on_board(controller)`` after a
    ``SendOnBoardRequest()``; ``meta`` defaults to the shipped USP metadata; ``events``: the
    events the supported model lists; ``operations``: the asynchronous commands.
    """

    def __init__(
        self,
        model: DataModel,
        *,
        clock: IReactorTime,
        reboot: Callable[[str], None],
        factory_reset: Callable[[], None],
        on_board: Callable[[str], None] | None = None,
        meta: UspMeta | None = None,
        events: Collection[str] = EVENTS,
        operations: AsyncOperations | None = None,
    ) -> None:
        commands = frozenset(COMMANDS) | (operations.commands if operations else frozenset())
        self.context = Context(model, meta or load_usp_meta(), commands, frozenset(events))
        self.actions = Actions(clock, reboot, factory_reset, on_board, operations)

    def handle(self, msg: pb.Msg, controller_id: str) -> Deferred[pb.Msg | None]:
        """The response or Error for ``msg``; None for a response or Error Msg."""
        return ensureDeferred(self._handle(msg, controller_id))

    async def _handle(self, msg: pb.Msg, controller_id: str) -> pb.Msg | None:
        kind = messages.body_kind(msg)
        msg_id = msg.header.msg_id
        if kind in ("response", "error"):
            return None
        name = messages.request_name(msg)
        try:
            if name is None:
                raise UspError(ErrorCode.MESSAGE_NOT_SUPPORTED, "the Msg carries no request")
            return await self._request(msg_id, name, msg.body.request, controller_id)
        except MessageError as e:
            return messages.error(msg_id, e.code, e.message, e.param_errs)
        except UspError as e:
            return messages.error(msg_id, e.code, e.message)
        except Exception:
            _log.failure("USP {name} from {controller} failed", name=name, controller=controller_id)
            return messages.error(msg_id, ErrorCode.INTERNAL_ERROR, "internal error")

    async def _request(
        self, msg_id: str, name: str, req: pb.Request, controller_id: str
    ) -> pb.Msg | None:
        ctx = self.context
        if name == "get_supported_protocol":  # no data model: allowed to every Controller
            body = get_supported_protocol(req.get_supported_protocol)
            return messages.response(msg_id, body)
        trust = await load_trust(ctx.model, controller_id, ctx.meta.unique_keys)
        if name == "get":  # filled in place: a large GetResp is not copied into the Msg
            msg = messages.response(msg_id, pb.GetResp())
            await get(ctx, req.get, msg.body.response.get_resp, trust)
            return msg
        if name == "get_instances":
            return messages.response(msg_id, await get_instances(ctx, req.get_instances, trust))
        if name == "get_supported_dm":
            supported = get_supported_dm(ctx, req.get_supported_dm, trust)
            return messages.response(msg_id, supported)
        if name == "set":
            return messages.response(msg_id, await set_(ctx, req.set, trust))
        if name == "add":
            return messages.response(msg_id, await add(ctx, req.add, controller_id, trust))
        if name == "delete":
            return messages.response(msg_id, await delete(ctx, req.delete, trust))
        if name == "operate":
            resp = await operate(ctx, self.actions, req.operate, trust, controller_id)
            return messages.response(msg_id, resp) if req.operate.send_resp else None
        if name in ("register", "deregister"):  # a Service registers with a Broker, not us
            raise UspError(
                ErrorCode.MESSAGE_NOT_SUPPORTED,
                f"{name} is for a USP Broker; this Agent is not one",
            )
        raise UspError(ErrorCode.MESSAGE_NOT_SUPPORTED, f"an Agent does not take {name}")
