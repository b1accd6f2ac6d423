"""Firmware applied by a root-side service: the agent stages, asks by a file, reads a result.

The agent runs unprivileged (Debian: user ``cwmpd``). For a "1 Firmware Upgrade Image" it
copies the verified image to ``image`` (crash-safe), keeps a copy of its request next to it
and writes ``request``, which starts the root-side unit (``cwmpd-firmware.path`` ->
``cwmpd-helper firmware``). The helper runs the integrator's appliers with the image and
writes ``result`` (persistent: it must survive the reboot that follows a success)::

    request=<sha256 of the request file it answered>
    status=<0 applied | 65 image refused | other failure>
    message=<the applier's last line of output>

then reboots the device when the apply succeeded. The request names the transfer and the
image's digest, so a result is only ever taken for the request it answers. A failure seen
before any reboot completes the transfer at once; after a reboot (or a crash of the agent
while waiting) the outcome is judged from the result file, not from a version number.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from twisted.internet import task
from twisted.internet.interfaces import IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.state import atomic_write
from cwmpd.transfers.handlers import SELF_REBOOT

_log = Logger(namespace="cwmpd.transfers")
EX_DATAERR = 65  # the applier refused the image (TransferComplete 9018)
_MAX_MESSAGE = 200
_T = TypeVar("_T")


class RootPaths(Protocol):
    """What a request to a root-side unit needs: its request and result files, the wait."""

    @property
    def request(self) -> Path: ...
    @property
    def result(self) -> Path: ...
    @property
    def timeout(self) -> float: ...
    @property
    def poll(self) -> float: ...


@dataclass(frozen=True)
class FirmwarePaths:
    """Where the agent stages the image, asks, and finds the answer; how long it waits."""

    image: Path = Path("/var/lib/cwmpd/firmware/image")
    request: Path = Path("/run/cwmpd/firmware-request")
    result: Path = Path("/var/lib/cwmpd/firmware/result")
    timeout: float = 600.0  # seconds the root side may take to answer
    poll: float = 1.0  # seconds between looks at the result file

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> FirmwarePaths:
        """From a ``[firmware]`` TOML table (keys image, request, result, timeout);
        ValueError naming the key for anything else."""
        unknown = set(table) - {"image", "request", "result", "timeout"}
        if unknown:
            raise ValueError(f"firmware: unknown key(s) {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key in ("image", "request", "result"):
            if key in table:
                value = table[key]
                if not isinstance(value, str) or not value.startswith("/"):
                    raise ValueError(f"firmware.{key}: expected an absolute path, got {value!r}")
                values[key] = Path(value)
        if "timeout" in table:
            timeout = table["timeout"]
            if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 1:
                raise ValueError(f"firmware.timeout: expected seconds >= 1, got {timeout!r}")
            values["timeout"] = float(timeout)
        return cls(**values)

    @property
    def sent(self) -> Path:
        """The agent's persistent copy of its last request (``request`` is lost at a boot)."""
        return self.image.with_name(self.image.name + ".request")


@dataclass(frozen=True)
class Result:
    """One answer of the root side."""

    request: str
    status: int
    message: str

    @classmethod
    def read(cls, path: Path) -> Result | None:
        """The result file, or None when it is absent or not one."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        fields = dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)
        try:
            status = int(fields.get("status", ""))
        except ValueError:
            return None
        return cls(fields.get("request", ""), status, _clean(fields.get("message", "")))

    def fault(self) -> CwmpFault | None:
        """None for success, else the TransferComplete fault with the applier's message."""
        if self.status == 0:
            return None
        code = 9018 if self.status == EX_DATAERR else 9010
        return CwmpFault(
            code, self.message or f"the firmware applier failed (status {self.status})"
        )


def _clean(text: str) -> str:
    """One printable line, short enough for a FaultString."""
    line = "".join(c for c in text if c.isprintable()).strip()
    return line[:_MAX_MESSAGE]


