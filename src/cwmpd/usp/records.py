"""USP Records in and out (TR-369 4.1.3-4.1.5, 6): what an Agent does with the bytes an MTP
hands it, and the Records it sends.

:func:`receive` never raises on bad input. Each Record gets one outcome:

* :class:`Inbound` - a Msg to process (NoSessionContext Record, plaintext payload);
* :class:`Connected` / :class:`Disconnected` - a peer's Connect or Disconnect Record;
* :class:`Reply` - a Record to send straight back: an Error Msg when the Record is wrong but
  carries a request whose ``msg_id`` can be read (R-MTP.5), or a Disconnect Record with 7106
  for a SessionContext Record, which this Agent does not support (R-E2E.6a);
* :class:`Dropped` - ignored, with one log line saying why: not a Record, a ``to_id`` that is
  not ours (R-E2E.1), no ``record_type`` (R-ENC.4), a ``from_id`` equal to ours (R-ARC.2) or
  empty, and every case where R-MTP.5's criteria fail (no request, no readable ``msg_id``,
  an encrypted or unknown payload security). A Record longer than ``max_size`` is dropped
  unparsed: decoding it would cost what the limit is there to save, and the MTP (MQTT's
  Maximum Packet Size, the WebSocket frame limit) keeps honest peers below it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message
from twisted.logger import Logger

from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as msg_pb
from cwmpd.usp.proto import usp_record_1_4_pb2 as pb

#: The schema version this codec implements, sent in every Record it writes.
VERSION = "1.4"
#: Versions answered to GetSupportedProtocol: 1.4 reads every earlier schema.
SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
#: Default bound on an incoming Record.
MAX_RECORD_SIZE = 1024 * 1024
#: Longest Endpoint ID accepted as a ``from_id`` (R-ARC.6 caps the instance-id at 50).
MAX_ENDPOINT_ID = 256

_VERSION = re.compile(r"^([0-9]+)\.([0-9]+)$")
_ENDPOINT_ID = re.compile(r"^[!-~]+$")  # printable ASCII, no blanks

_log = Logger(namespace="cwmpd.usp")


@dataclass(frozen=True)
class Inbound:
    """A Msg from ``from_id`` to process; answer it with :func:`reply_to`."""

    from_id: str
    version: str
    msg: msg_pb.Msg


@dataclass(frozen=True)
class Connected:
    """A Connect Record: ``mtp`` is "mqtt", "websocket", "stomp" or "uds"."""

    from_id: str
    mtp: str
    subscribed: str = ""


@dataclass(frozen=True)
class Disconnected:
    """A Disconnect Record from ``from_id``."""

    from_id: str
    reason_code: int
    reason: str


@dataclass(frozen=True)
class Reply:
    """A Record (``data``) to send back over the same MTP at once, and why."""

    to_id: str
    data: bytes
    reason: str


@dataclass(frozen=True)
class Dropped:
    """An ignored Record and why (logged once by :func:`receive`)."""

    reason: str


Outcome = Inbound | Connected | Disconnected | Reply | Dropped


def valid_endpoint_id(endpoint_id: str) -> bool:
    """A usable Endpoint ID: printable ASCII without blanks, at most MAX_ENDPOINT_ID long."""
    return 0 < len(endpoint_id) <= MAX_ENDPOINT_ID and bool(_ENDPOINT_ID.match(endpoint_id))


def reply_version(theirs: str) -> str:
    """The version for a Record answering one marked ``theirs``: theirs up to ours (1.4)."""
    match = _VERSION.match(theirs)
    if match is None or match.group(1) != "1" or int(match.group(2)) > 4:
        return VERSION
    return theirs


def _parse(message: Message, data: bytes) -> str | None:
    """Fill ``message`` from ``data``; the reason it is not one, or None. Debian's C++
    protobuf only warns on a stray end-group tag: that counts as garbage here too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            message.ParseFromString(data)
        except (DecodeError, ValueError, RuntimeError) as e:
            return str(e) or type(e).__name__
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):
            return str(warning.message)
    return None


