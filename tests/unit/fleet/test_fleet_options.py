"""Fleet options: TOML file, flags over it, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.config import ConfigError
from cwmpd.fleet.identity import Shard
from cwmpd.fleet.options import from_args, parser

TOML = """
acs = "http://acs.example/"
devices = 40
seed = 9
[[variant]]
name = "a"
plugin = "simulated"
weight = 0.5
[[variant]]
name = "b"
plugin = "simulated098"
weight = 0.5
[[step]]
at = 10
action = "reboot"
fraction = 0.25
"""


def test_file_then_flags(tmp_path: Path) -> None:
    """The file says it all; a flag given wins over it."""
    path = tmp_path / "fleet.toml"
    path.write_text(TOML)
    opts = from_args(
        parser().parse_args(["--config", str(path), "--devices", "8", "--shard", "1/2"])
    )
    assert opts.devices == 8
    assert opts.seed == 9
    assert opts.shard == Shard(1, 2)
    assert [v.plugin for v in opts.variants] == ["simulated", "simulated098"]
    assert opts.steps[0].action == "reboot"
    assert opts.ramp == 50.0 and opts.periodic == 300 and opts.jitter == 0.1
    assert opts.state_dir == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["--acs", "ftp://x/"],
        ["--acs", "http://x/", "--devices", "0"],
        ["--acs", "http://x/", "--devices", "100001"],
        ["--acs", "http://x/", "--ramp", "20000"],
        ["--acs", "http://x/", "--shard", "3/3"],
        ["--acs", "http://x/", "--cr-udp-port", "70000"],
        ["--acs", "http://x/", "--cr-udp-port", "0", "--cr-host", "fleet.example"],
        ["--acs", "http://x/", "--max-sessions", "-1"],
    ],
)
def test_out_of_bounds_is_refused(argv: list[str]) -> None:
    """A bad URL, N or ramp out of bounds, a bad shard: one ConfigError."""
    with pytest.raises(ConfigError):
        from_args(parser().parse_args(argv))


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    """A misspelt key in the file is an error, not ignored."""
    path = tmp_path / "fleet.toml"
    path.write_text('acs = "http://x/"\ndevics = 3\n')
    with pytest.raises(ConfigError, match="devics"):
        from_args(parser().parse_args(["--config", str(path)]))


def test_udp_connection_request_port_from_file_and_flag(tmp_path: Path) -> None:
    """``cr-udp-port`` in the file, ``--cr-udp-port`` over it; none by default."""
    path = tmp_path / "fleet.toml"
    path.write_text('acs = "http://x/"\ncr-udp-port = 7547\n')
    assert from_args(parser().parse_args(["--config", str(path)])).cr_udp_port == 7547
    flag = ["--config", str(path), "--cr-udp-port", "0"]
    assert from_args(parser().parse_args(flag)).cr_udp_port == 0
    assert from_args(parser().parse_args(["--acs", "http://x/"])).cr_udp_port is None


def test_max_sessions_from_file_and_flag(tmp_path: Path) -> None:
    """``max-sessions`` in the file, ``--max-sessions`` over it; no bound (0) by default."""
    path = tmp_path / "fleet.toml"
    path.write_text('acs = "http://x/"\nmax-sessions = 50\n')
    assert from_args(parser().parse_args(["--config", str(path)])).max_sessions == 50
    flag = ["--config", str(path), "--max-sessions", "100"]
    assert from_args(parser().parse_args(flag)).max_sessions == 100
    assert from_args(parser().parse_args(["--acs", "http://x/"])).max_sessions == 0
