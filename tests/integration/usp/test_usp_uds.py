"""USP over a real Unix socket: the agent's UDS binding against the test Broker of
tests/support/uds_broker.py (its own framing), the real Dispatcher on the simulated device.

Handshake and UDSConnect, a Get answered over UDS, Register of the configured paths (one
refused) and Deregister on stop, reconnection after the Broker restarts, bad Frames
(oversize, garbage, a Record that is no USP Record) answered with an Error Frame and a
close while the agent stays up, unknown TLV types ignored, the agent as a listening server."""

from __future__ import annotations

import random
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import deferLater

from cwmpd.config import parse_config
from cwmpd.mtp.uds import UdsClient, UdsSettings
from cwmpd.mtp.uds_frames import MAX_FRAME
from cwmpd.plugin.load import usp_factory_values
from cwmpd.service import makeService
from cwmpd.statedir import StateDir
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.assembly import UspAgent
from support.agent_harness import reactor
from support.uds_broker import ERROR, HANDSHAKE, RECORD, Broker, ServiceClient, raw_frame
from support.usp_agent import make_agent

AGENT = "os::00256D-uds-test"
BROKER = "proto::broker"
PATHS = ("Device.DeviceInfo.", "Device.Time.")


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder for sockets (tmp_path may pass the 107-byte socket path limit)."""
    path = Path(tempfile.mkdtemp(prefix="uds", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def config_text(sock: Path, *, mode: str = "connect", register: tuple[str, ...] = PATHS) -> str:
    reg = ", ".join(f'"{p}"' for p in register)
    return (
        '[acs]\nurl = "http://acs.example/"\n'
        f'[usp]\nenable = true\nendpoint_id = "{AGENT}"\n'
        "[[usp.controllers]]\n"
        f'endpoint_id = "{BROKER}"\nmtp = "uds"\npath = "{sock}"\nmode = "{mode}"\n'
        + (f"register = [{reg}]\n" if register else "")
    )


def start_usp(tmp_path: Path, text: str) -> UspAgent:
    cfg = parse_config(text, "uds.toml")
    built = make_agent(tmp_path / "state", usp_factory_values(cfg))
    usp = UspAgent(
        cfg.usp,
        built.model,
        reactor,
        built.dispatcher,
        rng=random.Random(3),
        files=StateDir(tmp_path / "state"),
    )
    usp.startService()
    return usp


@pytest_twisted.async_yield_fixture
async def world(tmp_path: Path, short_dir: Path) -> AsyncIterator[tuple[Broker, UspAgent]]:
    broker = await Broker(reactor, short_dir / "broker_controller_path").start()
    usp = start_usp(tmp_path, config_text(broker.path))
    yield broker, usp
    await _stop(usp)
    await broker.stop()


async def _stop(usp: UspAgent) -> None:
    stopped = usp.stopService()
    if stopped is not None:
        await stopped


async def _sleep(seconds: float) -> None:
    await deferLater(reactor, seconds, lambda: None)


@pytest_twisted.ensureDeferred
async def test_handshake_udsconnect_and_a_get(world: tuple[Broker, UspAgent]) -> None:
    """The agent Handshakes with its Endpoint ID, sends a UDSConnect Record, then answers
    a Get through the Dispatcher over the socket."""
    broker, _ = world
    peer = await broker.handshaken()
    assert peer.handshakes == [AGENT]
    while not peer.records:
        await _sleep(0.02)
    first = peer.records[0]
    assert first.WhichOneof("record_type") == "uds_connect"
    assert (first.to_id, first.from_id) == (BROKER, AGENT)
    answer = await broker.request(pb.Get(param_paths=["Device.DeviceInfo.SerialNumber"]))
    result = answer.body.response.get_resp.req_path_results[0]
    assert result.err_code == 0
    assert "SerialNumber" in result.resolved_path_results[0].result_params


@pytest_twisted.ensureDeferred
async def test_register_with_its_paths_one_refused(tmp_path: Path, short_dir: Path) -> None:
    """Register carries the configured paths (allow_partial); a refused path is not kept,
    and on stop the agent Deregisters only the registered one."""
    broker = await Broker(reactor, short_dir / "broker_controller_path").start()
    broker.refuse = {"Device.Time."}
    registered = broker.registered()
    usp = start_usp(tmp_path, config_text(broker.path))
    try:
        reg = await registered
        assert [p.path for p in reg.reg_paths] == list(PATHS)
        assert reg.allow_partial
        registration = usp.registrations[0]
        while registration.last is None:
            await _sleep(0.02)
        assert registration.registered == ("Device.DeviceInfo.",)
        assert [(p, c) for p, c, _ in registration.last.refused] == [("Device.Time.", 7028)]
    finally:
        await _stop(usp)
    for _ in range(100):
        if broker.deregisters:
            break
        await _sleep(0.02)
    assert [list(d.paths) for d in broker.deregisters] == [["Device.DeviceInfo."]]
    await broker.stop()


@pytest_twisted.ensureDeferred
async def test_reconnects_and_registers_again_after_the_broker_restarts(
    world: tuple[Broker, UspAgent],
) -> None:
    """The Broker goes away and comes back on the same path: the agent is back within the
    binding's 1-5 s, Handshakes and Registers again, and answers requests."""
    broker, usp = world
    await broker.registered()
    await broker.stop()
    again = Broker(reactor, broker.path)
    handshaken = again.handshaken()
    registered = again.registered()
    await again.start()
    try:
        peer = await handshaken
        assert peer.handshakes == [AGENT]
        assert [p.path for p in (await registered).reg_paths] == list(PATHS)
        answer = await again.request(pb.Get(param_paths=["Device.DeviceInfo."], max_depth=1))
        assert answer.body.response.get_resp.req_path_results[0].err_code == 0
    finally:
        await _stop(usp)
        await again.stop()