def _digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 16):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _stage(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` crash-safely (temp, fsync, rename), readable by root."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RootSideFirmware:
    """FileHandler for "1 Firmware Upgrade Image" through a root-side service (see module)."""

    def __init__(self, clock: IReactorTime, paths: FirmwarePaths = FirmwarePaths()) -> None:
        self._clock = clock
        self.paths = paths

    def verify(self, image: Path) -> str:
        """The applier verifies the image itself; here only that it is a non-empty file."""
        try:
            size = image.stat().st_size
        except OSError as exc:
            raise CwmpFault(9010, f"the downloaded image is unreadable: {exc.strerror}") from exc
        if size == 0:
            raise CwmpFault(9018, "the firmware image is empty")
        return ""

    def request_for(self, image: Path) -> bytes:
        """The request for the spooled ``image`` (its name is the transfer's, unique)."""
        digest, size = _digest(image)
        return f"transfer={image.name}\nsha256={digest}\nsize={size}\n".encode()

    async def _off_reactor(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run ``fn`` (hashing, copying an image) in the reactor's thread pool if it has one."""
        reactor = self._clock
        if not IReactorThreads.providedBy(reactor):
            return fn(*args)
        result: _T = await deferToThreadPool(reactor, reactor.getThreadPool(), fn, *args)
        return result

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Stage the image, ask the root side and wait for its answer: SELF_REBOOT when it
        applied the image (it reboots), its fault when it did not, 9010 when it is silent."""
        request = await self._off_reactor(self.request_for, image)
        want = hashlib.sha256(request).hexdigest()
        answer = Result.read(self.paths.result)
        if answer is None or answer.request != want:
            asked = request in (_read_bytes(self.paths.request), _read_bytes(self.paths.sent))
            if not asked:  # (asked: the agent restarted while the root side had it)
                self.paths.result.unlink(missing_ok=True)
                await self._off_reactor(_stage, image, self.paths.image)
                atomic_write(self.paths.request, request, 0o644)
                atomic_write(self.paths.sent, request, 0o644)
                _log.info("firmware image staged; asked the root side to apply it")
            answer = await self._wait(want)
        fault = answer.fault()
        if fault is not None:
            self.paths.image.unlink(missing_ok=True)
            raise fault
        _log.info("firmware applied by the root side: {message}", message=answer.message)
        return SELF_REBOOT

    async def _wait(self, want: str) -> Result:
        return await wait_for_result(self._clock, self.paths, want, 9010, "firmware")

    async def outcome(self, image: Path) -> tuple[int, str]:
        """After a boot: (0, "") when the root side applied the image this transfer staged,
        else the fault code and reason. The request is rebuilt from the spooled image (still
        there until TransferComplete), else taken from the kept copy."""
        if image.exists():
            request: bytes | None = await self._off_reactor(self.request_for, image)
        else:
            request = _read_bytes(self.paths.sent)
        if request is None or f"transfer={image.name}\n".encode() not in request:
            return 9010, "no firmware request of this transfer on record"
        answer = Result.read(self.paths.result)
        if answer is None or answer.request != hashlib.sha256(request).hexdigest():
            return 9010, "the firmware service left no result for this image"
        self.paths.image.unlink(missing_ok=True)
        fault = answer.fault()
        return (0, "") if fault is None else (fault.code, fault.string)

    async def version(self) -> str:
        """Not used to judge: the result file says what happened."""
        return ""


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


async def wait_for_result(
    clock: IReactorTime, paths: RootPaths, want: str, fault: int, service: str
) -> Result:
    """Poll ``paths.result`` until the root side answers request ``want``; past
    ``paths.timeout`` the request is withdrawn and CwmpFault ``fault`` names ``service``."""
    waited = 0.0
    while waited < paths.timeout:
        await task.deferLater(clock, paths.poll, lambda: None)
        waited += paths.poll
        answer = Result.read(paths.result)
        if answer is not None and answer.request == want:
            return answer
    paths.request.unlink(missing_ok=True)
    raise CwmpFault(fault, f"the {service} service did not answer within {paths.timeout:g} s")
