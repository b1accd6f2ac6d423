"""The device-plugin contract: everything a plugin may provide, in this one module.

A plugin is a folder holding ``plugin.py`` with ``create(ctx: PluginContext) -> DevicePlugin``
(cwmpd.plugin.load finds and imports it). A DevicePlugin has three things:

- ``root``: "Device." (TR-181) or "InternetGatewayDevice." (TR-098);
- ``declare(decl)``: its parameters, tables and factory values (cwmpd.datamodel.bindings).
  ManagementServer.* and, when ``hooks.diagnostics`` says so, the diagnostics objects are
  declared by the agent (cwmpd.plugin.load), not by the plugin;
- ``hooks``: one DeviceHooks, what the agent asks of the device besides its parameters.
  Every hook but ``boot_id`` has a default; the agent reads nothing else of a plugin.
  Only the device's hooks (the first plugin named) are used; further plugins add parameters.

File handlers return DONE, REBOOT or SELF_REBOOT from ``apply`` (defined here).
Software modules (ChangeDUState) go through one ExecEnvHandler per execution environment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.manageable import DeviceSource
from cwmpd.datamodel.manageable import ManageableDevice as ManageableDevice  # for plugins
from cwmpd.reactors import AgentReactor

if TYPE_CHECKING:
    from cwmpd.datamodel.model import DataModel

#: FileHandler.apply() outcomes.
DONE: Final = "done"  # applied now: TransferComplete follows at once
REBOOT: Final = "reboot"  # the agent must reboot the device (it exits); judged after the boot
SELF_REBOOT: Final = "self-reboot"  # a detached process reboots the device (e.g. sysupgrade)

#: Reads DeviceInfo.SoftwareVersion through the data model (for judging firmware after a boot).
ReadVersion = Callable[[], Awaitable[str]]


class PluginError(Exception):
    """A plugin could not be found or loaded (one clear line for the operator)."""


@dataclass(frozen=True)
class PluginContext:
    """What a plugin gets when created: its name, its own state folder, the agent's reactor."""

    name: str
    state_dir: Path
    reactor: AgentReactor


