"""The CWMP-only agent pays nothing for USP: neither importing the daemon's modules nor
running the agent loads protobuf, cwmpd.usp or cwmpd.mtp (USP needs the ``cwmpd[usp]`` extra)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

RUN_AGENT = """
import random, sys
from twisted.internet import reactor
from cwmpd.config import parse_config
from cwmpd.service import makeService
import cwmpd.cli, cwmpd.ctl, cwmpd.demo

state = sys.argv[1]
config = parse_config(
    '[acs]\\nurl = "http://127.0.0.1:9/acs"\\nperiodic_inform_interval = 0\\n'
    '[connection_request]\\nenable = false\\n'
    f'[device]\\nplugins = ["simulated"]\\nstate_dir = "{state}"\\n'
    f'[control]\\nsocket = "{state}/control.sock"\\n',
    "test.toml",
)
agent = makeService(config, reactor, rng=random.Random(1), on_exit=lambda: None)
agent.startService()
reactor.callLater(1.5, reactor.stop)
reactor.run()
running = bool(agent.running)
agent.stopService()
loaded = [m for m in sys.modules if m.startswith(("google.protobuf", "cwmpd.usp", "cwmpd.mtp"))]
print("LOADED", loaded, "RAN", running)
"""


def test_running_the_cwmp_agent_loads_no_protobuf(tmp_path: Path) -> None:
    """A fresh interpreter starts the agent, lets it try its ACS, and has no protobuf loaded."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN_AGENT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED [] RAN True" in done.stdout, done.stdout
    assert (tmp_path / "control.sock").exists() or any(tmp_path.iterdir())


def test_the_checker_would_see_protobuf() -> None:
    """The same check in a process that imports the USP codec does list protobuf."""
    code = "import sys, cwmpd.usp.records\nprint(sorted({m.split('.')[0] for m in sys.modules}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0 and "google" in done.stderr:
        return  # protobuf not installed here: nothing to see, which is the point of the extra
    assert "'google'" in done.stdout, done.stderr
