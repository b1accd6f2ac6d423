"""USP Delete on the shared DataModel (DeleteObject's code path, without a ParameterKey).

Each path resolves to instances (a search may find none: success, nothing affected). With
``allow_partial`` each instance is deleted on its own and failures are listed as
unaffected paths; without it every path is checked first (each must name deletable
instances), then all are deleted, and a failure is an Error for the message (instances
already deleted stay deleted: a backend's DeleteObject cannot be undone). An instance the
Controller has no InstantiatedObj write right on is 7006 (Permission Denied), checked with
the others before anything is deleted.
"""

from __future__ import annotations

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.pathsyntax import Kind
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context, MessageError
from cwmpd.uspagent.snapshot import resolve_path
from cwmpd.uspagent.trust import FULL_ACCESS, INSTANTIATED_OBJ, WRITE, Trust

_Del = pb.DeleteResp


async def _targets(ctx: Context, text: str, trust: Trust) -> list[str]:
    """The instances ``text`` names; UspError when it names something else or nothing."""
    snapshot = await ctx.snapshot()
    resolved = await resolve_path(ctx.model, snapshot, text)
    if resolved.kind != Kind.OBJECT or resolved.table:
        raise UspError(ErrorCode.INVALID_PATH, f"{text} is not an instance path")
    if not resolved.paths and not resolved.search:
        raise UspError(ErrorCode.OBJECT_DOES_NOT_EXIST, f"{text} does not exist")
    for path in resolved.paths:
        info = snapshot.index.objects[path]
        if not info.is_instance:
            raise UspError(ErrorCode.NOT_A_TABLE, f"{path} is not a table instance")
        if info.table is None or not info.table.writable:
            raise UspError(ErrorCode.DELETE_FAILURE, f"{path} may not be deleted")
        if not trust.allows(INSTANTIATED_OBJ, WRITE, path):
            raise UspError(ErrorCode.PERMISSION_DENIED, f"{path}: permission denied")
    return list(resolved.paths)


async def _delete(ctx: Context, path: str) -> UspError | None:
    try:
        await ctx.model.delete_object(path, None)
    except CwmpFault as fault:
        return UspError(ErrorCode.DELETE_FAILURE, fault.string)
    return None


async def delete(ctx: Context, req: pb.Delete, trust: Trust = FULL_ACCESS) -> pb.DeleteResp:
    """The DeleteResp for ``req``; MessageError when the message fails as a whole."""
    out = pb.DeleteResp()
    plans: list[tuple[_Del.DeletedObjectResult, list[str]]] = []
    for text in req.obj_paths:
        result = out.deleted_obj_results.add(requested_path=text)
        try:
            plans.append((result, await _targets(ctx, text, trust)))
        except UspError as e:
            if not req.allow_partial:
                raise MessageError(e.code, e.message, [(text, e.code, e.message)]) from None
            result.oper_status.oper_failure.err_code = e.code
            result.oper_status.oper_failure.err_msg = e.message
    deleted: set[str] = set()
    for result, targets in plans:
        success = result.oper_status.oper_success
        success.SetInParent()  # a search that matched nothing is a success too
        for path in targets:
            if any(path.startswith(d) for d in deleted):
                continue  # went with an instance above it, deleted for an earlier path
            error = await _delete(ctx, path)
            if error is None:
                deleted.add(path)
                success.affected_paths.append(path)
            elif not req.allow_partial:
                raise MessageError(error.code, error.message, [(path, error.code, error.message)])
            else:
                success.unaffected_path_errs.add(
                    unaffected_path=path, err_code=error.code, err_msg=error.message
                )
    return out
