"""cwmpctl (a real subprocess) against a real agent (simulated device) and its control socket."""

from __future__ import annotations

import json
import random
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer

from cwmpd.config import load_config
from cwmpd.cwmp.structs import SetParameterAttributesStruct
from cwmpd.service import CwmpAgent, makeService
from support.agent_harness import reactor
from support.processes import cwmpctl

CODE = "Device.DeviceInfo.ProvisioningCode"
Running = tuple[CwmpAgent, Path]


@pytest_twisted.async_yield_fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """A started agent (unreachable ACS, no Connection Request) serving a control socket."""
    sock = tmp_path / "run" / "control.sock"
    path = tmp_path / "cwmpd.toml"
    path.write_text(
        '[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[control]\nsocket = "{sock}"\n'
    )
    agent = makeService(load_config(path), reactor, rng=random.Random(7))
    agent.startService()
    yield agent, sock
    await defer.maybeDeferred(agent.stopService)


@pytest_twisted.ensureDeferred
async def test_socket_is_0660_and_status_shows_the_agent(running: Running) -> None:
    """The socket is group-only (0660) and status shows ACS URL and the BOOTSTRAP event."""
    _, sock = running
    assert stat.S_IMODE(sock.stat().st_mode) == 0o660
    code, out, err = await cwmpctl(sock, "status")
    assert code == 0, err
    assert "ACS URL:        http://127.0.0.1:9/acs" in out
    assert "0 BOOTSTRAP" in out
    code, out, _ = await cwmpctl(sock, "--json", "status")
    assert json.loads(out)["acs_url"] == "http://127.0.0.1:9/acs"


@pytest_twisted.ensureDeferred
async def test_get_and_dump_model(running: Running) -> None:
    """get prints name = value; dump-model --json lists the whole simulated tree."""
    _, sock = running
    code, out, _ = await cwmpctl(sock, "get", "Device.ManagementServer.URL")
    assert (code, out) == (0, "Device.ManagementServer.URL = http://127.0.0.1:9/acs\n")
    code, out, _ = await cwmpctl(sock, "--json", "dump-model")
    names = {p["name"] for p in json.loads(out)}
    assert CODE in names and len(names) > 10
    code, _, err = await cwmpctl(sock, "get", "Device.NoSuchThing")
    assert code == 1 and "9005" in err


@pytest_twisted.ensureDeferred
async def test_set_follows_access_list_and_counts_as_local_change(
    running: Running,
) -> None:
    """set is refused until the AccessList grants Subscriber; then it is a local change."""
    agent, sock = running
    seen: list[tuple[dict[str, str], str]] = []

    def record(values: Mapping[str, str], source: str) -> None:
        seen.append((dict(values), source))

    agent.model.subscribe(record)
    code, _, err = await cwmpctl(sock, "set", CODE, "shop-42")
    assert code == 1 and "Subscriber" in err
    assert agent.model.value(CODE) == ""
    grant = SetParameterAttributesStruct(CODE, False, 0, True, ("Subscriber",))
    await agent.model.set_parameter_attributes([grant])
    code, out, err = await cwmpctl(sock, "set", CODE, "shop-42")
    assert (code, out) == (0, f"{CODE} = shop-42\n"), err
    assert agent.model.value(CODE) == "shop-42"
    assert seen == [({CODE: "shop-42"}, "local")]
    assert agent.model.pending_active_changes()  # ProvisioningCode is active-notify


@pytest_twisted.ensureDeferred
async def test_inform_and_notify(running: Running) -> None:
    """inform queues the event for the next session; notify reports a local change."""
    agent, sock = running
    seen: list[str] = []
    agent.model.subscribe(lambda values, source: seen.append(source))
    code, out, err = await cwmpctl(sock, "inform", "2 PERIODIC")
    assert (code, out) == (0, "session requested with 2 PERIODIC\n"), err
    assert "2 PERIODIC" in [e.code for e in agent.events.queued()]
    code, _, err = await cwmpctl(sock, "inform", "9 NOT AN EVENT")
    assert code == 1 and "unknown event" in err
    code, out, err = await cwmpctl(sock, "inform")
    assert (code, out) == (0, "session requested with 2 PERIODIC\n"), err
    code, out, err = await cwmpctl(sock, "notify", CODE)
    assert (code, out) == (0, f"{CODE} = \n"), err
    assert seen == ["local"]


