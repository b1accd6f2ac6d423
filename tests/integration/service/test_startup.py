"""Start-up cost (#10.12): what a fresh agent writes and loads before its first Inform.

Every state write is temp file, fsync, rename, fsync of the folder; a fresh agent published
its Connection Request parameters (ConnectionRequestURL, then UDPConnectionRequestAddress and
NATDetected) in two store writes where one does. The renames into the state folder are
recorded (a recording wrapper around os.replace) up to the first Inform of a real session on
loopback. The RPC classes of the parameter, transfer and software-module RPCs and the
transfers' HTTP client are loaded on first use, not by a start-up (a fresh interpreter's
sys.modules says).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from cwmpd import state
from cwmpd.config import parse_config
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, reactor


@pytest_twisted.ensureDeferred
async def test_fresh_start_writes_the_store_once_before_the_first_inform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store is renamed into place once, holding both Connection Request addresses, and
    no other file twice but events.json (0 BOOTSTRAP, then 1 BOOT: each event persisted)."""
    folder = tmp_path / "state"
    renamed: Counter[str] = Counter()
    real_replace = os.replace

    def recording_replace(src: Any, dst: Any) -> None:
        if Path(dst).is_relative_to(folder):
            renamed[str(Path(dst).relative_to(folder))] += 1
        real_replace(src, dst)

    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    monkeypatch.setattr(os, "replace", recording_replace)
    config = parse_config(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        '[connection_request]\nport = 0\nudp_port = 0\naddress = "127.0.0.1"\n'
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder}"\n'
    )
    runner = AgentRunner(config)
    runner.start()
    try:
        sessions = await acs.wait_for_informs(1, timeout=10)
        written = dict(renamed)  # up to the Inform's arrival
    finally:
        runner.stop()
        await acs.stop()
    assert sessions[0].events[:2] == ["0 BOOTSTRAP", "1 BOOT"]
    assert written["datamodel.json"] == 1
    assert written["events.json"] == 2
    twice = {name for name, n in written.items() if n > 1 and name != "events.json"}
    assert twice == set()
    events = state.read_json(folder / "events.json")
    assert [code for code, _ in events["events"]][:2] == ["0 BOOTSTRAP", "1 BOOT"]
    values = state.read_json(folder / "datamodel.json")["values"]
    assert values["Device.ManagementServer.ConnectionRequestURL"].startswith("http://127.0.0.1:")
    assert values["Device.ManagementServer.UDPConnectionRequestAddress"].startswith("127.0.0.1:")


STARTS = """
import sys
from twisted.internet import reactor
from cwmpd.config import parse_config
from cwmpd.service import makeService
folder = sys.argv[1]
config = parse_config(
    '[acs]\\nurl = "http://127.0.0.1:9/acs"\\n[connection_request]\\nenable = false\\n'
    f'[device]\\nplugins = ["simulated"]\\nstate_dir = "{folder}"\\n'
)
agent = makeService(config, reactor)
agent.startService()
print(" ".join(m for m in sys.modules if m.startswith("cwmpd.")))
print(agent.dispatcher.methods())
agent.stopService()
"""


def test_start_up_leaves_the_rpc_classes_it_does_not_need_unloaded(tmp_path: Path) -> None:
    """A started agent answers Download and GPV, yet has not loaded their classes, nor the
    file servers' HTTP client, nor the transfer runner."""
    done = subprocess.run(
        [sys.executable, "-c", STARTS, str(tmp_path)], capture_output=True, text=True, check=True
    )
    modules, methods = done.stdout.splitlines()
    loaded = set(modules.split())
    assert {"cwmpd.cwmp.session_messages", "cwmpd.session.http"} <= loaded
    lazy = {f"cwmpd.cwmp.{t}_messages" for t in ("param", "transfer", "du")}
    later = {"cwmpd.transfers.http", "cwmpd.transfers.runner", "cwmpd.transfers.progress"}
    assert loaded & {*lazy, *later} == set()
    assert "'Download'" in methods and "'GetParameterValues'" in methods
