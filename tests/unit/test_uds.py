"""The UDS binding's pieces without a socket: Frames (TR-369 4.6), the [[usp.controllers]]
keys of mtp = "uds", the reading of a RegisterResp."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from cwmpd.config import ConfigError, UspControllerConfig, parse_config
from cwmpd.mtp.uds_connection import UdsConnection, UdsPeer
from cwmpd.mtp.uds_frames import MAX_FRAME, SYNC, FrameError, FrameReader, frame, parse_tlvs
from cwmpd.plugin.load import usp_factory_values
from cwmpd.usp import messages, records
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.register import deregister_msg, register_msg, register_outcome


def test_a_frame_is_header_then_tlvs() -> None:
    """``_USP``, the length of the rest in network order, then Type (1) Length (4) Value."""
    data = frame((1, b"os::00256D-0123456789"))
    assert data[:4] == SYNC == b"\x5f\x55\x53\x50"
    assert int.from_bytes(data[4:8], "big") == len(data) - 8 == 5 + 21
    assert data[8] == 1 and int.from_bytes(data[9:13], "big") == 21
    assert FrameReader().feed(data) == [[(1, b"os::00256D-0123456789")]]


def test_frames_split_and_joined_anyhow() -> None:
    """Byte by byte, or two Frames (one with two TLVs) in one read: the same Frames."""
    stream = frame((1, b"a")) + frame((3, b"rec"), (9, b""))
    reader = FrameReader()
    got = [f for byte in stream for f in reader.feed(bytes([byte]))]
    assert got == [[(1, b"a")], [(3, b"rec"), (9, b"")]]
    assert FrameReader().feed(stream) == got


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"XUSP", "synchronization"),
        (b"_US!", "synchronization"),
        (SYNC + (MAX_FRAME + 1).to_bytes(4, "big"), "more than"),
        (SYNC + (0).to_bytes(4, "big"), "no TLV"),
        (SYNC + (3).to_bytes(4, "big") + b"\x01\x00\x00", "truncated TLV"),
        (SYNC + (6).to_bytes(4, "big") + b"\x03\x00\x00\x00\x09x", "runs past"),
    ],
)
def test_bad_frames_are_frame_errors(data: bytes, reason: str) -> None:
    """Each bad Frame: FrameError with the reason the Error Frame carries, as soon as the
    bytes show it (an oversize Header before any body)."""
    with pytest.raises(FrameError, match=reason):
        FrameReader().feed(data)


def test_the_budget_is_the_largest_record_plus_headers() -> None:
    """A Frame carrying a Record of records.MAX_RECORD_SIZE fits the budget."""
    assert MAX_FRAME >= records.MAX_RECORD_SIZE + 5
    big = frame((3, b"x" * records.MAX_RECORD_SIZE))
    assert FrameReader().feed(big) == [[(3, b"x" * records.MAX_RECORD_SIZE)]]
    with pytest.raises(FrameError):
        FrameReader(max_frame=100).feed(frame((3, b"x" * 100)))
    assert parse_tlvs(b"\x02\x00\x00\x00\x02no") == [(2, b"no")]


BASE = '[acs]\nurl = "http://acs.example/"\n[usp]\nenable = true\n[[usp.controllers]]\n'


def test_uds_controller_keys() -> None:
    """mtp = "uds" with path, mode and register: parsed; MQTT keys not needed."""
    text = BASE + (
        'endpoint_id = "proto::broker"\nmtp = "uds"\n'
        'path = "/var/run/usp/broker_controller_path"\n'
        'register = ["Device.DeviceInfo.", "Device.WiFi."]\n'
    )
    (ctrl,) = parse_config(text, "x.toml").usp.controllers
    assert ctrl == UspControllerConfig(
        endpoint_id="proto::broker",
        mtp="uds",
        path="/var/run/usp/broker_controller_path",
        register=("Device.DeviceInfo.", "Device.WiFi."),
    )
    assert ctrl.mode == "connect"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('path = "relative.sock"', "path must be an absolute"),
        ('path = "/' + "x" * 120 + '"', "longer than a Unix socket path"),
        ('path = "/s"\nmode = "both"', 'mode must be "connect" or "listen"'),
        ('path = "/s"\nregister = ["Device.DeviceInfo"]', "register paths are objects"),
        ('path = "/s"\nmode = "listen"\nregister = ["Device.X."]', "register needs mode"),
        ('path = "/s"\nurl = "mqtt://b"', 'url is not used with mtp = "uds"'),
        ('path = "/s"\nagent_topic = "/a"', "agent_topic is not used"),
    ],
)
def test_bad_uds_keys(extra: str, message: str) -> None:
    """Each mistake in a uds entry is one ConfigError naming the key."""
    text = BASE + f'endpoint_id = "proto::broker"\nmtp = "uds"\n{extra}\n'
    with pytest.raises(ConfigError, match=r"x.toml: usp.controllers\[0\]") as caught:
        parse_config(text, "x.toml")
    assert message in str(caught.value)


def test_one_socket_one_mode() -> None:
    """Two Controllers on one socket path share it; the same path in two modes is an error."""
    entry = 'endpoint_id = "proto::{n}"\nmtp = "uds"\npath = "/s"\nmode = "{m}"\n'
    two = BASE + entry.format(n="a", m="listen") + "[[usp.controllers]]\n"
    assert len(parse_config(two + entry.format(n="b", m="listen"), "x.toml").usp.controllers) == 2
    with pytest.raises(ConfigError, match=r"usp.controllers\[1\].path '/s' is listed with two"):
        parse_config(two + entry.format(n="b", m="connect"), "x.toml")


def test_register_and_deregister_messages() -> None:
    """Register: allow_partial, one RegistrationPath per path; Deregister: the paths."""
    reg = register_msg("r-1", ["Device.DeviceInfo.", "Device.Time."])
    assert reg.header.msg_type == pb.Header.REGISTER
    assert reg.body.request.register.allow_partial
    assert [p.path for p in reg.body.request.register.reg_paths] == [
        "Device.DeviceInfo.",
        "Device.Time.",
    ]
    dereg = deregister_msg("d-1", ["Device.DeviceInfo."])
    assert dereg.header.msg_type == pb.Header.DEREGISTER
    assert list(dereg.body.request.deregister.paths) == ["Device.DeviceInfo."]


def test_register_outcome_per_path_and_on_error() -> None:
    """Per-path success and failure from a RegisterResp; an Error Msg refuses every path."""
    resp = pb.RegisterResp()
    ok = resp.registered_path_results.add(requested_path="Device.A.")
    ok.oper_status.oper_success.registered_path = "Device.A."
    bad = resp.registered_path_results.add(requested_path="Device.B.")
    bad.oper_status.oper_failure.err_code = 7031
    bad.oper_status.oper_failure.err_msg = "taken"
    outcome = register_outcome(messages.response("r", resp), ["Device.A.", "Device.B."])
    assert outcome.registered == ["Device.A."]
    assert outcome.refused == [("Device.B.", 7031, "taken")]
    err = register_outcome(messages.error("r", 7028, "no"), ["Device.A."])
    assert err.registered == [] and err.refused == [("Device.A.", 7028, "no")]


def test_factory_values_of_a_uds_controller() -> None:
    """A uds Controller's MTP is Protocol UDS, without an MQTT topic."""
    text = BASE + 'endpoint_id = "proto::broker"\nmtp = "uds"\npath = "/run/usp/b"\n'
    values = usp_factory_values(parse_config(text, "x.toml"))
    assert values is not None
    assert values["Device.LocalAgent.Controller.1.MTP.1.Protocol"] == "UDS"
    assert "Device.LocalAgent.Controller.1.MTP.1.MQTT.Topic" not in values


