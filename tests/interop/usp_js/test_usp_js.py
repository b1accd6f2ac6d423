"""Interop with an independent USP Controller: usp-js (npm, BSD-3) drives the running agent
through mosquitto with get, set, add, del, instances, supportedDM, supportedProto, operate
"Device.Reboot()", an asynchronous IPPing() (its OperationComplete), a ValueChange
subscription and SendOnBoardRequest() with the OnBoardRequest it brings (drive.js prints
each step's result).

Every step runs against the agent's own message handlers (cwmpd.uspagent.dispatch) on the
simulated device. Without node, npm or the installed package
(``npm ci`` here, as .ci/run does) the tests skip with one line, and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import utils

from cwmpd.config import parse_config
from cwmpd.service import makeService
from cwmpd.uspagent.onboard import is_on_board_request
from cwmpd.uspagent.supported import USP_VERSIONS
from support.agent_harness import reactor
from support.mosquitto import Broker

HERE = Path(__file__).resolve().parent
AGENT_ID = "os::cwmpd-interop"
CONTROLLER_ID = "proto::interop-usp-controller"  # usp-js's default fromId
AGENT_TOPIC = "/usp/endpoint"
CONTROLLER_TOPIC = "/usp/controller"
STEPS = (
    "get",
    "set",
    "add",
    "instances",
    "supportedDM",
    "del",
    "subscription",
    "asyncOperate",
    "onBoardRequest",
    "operate",
)

pytestmark = pytest.mark.needs_tools("mosquitto")

_RESULTS: dict[str, Any] = {}


def _need_usp_js() -> str:
    """The node program; skips (fails under CI) without node, npm or usp-js installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    missing = [name for name, path in (("node", node), ("npm", npm)) if path is None]
    if not (HERE / "node_modules" / "usp-js" / "package.json").is_file():
        missing.append(f"usp-js (run npm ci in {HERE.relative_to(HERE.parents[2])})")
    if missing or node is None:
        msg = f"usp-js interop needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return node


async def _run(broker: Broker, state: Path) -> dict[str, Any]:
    """Start the agent with USP over ``broker``, run drive.js against it, return its JSON."""
    node = _need_usp_js()
    text = (
        '[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{state}"\n'
        '[control]\nsocket = ""\n'
        f'[usp]\nenable = true\nendpoint_id = "{AGENT_ID}"\n'
        f'[[usp.controllers]]\nendpoint_id = "{CONTROLLER_ID}"\nmtp = "mqtt"\n'
        f'url = "mqtt://127.0.0.1:{broker.port}"\n'
        f'controller_topic = "{CONTROLLER_TOPIC}"\nagent_topic = "{AGENT_TOPIC}"\n'
    )
    agent = makeService(
        parse_config(text, "interop.toml"),
        reactor,
        rng=random.Random(1),
        on_exit=lambda: None,
    )
    agent.startService()
    try:
        assert agent.usp is not None
        await agent.usp.ready.addTimeout(10, reactor)
        args = {
            "host": "127.0.0.1",
            "port": broker.port,
            "toId": AGENT_ID,
            "fromId": CONTROLLER_ID,
            "agentTopic": AGENT_TOPIC,
            "controllerTopic": CONTROLLER_TOPIC,
            "timeout": 5000,
        }
        out, err, code = await utils.getProcessOutputAndValue(  # type: ignore[no-untyped-call]
            node,
            [str(HERE / "drive.js"), json.dumps(args)],
            env=dict(os.environ),
            path=str(HERE),
            reactor=reactor,
        ).addTimeout(120, reactor)
        device = await agent.model.device_id()
        assert agent.usp.notifications is not None
        queued = agent.usp.notifications.delivery.queued()
    finally:
        agent.stopService()
    lines = out.decode().strip().splitlines()
    assert lines, f"drive.js printed nothing (exit {code}): {err.decode()[-2000:]}"
    results: dict[str, Any] = json.loads(lines[-1])
    results["_exit"] = code
    results["_device"] = [device.oui, device.product_class, device.serial_number]
    results["_queued_on_boards"] = [e.msg_id for e in queued if is_on_board_request(e)]
    return results


