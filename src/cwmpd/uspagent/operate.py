"""USP Operate for the synchronous commands this agent runs (TR-369 7.7, R-OPR.*).

``Device.Reboot()`` and ``Device.FactoryReset()`` answer first and act on the next reactor
turn (the OperateResp leaves before the device goes away); ``SendOnBoardRequest()`` of a
Controller sets its ``OnBoardingComplete`` to false and asks for the OnBoardRequest
notification. Any other command is not in the supported model: 7026. Unknown input
arguments are 7027. A command the Controller has no CommandEvent execute right on fails
with 7006 (Permission Denied) in its result, and is not run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime

from cwmpd.cwmp import paths
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.pathsyntax import Kind
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context
from cwmpd.uspagent.operate_async import AsyncOperations
from cwmpd.uspagent.requests import CANCEL
from cwmpd.uspagent.snapshot import resolve_path
from cwmpd.uspagent.trust import COMMAND_EVENT, EXECUTE, FULL_ACCESS, Trust

REBOOT = "Device.Reboot()"
FACTORY_RESET = "Device.FactoryReset()"
ON_BOARD = "Device.LocalAgent.Controller.{i}.SendOnBoardRequest()"
COMMANDS = (REBOOT, FACTORY_RESET, ON_BOARD)


@dataclass(frozen=True)
class Actions:
    """What the commands do to the device: ``reboot(command_key)``, ``factory_reset()``,
    ``on_board(controller instance path)`` (send that Controller an OnBoardRequest)."""

    clock: IReactorTime
    reboot: Callable[[str], None]
    factory_reset: Callable[[], None]
    on_board: Callable[[str], None] | None = None
    operations: AsyncOperations | None = None  # the asynchronous commands and their Requests


def _check_args(ctx: Context, generic: str, args: Mapping[str, str]) -> None:
    meta = ctx.meta.commands.get(generic)
    known = set(meta.inputs) if meta else set()
    unknown = sorted(a for a in args if a not in known and paths.generic(a) not in known)
    if unknown:
        raise UspError(
            ErrorCode.INVALID_COMMAND_ARGUMENTS, f"{generic} takes no {', '.join(unknown)}"
        )


async def _run(ctx: Context, actions: Actions, command: str, req: pb.Operate) -> dict[str, str]:
    generic = paths.generic(command)
    _check_args(ctx, generic, req.input_args)
    if generic == REBOOT:
        actions.clock.callLater(0, actions.reboot, req.command_key)
    elif generic == FACTORY_RESET:
        actions.clock.callLater(0, actions.factory_reset)
    elif generic == CANCEL and actions.operations is not None:
        actions.operations.cancel(paths.parent(command))
    elif generic == ON_BOARD:
        controller = paths.parent(command)
        ctx.model.set_local({controller + "OnBoardingComplete": "false"})
        if actions.on_board is not None:
            actions.on_board(controller)
    else:  # in ctx.commands but not run here: a wiring mistake, not the controller's
        raise UspError(ErrorCode.COMMAND_FAILURE, f"{command} is not implemented")
    return {}


async def operate(
    ctx: Context,
    actions: Actions,
    req: pb.Operate,
    trust: Trust = FULL_ACCESS,
    controller_id: str = "",
) -> pb.OperateResp:
    """The OperateResp: one result per command the path resolved to; an asynchronous
    command's is the path of its Request (``controller_id``: its Originator)."""
    snapshot = await ctx.snapshot()
    resolved = await resolve_path(ctx.model, snapshot, req.command)
    if resolved.kind != Kind.COMMAND:
        raise UspError(ErrorCode.INVALID_PATH, f"{req.command} is not a command path")
    if not resolved.paths and not resolved.search:
        raise UspError(ErrorCode.OBJECT_DOES_NOT_EXIST, f"{req.command}: no such object")
    out = pb.OperateResp()
    for command in resolved.paths:
        result = out.operation_results.add(executed_command=command)
        try:
            if not trust.allows(COMMAND_EVENT, EXECUTE, command):
                raise UspError(ErrorCode.PERMISSION_DENIED, f"{command}: permission denied")
            ops = actions.operations
            if ops is not None and ops.runs(command):
                _check_args(ctx, paths.generic(command), req.input_args)
                path = ops.start(command, req.command_key, req.input_args, controller_id)
                result.req_obj_path = path
                continue
            outputs = await _run(ctx, actions, command, req)
            result.req_output_args.SetInParent()  # the oneof is set even with no outputs
            result.req_output_args.output_args.update(outputs)
        except UspError as e:
            if e.code == ErrorCode.INVALID_COMMAND_ARGUMENTS:
                raise
            result.cmd_failure.err_code, result.cmd_failure.err_msg = e.code, e.message
    return out
