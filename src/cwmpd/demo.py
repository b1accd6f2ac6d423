"""``cwmpd demo``: the simulated device against a local scripted ACS, every exchange printed.

The agent runs as a child process (``python -m cwmpd --config ...``) under a tiny supervisor,
so the Reboot at the end of the first session is a real daemon restart, as under systemd.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from twisted.internet import defer, protocol
from twisted.internet.error import ProcessDone, ProcessTerminated

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import BOOT, M_REBOOT
from cwmpd.cwmp.structs import ParameterValueStruct, SetParameterAttributesStruct
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.printer import live_printer

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from cwmpd.testing.usp_controller import ScriptedController
    from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

T = TypeVar("T")

USERNAME, PASSWORD = "demo-cpe", "demo-secret"
TIMEOUT = 60.0


def script(acs: ScriptedAcs) -> None:
    """The first session's ACS requests."""
    acs.queue(messages.GetParameterNames(path="Device.ManagementServer.", next_level=True))
    acs.queue(
        messages.GetParameterValues(
            names=(
                "Device.DeviceInfo.",
                "Device.ManagementServer.PeriodicInformInterval",
            )
        )
    )
    acs.queue(
        messages.SetParameterValues(
            parameters=(
                ParameterValueStruct(
                    "Device.ManagementServer.PeriodicInformInterval", "600", "unsignedInt"
                ),
                ParameterValueStruct("Device.DeviceInfo.ProvisioningCode", "DEMO.1", "string"),
            ),
            parameter_key="demo-spv-1",
        )
    )
    acs.queue(
        messages.SetParameterAttributes(
            parameters=(
                SetParameterAttributesStruct(
                    "Device.ManagementServer.PeriodicInformInterval", True, 1, False, ()
                ),
            )
        )
    )
    acs.queue(messages.AddObject(object_name="Device.IP.Interface.", parameter_key="demo-add-1"))
    acs.queue(messages.Reboot(command_key="demo-reboot-1"))


def _free_port(kind: socket.SocketKind) -> int:
    """A port free now on 127.0.0.1, so that the agent keeps it across its restart."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, acs_url: str) -> Path:
    """The agent's config file for the demo."""
    path = folder / "cwmpd.toml"
    tcp, udp = _free_port(socket.SOCK_STREAM), _free_port(socket.SOCK_DGRAM)
    path.write_text(
        "[acs]\n"
        f'url = "{acs_url}"\nusername = "{USERNAME}"\npassword = "{PASSWORD}"\n'
        "periodic_inform_interval = 0\n"
        f'[connection_request]\naddress = "127.0.0.1"\nport = {tcp}\nudp_port = {udp}\n'
        'username = "demo-acs"\npassword = "demo-cr-secret"\n'
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        f'[control]\nsocket = "{folder / "control.sock"}"\n',
        encoding="utf-8",
    )
    return path


class _Child(protocol.ProcessProtocol):
    """Relays the agent's log lines (when verbose) and reports its exit."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.ended: defer.Deferred[int] = defer.Deferred()
        self.log: list[bytes] = []

    def errReceived(self, data: bytes) -> None:
        self.log.append(data)
        if self.verbose:
            sys.stderr.write(data.decode("utf-8", "replace"))

    def processEnded(self, reason: Any) -> None:
        code = 0 if reason.check(ProcessDone) else getattr(reason.value, "exitCode", 1)
        if reason.check(ProcessTerminated) and reason.value.signal is not None:
            code = -int(reason.value.signal)
        self.ended.callback(int(code or 0))


def _say(text: str) -> None:
    """Print, and carry on quietly when the reader went away (``cwmpd demo | head``)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


async def _demo(reactor: AgentReactor, folder: Path, verbose: bool) -> int:
    acs = ScriptedAcs(auth="digest", username=USERNAME, password=PASSWORD)
    acs.on_exchange(live_printer(_say))
    url = await acs.listen(reactor)
    config = write_config(folder, url)
    _say(f"scripted ACS at {url} (digest auth); device state in {folder / 'state'}")
    script(acs)
    argv = [sys.executable, "-m", "cwmpd", "--config", str(config), "--log-level", "info"]
    done = acs.wait_for_sessions(2, timeout=TIMEOUT)
    children: list[_Child] = []
    stopping = False

    def spawn() -> None:
        child = _Child(verbose)
        children.append(child)
        reactor.spawnProcess(child, sys.executable, argv, env=dict(os.environ))

        def ended(code: int) -> None:
            if stopping or done.called:
                return
            _say(f"--- agent exited ({code}); the supervisor starts it again")
            spawn()

        child.ended.addCallback(ended)

    spawn()
    try:
        sessions = await done
    except Exception as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        for child in children:
            sys.stderr.write(b"".join(child.log).decode("utf-8", "replace"))
        return 1
    finally:
        stopping = True
        for child in children:
            if not child.ended.called:
                child.transport.signalProcess("TERM")  # type: ignore[union-attr]
                await child.ended
        await acs.stop()
    second = sessions[1]
    ok = {BOOT, M_REBOOT} <= set(second.events)
    key = second.command_keys.get(M_REBOOT)
    _say(
        f"\n{len(sessions)} sessions completed; second session events: {second.events}; "
        f"M Reboot CommandKey={key!r}; "
        f"SoftwareVersion={second.parameters.get('Device.DeviceInfo.SoftwareVersion')}"
    )
    _say("demo OK" if ok and key == "demo-reboot-1" else "demo FAILED")
    return 0 if ok and key == "demo-reboot-1" else 1


