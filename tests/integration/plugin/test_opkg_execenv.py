"""OpenWrt's ExecEnv handler against a fake ``opkg`` on the test PATH that records its argv:
install, update, uninstall and list run opkg with argv lists (no shell), and its failures
become deployment-unit faults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.backends.process import ProcessRunner
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeploymentUnit
from cwmpd.plugin.execenvs import OpkgExecEnv
from support.agent_harness import reactor

FAKE_OPKG = f"""#!{sys.executable}
import json, os, sys
from pathlib import Path
log, db = Path(os.environ["FAKE_OPKG_LOG"]), Path(os.environ["FAKE_OPKG_DB"])
with log.open("a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
installed = json.loads(db.read_text()) if db.exists() else {{}}
args = [a for a in sys.argv[1:] if not a.startswith("--")]
if args[0] == "install":
    fields = dict(
        line.split(": ", 1) for line in Path(args[1]).read_text().splitlines() if ": " in line
    )
    if "Package" not in fields:
        sys.exit("Cannot install package: malformed")
    installed[fields["Package"]] = fields["Version"]
elif args[0] == "remove":
    if args[1] not in installed:
        sys.exit(f"No packages removed: {{args[1]}}")
    del installed[args[1]]
elif args[0] == "list-installed":
    for name, version in sorted(installed.items()):
        print(f"{{name}} - {{version}}")
db.write_text(json.dumps(installed))
"""


@pytest.fixture
def opkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[OpkgExecEnv, Path]:
    """The handler, with a fake opkg first on PATH; and its argv log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "opkg"
    fake.write_text(FAKE_OPKG)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_OPKG_LOG", str(tmp_path / "argv.log"))
    monkeypatch.setenv("FAKE_OPKG_DB", str(tmp_path / "installed.json"))
    return OpkgExecEnv(ProcessRunner(reactor)), tmp_path / "argv.log"


def argv(log: Path) -> list[list[str]]:
    """Every opkg run's arguments, in order."""
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def package(tmp_path: Path, name: str, version: str) -> Path:
    """A spooled package, as the engine fetched it (no .ipk extension)."""
    path = tmp_path / f"du-1-{name}-{version}"
    path.write_text(f"Package: {name}\nVersion: {version}\n")
    return path


URL = "https://feeds.example/packages/{}_{}_all.ipk"


@pytest_twisted.ensureDeferred
async def test_install_update_uninstall_argv(
    opkg: tuple[OpkgExecEnv, Path], tmp_path: Path
) -> None:
    """install FILE.ipk (then list-installed), install --force-reinstall, remove NAME."""
    handler, log = opkg
    first = package(tmp_path, "hello", "1.0-1")
    assert await handler.inspect(first, URL.format("hello", "1.0-1")) == DeploymentUnit(
        "hello", "1.0-1"
    )
    du = await handler.install(first, URL.format("hello", "1.0-1"))
    assert du == DeploymentUnit("hello", "1.0-1")
    assert argv(log) == [["install", f"{first}.ipk"], ["list-installed"]]
    assert not Path(f"{first}.ipk").exists() and first.exists()

    second = package(tmp_path, "hello", "2.0-1")
    du = await handler.update(du, second, URL.format("hello", "2.0-1"))
    assert du == DeploymentUnit("hello", "2.0-1")
    assert argv(log)[2:] == [["install", "--force-reinstall", f"{second}.ipk"], ["list-installed"]]

    assert await handler.list() == [DeploymentUnit("hello", "2.0-1")]
    await handler.uninstall(du)
    assert argv(log)[-1] == ["remove", "hello"]
    assert await handler.list() == []


@pytest_twisted.ensureDeferred
async def test_failures_are_faults(opkg: tuple[OpkgExecEnv, Path], tmp_path: Path) -> None:
    """opkg refusing a package is 9001, an unknown unit's removal 9001, a file name that is
    not name_version_arch.ipk 9018 (opkg never runs then)."""
    handler, log = opkg
    bad = tmp_path / "du-bad"
    bad.write_text("garbage\n")
    with pytest.raises(CwmpFault) as refused:
        await handler.install(bad, URL.format("bad", "1"))
    assert refused.value.code == 9001 and "Cannot install" in refused.value.string
    assert argv(log) == [["install", f"{bad}.ipk"]]
    with pytest.raises(CwmpFault) as unknown:
        await handler.uninstall(DeploymentUnit("ghost"))
    assert unknown.value.code == 9001
    with pytest.raises(CwmpFault) as name:
        await handler.inspect(bad, "https://feeds.example/hello.tar.gz")
    assert name.value.code == 9018
    assert len(argv(log)) == 2
