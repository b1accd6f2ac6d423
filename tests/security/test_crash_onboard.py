"""The first boot's USP OnBoardRequest survives kill -9: the real daemon on a fresh state
folder, under a restarting supervisor, SIGKILLed before its OnBoardRequest is
acknowledged (the Controller does not answer until then), at moments timed from the
daemon being up (its control socket answering): after the restart exactly one
OnBoardRequest arrives, and none more once it is answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.testing.usp_controller import ScriptedController
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.agent_harness import reactor
from support.crash_rig import Daemon, answering
from support.daemon import daemon_config
from support.mosquitto import Broker, broker  # noqa: F401 - a fixture, used by name
from support.waiting import sleep, wait_for

pytestmark = pytest.mark.needs_tools("mosquitto")

CTRL = "proto::controller-1"


def on_boards(controller: ScriptedController, since: int = 0) -> list[pb.Notify]:
    return [
        m.body.request.notify
        for m in controller.notifications[since:]
        if m.body.request.notify.WhichOneof("notification") == "on_board_req"
    ]


def usp_daemon_config(tmp: Path, port: int) -> Path:
    """The crash rig's daemon config (no ACS listening) with USP over the broker."""
    path = daemon_config(tmp, "http://127.0.0.1:9/acs")
    path.write_text(
        path.read_text()
        + "[usp]\nenable = true\n[[usp.controllers]]\n"
        + f'endpoint_id = "{CTRL}"\nmtp = "mqtt"\nurl = "mqtt://127.0.0.1:{port}"\n'
        + 'controller_topic = "/usp/controller"\nagent_topic = "/usp/endpoint"\n'
    )
    return path


@pytest.mark.parametrize("moment", ["up", "up+0.3s", "sent"])
@pytest_twisted.ensureDeferred
async def test_killed_before_the_ack_gives_one_on_board_request_after_restart(
    broker: Broker,  # noqa: F811 - the fixture
    tmp_path: Path,
    moment: str,
) -> None:
    """``up``: killed as the control socket first answers (the Notify most likely not yet
    queued); ``up+0.3s``: a little later; ``sent``: once the Controller got it, unanswered."""
    controller = ScriptedController(CTRL, send_notify_resp=False)
    await controller.connect(reactor, f"mqtt://127.0.0.1:{broker.port}")
    daemon = Daemon(usp_daemon_config(tmp_path, broker.port))
    socket = tmp_path / "control.sock"
    daemon.start()
    try:
        await answering(socket, "status")  # the daemon is up: its control socket answers
        if moment == "up+0.3s":
            await sleep(0.3)
        elif moment == "sent":
            await wait_for(lambda: on_boards(controller), 20, "the OnBoardRequest")
        daemon.kill()
        before = len(on_boards(controller))
        mark = len(controller.notifications)
        controller.send_notify_resp = True
        await wait_for(lambda: daemon.starts == 2, 10, "the restart")
        await wait_for(lambda: on_boards(controller, mark), 30, "the OnBoardRequest after it")
        await sleep(3.0)  # a second one would come now, or at the next retry
        assert len(on_boards(controller, mark)) == 1, daemon.stderr.decode(errors="replace")
        assert before <= 1 and daemon.kills == 1
        saved = json.loads((tmp_path / "state" / "agent.json").read_text())
        assert saved["usp_onboard"] is False
    finally:
        controller.stop()
        await daemon.stop()
