#**************************************************************************
# TR-369 USP Record Protocol Buffer Schema
#
#  Copyright (c) 2017-2023, Broadband Forum
#
#  The undersigned members have elected to grant the copyright to
#  their contributed material used in this software:
#    Copyright (c) 2017-2022 ARRIS Enterprises, LLC.
#
#  Redistribution and use in source and binary forms, with or
#   without modification, are permitted provided that the following
#   conditions are met:
#
#   1. Redistributions of source code must retain the above copyright
#      notice, this list of conditions and the following disclaimer.
#
#   2. Redistributions in binary form must reproduce the above
#      copyright notice, this list of conditions and the following
#      disclaimer in the documentation and/or other materials
#      provided with the distribution.
#
#   3. Neither the name of the copyright holder nor the names of its
#      contributors may be used to endorse or promote products
#      derived from this software without specific prior written
#      permission.
#
#   THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND
#   CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES,
#   INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
#   MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
#   DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
#   CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
#   SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT
#   NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
#   LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
#   CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
#   STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
#   ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF
#   ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
#
#   The above license is used as a license under copyright only.
#   Please reference the Forum IPR Policy for patent licensing terms
#   <https://www.broadband-forum.org/ipr-policy>.
#
#   Any moral rights which are necessary to exercise under the above
#   license grant are also deemed granted under this license.
#
# BBF software release registry:
#   https://www.broadband-forum.org/software-releases
#**************************************************************************
# Generated from usp-record-1-4.proto by cwmpd.usp.generate (libprotoc 3.21.12).
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DisconnectRecord(_message.Message):
    __slots__ = ["reason", "reason_code"]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    reason_code: int
    def __init__(self, reason: _Optional[str] = ..., reason_code: _Optional[int] = ...) -> None: ...

class MQTTConnectRecord(_message.Message):
    __slots__ = ["subscribed_topic", "version"]
    class MQTTVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    SUBSCRIBED_TOPIC_FIELD_NUMBER: _ClassVar[int]
    V3_1_1: MQTTConnectRecord.MQTTVersion
    V5: MQTTConnectRecord.MQTTVersion
    VERSION_FIELD_NUMBER: _ClassVar[int]
    subscribed_topic: str
    version: MQTTConnectRecord.MQTTVersion
    def __init__(self, version: _Optional[_Union[MQTTConnectRecord.MQTTVersion, str]] = ..., subscribed_topic: _Optional[str] = ...) -> None: ...

class NoSessionContextRecord(_message.Message):
    __slots__ = ["payload"]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    def __init__(self, payload: _Optional[bytes] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ["disconnect", "from_id", "mac_signature", "mqtt_connect", "no_session_context", "payload_security", "sender_cert", "session_context", "stomp_connect", "to_id", "uds_connect", "version", "websocket_connect"]
    class PayloadSecurity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    DISCONNECT_FIELD_NUMBER: _ClassVar[int]
    FROM_ID_FIELD_NUMBER: _ClassVar[int]
    MAC_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    MQTT_CONNECT_FIELD_NUMBER: _ClassVar[int]
    NO_SESSION_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SECURITY_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT: Record.PayloadSecurity
    SENDER_CERT_FIELD_NUMBER: _ClassVar[int]
    SESSION_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STOMP_CONNECT_FIELD_NUMBER: _ClassVar[int]
    TLS12: Record.PayloadSecurity
    TO_ID_FIELD_NUMBER: _ClassVar[int]
    UDS_CONNECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WEBSOCKET_CONNECT_FIELD_NUMBER: _ClassVar[int]
    disconnect: DisconnectRecord
    from_id: str
    mac_signature: bytes
    mqtt_connect: MQTTConnectRecord
    no_session_context: NoSessionContextRecord
    payload_security: Record.PayloadSecurity
    sender_cert: bytes
    session_context: SessionContextRecord
    stomp_connect: STOMPConnectRecord
    to_id: str
    uds_connect: UDSConnectRecord
    version: str
    websocket_connect: WebSocketConnectRecord
    def __init__(self, version: _Optional[str] = ..., to_id: _Optional[str] = ..., from_id: _Optional[str] = ..., payload_security: _Optional[_Union[Record.PayloadSecurity, str]] = ..., mac_signature: _Optional[bytes] = ..., sender_cert: _Optional[bytes] = ..., no_session_context: _Optional[_Union[NoSessionContextRecord, _Mapping]] = ..., session_context: _Optional[_Union[SessionContextRecord, _Mapping]] = ..., websocket_connect: _Optional[_Union[WebSocketConnectRecord, _Mapping]] = ..., mqtt_connect: _Optional[_Union[MQTTConnectRecord, _Mapping]] = ..., stomp_connect: _Optional[_Union[STOMPConnectRecord, _Mapping]] = ..., disconnect: _Optional[_Union[DisconnectRecord, _Mapping]] = ..., uds_connect: _Optional[_Union[UDSConnectRecord, _Mapping]] = ...) -> None: ...

class STOMPConnectRecord(_message.Message):
    __slots__ = ["subscribed_destination", "version"]
    class STOMPVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    SUBSCRIBED_DESTINATION_FIELD_NUMBER: _ClassVar[int]
    V1_2: STOMPConnectRecord.STOMPVersion
    VERSION_FIELD_NUMBER: _ClassVar[int]
    subscribed_destination: str
    version: STOMPConnectRecord.STOMPVersion
    def __init__(self, version: _Optional[_Union[STOMPConnectRecord.STOMPVersion, str]] = ..., subscribed_destination: _Optional[str] = ...) -> None: ...

class SessionContextRecord(_message.Message):
    __slots__ = ["expected_id", "payload", "payload_sar_state", "payloadrec_sar_state", "retransmit_id", "sequence_id", "session_id"]
    class PayloadSARState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    BEGIN: SessionContextRecord.PayloadSARState
    COMPLETE: SessionContextRecord.PayloadSARState
    EXPECTED_ID_FIELD_NUMBER: _ClassVar[int]
    INPROCESS: SessionContextRecord.PayloadSARState
    NONE: SessionContextRecord.PayloadSARState
    PAYLOADREC_SAR_STATE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SAR_STATE_FIELD_NUMBER: _ClassVar[int]
    RETRANSMIT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    expected_id: int
    payload: _containers.RepeatedScalarFieldContainer[bytes]
    payload_sar_state: SessionContextRecord.PayloadSARState
    payloadrec_sar_state: SessionContextRecord.PayloadSARState
    retransmit_id: int
    sequence_id: int
    session_id: int
    def __init__(self, session_id: _Optional[int] = ..., sequence_id: _Optional[int] = ..., expected_id: _Optional[int] = ..., retransmit_id: _Optional[int] = ..., payload_sar_state: _Optional[_Union[SessionContextRecord.PayloadSARState, str]] = ..., payloadrec_sar_state: _Optional[_Union[SessionContextRecord.PayloadSARState, str]] = ..., payload: _Optional[_Iterable[bytes]] = ...) -> None: ...

class UDSConnectRecord(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class WebSocketConnectRecord(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...