def _drop(reason: str, *, quiet: bool = False) -> Dropped:
    if quiet:
        _log.debug("USP Record ignored: {reason}", reason=reason)
    else:
        _log.warn("USP Record dropped: {reason}", reason=reason)
    return Dropped(reason)


def receive(data: bytes, agent_id: str, *, max_size: int = MAX_RECORD_SIZE) -> Outcome:
    """What to do with ``data``, a Record an MTP received for the Agent ``agent_id``."""
    if len(data) > max_size:
        return _drop(f"{len(data)} bytes, more than the {max_size} accepted")
    record = pb.Record()
    failure = _parse(record, data)
    if failure is not None:
        return _drop(f"not a USP Record ({len(data)} bytes: {failure})")
    kind = record.WhichOneof("record_type")
    if kind is None:
        return _drop("no record_type (R-ENC.4)")
    if record.to_id != agent_id:
        return _drop(f"to_id {record.to_id!r} is not this Agent's {agent_id!r} (R-E2E.1)")
    from_id = record.from_id
    if not valid_endpoint_id(from_id):
        return _drop(f"from_id {from_id[:80]!r} is not a valid Endpoint ID")
    if from_id == agent_id:
        return _drop("from_id is this Agent's own Endpoint ID (R-ARC.2)")
    if kind == "session_context":
        return _reply(
            from_id,
            disconnect_record(
                from_id,
                agent_id,
                ErrorCode.SESSION_CONTEXT_NOT_ALLOWED,
                "Session Context is not supported",
                version=reply_version(record.version),
            ),
            f"SessionContext Record from {from_id}: Disconnect 7106 (R-E2E.6a)",
        )
    if kind == "disconnect":
        return Disconnected(from_id, record.disconnect.reason_code, record.disconnect.reason)
    if kind == "mqtt_connect":
        return Connected(from_id, "mqtt", record.mqtt_connect.subscribed_topic)
    if kind == "stomp_connect":
        return Connected(from_id, "stomp", record.stomp_connect.subscribed_destination)
    if kind == "websocket_connect":
        return Connected(from_id, "websocket")
    if kind == "uds_connect":
        return Connected(from_id, "uds")
    return _no_session_context(record, agent_id)


def _no_session_context(record: pb.Record, agent_id: str) -> Outcome:
    from_id = record.from_id
    if record.payload_security != pb.Record.PLAINTEXT:
        return _drop(f"payload_security {record.payload_security} from {from_id} is not read")
    payload = record.no_session_context.payload
    if not payload:
        return _drop(f"empty payload from {from_id}", quiet=True)
    msg = msg_pb.Msg()
    failure = _parse(msg, payload)
    if failure is not None:
        return _drop(f"payload from {from_id} is not a USP Msg ({failure})")
    msg_id = msg.header.msg_id
    if not msg_id:
        return _drop(f"Msg from {from_id} has no msg_id (R-MSG.8)")
    is_request = messages.body_kind(msg) == "request" or (
        messages.body_kind(msg) is None and msg.header.msg_type in messages.REQUEST_MSG_TYPES
    )
    problem = _record_problem(record) or _msg_problem(msg)
    if problem is None:
        return Inbound(from_id, record.version, msg)
    code, text = problem
    if not is_request:
        return _drop(f"{text} in a Msg from {from_id} that is no request (R-MTP.5)")
    answer = messages.error(msg_id, code, text)
    return _reply(
        from_id,
        no_session_record(answer, from_id, agent_id, version=reply_version(record.version)),
        f"Msg {msg_id!r} from {from_id}: Error {int(code)} {text}",
    )


