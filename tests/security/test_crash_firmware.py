"""kill -9 of the real daemon during USP firmware Download() and Activate() (issue 15 item 4):
each command the agent acknowledged (its OperateResp with a Request path) ends in exactly
one OperationComplete, each one it did not in at most one, and every activation that
rebooted the device into its image gives exactly one Boot! with FirmwareUpdated true.

One daemon (the simulated device, USP over a real mosquitto, the image served slowly
over real HTTP so that kills land in the fetch too) under a supervisor that restarts it
at once, SIGKILLed at seeded random moments timed from the daemon being up (its control
socket answering), while a ScriptedController downloads and activates a new version in
each round. A Notify retried after a kill carries the same msg_id: it is one Notify.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred, TimeoutError
from twisted.internet.interfaces import IReactorTime
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from cwmpd.plugin.simhardware import FIRMWARE_MAGIC
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.agent_harness import reactor
from support.crash_rig import Daemon, answering
from support.mosquitto import Broker
from support.mosquitto import broker as broker
from support.waiting import sleep, wait_for
from support.web import listen_local, port_number, site, stop

pytestmark = pytest.mark.needs_tools("mosquitto")

CTRL = "proto::fw-controller"
CTRL_TOPIC = "/usp/fw-controller"
AGENT_TOPIC = "/usp/fw-agent"
IMAGE = "Device.DeviceInfo.FirmwareImage."
ALIAS = "Device.IP.Interface.1.Alias"
KILLS = 16
#: Steps the targeted kills wait for: in the fetch, in an Activate()'s TimeWindow wait, and
#: after the reboot before the activation is judged (or before the device rebooted).
TARGETS = ("download:fetching", "activate:waiting", "activate:rebooting")
ROUNDS = 4
CHUNK = 32 * 1024
SIZE = 24 * CHUNK  # served in about 0.5 s


def image(version: str) -> bytes:
    head = (FIRMWARE_MAGIC + version + "\n").encode()
    return head + b"\0" * (SIZE - len(head))


class SlowFiles(Resource):
    """GET serves ``files`` by path, one chunk every 20 ms (a fetch a kill can cut)."""

    isLeaf = True

    def __init__(self, clock: IReactorTime) -> None:
        Resource.__init__(self)  # type: ignore[no-untyped-call]
        self.files: dict[str, bytes] = {}
        self.clock = clock

    def render_GET(self, request: Request) -> object:
        """The file in chunks, or 404."""
        data = self.files.get(request.path.decode())
        if data is None:
            request.setResponseCode(404)
            return b"not found"
        request.setHeader(b"content-length", str(len(data)).encode())  # type: ignore[no-untyped-call]
        gone: list[bool] = []
        request.notifyFinish().addErrback(lambda _: gone.append(True))

        def send(offset: int) -> None:
            if gone:
                return
            request.write(data[offset : offset + CHUNK])  # type: ignore[no-untyped-call]
            if offset + CHUNK < len(data):
                self.clock.callLater(0.02, send, offset + CHUNK)
            else:
                request.finish()  # type: ignore[no-untyped-call]

        send(0)
        return NOT_DONE_YET


def config(tmp: Path, port: int) -> Path:
    path = tmp / "cwmpd.toml"
    path.write_text(
        '[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp / "state"}"\n'
        f'[control]\nsocket = "{tmp}/control.sock"\n'
        '[usp]\nenable = true\nendpoint_id = "proto::fw-agent"\n'
        "[[usp.controllers]]\n"
        f'endpoint_id = "{CTRL}"\nmtp = "mqtt"\nurl = "mqtt://127.0.0.1:{port}"\n'
        f'controller_topic = "{CTRL_TOPIC}"\nagent_topic = "{AGENT_TOPIC}"\n'
    )
    return path


class Rig:
    """The daemon, the controller, the killer and what was acknowledged."""

    def __init__(self, tmp: Path, daemon: Daemon, controller: ScriptedController) -> None:
        self.tmp = tmp
        self.daemon = daemon
        self.controller = controller
        self.rng = random.Random(15)
        self.acked: dict[str, str] = {}  # command key -> command, OperateResp seen
        self.sent: dict[str, str] = {}  # every command key sent
        self.killing = True
        self.hit: Counter[str] = Counter()  # the journalled steps each kill cut

    def steps(self) -> str:
        """The firmware commands' journalled steps now ("download:fetching" ...)."""
        try:
            jobs = json.loads((self.tmp / "state" / "usp-firmware.json").read_text())["jobs"]
        except (OSError, ValueError, KeyError):
            return "none"
        return ",".join(sorted(f"{j['kind']}:{j['step']}" for j in jobs.values())) or "none"

    async def up(self) -> None:
        """Until the daemon answers on its control socket."""
        await answering(self.tmp / "control.sock", "get", ALIAS, timeout=10)

    async def killer(self) -> None:
        """KILLS kills, timed from the (re)started daemon being up: every other one
        uniform(0, 2.5) s later, the others once the journal shows the next of TARGETS
        (none if not within 10 s)."""
        target = 0
        while self.killing and self.daemon.kills < KILLS:
            starts = self.daemon.starts
            await self.up()
            if self.daemon.kills % 2:
                await sleep(self.rng.uniform(0.0, 2.5))
            else:
                step = TARGETS[target % len(TARGETS)]
                target += 1
                for _ in range(1000):
                    if step in self.steps() or self.daemon.starts != starts:
                        break
                    await sleep(0.01)
                else:
                    continue  # not reached within 10 s: on to the next target
            if not self.killing:
                return
            if self.daemon.starts == starts:
                self.hit[self.steps()] += 1
                self.daemon.kill()
            await wait_for(lambda n=starts: self.daemon.starts > n, 10, "the restart")  # type: ignore[misc]

    async def ask(self, body: object, tries: int = 40) -> pb.Msg:
        """A request, sent again until an answer comes (the daemon may be down)."""
        for _ in range(tries):
            try:
                return await self.controller.request(body, timeout=3)  # type: ignore[arg-type]
            except TimeoutError:
                await sleep(0.2)
        raise AssertionError(f"no answer to {body}")

    def completions(self) -> dict[str, list[pb.Notify]]:
        """Command key -> its distinct OperationComplete Notifies."""
        seen: dict[str, pb.Notify] = {}
        for msg in self.controller.notifications:
            notify = msg.body.request.notify
            if notify.WhichOneof("notification") == "oper_complete":
                seen.setdefault(msg.header.msg_id, notify)
        out: dict[str, list[pb.Notify]] = {}
        for notify in seen.values():
            out.setdefault(notify.oper_complete.command_key, []).append(notify)
        return out

    def boots(self) -> list[pb.Notify]:
        """The distinct Boot! Notifies."""
        seen: dict[str, pb.Notify] = {}
        for msg in self.controller.notifications:
            notify = msg.body.request.notify
            if notify.WhichOneof("notification") == "event" and notify.event.event_name == "Boot!":
                seen.setdefault(msg.header.msg_id, notify)
        return list(seen.values())

    async def command(self, command: str, args: dict[str, str], key: str) -> bool:
        """Operate once; wait for its OperationComplete if acknowledged: True on success."""
        self.sent[key] = command
        try:
            resp = await self.controller.operate(command, args, command_key=key)
        except TimeoutError:
            await sleep(1)  # it may have started all the same: give it room to show
            return False
        results = resp.body.response.operate_resp.operation_results
        if not results or results[0].WhichOneof("operation_resp") != "req_obj_path":
            return False
        self.acked[key] = command
        await wait_for(lambda: key in self.completions(), 90, f"the OperationComplete of {key}")
        return succeeded(self.completions()[key][0])

    async def free_slot(self) -> int:
        got = await self.ask(pb.Get(param_paths=["Device.DeviceInfo.ActiveFirmwareImage"]))
        (result,) = got.body.response.get_resp.req_path_results
        active = result.resolved_path_results[0].result_params["ActiveFirmwareImage"]
        return 2 if active.endswith(".1") else 1


