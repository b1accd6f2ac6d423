"""FirmwareImage.{i}.Download() and Activate() over USP (real mosquitto, real HTTP): the
simulated device downloads an image, activates it, reboots into it; one OperationComplete
per command, then one Boot! with FirmwareUpdated true; bad images, checksums and URLs end
in one OperationComplete with the error; GetSupportedDM lists both commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import TimeoutError

from cwmpd.plugin.simhardware import FIRMWARE_MAGIC
from cwmpd.service import CwmpAgent
from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.mosquitto import Broker
from support.web import stop
from support.xfer_servers import Behaviour, FileServer, Listening, listen

from .test_usp_agent import controller_for, pause, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto")

IMAGE = "Device.DeviceInfo.FirmwareImage."
DOWNLOAD = IMAGE + "2.Download()"
ACTIVATE = IMAGE + "2.Activate()"
FIRMWARE = (FIRMWARE_MAGIC + "2.0.0\n").encode() + b"\0" * 4096


async def subscribe(controller: ScriptedController) -> None:
    """OperationComplete of every FirmwareImage command and Boot!, persistent, with retry."""
    for sub_id, notif_type, ref in (
        ("fw-oc", "OperationComplete", IMAGE),
        ("fw-boot", "Event", "Device.Boot!"),
    ):
        added = await controller.subscribe(
            sub_id, notif_type, ref, Persistent="true", NotifRetry="true"
        )
        assert messages.response_name(added) == "add_resp", added


def completions(controller: ScriptedController, command: str) -> list[pb.Notify]:
    """The distinct OperationComplete Notifies (by msg_id: a retry is the same one)."""
    seen: dict[str, pb.Notify] = {}
    for msg in controller.notifications:
        notify = msg.body.request.notify
        done = notify.oper_complete
        kind = notify.WhichOneof("notification")
        if kind == "oper_complete" and done.obj_path + done.command_name == command:
            seen.setdefault(msg.header.msg_id, notify)
    return list(seen.values())


def boots(controller: ScriptedController) -> list[pb.Notify]:
    """The distinct Boot! events."""
    seen: dict[str, pb.Notify] = {}
    for msg in controller.notifications:
        notify = msg.body.request.notify
        if notify.WhichOneof("notification") == "event" and notify.event.event_name == "Boot!":
            seen.setdefault(msg.header.msg_id, notify)
    return list(seen.values())


async def until(check: object, seconds: float = 60) -> None:
    """Wait until ``check()`` is true."""
    assert callable(check)
    for _ in range(int(seconds * 10)):
        if check():
            return
        await pause(0.1)
    raise TimeoutError(f"not within {seconds} s")


async def values(controller: ScriptedController, path: str) -> dict[str, str]:
    got = await controller.get([path])
    return {
        res.resolved_path + k: v
        for req in got.body.response.get_resp.req_path_results
        for res in req.resolved_path_results
        for k, v in res.result_params.items()
    }


async def operate(
    controller: ScriptedController, command: str, args: dict[str, str], key: str
) -> str:
    resp = await controller.operate(command, args, command_key=key)
    (result,) = resp.body.response.operate_resp.operation_results
    assert result.WhichOneof("operation_resp") == "req_obj_path", resp
    return result.req_obj_path


async def served(data: bytes = FIRMWARE) -> Listening:
    return await listen(FileServer({"/fw-2.0.0.img": Behaviour(data)}))


@pytest_twisted.ensureDeferred
async def test_download_then_activate_reboots_into_the_new_image(
    broker: Broker, tmp_path: Path
) -> None:
    files = await served()
    state = tmp_path / "state"
    text = usp_config(state, "http://127.0.0.1:9/acs", broker.port)
    controller = await controller_for(broker)
    agent: CwmpAgent = start_agent(text, None)
    try:
        await controller.agent_connected()
        await subscribe(controller)
        before = await values(controller, IMAGE)
        assert before[IMAGE + "1.Status"] == "Active"
        assert before[IMAGE + "1.Version"] == "1.0.0"
        assert before[IMAGE + "2.Status"] == "NoImage"
        digest = hashlib.sha256(FIRMWARE).hexdigest()
        request = await operate(
            controller,
            DOWNLOAD,
            {
                "URL": files.url("/fw-2.0.0.img"),
                "AutoActivate": "false",
                "FileSize": str(len(FIRMWARE)),
                "CheckSumAlgorithm": "SHA-256",
                "CheckSum": digest,
            },
            "dl-1",
        )
        assert request.startswith("Device.LocalAgent.Request.")
        await until(lambda: completions(controller, DOWNLOAD))
        (done,) = completions(controller, DOWNLOAD)
        assert done.oper_complete.command_key == "dl-1"
        assert done.oper_complete.WhichOneof("operation_resp") == "req_output_args", done
        got = await values(controller, IMAGE + "2.")
        assert got[IMAGE + "2.Status"] == "Available"
        assert got[IMAGE + "2.Version"] == "2.0.0"
        assert got[IMAGE + "2.Name"] == "fw-2.0.0.img"
        assert got[IMAGE + "2.Available"] == "true"

        await operate(
            controller,
            ACTIVATE,
            {
                "TimeWindow.1.Start": "0",
                "TimeWindow.1.End": "60",
                "TimeWindow.1.Mode": "Immediately",
            },
            "act-1",
        )
        await until(lambda: agent.exited, 10)  # rebooted: the supervisor starts it again
        assert completions(controller, ACTIVATE) == []  # complete only after the reboot
    finally:
        agent.stopService()
    await pause(0.5)
    agent = start_agent(text, None)
    try:
        await until(lambda: completions(controller, ACTIVATE) and boots(controller))
        (boot,) = boots(controller)
        args = boot.event.params
        assert args["FirmwareUpdated"] == "true", dict(args)
        assert (args["Cause"], args["CommandKey"]) == ("RemoteReboot", "act-1")
        (done,) = completions(controller, ACTIVATE)
        assert done.oper_complete.command_key == "act-1"
        assert done.oper_complete.WhichOneof("operation_resp") == "req_output_args", done
        got = await values(controller, "Device.DeviceInfo.")
        assert got["Device.DeviceInfo.SoftwareVersion"] == "2.0.0"
        assert got["Device.DeviceInfo.ActiveFirmwareImage"] == IMAGE + "2"
        assert got["Device.DeviceInfo.BootFirmwareImage"] == IMAGE + "2"
        assert got["Device.DeviceInfo.FirmwareImageNumberOfEntries"] == "2"
        assert got[IMAGE + "2.Status"] == "Active" and got[IMAGE + "2.Version"] == "2.0.0"
        assert got[IMAGE + "1.Status"] == "NoImage"
        assert (await values(controller, "Device.LocalAgent.Request.")) == {}
        await pause(2)
        assert len(completions(controller, ACTIVATE)) == 1 and len(boots(controller)) == 1
        assert len(completions(controller, DOWNLOAD)) == 1
    finally:
        controller.stop()
        agent.stopService()
        await stop(files.port)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"CheckSumAlgorithm": "SHA-1", "CheckSum": "00" * 20}, "checksum mismatch"),
        ({"path": "/missing.img"}, "download failed"),
        ({"data": "not firmware"}, "refused the image"),
    ],
    ids=["bad-checksum", "404", "refused-image"],
)
@pytest_twisted.ensureDeferred
async def test_a_failed_download_ends_in_one_error(
    broker: Broker, tmp_path: Path, args: dict[str, str], reason: str
) -> None:
    files = await served(args.pop("data", "").encode() or FIRMWARE)
    url = files.url(args.pop("path", "/fw-2.0.0.img"))
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        await subscribe(controller)
        await operate(controller, DOWNLOAD, {"URL": url, **args}, "bad")
        await until(lambda: completions(controller, DOWNLOAD))
        await pause(1)
        (done,) = completions(controller, DOWNLOAD)
        failure = done.oper_complete.cmd_failure
        assert failure.err_code == ErrorCode.COMMAND_FAILURE
        assert reason in failure.err_msg, failure.err_msg
        status = (await values(controller, IMAGE + "2.Status"))[IMAGE + "2.Status"]
        assert status in ("DownloadFailed", "ValidationFailed")
        resp = await controller.operate(ACTIVATE, {}, command_key="nothing")
        (result,) = resp.body.response.operate_resp.operation_results
        assert result.cmd_failure.err_code == ErrorCode.COMMAND_FAILURE  # no image to activate
    finally:
        controller.stop()
        agent.stopService()
        await stop(files.port)


@pytest_twisted.ensureDeferred
async def test_unreachable_url_and_bad_arguments(broker: Broker, tmp_path: Path) -> None:
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        await subscribe(controller)
        await operate(controller, DOWNLOAD, {"URL": "http://127.0.0.1:9/fw.img"}, "nowhere")
        await until(lambda: completions(controller, DOWNLOAD))
        (done,) = completions(controller, DOWNLOAD)
        assert "cannot contact the file server" in done.oper_complete.cmd_failure.err_msg
        for args in ({}, {"URL": "ftp://h/x"}, {"URL": "http://h/x", "CheckSum": "zz"}):
            resp = await controller.operate(DOWNLOAD, args)
            (result,) = resp.body.response.operate_resp.operation_results
            assert result.cmd_failure.err_code == ErrorCode.INVALID_ARGUMENTS, args
        resp = await controller.operate(IMAGE + "1.Download()", {"URL": "http://h/x"})
        (result,) = resp.body.response.operate_resp.operation_results
        assert "running image" in result.cmd_failure.err_msg
        supported = await controller.get_supported_dm([IMAGE])
        commands = {
            c.command_name: (c.command_type, set(c.input_arg_names))
            for req in supported.body.response.get_supported_dm_resp.req_obj_results
            for obj in req.supported_objs
            for c in obj.supported_commands
        }
        assert commands["Download()"][1] >= {"URL", "AutoActivate", "CheckSum"}
        assert "TimeWindow.{i}.Mode" in commands["Activate()"][1]
        assert commands["Activate()"][0] == pb.GetSupportedDMResp.CMD_ASYNC
    finally:
        controller.stop()
        agent.stopService()


@pytest_twisted.ensureDeferred
async def test_cancel_ends_a_download_and_frees_the_slot(broker: Broker, tmp_path: Path) -> None:
    files = await listen(FileServer({"/stall.img": Behaviour(FIRMWARE, stall=True)}))
    controller = await controller_for(broker)
    agent = start_agent(usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port), None)
    try:
        await controller.agent_connected()
        await subscribe(controller)
        request = await operate(controller, DOWNLOAD, {"URL": files.url("/stall.img")}, "stall")
        await until(lambda: True)
        status = await values(controller, IMAGE + "2.Status")
        assert status[IMAGE + "2.Status"] == "Downloading"
        busy = await controller.operate(DOWNLOAD, {"URL": files.url("/stall.img")})
        (result,) = busy.body.response.operate_resp.operation_results
        assert "running already" in result.cmd_failure.err_msg
        await controller.operate(request + "Cancel()", {})
        await until(lambda: completions(controller, DOWNLOAD))
        (done,) = completions(controller, DOWNLOAD)
        assert done.oper_complete.cmd_failure.err_code == ErrorCode.COMMAND_CANCELED
        status = await values(controller, IMAGE + "2.Status")
        assert status[IMAGE + "2.Status"] == "NoImage"
        again = await controller.operate(DOWNLOAD, {"URL": files.url("/stall.img")})
        (result,) = again.body.response.operate_resp.operation_results
        assert result.WhichOneof("operation_resp") == "req_obj_path", again
    finally:
        controller.stop()
        agent.stopService()
        await stop(files.port)


@pytest_twisted.ensureDeferred
async def test_auto_activate_reboots_into_the_image_after_the_download(
    broker: Broker, tmp_path: Path
) -> None:
    """AutoActivate true: Download()'s OperationComplete, the reboot, one Boot! with
    FirmwareUpdated and the Download's key; no Activate() was asked, none completes."""
    files = await served()
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", broker.port)
    controller = await controller_for(broker)
    agent: CwmpAgent = start_agent(text, None)
    try:
        await controller.agent_connected()
        await subscribe(controller)
        args = {"URL": files.url("/fw-2.0.0.img"), "AutoActivate": "true"}
        await operate(controller, DOWNLOAD, args, "auto-1")
        await until(lambda: completions(controller, DOWNLOAD) and agent.exited)
    finally:
        agent.stopService()
    await pause(0.5)
    agent = start_agent(text, None)
    try:
        await until(lambda: boots(controller))
        (boot,) = boots(controller)
        params = boot.event.params
        assert (params["FirmwareUpdated"], params["CommandKey"]) == ("true", "auto-1")
        got = await values(controller, "Device.DeviceInfo.")
        assert got["Device.DeviceInfo.SoftwareVersion"] == "2.0.0"
        for _ in range(50):  # the auto activation is judged once the agent is back
            got = await values(controller, "Device.DeviceInfo.")
            if got[IMAGE + "2.Status"] == "Active":
                break
            await pause(0.1)
        assert got["Device.DeviceInfo.ActiveFirmwareImage"] == IMAGE + "2"
        await pause(1)
        assert (
            completions(controller, ACTIVATE) == [] and len(completions(controller, DOWNLOAD)) == 1
        )
    finally:
        controller.stop()
        agent.stopService()
        await stop(files.port)