def _record_problem(record: pb.Record) -> tuple[ErrorCode, str] | None:
    match = _VERSION.match(record.version)
    if match is None:
        return ErrorCode.INVALID_RECORD_VALUE, f"Record version {record.version[:20]!r}"
    if match.group(1) != "1":
        return ErrorCode.INVALID_RECORD_VALUE, f"USP version {record.version} is not supported"
    return None


def _msg_problem(msg: msg_pb.Msg) -> tuple[ErrorCode, str] | None:
    kind = messages.body_kind(msg)
    if kind is None:
        return ErrorCode.INVALID_ARGUMENTS, "Msg has no body (R-ENC.3)"
    if kind == "request" and messages.request_name(msg) is None:
        return ErrorCode.INVALID_ARGUMENTS, "Request has no req_type (R-ENC.3)"
    if kind == "response" and messages.response_name(msg) is None:
        return ErrorCode.INVALID_ARGUMENTS, "Response has no resp_type (R-ENC.3)"
    unknown = list(messages.unknown_enums(msg.body))
    if unknown:
        return ErrorCode.INVALID_ARGUMENTS, f"unknown enumeration value in {', '.join(unknown)}"
    return None


def _reply(to_id: str, data: bytes, reason: str) -> Reply:
    _log.info("USP Record answered: {reason}", reason=reason)
    return Reply(to_id, data, reason)


def _record(to_id: str, from_id: str, version: str) -> pb.Record:
    return pb.Record(version=version, to_id=to_id, from_id=from_id)


def no_session_record(
    msg: msg_pb.Msg, to_id: str, from_id: str, *, version: str = VERSION
) -> bytes:
    """A NoSessionContext Record carrying ``msg`` in plaintext."""
    record = _record(to_id, from_id, version)
    record.no_session_context.payload = msg.SerializeToString()
    return record.SerializeToString()


def reply_to(inbound: Inbound, msg: msg_pb.Msg, agent_id: str) -> bytes:
    """The Record answering ``inbound`` with ``msg`` (same Record type, R-MSG.0a)."""
    return no_session_record(msg, inbound.from_id, agent_id, version=reply_version(inbound.version))


def mqtt_connect_record(
    to_id: str, from_id: str, subscribed_topic: str, *, v5: bool = True, version: str = VERSION
) -> bytes:
    """The MQTTConnect Record an Agent sends once its MQTT session is up (R-MTP.6)."""
    record = _record(to_id, from_id, version)
    record.mqtt_connect.version = pb.MQTTConnectRecord.V5 if v5 else pb.MQTTConnectRecord.V3_1_1
    record.mqtt_connect.subscribed_topic = subscribed_topic
    return record.SerializeToString()


def websocket_connect_record(to_id: str, from_id: str, *, version: str = VERSION) -> bytes:
    """The WebSocketConnect Record (no fields)."""
    record = _record(to_id, from_id, version)
    record.websocket_connect.SetInParent()
    return record.SerializeToString()


def uds_connect_record(to_id: str, from_id: str, *, version: str = VERSION) -> bytes:
    """The UDSConnect Record (no fields)."""
    record = _record(to_id, from_id, version)
    record.uds_connect.SetInParent()
    return record.SerializeToString()


def disconnect_record(
    to_id: str, from_id: str, code: ErrorCode | int, reason: str, *, version: str = VERSION
) -> bytes:
    """A Disconnect Record with ``reason_code`` and ``reason`` (R-MTP.9)."""
    record = _record(to_id, from_id, version)
    record.disconnect.reason_code = int(code)
    record.disconnect.reason = reason
    return record.SerializeToString()


def decode(data: bytes) -> pb.Record:
    """Parse a Record (for a peer's tests and tools); raises DecodeError on garbage."""
    record = pb.Record()
    record.ParseFromString(data)
    return record


def payload_msg(record: pb.Record) -> msg_pb.Msg:
    """The Msg inside a NoSessionContext Record; raises DecodeError on garbage."""
    msg = msg_pb.Msg()
    msg.ParseFromString(record.no_session_context.payload)
    return msg