async def results(broker: Broker, tmp_path: Path) -> dict[str, Any]:
    """drive.js's results, run once for the module (each test then reads its step)."""
    if not _RESULTS:
        _RESULTS.update(await _run(broker, tmp_path / "state"))
    return _RESULTS


def _explain(step: dict[str, Any] | None) -> str:
    return json.dumps(step)[:800]


@pytest_twisted.ensureDeferred
async def test_usp_js_connects_and_gets_the_supported_protocols(
    broker: Broker, tmp_path: Path
) -> None:
    """usp-js connects through mosquitto and the agent answers GetSupportedProtocol."""
    got = await results(broker, tmp_path)
    assert got["connect"]["ok"], _explain(got["connect"])
    proto = got["supportedProto"]
    assert proto["ok"], _explain(proto)
    versions = proto["result"]  # usp-js splits the comma-separated list
    assert isinstance(versions, list) and "1.4" in versions, _explain(proto)


@pytest_twisted.ensureDeferred
async def test_the_harness_reports_every_step(broker: Broker, tmp_path: Path) -> None:
    """drive.js ran to its end and reported each step, passed or failed."""
    got = await results(broker, tmp_path)
    assert got["_exit"] == 0 and "harness" not in got, _explain(got)
    for step in STEPS:
        assert set(got[step]) & {"result", "error"}, step


@pytest.mark.parametrize("step", STEPS)
@pytest_twisted.ensureDeferred
async def test_usp_js_step(step: str, broker: Broker, tmp_path: Path) -> None:
    """Each message usp-js sends is answered as it expects (needs the message handlers)."""
    got = await results(broker, tmp_path)
    assert got[step]["ok"], _explain(got[step])


@pytest_twisted.ensureDeferred
async def test_usp_js_async_ipping_gets_its_operation_complete(
    broker: Broker, tmp_path: Path
) -> None:
    """usp-js's asynchronous operate (its own OperationComplete subscription, then Operate)
    of IPPing() to 127.0.0.1 resolves with the OperationComplete's output arguments."""
    got = await results(broker, tmp_path)
    step = got["asyncOperate"]
    assert step["ok"], _explain(step)
    out = step["result"]  # usp-js resolves with the output arguments
    assert out["Status"] == "Complete", _explain(step)
    assert out["SuccessCount"] == "1" and out["FailureCount"] == "0", _explain(step)
    assert out["IPAddressUsed"] == "127.0.0.1", _explain(step)


@pytest_twisted.ensureDeferred
async def test_usp_js_receives_the_on_board_request(broker: Broker, tmp_path: Path) -> None:
    """SendOnBoardRequest() from usp-js: the OnBoardRequest that follows decodes in usp-js
    with the agent's OUI, ProductClass, SerialNumber and USP versions, and the NotifyResp
    usp-js sends back (empty subscription_id) ends its retries. usp-js hands it to no
    handler (it routes Notifies by subscription_id, empty here): drive.js takes it from the
    connection's onError hook."""
    got = await results(broker, tmp_path)
    step = got["onBoardRequest"]
    assert step["ok"], _explain(step)
    notify = step["result"]["notify"]
    assert notify["sendResp"] is True and not notify.get("subscriptionId"), _explain(step)
    req = notify["onBoardReq"]
    fields = [req["oui"], req["productClass"], req["serialNumber"]]
    assert fields == got["_device"], _explain(step)
    assert req["agentSupportedProtocolVersions"] == USP_VERSIONS, _explain(step)
    answered = set(step["result"]["answered"])
    assert answered and not answered & set(got["_queued_on_boards"]), _explain(step)
