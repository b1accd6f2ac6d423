"""The OpenWrt init script's UCI -> TOML step, run by a real sh with a fake UCI layer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cwmpd.config import parse_config

REPO = Path(__file__).resolve().parents[2]
INIT = REPO / "etc" / "init.d" / "cwmpd"

# Just enough of OpenWrt's /lib/functions.sh: UCI values come from shell variables.
FAKE_UCI = r"""
config_load() { :; }
config_get() {
    eval "v=\${UCI_$2_$3-__unset__}"
    if [ "$v" = __unset__ ]; then v=$4; fi
    eval "$1=\$v"
}
config_list_foreach() { for p in $UCI_plugins; do "$3" "$p"; done; }
"""


def generate(tmp_path: Path, **uci: str) -> str:
    """Source the init script under sh, run write_config, return the TOML it wrote."""
    out = tmp_path / "etc" / "cwmpd.toml"
    script = f'{FAKE_UCI}\n. "{INIT}"\nCONF="{out}"\nwrite_config\n'
    env = {"PATH": "/usr/bin:/bin", **{f"UCI_{k}": v for k, v in uci.items()}}
    subprocess.run(["sh", "-c", script], check=True, env=env, timeout=30)
    assert (out.stat().st_mode & 0o077) == 0  # passwords inside: owner only
    return out.read_text()


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_uci_values_become_a_valid_config_with_quoting(tmp_path: Path) -> None:
    """Quotes, backslashes and control characters in UCI values cannot break the TOML."""
    text = generate(
        tmp_path,
        acs_url="https://acs.example.net:7547/cwmp",
        acs_password='p"a\\ss\x07word',
        acs_periodic_inform_interval="600",
        connection_request_enable="0",
        connection_request_port="7548",
        device_state_dir="/tmp/st",
        plugins="openwrt simulated",
    )
    config = parse_config(text, "generated")
    assert config.acs.url == "https://acs.example.net:7547/cwmp"
    assert config.acs.password == 'p"a\\ssword'
    assert config.acs.periodic_inform_interval == 600
    assert config.connection_request.enable is False
    assert config.connection_request.port == 7548
    assert config.device.plugins == ("openwrt", "simulated")


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_bad_numbers_fall_back_to_defaults(tmp_path: Path) -> None:
    """A non-numeric port or interval cannot inject TOML: the default is written instead."""
    text = generate(
        tmp_path,
        acs_url="http://acs/",
        acs_periodic_inform_interval="60\n[evil]",
        connection_request_port="1; x = 2",
    )
    config = parse_config(text, "generated")
    assert (config.acs.periodic_inform_interval, config.connection_request.port) == (3600, 7547)
    assert config.device.plugins == ("openwrt",)


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_udp_polling_transfers_and_control_keys_reach_the_config(tmp_path: Path) -> None:
    """The UCI options beyond the basics (UDP, polling, spool, control socket) are passed on."""
    text = generate(
        tmp_path,
        acs_url="http://acs/",
        connection_request_udp_enable="0",
        connection_request_udp_port="7600",
        device_poll_interval="0",
        transfers_spool_dir="/tmp/spool",
        transfers_queue_size="4",
        main_control_socket="/var/run/cwmpd/ctl.sock",
    )
    config = parse_config(text, "generated")
    assert config.connection_request.udp_enable is False
    assert config.connection_request.udp_port == 7600
    assert config.device.poll_interval == 0
    assert (config.transfers.spool_dir, config.transfers.queue_size) == ("/tmp/spool", 4)
    assert config.control.socket == "/var/run/cwmpd/ctl.sock"
