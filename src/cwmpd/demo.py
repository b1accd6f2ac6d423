"""``cwmpd demo``: the simulated device against a local scripted ACS, every exchange printed.

The agent runs as a child process (``python -m cwmpd --config ...``) under a tiny supervisor,
so the Reboot at the end of the first session is a real daemon restart, as under systemd.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from twisted.internet import defer, protocol
from twisted.internet.error import ProcessDone, ProcessTerminated

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import BOOT, M_REBOOT
from cwmpd.cwmp.structs import ParameterValueStruct, SetParameterAttributesStruct
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.printer import live_printer

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


def run_demo(state_dir: str | None = None, verbose: bool = False) -> int:
    """Run the demo; exit code 0 when the second session carried 1 BOOT + M Reboot."""
    from twisted.internet import task  # lazy: the reactor only once the demo runs

    folder = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="cwmpd-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    result = {"code": 1}

    async def main(reactor: object) -> None:
        result["code"] = await _demo(agent_reactor(reactor), folder, verbose)

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
    return result["code"]
