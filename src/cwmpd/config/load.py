"""Reading the config file: TOML parsed (tomllib), each section read, every value checked.

tomllib (stdlib) parses; the schema is checked here by hand because the
stdlib has no schema validator and the checks are a few lines per section.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cwmpd.config.schema import SECTIONS, Config, ConfigError, UspConfig, XmppConfig
from cwmpd.config.tables import read_table
from cwmpd.config.usp import check_usp, read_usp


def _check(cfg: Config) -> None:
    src = cfg.source
    url = urlsplit(cfg.acs.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"{src}: acs.url must be an http:// or https:// URL, got {cfg.acs.url!r}")
    if cfg.acs.periodic_inform_interval < 0:
        raise ConfigError(f"{src}: acs.periodic_inform_interval must be >= 0")
    if cfg.acs.timeout < 1:
        raise ConfigError(f"{src}: acs.timeout must be >= 1 second")
    if cfg.acs.max_body < 32768:
        raise ConfigError(f"{src}: acs.max_body must be >= 32768 bytes (TR-069 minimum)")
    if cfg.acs.max_response < 32768:
        raise ConfigError(f"{src}: acs.max_response must be >= 32768 bytes")
    if cfg.acs.max_response_values < 1:
        raise ConfigError(f"{src}: acs.max_response_values must be >= 1")
    for key in ("ca_file", "client_cert"):
        path = getattr(cfg.acs, key)
        if path and not Path(path).is_file():
            raise ConfigError(f"{src}: acs.{key}: no such file {path!r}")
    if not 0 <= cfg.connection_request.port <= 65535:
        raise ConfigError(f"{src}: connection_request.port must be 0..65535")
    if not 0 <= cfg.connection_request.udp_port <= 65535:
        raise ConfigError(f"{src}: connection_request.udp_port must be 0..65535")
    cr = cfg.connection_request
    for key in ("udp_clock_window", "burst_window", "lockout_time"):
        if getattr(cr, key) < 0:
            raise ConfigError(f"{src}: connection_request.{key} must be >= 0")
    for key in ("max_connections", "max_auth_failures", "max_total_auth_failures"):
        if getattr(cr, key) < 1:
            raise ConfigError(f"{src}: connection_request.{key} must be >= 1")
    if cr.header_timeout <= 0 or cr.max_lockout_time < cr.lockout_time:
        raise ConfigError(
            f"{src}: connection_request.header_timeout must be > 0 and max_lockout_time "
            ">= lockout_time"
        )
    path = cfg.connection_request.path
    if path and (not path.startswith("/") or any(c in path for c in "?# ")):
        raise ConfigError(f"{src}: connection_request.path must start with / (no ?, #, spaces)")
    if not 1 <= cfg.transfers.queue_size <= 1024:
        raise ConfigError(f"{src}: transfers.queue_size must be 1..1024")
    if cfg.transfers.spool_quota < 0:
        raise ConfigError(f"{src}: transfers.spool_quota must be >= 0")
    if cfg.device.poll_interval < 0:
        raise ConfigError(f"{src}: device.poll_interval must be >= 0")
    if not cfg.device.plugins:
        raise ConfigError(f"{src}: device.plugins must name at least one plugin")
    check_usp(cfg.usp, src)
    _check_xmpp(cfg.xmpp, src)


def _check_xmpp(x: XmppConfig, src: str) -> None:
    if not 1 <= x.port <= 65535:
        raise ConfigError(f"{src}: xmpp.port must be 1..65535")
    if bool(x.username) != bool(x.domain):
        raise ConfigError(f"{src}: xmpp.username and xmpp.domain go together")
    if x.keepalive_interval < -1:
        raise ConfigError(f"{src}: xmpp.keepalive_interval must be >= -1")
    if not 1 <= x.retry_initial_interval <= 65535 or x.retry_max_interval < 1:
        raise ConfigError(
            f"{src}: xmpp.retry_initial_interval must be 1..65535, retry_max_interval >= 1"
        )
    if len(x.allowed_jids) > 32 or any("," in j or len(j) > 256 for j in x.allowed_jids):
        raise ConfigError(f"{src}: xmpp.allowed_jids: at most 32 JIDs, no commas")


def parse_config(text: str, source: str = "<string>") -> Config:
    """Parse and check config text; raises ConfigError with one clear line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        cls = SECTIONS.get(key)
        if cls is None:
            raise ConfigError(
                f"{source}: unknown section [{key}] (known: {', '.join(sorted(SECTIONS))})"
            )
        if cls is UspConfig:
            kwargs[key] = read_usp(value, source)
        else:
            kwargs[key] = read_table(key, cls, value, source)
    cfg = Config(source=source, **kwargs)
    _check(cfg)
    return cfg


def load_config(path: str | Path) -> Config:
    """Read and check a config file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: config is not UTF-8: {exc}") from exc
    return parse_config(text, str(path))
