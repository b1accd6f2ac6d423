"""Debian packages for ChangeDUState, installed and removed by a root-side service.

The agent runs unprivileged, so like firmware (cwmpd.transfers.rootside) it stages and asks:
for an install or update it copies the fetched .deb to ``package`` (crash-safe), then writes
``request``::

    action=<install | remove>
    name=<Debian package name>
    sha256=<digest of the staged .deb, for install>

which starts ``cwmpd-packages.path`` -> ``cwmpd-helper packages``. The helper checks the
action and the name (Debian's package-name syntax), runs ``apt-get install`` of the staged
file or ``apt-get remove`` of the name (argv, no shell), and writes ``result``
(request=<sha256 of the request>, status=, message=). What the package is
(``dpkg-deb --field``) and what is installed (``dpkg-query --show``) the agent reads
itself. Its execution environment holds only the packages installed through it (their
names kept in ``managed``), not every package of the system.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cwmpd.backends.process import CommandFailed, ProcessRunner
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeploymentUnit
from cwmpd.state import atomic_write, read_json, write_json
from cwmpd.transfers.rootside import Result, _digest, _read_bytes, _stage, wait_for_result

#: Debian Policy 5.6.1: lower case letters, digits, + - . ; at least two, a letter/digit first.
PACKAGE_NAME: Final = re.compile(r"[a-z0-9][a-z0-9+.-]+")


@dataclass(frozen=True)
class PackagePaths:
    """Where the agent stages a package, asks, and finds the answer; how long it waits."""

    package: Path = Path("/var/lib/cwmpd/packages/package.deb")
    request: Path = Path("/run/cwmpd/packages-request")
    result: Path = Path("/var/lib/cwmpd/packages/result")
    managed: Path = Path("/var/lib/cwmpd/packages/managed.json")
    timeout: float = 900.0
    poll: float = 1.0


class DebianPackages:
    """ExecEnvHandler for Debian packages through the root side (see module)."""

    name = "dpkg"
    type = "Package Manager"
    vendor = "Debian"
    version = ""

    def __init__(self, runner: ProcessRunner, paths: PackagePaths = PackagePaths()) -> None:
        self.runner = runner
        self.paths = paths

    async def _run(self, *argv: str) -> str:
        try:
            return await self.runner.output(argv, timeout=60)
        except CommandFailed as exc:
            raise CwmpFault(9001, f"{argv[0]}: {exc}") from exc

    def _managed(self) -> list[str]:
        names = read_json(self.paths.managed, [])
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    async def inspect(self, package: Path, url: str) -> DeploymentUnit:
        """``dpkg-deb --field``: the package's name, version, maintainer, description."""
        try:
            out = await self.runner.output(
                ["dpkg-deb", "--field", str(package), "Package", "Version", "Maintainer"]
            )
        except CommandFailed as exc:
            raise CwmpFault(9018, "not a Debian package") from exc
        fields = dict(line.partition(": ")[::2] for line in out.splitlines())
        name = fields.get("Package", "").strip()
        if not PACKAGE_NAME.fullmatch(name):
            raise CwmpFault(9018, f"bad package name {name[:64]!r}")
        return DeploymentUnit(
            name, fields.get("Version", "").strip()[:32], fields.get("Maintainer", "")[:64]
        )

    async def _ask(self, action: str, name: str, package: Path | None) -> None:
        """Write the request (staging ``package`` first), wait for its result; its fault."""
        request = f"action={action}\nname={name}\n"
        if package is not None:
            digest, _ = _digest(package)
            request += f"sha256={digest}\n"
        data = request.encode()
        want = hashlib.sha256(data).hexdigest()
        answer = Result.read(self.paths.result)
        if answer is None or answer.request != want:
            if _read_bytes(self.paths.request) != data:  # not already asked (a restart)
                self.paths.result.parent.mkdir(parents=True, exist_ok=True)
                self.paths.result.unlink(missing_ok=True)
                if package is not None:
                    _stage(package, self.paths.package)
                atomic_write(self.paths.request, data, 0o644)
            answer = await self._wait(want)
        if answer.status != 0:
            code = 9018 if answer.status == 65 else 9001
            raise CwmpFault(code, answer.message or f"apt-get {action} failed ({answer.status})")

    async def _wait(self, want: str) -> Result:
        return await wait_for_result(self.runner.reactor, self.paths, want, 9001, "packages")

    async def _install(self, package: Path, url: str) -> DeploymentUnit:
        du = await self.inspect(package, url)
        await self._ask("install", du.name, package)
        self.paths.package.unlink(missing_ok=True)
        if du.name not in self._managed():
            write_json(self.paths.managed, [*self._managed(), du.name])
        listed = {u.name: u for u in await self.list()}
        if du.name not in listed:
            raise CwmpFault(9018, f"{du.name} is not installed after apt-get install")
        return listed[du.name]

    async def install(self, package: Path, url: str) -> DeploymentUnit:
        """``apt-get install`` of the staged .deb, by the root side."""
        return await self._install(package, url)

    async def update(self, unit: DeploymentUnit, package: Path, url: str) -> DeploymentUnit:
        """The same: apt-get installs the newer .deb over the old one."""
        return await self._install(package, url)

    async def uninstall(self, unit: DeploymentUnit) -> None:
        """``apt-get remove NAME``, by the root side."""
        if not PACKAGE_NAME.fullmatch(unit.name):
            raise CwmpFault(9028, f"bad package name {unit.name[:64]!r}")
        await self._ask("remove", unit.name, None)
        write_json(self.paths.managed, [n for n in self._managed() if n != unit.name])

    async def list(self) -> Sequence[DeploymentUnit]:
        """The managed packages ``dpkg-query`` reports installed (it exits 1 when some
        name is not known to dpkg at all: that one is not installed)."""
        names = self._managed()
        if not names:
            return []
        fmt = "${Package}\t${Version}\t${db:Status-Status}\n"
        result = await self.runner.run(["dpkg-query", "--show", "--showformat", fmt, "--", *names])
        if result.exit_code not in (0, 1):
            raise CwmpFault(9001, f"dpkg-query exited {result.exit_code}")
        units = []
        for line in result.stdout.decode("utf-8", "replace").splitlines():
            name, _, rest = line.partition("\t")
            version, _, status = rest.partition("\t")
            if status == "installed":
                units.append(DeploymentUnit(name, version[:32]))
        return units

    @classmethod
    def paths_from_table(cls, table: dict[str, object]) -> PackagePaths:
        """PackagePaths from a ``[packages]`` TOML table (absolute paths, timeout seconds)."""
        unknown = set(table) - {"package", "request", "result", "managed", "timeout"}
        if unknown:
            raise ValueError(f"packages: unknown key(s) {', '.join(sorted(unknown))}")
        values: dict[str, object] = {}
        for key in ("package", "request", "result", "managed"):
            value = table.get(key)
            if value is not None:
                if not isinstance(value, str) or not value.startswith("/"):
                    raise ValueError(f"packages.{key}: expected an absolute path, got {value!r}")
                values[key] = Path(value)
        timeout = table.get("timeout")
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 1:
                raise ValueError(f"packages.timeout: expected seconds >= 1, got {timeout!r}")
            values["timeout"] = float(timeout)
        return PackagePaths(**values)  # type: ignore[arg-type]