async def _bad_frame_closes(broker: Broker, data: bytes) -> str:
    """Send ``data``; the agent answers with an Error Frame and closes; returns the Error."""
    await broker.handshaken()
    conn = broker.current
    assert conn is not None
    broker.write(data)
    await conn.peer.closed
    assert len(conn.peer.errors) == 1
    return conn.peer.errors[0]


@pytest_twisted.ensureDeferred
async def test_oversize_frame_gets_an_error_and_a_close(world: tuple[Broker, UspAgent]) -> None:
    """A Header announcing more than MAX_FRAME: refused before its body is sent."""
    broker, _ = world
    head = b"_USP" + (MAX_FRAME + 1).to_bytes(4, "big")
    error = await _bad_frame_closes(broker, head)
    assert str(MAX_FRAME) in error


@pytest_twisted.ensureDeferred
async def test_garbage_gets_an_error_and_a_close(world: tuple[Broker, UspAgent]) -> None:
    """Bytes without the _USP synchronization: Error, close, and the agent reconnects."""
    broker, _ = world
    error = await _bad_frame_closes(broker, b"GET / HTTP/1.1\r\n\r\n")
    assert "_USP" in error
    peer = await broker.handshaken()  # back within 1-5 s (R-UDS.5)
    assert peer.handshakes == [AGENT]


@pytest_twisted.ensureDeferred
async def test_a_tlv_past_the_frame_gets_an_error(world: tuple[Broker, UspAgent]) -> None:
    """A TLV whose length runs past its Frame: Error and close."""
    broker, _ = world
    body = bytes([RECORD]) + (50).to_bytes(4, "big") + b"short"
    error = await _bad_frame_closes(broker, b"_USP" + len(body).to_bytes(4, "big") + body)
    assert "runs past" in error


@pytest_twisted.ensureDeferred
async def test_a_record_that_is_no_usp_record(world: tuple[Broker, UspAgent]) -> None:
    """A Type 3 TLV with text instead of a Record: Error and close (R-UDS.23)."""
    broker, _ = world
    error = await _bad_frame_closes(broker, raw_frame((RECORD, b"\xff\xff\xff not protobuf")))
    assert "cannot be extracted" in error


@pytest_twisted.ensureDeferred
async def test_unknown_types_and_a_second_handshake_are_ignored(
    world: tuple[Broker, UspAgent],
) -> None:
    """A TLV of Type 9 and another Handshake do nothing; the next Get is answered."""
    broker, _ = world
    peer = await broker.handshaken()
    broker.write(raw_frame((9, b"whatever"), (HANDSHAKE, b"proto::someone-else")))
    answer = await broker.request(pb.Get(param_paths=["Device.DeviceInfo.SerialNumber"]))
    assert answer.body.response.get_resp.req_path_results[0].err_code == 0
    assert not peer.errors
    assert not peer.closed.called


@pytest_twisted.ensureDeferred
async def test_register_sent_to_the_agent_is_refused(world: tuple[Broker, UspAgent]) -> None:
    """The agent is not a Broker: a Register (or Deregister) to it is Error 7001."""
    broker, _ = world
    await broker.handshaken()
    for body in (
        pb.Register(reg_paths=[pb.Register.RegistrationPath(path="Device.X.")]),
        pb.Deregister(paths=["Device.X."]),
    ):
        answer = await broker.request(body)
        assert answer.body.error.err_code == ErrorCode.MESSAGE_NOT_SUPPORTED
        assert "not one" in answer.body.error.err_msg


