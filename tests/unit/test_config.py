"""Tests for the TOML config loader: the shipped example loads, every mistake is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
GOOD = '[acs]\nurl = "http://127.0.0.1:7547/acs"\n[device]\nplugins = ["simulated"]\n'


def test_shipped_example_loads() -> None:
    """etc/cwmpd/cwmpd.toml is a valid config with the documented defaults."""
    cfg = load_config(REPO / "etc" / "cwmpd" / "cwmpd.toml")
    assert cfg.acs.url == "https://acs.example.net:7547/"
    assert cfg.acs.periodic_inform_interval == 3600
    assert cfg.connection_request.port == 7547
    assert cfg.device.plugins == ("linux",)
    assert cfg.device.state_dir == "/var/lib/cwmpd"


def test_minimal_config_gets_defaults() -> None:
    """Only the ACS URL is needed; the rest defaults."""
    cfg = parse_config(GOOD)
    assert cfg.acs.timeout == 30.0
    assert cfg.acs.allow_basic_over_http is False
    assert cfg.device.plugins == ("simulated",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[acs\n", "not valid TOML"),
        ('[acs]\nurl = "http://x/"\nurll = 1\n', "unknown key acs.urll"),
        ('[acs]\nurl = "http://x/"\n[nope]\n', r"unknown section \[nope\]"),
        ('[acs]\nurl = "ftp://x/"\n', "acs.url must be an http"),
        ("[acs]\nurl = 5\n", "acs.url: expected a string"),
        ('[acs]\nurl = "http://x/"\nperiodic_inform_interval = "60"\n', "expected an integer"),
        ('[acs]\nurl = "http://x/"\nallow_basic_over_http = 1\n', "expected true or false"),
        ('[acs]\nurl = "http://x/"\n[connection_request]\nport = 70000\n', "port must be"),
        ('[acs]\nurl = "http://x/"\n[connection_request]\npath = "x y"\n', "path must start"),
        ('[acs]\nurl = "http://x/"\n[device]\nplugins = []\n', "at least one plugin"),
        ('[acs]\nurl = "http://x/"\nca_file = "/no/such.pem"\n', "no such file"),
        ('[acs]\nurl = "http://x/"\nmax_body = 100\n', "max_body must be"),
    ],
)
def test_bad_config_is_one_clear_error(text: str, message: str) -> None:
    """Each mistake raises ConfigError whose single line names the problem."""
    with pytest.raises(ConfigError, match=message) as info:
        parse_config(text, "test.toml")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("test.toml: ")


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    """A missing file is a ConfigError, not a traceback."""
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.toml")