def test_no_daemon_is_exit_code_3(tmp_path: Path) -> None:
    """Without a daemon (no socket, or a stale socket file) cwmpctl says so and exits 3."""
    missing = tmp_path / "control.sock"
    run = [sys.executable, "-m", "cwmpd.ctl", "--socket", str(missing), "status"]
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert done.stderr == f"cwmpctl: cwmpd is not running (no socket at {missing})\n"
    import socket

    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(missing))  # bound, never listening: like a crashed daemon's socket
    stale.close()
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert (done.returncode, "not running" in done.stderr) == (3, True)


@pytest_twisted.ensureDeferred
async def test_reload_rereads_the_config_and_keeps_state(running: Running) -> None:
    """reload: a changed ACS URL in the file is used (with BOOTSTRAP); a broken file is refused."""
    agent, sock = running
    config = Path(agent.config.source)
    config.write_text(config.read_text().replace("127.0.0.1:9/acs", "127.0.0.1:10/other"))
    code, out, err = await cwmpctl(sock, "reload")
    assert "reloaded" in out
    assert code == 0, err
    assert agent.model.value("Device.ManagementServer.URL") == "http://127.0.0.1:10/other"
    assert next(e.code for e in agent.events.queued()) == "0 BOOTSTRAP"
    config.write_text("[acs\n")
    code, _out, err = await cwmpctl(sock, "reload")
    assert code == 1 and "not valid TOML" in err
    assert err.startswith(f"cwmpctl: {config}: not valid TOML") and err.count("\n") == 1, err
    assert "internal error" not in err and "ConfigError" not in err
    assert agent.running and agent.config.acs.url == "http://127.0.0.1:10/other"


@pytest_twisted.ensureDeferred
async def test_transfers_lists_the_queue(running: Running) -> None:
    """transfers: an empty queue, then a queued Download with its state."""
    agent, sock = running
    code, out, err = await cwmpctl(sock, "--json", "transfers")
    assert code == 0, err
    assert json.loads(out) == []
    from cwmpd.cwmp import messages as m

    await agent.dispatcher.answer(
        m.Download("dl-1", "1 Firmware Upgrade Image", "http://127.0.0.1:9/fw", "", "", 0, "", 3600)
    )
    code, out, err = await cwmpctl(sock, "--json", "transfers")
    assert code == 0, err
    (item,) = json.loads(out)
    assert item["command_key"] == "dl-1" and item["queue_state"] == 1


@pytest.mark.parametrize("code", ["7 TRANSFER COMPLETE", "0 BOOTSTRAP", "1 BOOT"])
@pytest_twisted.ensureDeferred
async def test_inform_refuses_events_it_cannot_back(running: Running, code: str) -> None:
    """inform "7 TRANSFER COMPLETE" / BOOTSTRAP / BOOT: one line, exit 1, nothing queued."""
    agent, sock = running
    before = [e.code for e in agent.events.queued()]
    rc, out, err = await cwmpctl(sock, "inform", code)
    assert (rc, out) == (1, ""), err
    assert err.startswith("cwmpctl: ") and err.count("\n") == 1 and code in err, err
    assert [e.code for e in agent.events.queued()] == before
    assert not (set(before) - {"0 BOOTSTRAP", "1 BOOT"})


@pytest.mark.parametrize("timeout", ["0", "-1", "nan"])
def test_bad_timeout_is_one_line(tmp_path: Path, timeout: str) -> None:
    """--timeout 0 (or negative, or NaN) is a usage error in one line, never a traceback."""
    run = [sys.executable, "-m", "cwmpd.ctl", "--socket", str(tmp_path / "s"),
           "--timeout", timeout, "status"]  # fmt: skip
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "cwmpctl: --timeout must be a number of seconds > 0\n"