def run_demo(state_dir: str | None = None, verbose: bool = False, usp: bool = False) -> int:
    """Run the demo; exit code 0 when the second session carried 1 BOOT + M Reboot (with
    ``usp``: when every USP request of the scripted Controller got an answer)."""
    from twisted.internet import task  # lazy: the reactor only once the demo runs

    folder = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="cwmpd-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    result = {"code": 1}

    async def main(reactor: object) -> None:
        run = _usp_demo if usp else _demo
        result["code"] = await run(agent_reactor(reactor), folder, verbose)

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
    return result["code"]


# -- cwmpd demo --usp: the agent with USP and CWMP, a broker, the scripted USP Controller --

USP_CONTROLLER = "proto::demo-controller"
USP_CONTROLLER_TOPIC = "/usp/controller/demo"
USP_AGENT_TOPIC = "/usp/agent/demo"
USP_AGENT_ID = "os::cwmpd-demo"


def _mosquitto_config(folder: Path, port: int) -> Path:
    """mosquitto's config: anonymous, on 127.0.0.1:port only, run as the current user."""
    path = folder / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true"]
    if os.geteuid() == 0:  # as root, mosquitto drops to user "mosquitto" unless told
        lines.append(f"user {getpass.getuser()}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_usp_config(folder: Path, acs_url: str, broker_port: int) -> Path:
    """The demo's agent config with a [usp] section naming the demo's Controller."""
    path = write_config(folder, acs_url)
    with path.open("a", encoding="utf-8") as out:
        out.write(
            f'[usp]\nenable = true\nendpoint_id = "{USP_AGENT_ID}"\n'
            f'[[usp.controllers]]\nendpoint_id = "{USP_CONTROLLER}"\nmtp = "mqtt"\n'
            f'url = "mqtt://127.0.0.1:{broker_port}"\n'
            f'controller_topic = "{USP_CONTROLLER_TOPIC}"\nagent_topic = "{USP_AGENT_TOPIC}"\n'
        )
    return path


async def _broker_up(reactor: AgentReactor, port: int, seconds: float = 10.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    from twisted.internet.endpoints import TCP4ClientEndpoint  # lazy: only demo --usp
    from twisted.internet.task import deferLater  # lazy: only demo --usp

    deadline = reactor.seconds() + seconds
    while True:
        try:
            probe = await TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(
                protocol.Factory.forProtocol(protocol.Protocol)
            )
            probe.transport.loseConnection()  # type: ignore[attr-defined]
            return
        except Exception:
            if reactor.seconds() > deadline:
                raise
            await deferLater(reactor, 0.1, lambda: None)


async def _usp_demo(reactor: AgentReactor, folder: Path, verbose: bool) -> int:
    from cwmpd.testing import usp_controller  # lazy: protobuf, for --usp only

    mosquitto = shutil.which("mosquitto")
    if mosquitto is None:
        print(
            "demo --usp needs mosquitto on PATH (Debian: apt-get install mosquitto)",
            file=sys.stderr,
        )
        return 1
    port = _free_port(socket.SOCK_STREAM)
    broker = _Child(verbose)
    reactor.spawnProcess(
        broker,
        mosquitto,
        [mosquitto, "-c", str(_mosquitto_config(folder, port))],
        env=dict(os.environ),
    )
    acs = ScriptedAcs(auth="digest", username=USERNAME, password=PASSWORD)
    acs.on_session_end(
        lambda s: _say(f"CWMP: session with the ACS ended; its events: {', '.join(s.events)}")
    )
    controller = usp_controller.ScriptedController(
        USP_CONTROLLER, topic=USP_CONTROLLER_TOPIC, agent_topic=USP_AGENT_TOPIC, timeout=TIMEOUT / 4
    )
    children: list[_Child] = []
    stopping = False
    try:
        await _broker_up(reactor, port)
        url = await acs.listen(reactor)
        config = write_usp_config(folder, url, port)
        _say(f"mosquitto on 127.0.0.1:{port}; scripted ACS at {url}; state in {folder / 'state'}")
        await controller.connect(reactor, f"mqtt://127.0.0.1:{port}")
        _say(f"USP Controller {USP_CONTROLLER} subscribed to {USP_CONTROLLER_TOPIC}")
        argv = [sys.executable, "-m", "cwmpd", "--config", str(config), "--log-level", "info"]

        def spawn() -> None:
            child = _Child(verbose)
            children.append(child)
            reactor.spawnProcess(child, sys.executable, argv, env=dict(os.environ))

            def ended(code: int) -> None:
                if not stopping:
                    _say(f"--- agent exited ({code}); the supervisor starts it again")
                    spawn()

            child.ended.addCallback(ended)

        spawn()
        summary = await _usp_script(controller, usp_controller.describe)
    except Exception as exc:
        print(f"demo --usp failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        for child in children:
            sys.stderr.write(b"".join(child.log).decode("utf-8", "replace"))
        return 1
    finally:
        stopping = True
        controller.stop()
        for child in [*children, broker]:
            if not child.ended.called:
                child.transport.signalProcess("TERM")  # type: ignore[union-attr]
                await child.ended
        await acs.stop()
    _say(summary)  # last, once the agent and the ACS are stopped: nothing prints after it
    return 0


async def _usp_script(
    controller: ScriptedController, describe: Callable[[pb.Msg | None], str]
) -> str:
    """The Controller's side of the demo; its summary line once every request is answered."""
    counts = {"response": 0, "error": 0}

    def show(step: str, msg: pb.Msg) -> pb.Msg:
        kind = "error" if msg.body.WhichOneof("msg_body") == "error" else "response"
        counts[kind] += 1
        _say(f"USP {step}\n    -> {describe(msg)}")
        return msg

    async def maybe(waiting: Deferred[T]) -> T | None:
        try:
            return await waiting
        except Exception:  # a timeout: nothing came
            return None

    seen = await controller.agent_connected()
    _say(f"USP: agent {seen.endpoint_id} is up (its MQTTConnect Record; topic {seen.topic})")
    boot = await maybe(defer.ensureDeferred(controller.next_notification(3)))
    _say(
        f"USP Boot! notification\n    -> {describe(boot)}"
        if boot is not None
        else "USP Boot! notification\n    -> none (no subscription to Device.Boot! yet)"
    )
    show("GetSupportedProtocol", await controller.get_supported_protocol())
    show("Get Device.DeviceInfo.", await controller.get(["Device.DeviceInfo."]))
    code = {"Device.DeviceInfo.": {"ProvisioningCode": "USP.DEMO.1"}}
    show("Set Device.DeviceInfo.ProvisioningCode", await controller.set(code))
    show("Add Device.IP.Interface.", await controller.add("Device.IP.Interface.", {}))
    subscriptions = "Device.LocalAgent.Subscription."
    value_change = {
        "Enable": "true",
        "ID": "demo-value-change",
        "NotifType": "ValueChange",
        "ReferenceList": "Device.DeviceInfo.ProvisioningCode",
    }
    show("Add Subscription (ValueChange)", await controller.add(subscriptions, value_change))
    boot_event = {
        "Enable": "true",
        "ID": "demo-boot",
        "NotifType": "Event",
        "ReferenceList": "Device.Boot!",
        "Persistent": "true",
    }
    show("Add Subscription (Boot!)", await controller.add(subscriptions, boot_event))
    notified = defer.ensureDeferred(controller.next_notification(5))
    code = {"Device.DeviceInfo.": {"ProvisioningCode": "USP.DEMO.2"}}
    show("Set Device.DeviceInfo.ProvisioningCode again", await controller.set(code))
    change = await maybe(notified)
    _say(f"USP ValueChange notification\n    -> {describe(change)}")
    booted = defer.ensureDeferred(controller.next_notification(TIMEOUT / 2))
    back = defer.ensureDeferred(controller.agent_connected(fresh=True))
    reboot = show(
        "Operate Device.Reboot()",
        await controller.operate("Device.Reboot()", command_key="demo-usp-reboot"),
    )
    if reboot.body.WhichOneof("msg_body") == "error":
        _say("USP: no reboot, so no Boot! after it")
        booted.cancel()
        back.cancel()
        booted.addErrback(lambda f: None)
        back.addErrback(lambda f: None)
    else:
        again = await maybe(back)
        _say(f"USP: agent back after the reboot: {again.endpoint_id if again else 'not seen'}")
        after = await maybe(booted)
        _say(f"USP Boot! notification after the reboot\n    -> {describe(after)}")
    return (
        f"\nUSP: {counts['response']} responses, {counts['error']} Errors; "
        "every request answered: demo --usp OK"
    )
