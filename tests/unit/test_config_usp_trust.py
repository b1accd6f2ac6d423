"""[[usp.controllers]] role and [[usp.permissions]]: each Controller's AssignedRole, the
roles the file defines as ControllerTrust factory rows, enforced from the first message."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.config import ConfigError, parse_config
from cwmpd.plugin.load import build_model, usp_factory_values
from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.dispatch import Dispatcher
from support.fakes import stand_in

CONFIG = """
[acs]
url = "http://acs.example/"
[usp]
enable = true
[[usp.controllers]]
endpoint_id = "proto::boss"
url = "mqtt://127.0.0.1:1883"
controller_topic = "/usp/boss"
agent_topic = "/usp/endpoint"
[[usp.controllers]]
endpoint_id = "proto::viewer"
url = "mqtt://127.0.0.1:1883"
controller_topic = "/usp/viewer"
agent_topic = "/usp/endpoint"
role = "viewer"
[[usp.controllers]]
endpoint_id = "proto::guest"
url = "mqtt://127.0.0.1:1883"
controller_topic = "/usp/guest"
agent_topic = "/usp/endpoint"
role = "untrusted"
[[usp.permissions]]
role = "viewer"
targets = ["Device.DeviceInfo."]
order = 1
param = "r---"
obj = "r---"
[[usp.permissions]]
role = "viewer"
targets = ["Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.ProvisioningCode"]
order = 2
"""
LA = "Device.LocalAgent."


def test_roles_become_factory_rows_and_assigned_roles() -> None:
    values = usp_factory_values(parse_config(CONFIG, "x.toml"))
    assert values is not None
    role = LA + "ControllerTrust.Role."
    assert [values[f"{LA}Controller.{i}.AssignedRole"] for i in (1, 2, 3)] == [
        role + "1",
        role + "3",
        role + "2",
    ]
    assert (values[role + "1.Name"], values[role + "2.Name"], values[role + "3.Name"]) == (
        "Full Access",
        "Untrusted",
        "viewer",
    )
    assert values[role + "3.Permission.2.Targets"] == (
        "Device.DeviceInfo.SerialNumber,Device.DeviceInfo.ProvisioningCode"
    )
    assert values[role + "3.Permission.1.Param"] == "r---"
    assert values[LA + "ControllerTrust.UntrustedRole"] == role + "2"


@pytest_twisted.ensureDeferred
async def test_each_controller_reads_what_its_configured_role_allows(tmp_path: Path) -> None:
    values = usp_factory_values(parse_config(CONFIG, "x.toml"))
    clock = Clock()
    model, _ = build_model(
        ["simulated"], state_dir=tmp_path, factory_values={}, reactor=stand_in(clock), usp=values
    )
    dispatcher = Dispatcher(model, clock=clock, reboot=lambda _: None, factory_reset=lambda: None)

    async def names(controller: str) -> set[str]:
        req = messages.request("m", pb.Get(param_paths=["Device.DeviceInfo."]))
        msg = await dispatcher.handle(req, controller)
        assert msg is not None
        (result,) = msg.body.response.get_resp.req_path_results
        return {r.resolved_path + k for r in result.resolved_path_results for k in r.result_params}

    boss, viewer, guest = [await names(f"proto::{n}") for n in ("boss", "viewer", "guest")]
    assert "Device.DeviceInfo.SerialNumber" in boss
    assert viewer == boss - {"Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.ProvisioningCode"}
    assert guest == set()


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ('role = "viewer"', 'role = "admin"', "usp.controllers[1].role must be"),
        ('role = "viewer"\ntargets', 'role = "full"\ntargets', "usp.permissions[0].role must"),
        ('param = "r---"', 'param = "rw"', "usp.permissions[0].param must be like"),
        ("order = 2", "order = 1", "usp.permissions[1].order must be >= 0 and unique"),
        ('targets = ["Device.DeviceInfo."]', "targets = []", "usp.permissions[0].targets"),
        ("order = 1", "order = 1\nfoo = 1", "unknown key usp.permissions[0].foo"),
    ],
)
def test_bad_roles(old: str, new: str, error: str) -> None:
    assert old in CONFIG
    with pytest.raises(ConfigError, match=error.replace("[", r"\[").replace("]", r"\]")):
        parse_config(CONFIG.replace(old, new, 1), "x.toml")
