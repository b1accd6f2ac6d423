"""protobuf is loaded only when USP is on: the same agent, [usp] enable true or false, in a
fresh interpreter (the CWMP-only case is tests/unit/test_optional_deps.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

RUN_AGENT = """
import random, sys
from twisted.internet import reactor
from cwmpd.config import parse_config
from cwmpd.service import makeService

state, enable = sys.argv[1], sys.argv[2]
config = parse_config(
    '[acs]\\nurl = "http://127.0.0.1:9/acs"\\nperiodic_inform_interval = 0\\n'
    '[connection_request]\\nenable = false\\n'
    f'[device]\\nplugins = ["simulated"]\\nstate_dir = "{state}"\\n'
    '[control]\\nsocket = ""\\n'
    f'[usp]\\nenable = {enable}\\n[[usp.controllers]]\\nendpoint_id = "proto::c"\\n'
    'url = "mqtt://127.0.0.1:9"\\ncontroller_topic = "/c"\\nagent_topic = "/a"\\n',
    "test.toml",
)
agent = makeService(config, reactor, rng=random.Random(1), on_exit=lambda: None)
agent.startService()
reactor.callLater(1.0, reactor.stop)
reactor.run()
agent.stopService()
loaded = sorted(m for m in sys.modules if m.startswith(("google.protobuf", "cwmpd.uspagent")))
print("LOADED", "protobuf" if "google.protobuf" in loaded else "-", "endpoint" if
      "cwmpd.uspagent.endpoint" in loaded else "-")
"""


@pytest.mark.parametrize(("enable", "expected"), [("true", "protobuf endpoint"), ("false", "- -")])
def test_protobuf_only_with_usp_on(tmp_path: Path, enable: str, expected: str) -> None:
    """[usp] enable = true loads protobuf and the endpoint; enable = false loads neither."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN_AGENT), str(tmp_path), enable],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"LOADED {expected}" in done.stdout, done.stdout + done.stderr[-2000:]