def succeeded(notify: pb.Notify) -> bool:
    """An OperationComplete with output arguments, not an error."""
    return bool(notify.oper_complete.WhichOneof("operation_resp") == "req_output_args")


async def subscribe(rig: Rig) -> None:
    for sub_id, notif_type, ref in (
        ("fw-oc", "OperationComplete", IMAGE),
        ("fw-boot", "Event", "Device.Boot!"),
    ):
        params = {
            "Enable": "true",
            "ID": sub_id,
            "NotifType": notif_type,
            "ReferenceList": ref,
            "Persistent": "true",
            "NotifRetry": "true",
        }
        await rig.ask(
            pb.Add(
                create_objs=[
                    pb.Add.CreateObject(
                        obj_path="Device.LocalAgent.Subscription.",
                        param_settings=[
                            pb.Add.CreateParamSetting(param=k, value=v) for k, v in params.items()
                        ],
                    )
                ]
            )
        )


@pytest_twisted.ensureDeferred
async def test_crash_firmware_download_and_activate(broker: Broker, tmp_path: Path) -> None:
    began = time.monotonic()
    files = SlowFiles(reactor)
    port = await listen_local(site(files))
    base = f"http://127.0.0.1:{port_number(port)}"
    controller = ScriptedController(CTRL, topic=CTRL_TOPIC, agent_topic=AGENT_TOPIC)
    await controller.connect(reactor, f"mqtt://127.0.0.1:{broker.port}")
    daemon = Daemon(config(tmp_path, broker.port))
    daemon.start()
    rig = Rig(tmp_path, daemon, controller)
    killer: Deferred[None] | None = None
    activated: list[str] = []
    try:
        await controller.agent_connected()
        await subscribe(rig)
        killer = Deferred.fromCoroutine(rig.killer())
        r = -1
        while r + 1 < ROUNDS or (daemon.kills < KILLS and r < 40):  # a round a new version
            r += 1
            version = f"2.{r}.0"
            files.files[f"/fw-{version}.img"] = image(version)
            for attempt in range(8):  # until this round's version runs
                slot = await rig.free_slot()
                url = f"{base}/fw-{version}.img"
                key = f"dl-{r}-{attempt}"
                if not await rig.command(f"{IMAGE}{slot}.Download()", {"URL": url}, key):
                    continue
                key = f"act-{r}-{attempt}"
                window = {"TimeWindow.1.Start": "1", "TimeWindow.1.End": "3600"}
                window["TimeWindow.1.Mode"] = "AnyTime"
                if await rig.command(f"{IMAGE}{slot}.Activate()", window, key):
                    activated.append(key)
                    break
        rig.killing = False
        if killer is not None:
            await killer
        await sleep(4)  # room for a wrong repeat to show
    except BaseException:
        print(daemon.stderr.decode(errors="replace")[-4000:])
        raise
    finally:
        rig.killing = False
        controller.stop()
        await daemon.stop()
        await stop(port)
    done = rig.completions()
    repeated = {k: len(v) for k, v in done.items() if len(v) > 1}
    assert not repeated, f"OperationComplete repeated: {repeated}"
    lost = sorted(set(rig.acked) - set(done))
    assert not lost, f"acknowledged commands without an OperationComplete: {lost}"
    assert set(done) <= set(rig.sent), f"completions of unknown commands: {set(done)}"
    updated = [b for b in rig.boots() if b.event.params["FirmwareUpdated"] == "true"]
    booted = [b.event.params["CommandKey"] for b in updated]
    twice = sorted({k for k in booted if booted.count(k) > 1})
    assert not twice, f"an activation booted into its image more than once: {twice}"
    # an Activate whose OperateResp a kill or a timeout swallowed may have run all the same
    sent = {k for k, command in rig.sent.items() if command.endswith(".Activate()")}
    good = {k for k in sent & set(done) if succeeded(done[k][0])}
    assert set(activated) | good <= set(booted) <= sent, (activated, good, booted)
    failed = sent & set(done) - good
    assert not failed & set(booted), f"reported failed, yet booted into: {failed & set(booted)}"
    print(
        f"firmware campaign: {daemon.kills} kills, {len(rig.sent)} commands "
        f"({len(rig.acked)} acknowledged), {len(activated)} activations, "
        f"{time.monotonic() - began:.1f} s; kills by step: {dict(rig.hit)}"
    )
    assert daemon.kills >= KILLS
    for step in TARGETS:
        assert any(step in hit for hit in rig.hit), f"no kill in {step}: {dict(rig.hit)}"
    assert len(activated) >= ROUNDS - 1, "too few activations went through: nothing was tested"
