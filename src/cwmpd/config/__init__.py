"""The TOML config file as frozen dataclasses; every unknown key or bad value is a clear error.

The one import of every caller: the schema (schema.py, a dataclass per section), the
reading of a table (tables.py), [usp] (usp.py), and the file's reading and checks (load.py).
"""

from __future__ import annotations

from cwmpd.config.load import load_config, parse_config
from cwmpd.config.schema import (
    AcsConfig,
    Config,
    ConfigError,
    ConnectionRequestConfig,
    ControlConfig,
    DeviceConfig,
    TransfersConfig,
    UspConfig,
    UspControllerConfig,
    UspPermissionConfig,
    UspWebSocketServerConfig,
    XmppConfig,
)

__all__ = [
    "AcsConfig",
    "Config",
    "ConfigError",
    "ConnectionRequestConfig",
    "ControlConfig",
    "DeviceConfig",
    "TransfersConfig",
    "UspConfig",
    "UspControllerConfig",
    "UspPermissionConfig",
    "UspWebSocketServerConfig",
    "XmppConfig",
    "load_config",
    "parse_config",
]