@pytest_twisted.ensureDeferred
async def test_the_agent_as_a_listening_server(tmp_path: Path, short_dir: Path) -> None:
    """mode = "listen": a local Controller connects, Handshakes first, gets the agent's
    Handshake and a UDSConnect, then a Get answered; an Error Frame from it closes."""
    sock = short_dir / "agent.sock"
    usp = start_usp(tmp_path, config_text(sock, mode="listen", register=()))
    client = ServiceClient(reactor, sock, BROKER)
    try:
        for _ in range(100):
            if sock.exists():
                break
            await _sleep(0.02)
        peer = await client.connect()
        assert peer.handshakes == [AGENT]
        answer = await client.request(pb.Get(param_paths=["Device.DeviceInfo.SerialNumber"]))
        assert answer.body.response.get_resp.req_path_results[0].err_code == 0
        assert peer.records[0].WhichOneof("record_type") == "uds_connect"
        client.write(raw_frame((ERROR, b"bye")))
        await peer.closed
    finally:
        client.close()
        await _stop(usp)


@pytest_twisted.ensureDeferred
async def test_publish_waits_for_a_connection(short_dir: Path) -> None:
    """A Record published before the Handshake goes out once the Broker is there."""
    broker = Broker(reactor, short_dir / "late.sock")
    got: list[bytes] = []
    client = UdsClient(
        _settings(broker.path), reactor, lambda data, peer: got.append(data), rng=random.Random(1)
    )
    client.startService()
    sent = client.publish(BROKER, b"")
    handshaken = broker.handshaken()
    await broker.start()
    try:
        peer = await handshaken
        await sent
        while len(peer.records) < 2:
            await _sleep(0.02)
        kinds = [r.WhichOneof("record_type") for r in peer.records]
        assert kinds == ["uds_connect", None]  # the empty Record came after UDSConnect
    finally:
        client.stopService()
        await broker.stop()


def _settings(path: Path) -> UdsSettings:
    return UdsSettings(str(path), AGENT)


@pytest_twisted.ensureDeferred
async def test_the_daemon_over_uds(tmp_path: Path, short_dir: Path) -> None:
    """The whole agent (makeService, default handler) from a config with mtp = "uds":
    it Handshakes, Registers, and a Get shows its Controller's MTP as UDS."""
    broker = await Broker(reactor, short_dir / "broker_controller_path").start()
    state = tmp_path / "daemon"
    text = config_text(broker.path).replace(
        '[acs]\nurl = "http://acs.example/"\n',
        '[acs]\nurl = "http://127.0.0.1:9/"\nperiodic_inform_interval = 0\n'
        f'[connection_request]\nenable = false\n[device]\nplugins = ["simulated"]\n'
        f'state_dir = "{state}"\n[control]\nsocket = ""\n',
    )
    registered = broker.registered()
    agent = makeService(
        parse_config(text, "uds.toml"), reactor, rng=random.Random(1), on_exit=lambda: None
    )
    agent.startService()
    try:
        assert [p.path for p in (await registered).reg_paths] == list(PATHS)
        path = "Device.LocalAgent.Controller.1.MTP.1.Protocol"
        answer = await broker.request(pb.Get(param_paths=[path]))
        result = answer.body.response.get_resp.req_path_results[0]
        assert dict(result.resolved_path_results[0].result_params) == {"Protocol": "UDS"}
    finally:
        stopped = agent.stopService()
        if stopped is not None:
            await stopped
        for _ in range(100):
            if broker.deregisters:
                break
            await _sleep(0.02)
        await broker.stop()
    assert [list(d.paths) for d in broker.deregisters] == [list(PATHS)]


@pytest_twisted.ensureDeferred
async def test_listen_replaces_a_stale_socket_not_a_file(tmp_path: Path, short_dir: Path) -> None:
    """A socket left by an earlier run (bound, nobody listening) is replaced; a regular
    file at the path is kept (the server does not listen and logs)."""
    sock = short_dir / "agent.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stale:
        stale.bind(str(sock))
    assert sock.exists()
    usp = start_usp(tmp_path, config_text(sock, mode="listen", register=()))
    client = ServiceClient(reactor, sock, BROKER)
    try:
        peer = await client.connect()
        assert peer.handshakes == [AGENT]
    finally:
        client.close()
        await _stop(usp)
    plain = short_dir / "plain"
    plain.write_text("keep me")
    usp = start_usp(tmp_path, config_text(plain, mode="listen", register=()))
    await _sleep(0.05)
    await _stop(usp)
    assert plain.read_text() == "keep me"
