"""USP Set and Add on the shared DataModel, through the transaction SetParameterValues uses.

Every parameter is checked first as SetParameterValues checks it (exists 7010, writable
7013, type and value 7011/7012 from ``check_value``), then the values that pass are written
with ``DataModel.apply_local``: validated again and applied all or nothing across backends,
and reported to the ACS as a local change when it asked for notification (one transaction
model for both front ends). TR-369's rules on ``allow_partial`` and ``required``
(R-SET.0-2, R-ADD.*): a failed required parameter fails its object (7021); a failed object
fails the message (an Error) unless ``allow_partial``; other failed parameters are listed
and skipped. Without ``allow_partial`` everything is one write, and an Add that fails
afterwards deletes the instances it created. An Add that gives a whole unique key another
instance has is 7025 (keys left to their defaults are not checked; Set does not check keys).
The Controller's Trust: a parameter without the Param write right fails as 7006 (Permission
Denied) like any failed parameter; an Add on a table without the Obj write right is 7006.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.datamodel.tree import Index
from cwmpd.datamodel.validate import check_value
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.pathsyntax import Kind
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.context import Context, MessageError, usp_code
from cwmpd.uspagent.snapshot import resolve_path
from cwmpd.uspagent.trust import FULL_ACCESS, OBJ, PARAM, WRITE, Trust

ParamErr = tuple[str, ErrorCode, str]
"""A failed parameter: relative name, code, message."""


@dataclass
class _Instance:
    """One object a setting list applies to: what is written, what failed."""

    path: str
    values: dict[str, str] = field(default_factory=dict)
    """Relative name -> canonical value to write."""
    errors: list[ParamErr] = field(default_factory=list)
    required_failed: bool = False


def check_settings(
    index: Index,
    obj: str,
    settings: Sequence[tuple[str, str, bool]],
    trust: Trust = FULL_ACCESS,
) -> _Instance:
    """Check (relative name, value, required) settings of instance ``obj``."""
    out = _Instance(obj)
    for rel, value, required in settings:
        name = obj + rel
        info = index.params.get(name)
        error: ParamErr | None = None
        if rel in out.values or any(e[0] == rel for e in out.errors):
            error = (rel, ErrorCode.INVALID_ARGUMENTS, f"{rel} is set twice")
        elif info is None or rel.endswith(".") or not rel:
            error = (rel, ErrorCode.UNSUPPORTED_PARAMETER, f"{name} is not a parameter")
        elif not trust.allows(PARAM, WRITE, name):
            error = (rel, ErrorCode.PERMISSION_DENIED, f"{name}: permission denied")
        elif not info.writable:
            error = (rel, ErrorCode.NOT_WRITABLE, f"{name} is not writable")
        else:
            try:
                out.values[rel] = check_value(info.meta, value, None)
            except CwmpFault as fault:
                error = (rel, usp_code(fault), fault.string)
        if error is not None:
            out.errors.append(error)
            out.required_failed = out.required_failed or required
    return out


def _structs(index: Index, instances: Sequence[_Instance]) -> list[ParameterValueStruct]:
    return [
        ParameterValueStruct(i.path + rel, value, index.params[i.path + rel].type)
        for i in instances
        for rel, value in i.values.items()
    ]


def _fault_errors(fault: CwmpFault, instances: Sequence[_Instance]) -> list[ParamErr]:
    """The per-parameter errors of a failed write, relative to their instance."""
    out: list[ParamErr] = []
    for f in fault.set_faults:
        for inst in instances:
            if f.name.startswith(inst.path):
                out.append((f.name[len(inst.path) :], usp_code(f.code), f.string))
    return out


async def _write(ctx: Context, index: Index, instances: Sequence[_Instance]) -> None:
    """Write the checked values of ``instances`` as one transaction; UspError on failure."""
    structs = _structs(index, instances)
    if not structs:
        return
    try:
        await ctx.model.apply_local(structs)
    except CwmpFault as fault:
        raise _WriteFailed(fault, _fault_errors(fault, instances)) from None


class _WriteFailed(UspError):
    def __init__(self, fault: CwmpFault, errors: list[ParamErr]) -> None:
        super().__init__(usp_code(fault), fault.string)
        self.errors = errors


def _set_params(inst: _Instance) -> list[pb.SetResp.ParameterError]:
    return [pb.SetResp.ParameterError(param=p, err_code=c, err_msg=m) for p, c, m in inst.errors]


async def _set_targets(ctx: Context, text: str) -> list[str]:
    snapshot = await ctx.snapshot()
    resolved = await resolve_path(ctx.model, snapshot, text)
    if resolved.kind != Kind.OBJECT or resolved.table:
        raise UspError(ErrorCode.INVALID_PATH, f"{text} is not an object or instance path")
    if not resolved.paths and not resolved.search:
        raise UspError(ErrorCode.OBJECT_DOES_NOT_EXIST, f"{text} does not exist")
    return list(resolved.paths)


async def set_(ctx: Context, req: pb.Set, trust: Trust = FULL_ACCESS) -> pb.SetResp:
    """The SetResp for ``req``; MessageError when the message fails as a whole."""
    index = await ctx.model.live_index()
    out = pb.SetResp()
    planned: list[tuple[pb.SetResp.UpdatedObjectResult, list[_Instance]]] = []
    for update in req.update_objs:
        result = out.updated_obj_results.add(requested_path=update.obj_path)
        settings = [(s.param, s.value, s.required) for s in update.param_settings]
        try:
            targets = await _set_targets(ctx, update.obj_path)
        except UspError as e:
            if not req.allow_partial:
                raise MessageError(e.code, e.message) from None
            result.oper_status.oper_failure.err_code = e.code
            result.oper_status.oper_failure.err_msg = e.message
            continue
        instances = [check_settings(index, t, settings, trust) for t in targets]
        failed = [i for i in instances if i.required_failed]
        if failed:
            if not req.allow_partial:
                raise MessageError(
                    ErrorCode.REQUIRED_PARAMETER_FAILED,
                    f"{update.obj_path}: a required parameter failed",
                    [(i.path + p, c, m) for i in failed for p, c, m in i.errors],
                )
            failure = result.oper_status.oper_failure
            failure.err_code = ErrorCode.REQUIRED_PARAMETER_FAILED
            failure.err_msg = "a required parameter failed"
            for inst in failed:
                failure.updated_inst_failures.add(
                    affected_path=inst.path, param_errs=_set_params(inst)
                )
            continue
        planned.append((result, instances))
    if not req.allow_partial:
        everything = [i for _, instances in planned for i in instances]
        try:
            await _write(ctx, index, everything)
        except _WriteFailed as e:
            errs = [(p, c, m) for p, c, m in e.errors]
            raise MessageError(e.code, e.message, errs) from None
    for result, instances in planned:
        if req.allow_partial:
            try:
                await _write(ctx, index, instances)
            except _WriteFailed as e:
                failure = result.oper_status.oper_failure
                failure.err_code, failure.err_msg = ErrorCode.OBJECT_NOT_UPDATED, e.message
                for inst in instances:
                    errs = [err for err in e.errors if inst.path + err[0] in _names(inst)]
                    failure.updated_inst_failures.add(
                        affected_path=inst.path,
                        param_errs=[
                            pb.SetResp.ParameterError(param=p, err_code=c, err_msg=m)
                            for p, c, m in errs
                        ],
                    )
                continue
        success = result.oper_status.oper_success
        success.SetInParent()  # a search that matched nothing is a success too
        for inst in instances:
            success.updated_inst_results.add(
                affected_path=inst.path, param_errs=_set_params(inst), updated_params=inst.values
            )
    return out


def _names(inst: _Instance) -> set[str]:
    return {inst.path + rel for rel in inst.values}


# -- Add ----------------------------------------------------------------------


async def _add_one(
    ctx: Context, create: pb.Add.CreateObject, trust: Trust
) -> tuple[str, _Instance]:
    """Create one instance and write its settings; returns (instance path, what was set)."""
    snapshot = await ctx.snapshot()
    resolved = await resolve_path(ctx.model, snapshot, create.obj_path)
    if resolved.kind != Kind.OBJECT:
        raise UspError(ErrorCode.INVALID_PATH, f"{create.obj_path} is not an object path")
    if not resolved.table:
        raise UspError(ErrorCode.NOT_A_TABLE, f"{create.obj_path} is not a table")
    if len(resolved.paths) != 1:
        raise UspError(ErrorCode.OBJECT_NOT_CREATED, f"{create.obj_path} names no one table")
    table = resolved.paths[0]
    if not trust.allows(OBJ, WRITE, table):
        raise UspError(ErrorCode.PERMISSION_DENIED, f"{table}: permission denied")
    info = ctx.model.tree.tables.get(paths.generic(table) + paths.INSTANCE + ".")
    if info is None or not info.writable:
        raise UspError(ErrorCode.NOT_CREATABLE, f"{table} does not take Add")
    generic = paths.generic(table) + paths.INSTANCE + "."
    settings = [(s.param, s.value, s.required) for s in create.param_settings]
    # check the settings against the generic table first: a required failure creates nothing
    probe = _check_generic(ctx, generic, settings, trust)
    if probe.required_failed:
        raise MessageError(
            ErrorCode.REQUIRED_PARAMETER_FAILED,
            f"{create.obj_path}: a required parameter failed",
            [(table + "{i}." + p, c, m) for p, c, m in probe.errors],
        )
    await _check_unique(ctx, table, generic, probe.values)
    try:
        number, _ = await ctx.model.add_object(table, None)
    except CwmpFault as fault:
        code = ErrorCode.RESOURCES_EXCEEDED if fault.code == 9004 else ErrorCode.OBJECT_NOT_CREATED
        raise UspError(code, fault.string) from None
    path = f"{table}{number}."
    index = await ctx.model.live_index()
    inst = check_settings(index, path, settings, trust)
    try:
        await _write(ctx, index, [inst])
    except _WriteFailed as e:
        await _undo_add(ctx, path)
        raise MessageError(
            ErrorCode.OBJECT_NOT_CREATED, e.message, [(path + p, c, m) for p, c, m in e.errors]
        ) from None
    return path, inst


async def _check_unique(ctx: Context, table: str, generic: str, values: dict[str, str]) -> None:
    """7025 when ``values`` give a whole unique key of ``generic`` that an instance of
    ``table`` already has (keys the Add leaves to their defaults are not checked)."""
    keys = [k for k in ctx.meta.unique_keys.get(generic, ()) if all(n in values for n in k)]
    if not keys:
        return
    index = await ctx.model.live_index()
    instances = index.children.get(table, ())
    have = await ctx.model.read_values([i + n for i in instances for k in keys for n in k])
    for key in keys:
        for inst in instances:
            if all(have.get(inst + n) == values[n] for n in key):
                given = ", ".join(f"{n}={values[n]!r}" for n in key)
                raise UspError(ErrorCode.DUPLICATE_KEY, f"{inst} already has {given}")


def _check_generic(
    ctx: Context, generic: str, settings: Sequence[tuple[str, str, bool]], trust: Trust
) -> _Instance:
    """Check settings against the generic table (before the instance exists)."""
    tree = ctx.model.tree
    fake = Index()
    fake.params = {
        generic + rel: tree.params[generic + rel]
        for rel, _, _ in settings
        if generic + rel in tree.params
    }
    return check_settings(fake, generic, settings, trust)


async def _undo_add(ctx: Context, path: str) -> None:
    with suppress(CwmpFault):  # the create stands; the transaction code logged why
        await ctx.model.delete_object(path, None)


async def _unique_keys(ctx: Context, path: str) -> dict[str, str]:
    keys = {k for key in ctx.meta.unique_keys.get(paths.generic(path), ()) for k in key}
    index = await ctx.model.live_index()
    names = [path + k for k in sorted(keys) if path + k in index.params]
    if not names:
        return {}
    got = await ctx.model.get_parameter_values(names)
    return {v.name[len(path) :]: v.value for v in got}


#: Tables whose rows name the Controller that made them (TR-181 Subscription.{i}.Recipient).
RECIPIENT_TABLES = {"Device.LocalAgent.Subscription.{i}.": "Recipient"}


async def controller_path(ctx: Context, endpoint_id: str) -> str:
    """The ``Device.LocalAgent.Controller.{i}`` whose EndpointID is ``endpoint_id`` ("")."""
    index = await ctx.model.live_index()
    names = [
        n
        for n in index.params
        if n.startswith("Device.LocalAgent.Controller.")
        and n.count(".") == 4
        and n.endswith(".EndpointID")
    ]
    values = await ctx.model.read_values(names) if names else {}
    for name in sorted(values):
        if values[name] == endpoint_id:
            return name[: -len(".EndpointID")]
    return ""


async def _stamp_recipient(ctx: Context, path: str, controller: str) -> None:
    """A Subscription row a Controller adds is that Controller's (its Recipient)."""
    rel = RECIPIENT_TABLES.get(paths.generic(path))
    if rel is None or not controller:
        return
    recipient = await controller_path(ctx, controller)
    if recipient:
        ctx.model.set_local({path + rel: recipient})


async def add(
    ctx: Context, req: pb.Add, controller: str = "", trust: Trust = FULL_ACCESS
) -> pb.AddResp:
    """The AddResp for ``req`` from the Controller ``controller`` (its Endpoint ID);
    MessageError when the message fails as a whole."""
    out = pb.AddResp()
    created: list[str] = []
    for create in req.create_objs:
        result = out.created_obj_results.add(requested_path=create.obj_path)
        try:
            path, inst = await _add_one(ctx, create, trust)
        except UspError as e:
            if not req.allow_partial:
                for done in reversed(created):
                    await _undo_add(ctx, done)
                if isinstance(e, MessageError):
                    raise
                raise MessageError(e.code, e.message) from None
            failure = result.oper_status.oper_failure
            failure.err_code, failure.err_msg = e.code, e.message
            continue
        created.append(path)
        await _stamp_recipient(ctx, path, controller)
        success = result.oper_status.oper_success
        success.instantiated_path = path
        success.param_errs.extend(
            pb.AddResp.ParameterError(param=p, err_code=c, err_msg=m) for p, c, m in inst.errors
        )
        with suppress(CwmpFault):  # the instance is there; its keys could not be read back
            success.unique_keys.update(await _unique_keys(ctx, path))
    return out
