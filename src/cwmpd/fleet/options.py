"""The fleet's settings: defaults, a TOML file (``--config``), then flags, in that order."""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cwmpd.config import ConfigError
from cwmpd.connreq.urls import is_ip_literal
from cwmpd.fleet.faults import Faults
from cwmpd.fleet.identity import DEFAULT_VARIANTS, Shard, Variant

MAX_DEVICES = 100_000  # --devices above this is refused (the bound the issue asks for)
MAX_RAMP = 10_000.0  # devices started per second at most


@dataclass(frozen=True)
class Step:
    """One scenario step: at ``at`` seconds, ``action`` over ``fraction`` of the devices."""

    at: float
    action: str  # reboot, factory-reset, inform, drift, counters
    fraction: float = 1.0
    param: str = ""  # drift: the parameter that changes (an agent-stored one)
    value: str = ""  # drift: its new value ("" = a seeded random number)


@dataclass(frozen=True)
class FleetOptions:
    """Everything ``cwmpd fleet`` runs with."""

    acs: str = ""
    devices: int = 10
    plugin: str = "simulated"
    variants: tuple[Variant, ...] = DEFAULT_VARIANTS
    state_dir: str = ""  # "" = in memory (a scratch folder removed at the end)
    ramp: float = 50.0  # devices started per second; 0 = all at once
    periodic: int = 300
    jitter: float = 0.1
    seed: int = 0
    duration: float = 0.0  # seconds; 0 = until Ctrl-C
    shard: Shard = field(default_factory=Shard)
    cr_port: int | None = None  # None: no Connection Request listener
    cr_udp_port: int | None = None  # None: no UDP Connection Request socket
    cr_host: str = "127.0.0.1"
    report: str = ""
    prefix: str = "FLEET"
    username: str = ""
    password: str = ""
    steps: tuple[Step, ...] = ()
    faults: Faults = field(default_factory=Faults)
    progress: bool = True
    max_sessions: int = 0  # devices in a session at once; 0 = no bound

    def check(self) -> None:
        """ConfigError for a value out of bounds."""
        scheme = urlsplit(self.acs).scheme
        if scheme not in ("http", "https"):
            raise ConfigError(f"--acs must be an http(s) URL, not {self.acs!r}")
        if not 1 <= self.devices <= MAX_DEVICES:
            raise ConfigError(f"--devices must be 1..{MAX_DEVICES}")
        if not 0 <= self.ramp <= MAX_RAMP:
            raise ConfigError(f"--ramp must be 0..{MAX_RAMP:.0f} (0: all at once)")
        if not 0 <= self.jitter < 1:
            raise ConfigError("--jitter must be 0 <= J < 1")
        if not 0 <= self.max_sessions <= MAX_DEVICES:
            raise ConfigError(f"--max-sessions must be 0..{MAX_DEVICES} (0: no bound)")
        if self.periodic < 0 or self.duration < 0:
            raise ConfigError("--periodic and --duration must be >= 0")
        for flag, port in (("--cr-port", self.cr_port), ("--cr-udp-port", self.cr_udp_port)):
            if port is not None and not 0 <= port <= 65535:
                raise ConfigError(f"{flag} must be 0..65535 (0: any free port)")
        if self.cr_udp_port is not None and not is_ip_literal(self.cr_host):
            # UDPConnectionRequestAddress: "the local IP address and port" (TR-181)
            raise ConfigError("--cr-udp-port needs an IP address as --cr-host")


def parser() -> argparse.ArgumentParser:
    """The flags of ``cwmpd fleet``."""
    p = argparse.ArgumentParser(
        prog="cwmpd fleet",
        description="Run N simulated CPEs in one process against one ACS (load test).",
    )
    p.add_argument("--acs", metavar="URL", help="the ACS URL every device informs")
    p.add_argument("--devices", type=int, metavar="N", help="how many devices (default 10)")
    p.add_argument("--plugin", help="simulated (default), simulated098 or a plugin folder")
    p.add_argument("--state-dir", metavar="DIR", help="persist the devices here (default: memory)")
    p.add_argument("--ramp", type=float, metavar="PER_SECOND", help="device starts/s (0: all)")
    p.add_argument("--periodic", type=int, metavar="SECONDS", help="periodic inform interval")
    p.add_argument("--jitter", type=float, metavar="FRACTION", help="of the periodic interval")
    p.add_argument("--seed", type=int, metavar="S", help="identities and jitter (default 0)")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after (0: Ctrl-C)")
    p.add_argument("--shard", metavar="I/N", help="run devices n with n mod N == I")
    p.add_argument("--cr-port", type=int, metavar="PORT", help="Connection Request listener")
    p.add_argument("--cr-udp-port", type=int, metavar="PORT", help="UDP Connection Request socket")
    p.add_argument("--cr-host", metavar="ADDRESS", help="their address (default 127.0.0.1)")
    p.add_argument("--max-sessions", type=int, metavar="N", help="sessions at once (0: any)")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report here")
    p.add_argument("--prefix", help="serial number prefix (default FLEET)")
    p.add_argument("--config", metavar="FLEET.toml", help="settings file; flags override it")
    p.add_argument("--no-progress", action="store_true", help="no live line on a terminal")
    return p


_FLAG_FIELDS = (
    "acs", "devices", "plugin", "state_dir", "ramp", "periodic", "jitter", "seed",
    "duration", "cr_port", "cr_host", "report", "prefix", "cr_udp_port", "max_sessions",
)  # fmt: skip


def from_args(args: argparse.Namespace) -> FleetOptions:
    """Defaults, then the ``--config`` file, then the flags given."""
    opts = from_toml(Path(args.config)) if args.config else FleetOptions()
    given: dict[str, Any] = {k: getattr(args, k) for k in _FLAG_FIELDS}
    changes = {k: v for k, v in given.items() if v is not None}
    if args.shard is not None:
        changes["shard"] = _shard(args.shard)
    if args.no_progress:
        changes["progress"] = False
    if args.plugin is not None:
        changes["variants"] = (Variant(plugin=args.plugin),)
    opts = replace(opts, **changes)
    opts.check()
    return opts


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def from_toml(path: Path) -> FleetOptions:
    """Read a fleet file: top-level keys as the flags, ``[[variant]]`` and ``[[step]]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    known = {f.name: f for f in fields(FleetOptions)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name == "variant":
            kwargs["variants"] = tuple(_table(path, "variant", Variant, v) for v in value)
        elif name == "step":
            kwargs["steps"] = tuple(_table(path, "step", Step, v) for v in value)
        elif name == "faults":
            kwargs["faults"] = _table(path, "faults", Faults, value)
        elif name == "shard":
            kwargs["shard"] = _shard(str(value))
        elif name in known and name not in ("variants", "steps", "faults"):
            kwargs[name] = value
        else:
            raise ConfigError(f"{path}: unknown key {key!r}")
    if "plugin" in kwargs and "variants" not in kwargs:
        kwargs["variants"] = (Variant(plugin=str(kwargs["plugin"])),)
    try:
        return FleetOptions(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _table(path: Path, what: str, cls: type[Any], value: Any) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {what} must be a table")
    names = {f.name for f in fields(cls)}
    unknown = set(value) - names
    if unknown:
        raise ConfigError(f"{path}: [[{what}]] unknown key {sorted(unknown)[0]!r}")
    return cls(**value)


__all__ = ["FleetOptions", "Step", "from_args", "from_toml", "parser"]
