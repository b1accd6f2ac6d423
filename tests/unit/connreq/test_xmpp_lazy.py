"""An agent without an XMPP connection pays nothing for it: twisted.words stays unloaded."""

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

state = sys.argv[1]
config = parse_config(
    '[acs]\\nurl = "http://127.0.0.1:9/acs"\\nperiodic_inform_interval = 0\\n'
    '[connection_request]\\nport = 0\\nudp_enable = false\\naddress = "127.0.0.1"\\n'
    f'[device]\\nplugins = ["simulated"]\\nstate_dir = "{state}"\\n[control]\\nsocket = ""\\n',
    "test.toml",
)
agent = makeService(config, reactor, rng=random.Random(1), on_exit=lambda: None)
agent.startService()
reactor.callLater(1.0, reactor.stop)
reactor.run()
value = agent.model.value("Device.ManagementServer.SupportedConnReqMethods")
agent.stopService()
loaded = [m for m in sys.modules if m.startswith(("twisted.words", "cwmpd.connreq.xmpp"))]
print("LOADED", loaded, "METHODS", value)
"""


def test_no_xmpp_connection_no_twisted_words(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN_AGENT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED [] METHODS HTTP" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
