"""USP GetSupportedDM and GetSupportedProtocol: the supported model of this device.

The supported model is the device's generic tree (what the plugins declared, which the
schema checked), with the commands this agent can run and the events it can emit, their
arguments and the tables' unique keys from the USP metadata. Requested paths may use
``{i}`` or instance numbers; a table is named by its ``{i}.`` object. ``first_level_only``
gives the requested object and its direct child objects.

The Controller's Trust reduces it: an object is listed with the Obj read right, its access
from the Obj write right (Add, on the table) and the InstantiatedObj write right (Delete);
a parameter with the Param read or write right (read-write only with both), a command or
event with the CommandEvent read right.
"""

from __future__ import annotations

from cwmpd.cwmp import paths
from cwmpd.datamodel.tree import GenericTree, ParamInfo
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context
from cwmpd.uspagent.trust import (
    COMMAND_EVENT,
    FULL_ACCESS,
    INSTANTIATED_OBJ,
    OBJ,
    PARAM,
    READ,
    WRITE,
    Trust,
)

_DM = pb.GetSupportedDMResp
_TYPES = {
    "base64": _DM.PARAM_BASE_64,
    "boolean": _DM.PARAM_BOOLEAN,
    "dateTime": _DM.PARAM_DATE_TIME,
    "decimal": _DM.PARAM_DECIMAL,
    "hexBinary": _DM.PARAM_HEX_BINARY,
    "int": _DM.PARAM_INT,
    "long": _DM.PARAM_LONG,
    "string": _DM.PARAM_STRING,
    "unsignedInt": _DM.PARAM_UNSIGNED_INT,
    "unsignedLong": _DM.PARAM_UNSIGNED_LONG,
}


def supported_objects(tree: GenericTree) -> list[str]:
    """Every supported object, generic, sorted; tables by their ``{i}.`` object."""
    return sorted(obj for obj in tree.children if obj + paths.INSTANCE + "." not in tree.tables)


def _param(info: ParamInfo, rights: str) -> _DM.SupportedParamResult | None:
    read, write = READ in rights, WRITE in rights and info.writable
    if info.meta.command:  # write-only by nature: its value is never read back
        read, write = False, read or WRITE in rights
    if read and write:
        access = _DM.PARAM_READ_WRITE
    elif read:
        access = _DM.PARAM_READ_ONLY
    elif write:
        access = _DM.PARAM_WRITE_ONLY
    else:
        return None
    return _DM.SupportedParamResult(
        param_name=paths.last_segment(info.generic),
        access=access,
        value_type=_TYPES.get(info.meta.type, _DM.PARAM_UNKNOWN),
        value_change=_DM.VALUE_CHANGE_ALLOWED,
    )


def _access(writable: bool, obj: str, trust: Trust) -> _DM.ObjAccessType:
    table = obj[: -len(paths.INSTANCE) - 1]  # "A.X.{i}." -> "A.X.", where Add is judged
    add = writable and trust.allows(OBJ, WRITE, table)
    remove = writable and trust.allows(INSTANTIATED_OBJ, WRITE, obj)
    if add and remove:
        return _DM.OBJ_ADD_DELETE
    if add:
        return _DM.OBJ_ADD_ONLY
    return _DM.OBJ_DELETE_ONLY if remove else _DM.OBJ_READ_ONLY


def _object(
    ctx: Context, obj: str, req: pb.GetSupportedDM, trust: Trust
) -> _DM.SupportedObjectResult:
    tree = ctx.model.tree
    table = tree.tables.get(obj)
    out = _DM.SupportedObjectResult(
        supported_obj_path=obj,
        access=_access(table.writable, obj, trust) if table is not None else _DM.OBJ_READ_ONLY,
        is_multi_instance=table is not None,
    )
    if req.return_params:
        for child in tree.children.get(obj, ()):
            info = tree.params.get(child)
            param = None if info is None else _param(info, trust.rights(PARAM, child))
            if param is not None:
                out.supported_params.append(param)
    if req.return_commands:
        for name in sorted(
            c
            for c in ctx.commands
            if paths.parent(c) == obj and trust.allows(COMMAND_EVENT, READ, c)
        ):
            meta = ctx.meta.commands.get(name)
            out.supported_commands.add(
                command_name=name[len(obj) :],
                input_arg_names=meta.inputs if meta else (),
                output_arg_names=meta.outputs if meta else (),
                command_type=_DM.CMD_ASYNC if meta and meta.is_async else _DM.CMD_SYNC,
            )
    if req.return_events:
        for name in sorted(
            e for e in ctx.events if paths.parent(e) == obj and trust.allows(COMMAND_EVENT, READ, e)
        ):
            event = ctx.meta.events.get(name)
            out.supported_events.add(
                event_name=name[len(obj) :], arg_names=event.args if event else ()
            )
    if req.return_unique_key_sets and table is not None:
        for key in ctx.meta.unique_keys.get(obj, ()):
            out.unique_key_sets.add(key_names=key)
    return out


def _requested(tree: GenericTree, text: str) -> str | None:
    """The supported object ``text`` names, generic; None when it names none."""
    if not text.endswith("."):
        return None
    name = paths.generic(text)
    if name + paths.INSTANCE + "." in tree.tables:
        name += paths.INSTANCE + "."
    return name if name in tree.children else None


def get_supported_dm(
    ctx: Context, req: pb.GetSupportedDM, trust: Trust = FULL_ACCESS
) -> pb.GetSupportedDMResp:
    """The GetSupportedDMResp for ``req``."""
    tree = ctx.model.tree
    objects = supported_objects(tree)
    out = pb.GetSupportedDMResp()
    for text in req.obj_paths:
        result = out.req_obj_results.add(req_obj_path=text, data_model_inst_uri=ctx.meta.spec)
        start = _requested(tree, text)
        if start is None:
            result.err_code = ErrorCode.INVALID_PATH
            result.err_msg = f"{text} is not an object of the supported model"
            continue
        for obj in objects:
            if obj != start and not obj.startswith(start):
                continue
            if req.first_level_only and obj != start and _parent_object(obj) != start:
                continue
            if not trust.allows(OBJ, READ, obj):
                continue
            result.supported_objs.append(_object(ctx, obj, req, trust))
    return out


def _parent_object(generic: str) -> str:
    """The supported object directly holding object ``generic`` (a table's parent skips
    the "X." table object: the parent of "A.X.{i}." is "A.")."""
    name = generic[: -len(paths.INSTANCE) - 2] if generic.endswith(".{i}.") else generic[:-1]
    return name[: name.rfind(".") + 1]


#: USP versions this agent speaks, in GetSupportedProtocolResp (TR-369 R-GSP.1).
USP_VERSIONS = "1.3,1.4"


def get_supported_protocol(req: pb.GetSupportedProtocol) -> pb.GetSupportedProtocolResp:
    """The versions this agent supports, whatever the controller's."""
    return pb.GetSupportedProtocolResp(agent_supported_protocol_versions=USP_VERSIONS)
