"""The [usp] section: the issue's example parses, USP is off without it, and each bad key or
value is one clear error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.config import ConfigError, UspControllerConfig, parse_config

BASE = '[acs]\nurl = "http://acs.example/"\n'
EXAMPLE = """
[usp]
enable = true
endpoint_id = ""                    # default os::<OUI>-<SerialNumber>
[[usp.controllers]]
endpoint_id = "proto::controller-1"
mtp = "mqtt"                        # "websocket" comes in the next issue
url = "mqtt://127.0.0.1:1883"       # mqtts:// for TLS
controller_topic = "/usp/controller"
agent_topic = "/usp/endpoint"
"""


def usp(text: str) -> str:
    return BASE + text


def test_the_issues_example() -> None:
    """Item 7's example, verbatim, gives one MQTT Controller and an empty endpoint_id."""
    cfg = parse_config(usp(EXAMPLE), "x.toml")
    assert cfg.usp.enable and cfg.usp.endpoint_id == ""
    assert cfg.usp.controllers == (
        UspControllerConfig(
            endpoint_id="proto::controller-1",
            mtp="mqtt",
            url="mqtt://127.0.0.1:1883",
            controller_topic="/usp/controller",
            agent_topic="/usp/endpoint",
        ),
    )


def test_usp_is_off_without_the_section() -> None:
    """No [usp]: disabled, no controllers."""
    cfg = parse_config(BASE, "x.toml")
    assert not cfg.usp.enable and cfg.usp.controllers == ()


def test_mqtts_with_credentials_and_tls_files(tmp_path: Path) -> None:
    """username/password and the TLS files in the ACS keys' style, for mqtts://."""
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    text = EXAMPLE.replace("mqtt://127.0.0.1:1883", "mqtts://broker.example") + (
        f'username = "agent"\npassword = "secret"\nca_file = "{ca}"\n'
    )
    ctrl = parse_config(usp(text), "x.toml").usp.controllers[0]
    assert (ctrl.username, ctrl.password, ctrl.ca_file) == ("agent", "secret", str(ca))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('mtp = "mqtt"', 'mtp = "websocket"'), "must be a ws:// or wss:// URL"),
        (('mtp = "mqtt"', 'mtp = "uds"'), "usp.controllers[0].path must be an absolute"),
        (('mtp = "mqtt"', 'mtp = "mqtt"\npath = "/x"'), 'path is for mtp = "uds" only'),
        (('mtp = "mqtt"', 'mtp = "coap"'), 'usp.controllers[0].mtp must be "mqtt"'),
        (("mqtt://127.0.0.1:1883", "http://127.0.0.1"), "must be an mqtt:// or mqtts:// URL"),
        (("mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:99999"), "url has a bad port"),
        (('"proto::controller-1"', '"has blanks"'), "usp.controllers[0].endpoint_id must"),
        (('agent_topic = "/usp/endpoint"', 'agent_topic = "/usp/#"'), "agent_topic must be"),
        (('controller_topic = "/usp/controller"', 'controller_topic = ""'), "controller_topic"),
        (('endpoint_id = ""  ', 'endpoint_id = "a b"'), "usp.endpoint_id must be printable"),
        (("enable = true", "enable = 1"), "usp.enable: expected true or false"),
        (('mtp = "mqtt"', 'mtp = "mqtt"\nport = 1'), "unknown key usp.controllers[0].port"),
        (("enable = true", "enable = true\nmax_in_flight = 0"), "usp.max_in_flight must be"),
        (("enable = true", "enable = true\nfoo = 0"), "unknown key usp.foo"),
    ],
)
def test_bad_values_are_clear_errors(change: tuple[str, str], message: str) -> None:
    """Each mistake: a ConfigError naming the file and the key."""
    old, new = change
    assert old in EXAMPLE
    with pytest.raises(ConfigError) as caught:
        parse_config(usp(EXAMPLE.replace(old, new, 1)), "x.toml")
    assert message in str(caught.value) and str(caught.value).startswith("x.toml: ")


def test_enable_without_controllers_and_duplicates() -> None:
    """USP on with no Controller, or one Controller twice, is an error."""
    with pytest.raises(ConfigError, match="at least one"):
        parse_config(usp("[usp]\nenable = true\n"), "x.toml")
    entry = EXAMPLE[EXAMPLE.index("[[usp.controllers]]") :]
    with pytest.raises(ConfigError, match="listed twice"):
        parse_config(usp(EXAMPLE + entry), "x.toml")


def test_controllers_must_be_tables() -> None:
    """usp.controllers written as a plain value is an error naming [[usp.controllers]]."""
    with pytest.raises(ConfigError, match=r"\[\[usp.controllers\]\]"):
        parse_config(usp('[usp]\ncontrollers = "x"\n'), "x.toml")


def test_tls_files_only_for_mqtts(tmp_path: Path) -> None:
    """ca_file on an mqtt:// URL is an error, and a missing file is named."""
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    with pytest.raises(ConfigError, match="for mqtts:// URLs only"):
        parse_config(usp(EXAMPLE + f'ca_file = "{ca}"\n'), "x.toml")
    text = EXAMPLE.replace("mqtt://", "mqtts://") + 'client_cert = "/nonexistent.pem"\n'
    with pytest.raises(ConfigError, match="client_cert: no such file"):
        parse_config(usp(text), "x.toml")
