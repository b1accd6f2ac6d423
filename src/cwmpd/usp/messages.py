"""USP Msg helpers over the generated 1.4 schema: build requests, responses and Errors, name
what a Msg carries, and find what a decoded Msg lacks (TR-369 7.3, R-ENC.2, R-ENC.3).

Every Msg of USP 1.3/1.4 is one of the ``Request``/``Response`` oneof members or ``Error``;
this module maps each to its ``Header.MsgType`` so that a sender never gets the two out of
step, and a receiver reads the body (which R-MSG.10 says wins over the header).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from google.protobuf.message import Message

from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

#: Request body field -> MsgType (the Request oneof in schema order).
REQUEST_TYPES: dict[str, int] = {
    "get": pb.Header.GET,
    "get_supported_dm": pb.Header.GET_SUPPORTED_DM,
    "get_instances": pb.Header.GET_INSTANCES,
    "set": pb.Header.SET,
    "add": pb.Header.ADD,
    "delete": pb.Header.DELETE,
    "operate": pb.Header.OPERATE,
    "notify": pb.Header.NOTIFY,
    "get_supported_protocol": pb.Header.GET_SUPPORTED_PROTO,
    "register": pb.Header.REGISTER,
    "deregister": pb.Header.DEREGISTER,
}
#: Response body field -> MsgType.
RESPONSE_TYPES: dict[str, int] = {
    "get_resp": pb.Header.GET_RESP,
    "get_supported_dm_resp": pb.Header.GET_SUPPORTED_DM_RESP,
    "get_instances_resp": pb.Header.GET_INSTANCES_RESP,
    "set_resp": pb.Header.SET_RESP,
    "add_resp": pb.Header.ADD_RESP,
    "delete_resp": pb.Header.DELETE_RESP,
    "operate_resp": pb.Header.OPERATE_RESP,
    "notify_resp": pb.Header.NOTIFY_RESP,
    "get_supported_protocol_resp": pb.Header.GET_SUPPORTED_PROTO_RESP,
    "register_resp": pb.Header.REGISTER_RESP,
    "deregister_resp": pb.Header.DEREGISTER_RESP,
}
#: MsgType values that name a request (R-MTP.5 answers only requests).
REQUEST_MSG_TYPES = frozenset(REQUEST_TYPES.values())

#: Requests a Controller (or a USP Service) sends to an Agent; Notify goes the other way.
AGENT_REQUESTS = frozenset(REQUEST_TYPES) - {"notify"}

_BY_MESSAGE: dict[type[Message], str] = {
    pb.Get: "get",
    pb.GetSupportedDM: "get_supported_dm",
    pb.GetInstances: "get_instances",
    pb.Set: "set",
    pb.Add: "add",
    pb.Delete: "delete",
    pb.Operate: "operate",
    pb.Notify: "notify",
    pb.GetSupportedProtocol: "get_supported_protocol",
    pb.Register: "register",
    pb.Deregister: "deregister",
}
_BY_RESPONSE: dict[type[Message], str] = {
    pb.GetResp: "get_resp",
    pb.GetSupportedDMResp: "get_supported_dm_resp",
    pb.GetInstancesResp: "get_instances_resp",
    pb.SetResp: "set_resp",
    pb.AddResp: "add_resp",
    pb.DeleteResp: "delete_resp",
    pb.OperateResp: "operate_resp",
    pb.NotifyResp: "notify_resp",
    pb.GetSupportedProtocolResp: "get_supported_protocol_resp",
    pb.RegisterResp: "register_resp",
    pb.DeregisterResp: "deregister_resp",
}


def request(msg_id: str, body: Message) -> pb.Msg:
    """A request Msg carrying ``body`` (a ``Get``, ``Notify`` ...) with the matching header."""
    name = _BY_MESSAGE.get(type(body))
    if name is None:
        raise TypeError(f"{body.DESCRIPTOR.full_name} is not a USP request")
    req = pb.Request()
    getattr(req, name).CopyFrom(body)
    return pb.Msg(
        header=pb.Header(msg_id=msg_id, msg_type=REQUEST_TYPES[name]),  # type: ignore[arg-type]
        body=pb.Body(request=req),
    )


def response(msg_id: str, body: Message) -> pb.Msg:
    """A response Msg carrying ``body`` (a ``GetResp`` ...) answering request ``msg_id``."""
    name = _BY_RESPONSE.get(type(body))
    if name is None:
        raise TypeError(f"{body.DESCRIPTOR.full_name} is not a USP response")
    resp = pb.Response()
    getattr(resp, name).CopyFrom(body)
    return pb.Msg(
        header=pb.Header(msg_id=msg_id, msg_type=RESPONSE_TYPES[name]),  # type: ignore[arg-type]
        body=pb.Body(response=resp),
    )


def error(
    msg_id: str,
    code: ErrorCode | int,
    message: str,
    param_errs: Iterable[tuple[str, ErrorCode | int, str]] = (),
) -> pb.Msg:
    """An Error Msg answering ``msg_id``; ``param_errs`` are (path, code, message) triples."""
    return pb.Msg(
        header=pb.Header(msg_id=msg_id, msg_type=pb.Header.ERROR),
        body=pb.Body(
            error=pb.Error(
                err_code=int(code),
                err_msg=message,
                param_errs=[
                    pb.Error.ParamError(param_path=p, err_code=int(c), err_msg=m)
                    for p, c, m in param_errs
                ],
            )
        ),
    )


def body_kind(msg: pb.Msg) -> str | None:
    """ "request", "response", "error" or None (the ``msg_body`` oneof is empty)."""
    return msg.body.WhichOneof("msg_body") if msg.HasField("body") else None


def request_name(msg: pb.Msg) -> str | None:
    """The request field of ``msg`` ("get", "set" ...), or None when it is no request."""
    if body_kind(msg) != "request":
        return None
    name: str | None = msg.body.request.WhichOneof("req_type")
    return name


def response_name(msg: pb.Msg) -> str | None:
    """The response field of ``msg`` ("get_resp" ...), or None when it is no response."""
    if body_kind(msg) != "response":
        return None
    name: str | None = msg.body.response.WhichOneof("resp_type")
    return name


def unknown_enums(message: Message, prefix: str = "") -> Iterator[str]:
    """Every set enum field of ``message`` (at any depth) whose value the schema does not
    name, as a dotted field path (R-ENC.2: such a payload is a failure to report)."""
    for field, value in message.ListFields():
        name = f"{prefix}{field.name}"
        if field.enum_type is not None:
            known = field.enum_type.values_by_number
            values = [value] if isinstance(value, int) else list(value)
            if any(v not in known for v in values):
                yield name
        elif field.message_type is not None and not field.message_type.GetOptions().map_entry:
            if isinstance(value, Message):
                yield from unknown_enums(value, f"{name}.")
            else:
                for index, item in enumerate(value):
                    yield from unknown_enums(item, f"{name}[{index}].")