class FileHandler(Protocol):
    """Applies one Download FileType (see ReportingFileHandler for one that also judges)."""

    def verify(self, image: Path) -> str | Awaitable[str]:
        """Check the file; the version it will install ("" if none). CwmpFault 9018 if bad.

        May be a coroutine (e.g. ``sysupgrade -T`` runs as a subprocess).
        """
        ...

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Apply the file; DONE, REBOOT or SELF_REBOOT. CwmpFault (9010, 9018 ...) on failure."""
        ...

    async def version(self) -> str:
        """The version now running ("" when not applicable); judged after a reboot."""
        ...


@runtime_checkable
class ReportingFileHandler(FileHandler, Protocol):
    """A FileHandler whose applier reports its own outcome (cwmpd.transfers.rootside):
    after the reboot it, not the version then running, decides the TransferComplete."""

    async def outcome(self, image: Path) -> tuple[int, str]:
        """(0, "") when ``image`` was applied, else the fault code and reason."""
        ...


@dataclass(frozen=True)
class DeploymentUnit:
    """One deployment unit (a package) as an execution environment lists it.

    ``name`` is unique within its execution environment; ``execution_units`` names what it
    runs (default: one execution unit of the DU's own name).
    """

    name: str
    version: str = ""
    vendor: str = ""
    description: str = ""
    execution_units: tuple[str, ...] | None = None

    @property
    def units(self) -> tuple[str, ...]:
        """The names of its execution units."""
        return (self.name,) if self.execution_units is None else self.execution_units


class ExecEnvHandler(Protocol):
    """One execution environment (Device.SoftwareModules.ExecEnv.{i}): installs fetched
    packages, updates and uninstalls them, lists them. Failures are CwmpFault with a
    deployment-unit fault code (9018 corrupt package, 9026 duplicate, 9028 unknown DU,
    9030-9032 bad update ...); anything else is reported as 9001."""

    name: str  # ExecEnv.Name, e.g. "opkg"
    type: str  # ExecEnv.Type, e.g. "Package Manager"
    vendor: str
    version: str

    async def inspect(self, package: Path, url: str) -> DeploymentUnit:
        """What installing ``package`` (fetched from ``url``) would give: its name, version.
        Persisted before the install, so that a crash in the middle can be judged."""
        ...

    async def install(self, package: Path, url: str) -> DeploymentUnit:
        """Install ``package``; the deployment unit installed."""
        ...

    async def update(self, unit: DeploymentUnit, package: Path, url: str) -> DeploymentUnit:
        """Replace installed ``unit`` by ``package``; the deployment unit now installed."""
        ...

    async def uninstall(self, unit: DeploymentUnit) -> None:
        """Remove installed ``unit``."""
        ...

    async def list(self) -> Sequence[DeploymentUnit]:
        """The deployment units installed now."""
        ...


def _reboot_by_restart() -> bool:
    return True


def _nothing_to_reset() -> None:
    return None


@dataclass(frozen=True)
class DeviceHooks:
    """What the agent asks of the device besides its parameters; defaults for all but boot_id.

    - ``boot_id()``: changes at every device boot, not at a daemon restart ("1 BOOT").
    - ``reboot()``: reboot the device; True when the daemon must exit for its supervisor
      to restart it (default: just that).
    - ``factory_reset()``: reset the device's own state; the model resets the values the
      agent stores itself (default: nothing more).
    - Firmware ("1 Firmware Upgrade Image"), one of two ways or neither (no firmware
      Download is offered then; see cwmpd.transfers.handlers.device_firmware):
      ``verify_firmware(image) -> version`` (CwmpFault 9018 if bad) with
      ``stage_firmware(image)`` (installed by the next ``reboot()``); or
      ``firmware_handler(read_version) -> FileHandler`` when the device applies images its
      own way (sysupgrade, a root-side service). The handler wins when both are given.
    - ``file_handlers(model)``: handlers by Download FileType, added to (or replacing) the
      agent's own ("2 Web Content", "3 Vendor Configuration File").
    - ``diagnostics``: True when the agent should serve the TR-143 / IP diagnostics
      (ping, traceroute, NSLookup, UDP echo, HTTP download/upload) on this device.
    - ``manageable_devices()``: the LAN devices that sent DHCP option 125 (TR-111), as
      ManageableDevice records; with it the agent serves ManagementServer.ManageableDevice.
      Called at start and every poll interval: it must be quick (read a file, no network).
      cwmpd.plugin.leases reads what dnsmasq records (default: no such table).
    - ``software_modules``: one ExecEnvHandler per execution environment (ChangeDUState and
      Device.SoftwareModules.*); none: ChangeDUState is not offered (9000, not in
      GetRPCMethods).
    """

    boot_id: Callable[[], str]
    reboot: Callable[[], bool] = _reboot_by_restart
    factory_reset: Callable[[], None] = _nothing_to_reset
    verify_firmware: Callable[[Path], str] | None = None
    stage_firmware: Callable[[Path], object] | None = None
    firmware_handler: Callable[[ReadVersion], FileHandler] | None = None
    file_handlers: Callable[[DataModel], Mapping[str, FileHandler]] | None = None
    diagnostics: bool = False
    manageable_devices: DeviceSource | None = None
    software_modules: Sequence[ExecEnvHandler] = ()

    def __post_init__(self) -> None:
        if (self.verify_firmware is None) != (self.stage_firmware is None):
            raise PluginError("verify_firmware and stage_firmware go together")


@runtime_checkable
class DevicePlugin(Protocol):
    """A device: its root object, its declarations, and its hooks."""

    root: str
    hooks: DeviceHooks

    def declare(self, decl: Declarations) -> None:
        """Declare the parameters, tables and factory values of this device."""
        ...


class Declarer(Protocol):
    """Something that declares parameters into a model being built (a part of the agent)."""

    def declare(self, decl: Declarations) -> None:
        """Declare its parameters and tables."""
        ...
