"""USP Get (max_depth) and GetInstances (first_level_only) on the shared DataModel.

Results are grouped by object as TR-369 shows them: one ``ResolvedPathResult`` per object
with its own parameters, keyed by their relative names. ``max_depth`` counts objects below
the requested one, 1 being the requested object alone; a table's instances are one level
with the table (``IPv4Address.1.`` is one level below ``Interface.1.``); 0 is unlimited.
A path that is no search and names no instantiated object or parameter is error 7026.
What the Controller's Trust does not let it read is left out, without an error: objects
without the Obj read right, parameters without the Param read right, instances without the
InstantiatedObj read right (GetInstances).
"""

from __future__ import annotations

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.tree import Index, prefixed
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.pathsyntax import Kind
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context
from cwmpd.uspagent.snapshot import Snapshot, fetch, resolve_path
from cwmpd.uspagent.trust import FULL_ACCESS, INSTANTIATED_OBJ, OBJ, READ, Trust


def _levels(rel: str) -> int:
    """How many object levels ``rel`` (a relative object path) goes down, instances aside."""
    return sum(1 for seg in rel.split(".")[:-1] if not seg.isdigit())


def _objects_under(index: Index, start: str, max_depth: int, found: dict[str, None]) -> None:
    """Add the instantiated objects at or below ``start`` within ``max_depth`` to ``found``
    (sorted); tables (the "X." objects without an instance) left out."""
    objects = index.objects
    for name in prefixed(index.object_names, start):
        info = objects[name]
        if info.table is not None and not info.is_instance:
            continue
        if max_depth and _levels(name[len(start) :]) + 1 > max_depth:
            continue
        found[name] = None


def _not_found(text: str) -> UspError:
    return UspError(ErrorCode.INVALID_PATH, f"{text} is not instantiated")


async def _one(
    ctx: Context,
    snapshot: Snapshot,
    text: str,
    max_depth: int,
    result: pb.GetResp.RequestedPathResult,
    trust: Trust,
) -> None:
    """Resolve ``text`` and add its objects with their values to ``result``."""
    resolved = await resolve_path(ctx.model, snapshot, text)
    if not resolved.paths and not resolved.search:
        raise _not_found(text)
    add = result.resolved_path_results.add
    if resolved.kind == Kind.PARAMETER:
        groups: dict[str, list[str]] = {}
        for name in resolved.paths:
            groups.setdefault(paths.parent(name), []).append(name)
        if not trust.everything:
            groups = {obj: trust.readable(names) for obj, names in groups.items()}
            groups = {obj: names for obj, names in groups.items() if names}
        await _add_groups(ctx, snapshot, groups, result)
    elif resolved.kind == Kind.OBJECT:
        found: dict[str, None] = {}
        for start in resolved.paths:
            _objects_under(snapshot.index, start, max_depth, found)
        if not trust.everything:  # judged name by name: read only what may be read
            own = snapshot.index.own
            groups = {
                obj: trust.readable(own[obj][0]) for obj in found if trust.allows(OBJ, READ, obj)
            }
            await _add_groups(ctx, snapshot, groups, result)
            return
        try:
            params, read = await ctx.model.read_objects(list(found), snapshot.values)
        except CwmpFault as fault:
            raise UspError(ErrorCode.INTERNAL_ERROR, f"reading values failed: {fault}") from None
        if snapshot.values:
            snapshot.values.update(read)
        else:  # what later paths of the same Get read is what this one read
            snapshot.values = read
        for obj, pairs in zip(found, params, strict=True):
            out = add(resolved_path=obj).result_params  # faster than add(result_params=)
            for key, value in pairs:
                out[key] = value
    else:
        raise UspError(ErrorCode.INVALID_PATH, f"{text}: Get reads objects and parameters")


async def _add_groups(
    ctx: Context,
    snapshot: Snapshot,
    groups: dict[str, list[str]],
    result: pb.GetResp.RequestedPathResult,
) -> None:
    """Read the parameters of ``groups`` (object -> its parameters to show) and add one
    result per object, keyed by their names relative to it."""
    await fetch(ctx.model, snapshot, [n for names in groups.values() for n in names])
    values = snapshot.values
    add = result.resolved_path_results.add
    for obj, names in groups.items():
        cut = len(obj)
        add(resolved_path=obj, result_params={n[cut:]: values[n] for n in names})


async def get(
    ctx: Context, req: pb.Get, out: pb.GetResp | None = None, trust: Trust = FULL_ACCESS
) -> pb.GetResp:
    """The GetResp (filled into ``out`` when given): one RequestedPathResult per requested
    path, failures in its err_code."""
    snapshot = await ctx.snapshot()
    out = pb.GetResp() if out is None else out
    for text in req.param_paths:
        result = out.req_path_results.add(requested_path=text)
        try:
            await _one(ctx, snapshot, text, req.max_depth, result, trust)
        except UspError as e:
            del result.resolved_path_results[:]
            result.err_code, result.err_msg = int(e.code), e.message
    return out


def _instance_levels(rel: str) -> int:
    return sum(1 for seg in rel.split(".")[:-1] if seg.isdigit())


async def get_instances(
    ctx: Context, req: pb.GetInstances, trust: Trust = FULL_ACCESS
) -> pb.GetInstancesResp:
    """The GetInstancesResp: the instances at or below each path, with their unique keys."""
    snapshot = await ctx.snapshot()
    index = snapshot.index
    out = pb.GetInstancesResp()
    for text in req.obj_paths:
        result = out.req_path_results.add(requested_path=text)
        try:
            resolved = await resolve_path(ctx.model, snapshot, text)
            if resolved.kind != Kind.OBJECT:
                raise UspError(ErrorCode.INVALID_PATH, f"{text} is not an object path")
            if not resolved.paths and not resolved.search:
                raise _not_found(text)
            found: dict[str, None] = {}
            for start in resolved.paths:
                for name in index.names_under(start):
                    if not (name.endswith(".") and index.objects[name].is_instance):
                        continue
                    if req.first_level_only and _instance_levels(name[len(start) :]) > 1:
                        continue
                    if not trust.allows(INSTANTIATED_OBJ, READ, name):
                        continue
                    found[name] = None
            keys = {
                name: sorted(
                    {k for key in ctx.meta.unique_keys.get(paths.generic(name), ()) for k in key}
                )
                for name in found
            }
            wanted = [n + k for n, ks in keys.items() for k in ks if n + k in index.params]
            await fetch(ctx.model, snapshot, wanted)
            for name, ks in keys.items():
                result.curr_insts.add(
                    instantiated_obj_path=name,
                    unique_keys={
                        k: snapshot.values[name + k] for k in ks if name + k in index.params
                    },
                )
        except UspError as e:
            result.err_code, result.err_msg = int(e.code), e.message
    return out
