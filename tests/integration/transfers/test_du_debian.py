"""Debian packages for ChangeDUState: the agent's handler asks the root side, the real
``cwmpd-helper packages`` answers (run here as cwmpd-packages.path would start it), with
fake ``dpkg-deb``, ``dpkg-query`` and ``apt-get`` on PATH recording their argv."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task

from cwmpd.backends.process import ProcessRunner
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeploymentUnit
from cwmpd.transfers.du.debian import DebianPackages, PackagePaths
from support.agent_harness import reactor

HELPER = Path(__file__).resolve().parents[3] / "debian" / "helpers" / "cwmpd-helper"

FAKES = {
    "dpkg-deb": """
fields = dict(l.split(": ", 1) for l in Path(sys.argv[2]).read_text().splitlines() if ": " in l)
if "Package" not in fields:
    sys.exit("dpkg-deb: not a Debian archive")
asked = sys.argv[3:]
for name in asked:
    print(fields.get(name, "") if len(asked) == 1 else f"{name}: {fields.get(name, '')}")
""",
    "apt-get": """
if sys.argv[1] == "install":
    fields = dict(l.split(": ", 1) for l in Path(sys.argv[-1]).read_text().splitlines())
    if fields.get("Depends") == "missing":
        sys.exit("E: Unable to satisfy dependencies")
    db[fields["Package"]] = fields["Version"]
elif sys.argv[1] == "remove":
    db.pop(sys.argv[-1], None)
""",
    "dpkg-query": """
names = sys.argv[sys.argv.index("--") + 1:]
for name in names:
    if name in db:
        print(f"{name}\\t{db[name]}\\tinstalled")
save()
sys.exit(0 if all(n in db for n in names) else 1)
""",
}
PRELUDE = f"""#!{sys.executable}
import json, os, sys
from pathlib import Path
dbf = Path(os.environ["FAKE_DPKG_DB"])
db = json.loads(dbf.read_text()) if dbf.exists() else {{}}
def save():
    dbf.write_text(json.dumps(db))
with open(os.environ["FAKE_DPKG_LOG"], "a") as f:
    f.write(json.dumps([Path(sys.argv[0]).name, *sys.argv[1:]]) + "\\n")
"""


class Root:
    """The root side: tmp paths, fake tools on PATH, and the helper run on each request."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        for name, body in FAKES.items():
            tool = bin_dir / name
            tool.write_text(PRELUDE + body + "\nsave()\n")
            tool.chmod(0o755)
        (tmp / "run").mkdir()
        self.paths = PackagePaths(
            package=tmp / "lib" / "package.deb",
            request=tmp / "run" / "packages-request",
            result=tmp / "lib" / "result",
            managed=tmp / "agent" / "managed.json",
            timeout=10,
            poll=0.02,
        )
        self.log = tmp / "argv.log"
        self.env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "FAKE_DPKG_DB": str(tmp / "dpkg.json"),
            "FAKE_DPKG_LOG": str(self.log),
            "CWMPD_RUN_DIR": str(tmp / "run"),
            "CWMPD_PACKAGES_REQUEST": str(self.paths.request),
            "CWMPD_PACKAGES_FILE": str(self.paths.package),
            "CWMPD_PACKAGES_RESULT": str(self.paths.result),
        }
        self.runs: list[subprocess.CompletedProcess[str]] = []

    def watch(self) -> None:
        """What cwmpd-packages.path does: start the helper once the request exists."""
        if self.paths.request.exists():
            self.runs.append(
                subprocess.run(
                    ["/bin/sh", str(HELPER), "packages"],
                    env=self.env,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
            )

    def argv(self, tool: str) -> list[list[str]]:
        """The recorded runs of ``tool``, its name dropped."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [line[1:] for line in lines if line[0] == tool]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Root]:
    """The root side, watched every 10 ms; the agent's tools on the same fake PATH."""
    r = Root(tmp_path)
    for key, value in r.env.items():
        monkeypatch.setenv(key, value)
    watcher = task.LoopingCall(r.watch)
    watcher.clock = reactor
    watcher.start(0.01)
    yield r
    watcher.stop()


def deb(tmp: Path, name: str, version: str, depends: str = "") -> Path:
    """A fetched package (the fakes read its fields as text)."""
    path = tmp / f"du-{name}-{version}"
    path.write_text(f"Package: {name}\nVersion: {version}\nMaintainer: ACME\nDepends: {depends}\n")
    return path


@pytest_twisted.ensureDeferred
async def test_install_update_remove(root: Root) -> None:
    """The root side installs the staged .deb and removes by name; the agent lists only
    the packages it installed."""
    handler = DebianPackages(ProcessRunner(reactor), root.paths)
    first = deb(root.tmp, "hello", "1.0")
    assert await handler.inspect(first, "http://f/hello.deb") == DeploymentUnit(
        "hello", "1.0", "ACME"
    )
    assert await handler.install(first, "http://f/hello.deb") == DeploymentUnit("hello", "1.0")
    staged = str(root.paths.package)
    assert root.argv("apt-get") == [["install", "-y", "--no-install-recommends", staged]]
    assert not root.paths.package.exists()  # the helper removed the staged copy
    assert await handler.update(DeploymentUnit("hello"), deb(root.tmp, "hello", "2.0"), "u")
    assert await handler.list() == [DeploymentUnit("hello", "2.0")]
    await handler.uninstall(DeploymentUnit("hello", "2.0"))
    assert root.argv("apt-get")[-1] == ["remove", "-y", "hello"]
    assert await handler.list() == []
    assert all(run.returncode == 0 for run in root.runs), [r.stderr for r in root.runs]


@pytest_twisted.ensureDeferred
async def test_refusals(root: Root) -> None:
    """apt-get failing is 9001 with its message; not a .deb is 9018 before any request."""
    handler = DebianPackages(ProcessRunner(reactor), root.paths)
    with pytest.raises(CwmpFault) as failed:
        await handler.install(deb(root.tmp, "needy", "1", depends="missing"), "u")
    assert failed.value.code == 9001
    assert "Unable to satisfy dependencies" in failed.value.string
    junk = root.tmp / "junk"
    junk.write_text("junk")
    runs = len(root.runs)
    with pytest.raises(CwmpFault) as bad:
        await handler.install(junk, "u")
    assert bad.value.code == 9018 and len(root.runs) == runs


def test_helper_refuses_bad_requests(root: Root) -> None:
    """A bad name, an unknown action, or a staged file that is not the one asked for: 65."""
    root.paths.package.parent.mkdir(parents=True)
    root.paths.package.write_text("Package: hello\nVersion: 1\n")
    for request in (
        "action=remove\nname=Bad;rm -rf /\n",
        "action=purge\nname=hello\n",
        "action=install\nname=hello\nsha256=0000\n",
    ):
        root.paths.request.write_text(request)
        root.watch()
        answer = dict(line.split("=", 1) for line in root.paths.result.read_text().splitlines())
        assert answer["status"] == "65", (request, answer)
    assert not root.log.exists() or root.argv("apt-get") == []
