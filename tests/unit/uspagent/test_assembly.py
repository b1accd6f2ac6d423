"""USP assembly from [usp]: the os:: Endpoint ID, one MQTT connection per broker, the TLS
files checked like the ACS's, the default handler of this build."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.config import ConfigError, parse_config
from cwmpd.uspagent.assembly import broker_settings, os_endpoint_id, tls_for

BASE = '[acs]\nurl = "http://acs.example/"\n[usp]\nenable = true\n'


def controller(endpoint_id: str, url: str, agent_topic: str = "/a", extra: str = "") -> str:
    return (
        f'[[usp.controllers]]\nendpoint_id = "{endpoint_id}"\nurl = "{url}"\n'
        f'controller_topic = "/c/{endpoint_id}"\nagent_topic = "{agent_topic}"\n{extra}'
    )


def test_os_endpoint_id() -> None:
    """os::<OUI>-<SerialNumber>; characters outside the unreserved set are %-encoded."""
    assert os_endpoint_id("00256D", "SN0001") == "os::00256D-SN0001"
    assert os_endpoint_id("00256D", "a b/c") == "os::00256D-a%20b%2Fc"


def test_controllers_on_one_broker_share_a_connection() -> None:
    """Same URL, agent topic and credentials: one MqttSettings naming both Controllers."""
    text = BASE + controller("proto::one", "mqtt://b1") + controller("proto::two", "mqtt://b1")
    text += controller("proto::three", "mqtt://b2") + controller("proto::four", "mqtt://b1", "/x")
    cfg = parse_config(text, "x.toml")
    brokers = broker_settings(cfg.usp, "os::me", cfg.source)
    assert [(b.url, b.agent_topic, b.controllers) for b in brokers] == [
        ("mqtt://b1", "/a", (("proto::one", "/c/proto::one"), ("proto::two", "/c/proto::two"))),
        ("mqtt://b2", "/a", (("proto::three", "/c/proto::three"),)),
        ("mqtt://b1", "/x", (("proto::four", "/c/proto::four"),)),
    ]
    assert {b.endpoint_id for b in brokers} == {"os::me"}
    assert brokers[0].username is None and brokers[0].password is None


def test_a_bad_tls_file_is_a_config_error(tmp_path: Path) -> None:
    """An mqtts:// Controller whose ca_file is no certificate: ConfigError naming it."""
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    text = BASE + controller("proto::one", "mqtts://b1", extra=f'ca_file = "{bad}"\n')
    cfg = parse_config(text, "x.toml")
    with pytest.raises(ConfigError, match=r"x.toml: usp.controllers\[0\]"):
        tls_for(cfg.usp.controllers[0], cfg.source, 0)