class _Owner(UdsPeer):
    """A connection's owner that keeps what it is told."""

    def __init__(self) -> None:
        self.endpoint_id = "os::me"
        self.fake_clock = Clock()
        self.clock = self.fake_clock
        self.got: list[tuple[bytes, str]] = []
        self.on_record = lambda data, peer: self.got.append((data, peer))
        self.ready: list[str | None] = []

    def handshaken(self, connection: UdsConnection) -> None:
        self.ready.append(connection.peer_id)


def _written(transport: StringTransport) -> bytes:
    data: bytes = transport.value()  # type: ignore[no-untyped-call]
    return data


def _connection(*, client: bool) -> tuple[_Owner, UdsConnection, StringTransport]:
    owner = _Owner()
    connection = UdsConnection(owner, client=client)
    transport = StringTransport()  # type: ignore[no-untyped-call]
    connection.makeConnection(transport)  # type: ignore[no-untyped-call]
    return owner, connection, transport


def test_a_client_without_the_servers_handshake_closes_after_30_s() -> None:
    """The client Handshakes first; no answer within 30 s: it closes (R-UDS.18); a Record
    before the Handshake is ignored (R-UDS.20)."""
    owner, connection, transport = _connection(client=True)
    assert FrameReader().feed(_written(transport)) == [[(1, b"os::me")]]
    record = records.uds_connect_record("os::me", "proto::b")
    connection.dataReceived(frame((3, record)))
    assert owner.got == []
    owner.fake_clock.advance(29.9)
    assert not transport.disconnecting
    owner.fake_clock.advance(0.2)
    assert transport.disconnecting


def test_a_server_answers_the_handshake_then_takes_records() -> None:
    """The server Handshakes back, sends UDSConnect, then hands Records on with the peer's
    Endpoint ID; an invalid Endpoint ID in a Handshake is an Error Frame and a close."""
    owner, connection, transport = _connection(client=False)
    assert _written(transport) == b""
    connection.dataReceived(frame((1, b"proto::b")))
    sent = FrameReader().feed(_written(transport))
    assert sent[0] == [(1, b"os::me")]
    assert records.decode(sent[1][0][1]).WhichOneof("record_type") == "uds_connect"
    assert owner.ready == ["proto::b"]
    record = records.uds_connect_record("os::me", "proto::b")
    connection.dataReceived(frame((3, record)))
    assert owner.got == [(record, "proto::b")]
    owner.fake_clock.advance(60)
    assert not transport.disconnecting  # the Handshake timer is gone
    _, bad, bad_transport = _connection(client=False)
    bad.dataReceived(frame((1, b"has blanks")))
    assert FrameReader().feed(_written(bad_transport)) == [
        [(2, b"the Handshake carries no valid Endpoint ID")]
    ]
    assert bad_transport.disconnecting
