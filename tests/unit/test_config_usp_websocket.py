"""``mtp = "websocket"`` Controllers and ``[usp.websocket_server]``: what parses, and each
bad value one clear error naming its key; an MQTT-only agent never imports wsproto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cwmpd.config import ConfigError, UspWebSocketServerConfig, parse_config

BASE = '[acs]\nurl = "http://acs.example/"\n[usp]\nenable = true\n'
OUT = '[[usp.controllers]]\nendpoint_id = "proto::c"\nmtp = "websocket"\nurl = "{url}"\n'


def test_a_websocket_controller_needs_no_topics() -> None:
    cfg = parse_config(BASE + OUT.format(url="wss://ctrl.example:8443/usp"), "x.toml")
    (ctrl,) = cfg.usp.controllers
    assert (ctrl.mtp, ctrl.url, ctrl.keep_alive) == ("websocket", "wss://ctrl.example:8443/usp", 30)
    assert cfg.usp.websocket_server == UspWebSocketServerConfig()  # off by default


def test_the_server_section(tmp_path: Path) -> None:
    cert, ca = tmp_path / "agent.pem", tmp_path / "ca.pem"
    cert.write_text("x")
    ca.write_text("x")
    text = BASE + (
        f'[usp.websocket_server]\nenable = true\nport = 9443\nserver_cert = "{cert}"\n'
        f'ca_file = "{ca}"\n[[usp.controllers]]\nendpoint_id = "proto::c"\nmtp = "websocket"\n'
    )
    server = parse_config(text, "x.toml").usp.websocket_server
    assert (server.enable, server.port, server.path) == (True, 9443, "/usp")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (OUT.format(url="mqtt://h"), "must be a ws:// or wss:// URL"),
        (OUT.format(url="ws://h:99999/"), "url has a bad port"),
        (OUT.format(url=""), "needs [usp.websocket_server] enable = true"),
        (OUT.format(url="ws://h/") + 'ca_file = "/etc/hostname"\n', "is for wss:// URLs only"),
        (OUT.format(url="wss://h/") + 'client_cert = "/nonexistent.pem"\n', "no such file"),
        (OUT.format(url="ws://h/") + "keep_alive = -1\n", "keep_alive must be >= 0"),
        (
            "[usp.websocket_server]\nenable = true\n" + OUT.format(url="ws://h/"),
            "usp.websocket_server.server_cert is required",
        ),
        (
            "[usp.websocket_server]\nenable = true\nport = 0\n" + OUT.format(url="ws://h/"),
            "port must be 1..65535",
        ),
        ("[usp.websocket_server]\nbogus = 1\n" + OUT.format(url="ws://h/"), "unknown key"),
    ],
)
def test_bad_values_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + text, "x.toml")
    assert message in str(caught.value)


def test_an_mqtt_only_usp_agent_does_not_import_wsproto() -> None:
    """The assembly imports the WebSocket MTP lazily (only for WebSocket Controllers)."""
    code = (
        "import sys, cwmpd.service, cwmpd.uspagent.assembly\n"
        "print(sorted(m for m in sys.modules if m.startswith(('wsproto', 'cwmpd.mtp.ws'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
