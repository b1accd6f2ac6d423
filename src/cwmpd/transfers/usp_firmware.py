"""USP ``FirmwareImage.{i}.Download()`` and ``Activate()`` (TR-181 2.19) on the transfer engine.

Two slots (cwmpd.plugin.firmware_images): the running image and the one Download() fills.
``Download()`` fetches with the transfer queue's own HTTP(S) client (the same TLS
verification, limits, authentication and spool as a CWMP Download), checks the optional
CheckSum (SHA-1/224/256/384/512), has the device's firmware handler verify the image (the
plugin's verify_firmware or firmware_handler, e.g. ``sysupgrade -T``) and keeps it in the
spool as that slot's image (Status Available). ``Activate()`` waits for its TimeWindow,
applies the image through the same handler (the simulated device stages it, OpenWrt starts
a detached ``sysupgrade``), and reboots; after the boot the image is judged (the version
now running, or the handler's own report) and the slots swap roles: the activated one is
Active, the other is the free slot. AutoActivate true activates right after a good
Download (no Activate() OperationComplete then: no Controller asked for one).

When OperationComplete goes (TR-369 R-OPR.4: when the command is complete): Download()'s
once the image is validated; Activate()'s after the reboot, once the outcome is judged,
from the Request row that outlived the reboot (the Boot! of that boot comes first, with
FirmwareUpdated true and Cause RemoteReboot with the command's key).

Exactly once: each step is written to the slots' file (cwmpd.state, temp + fsync +
rename) before it is acted on, and ``resume`` carries each journalled command on from its
step after a kill or a reboot: a fetch cut short starts again (at most three starts), a
finished command whose OperationComplete had not gone yet sends it, an apply cut on the
same boot is made again, an apply followed by a new boot is judged.

TimeWindow (the first usable one counts): Start and End are seconds after the command
arrived. ``AnyTime`` and ``Immediately`` activate at Start (this agent activates at once
in both); ``WhenIdle`` is taken as AnyTime (the agent has no idle signal from the device);
``ConfirmationNeeded`` windows are skipped (no user to confirm to), as CWMP's
"4 Confirmation Needed" ones are. No window: now. Past every window's End: an error.
A failed activation is not retried (MaxRetries is checked, not used). UserMessage is not
shown anywhere. Errors are 7022 (Command Failure) with the reason, as TR-369 has no
transfer codes; bad arguments are 7004 before anything starts.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from twisted.internet.defer import CancelledError, Deferred, ensureDeferred
from twisted.internet.task import deferLater
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.backends.base import BackendError
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DONE, REBOOT, ReportingFileHandler
from cwmpd.plugin.firmware_images import GENERIC, TABLE, FirmwareImages
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.record import Kind, Transfer
from cwmpd.transfers.validate import check_url
from cwmpd.usp.errors import ErrorCode, UspError

DOWNLOAD: Final = GENERIC + "Download()"
ACTIVATE: Final = GENERIC + "Activate()"
FIRMWARE_TYPE: Final = "1 Firmware Upgrade Image"
CHECKSUMS: Final = {
    "SHA-1": "sha1",
    "SHA-224": "sha224",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
MODES: Final = ("AnyTime", "Immediately", "WhenIdle", "ConfirmationNeeded")
MAX_STARTS: Final = 3  # starts of a fetch a kill cut before Download() fails
GRACE: Final = 1.0  # seconds between an activation's apply and the reboot (Notifies go out)
AUTO: Final = "auto:"  # journal key prefix of an AutoActivate activation (no Request row)

#: Note why the coming reboot happens: (cause, command key, firmware updated).
NoteBoot = Callable[[str, str, bool], None]
Output = Mapping[str, str]
_log = Logger(namespace="cwmpd.transfers")


class FirmwareFailed(Exception):
    """The command ends with this reason (7022)."""


def _slot(command: str) -> int:
    """ "Device.DeviceInfo.FirmwareImage.2.Download()" -> 2."""
    return int(command[len(TABLE) :].partition(".")[0])


def _unsigned(args: Mapping[str, str], name: str, default: int = 0) -> int:
    text = args.get(name, "")
    if text == "":
        return default
    if not text.isdigit():
        raise ValueError(f"{name} is not an unsignedInt: {text!r}")
    return int(text)


def _boolean(args: Mapping[str, str], name: str) -> bool:
    text = args.get(name, "false")
    if text not in ("true", "false", "1", "0"):
        raise ValueError(f"{name} is not a boolean: {text!r}")
    return text in ("true", "1")


def download_job(args: Mapping[str, str]) -> dict[str, Any]:
    """The journal entry of a Download() with ``args``; ValueError when they are unusable."""
    url = args.get("URL", "")
    if not url:
        raise ValueError("URL is required")
    try:
        check_url(url)
    except CwmpFault as fault:
        raise ValueError(fault.string) from None
    algorithm, checksum = args.get("CheckSumAlgorithm", ""), args.get("CheckSum", "")
    if checksum and algorithm not in CHECKSUMS:
        raise ValueError(f"CheckSumAlgorithm must be one of {', '.join(CHECKSUMS)}")
    try:
        bytes.fromhex(checksum)
    except ValueError:
        raise ValueError("CheckSum is not hexadecimal") from None
    return {
        "kind": "download",
        "step": "fetching",
        "starts": 0,
        "url": url,
        "username": args.get("Username", ""),
        "password": args.get("Password", ""),
        "file_size": _unsigned(args, "FileSize"),
        "algorithm": algorithm if checksum else "",
        "checksum": checksum.lower(),
        "auto": _boolean(args, "AutoActivate"),
    }


def windows(args: Mapping[str, str]) -> list[dict[str, Any]]:
    """Activate()'s TimeWindow.{i}. arguments in order; ValueError when unusable."""
    numbers = sorted({int(k.split(".")[1]) for k in args if k.startswith("TimeWindow.")})
    out: list[dict[str, Any]] = []
    for n in numbers:
        prefix = f"TimeWindow.{n}."
        mode = args.get(prefix + "Mode", "")
        if mode not in MODES:
            raise ValueError(f"{prefix}Mode must be one of {', '.join(MODES)}")
        start, end = _unsigned(args, prefix + "Start"), _unsigned(args, prefix + "End")
        if end <= start:
            raise ValueError(f"{prefix}End must be after its Start")
        if out and start < out[-1]["end"]:
            raise ValueError(f"{prefix} overlaps the window before it")
        retries = args.get(prefix + "MaxRetries", "0")
        if not retries.lstrip("-").isdigit() or not -1 <= int(retries) <= 10:
            raise ValueError(f"{prefix}MaxRetries must be -1 to 10")
        out.append({"start": start, "end": end, "mode": mode})
    if len(out) > 5:
        raise ValueError("at most 5 TimeWindows")
    return out


def activation_time(job: Mapping[str, Any], now: float) -> float | None:
    """When an Activate() journalled as ``job`` applies (clock seconds); None: never."""
    received = float(job["received"])
    if not job["windows"]:
        return received
    for w in job["windows"]:
        if w["mode"] == "ConfirmationNeeded" or received + w["end"] <= now:
            continue
        return max(received + float(w["start"]), now)
    return None


class FirmwareCommands:
    """Download() and Activate() of the FirmwareImage slots, journalled in ``images``.

    ``queue``: the CWMP transfer queue whose client, spool, handlers and reboot these use;
    ``note_boot``: records the coming boot's Cause, CommandKey and FirmwareUpdated.
    """

    def __init__(self, images: FirmwareImages, queue: TransferQueue, note_boot: NoteBoot) -> None:
        self.images = images
        self.queue = queue
        self.note_boot = note_boot
        self._auto: dict[str, Deferred[Output]] = {}  # AutoActivate runs (no Request row)
        #: the commands this run began: never forgotten by carry_on, which may come later
        #: (a Controller can Operate before the agent has looked at what an earlier run left)
        self._begun: set[str] = set()
        self._stopping = False  # a cancellation now is the shutdown's, not Cancel()'s
        self.download = _Command(self, "download")
        self.activate = _Command(self, "activate")

    @property
    def resumable(self) -> dict[str, _Command]:
        """The two commands for AsyncOperations, by generic path."""
        return {DOWNLOAD: self.download, ACTIVATE: self.activate}

    def spool(self, slot: int) -> Path:
        """Where slot ``slot``'s image is kept."""
        return self.queue.spool_dir / f"usp-firmware-{slot}"

    def handler(self) -> Any:
        """The device's firmware FileHandler (FirmwareFailed when it has none)."""
        handler = self.queue.handlers.get(FIRMWARE_TYPE)
        if handler is None:
            raise FirmwareFailed("the device takes no firmware")
        return handler

    async def start(self) -> None:
        """Agent start: the running slot's Version is the running firmware's."""
        try:
            version = await self.handler().version()
        except (FirmwareFailed, BackendError, CwmpFault) as exc:
            _log.warn("firmware version unknown: {error}", error=exc)
            return
        active = str(self.images.active)
        if self.images.image(self.images.active)["version"] != version:
            self.images.update(lambda s: s["images"][active].update(version=version))

    def stop(self) -> None:
        """Daemon shutdown: the AutoActivate runs stop (AsyncOperations stops the others);
        the journal carries them on at the next start."""
        self._stopping = True
        auto, self._auto = self._auto, {}
        for d in auto.values():
            d.cancel()

    # -- starting ------------------------------------------------------------------

    def begin(
        self, kind: str, command: str, command_key: str, args: Mapping[str, str]
    ) -> Awaitable[Output]:
        """Check and journal a new command; what runs it (see _Command.start)."""
        slot = _slot(command)
        running = {c: j for c, j in self.images.state["jobs"].items() if j["step"] != "done"}
        busy = sorted(c for c, j in running.items() if j["slot"] == slot)
        if busy:
            raise UspError(ErrorCode.COMMAND_FAILURE, f"{busy[0]} is running already")
        if kind == "activate" and any(j["kind"] == "activate" for j in running.values()):
            raise UspError(ErrorCode.COMMAND_FAILURE, "another image is being activated")
        image = self.images.image(slot)
        if kind == "download":
            job = download_job(args)
            if slot == self.images.active:
                raise UspError(ErrorCode.COMMAND_FAILURE, "cannot download onto the running image")
            self.handler()  # fails now when the device takes no firmware
        else:
            job = {"kind": "activate", "step": "waiting", "windows": windows(args)}
            if slot == self.images.active:
                raise UspError(ErrorCode.COMMAND_FAILURE, f"image {slot} is running already")
            if image["status"] != "Available" or not self.spool(slot).exists():
                raise UspError(ErrorCode.COMMAND_FAILURE, f"image {slot} holds no valid image")
        job.update(key=command_key, received=self.queue.now(), slot=slot)

        def journal(state: dict[str, Any]) -> None:
            state["jobs"][command] = job
            if kind == "download":
                state["images"][str(slot)].update(status="Downloading", file="", version="")

        self.images.update(journal)
        self._begun.add(command)
        return self.run(command)

    # -- running -------------------------------------------------------------------

    async def run(self, command: str) -> Output:
        """Carry ``command`` on from its journalled step to its outputs."""
        job = self.images.job(command)
        if job is None:
            raise FirmwareFailed(f"{command}: its journal is lost")
        if job["step"] == "done":
            return self._outcome(job)
        try:
            if job["kind"] == "download":
                await self._download(command, job)
            else:
                await self._activate(command, job)
        except FirmwareFailed as exc:
            self._finish(command, error=str(exc))
        except CancelledError:
            if not self._stopping:  # Request.{i}.Cancel(): the journal ends it too
                status = "NoImage" if job["kind"] == "download" else "Available"
                self._finish(command, error="cancelled", status=status)
                self.spool(int(job["slot"])).with_suffix(".part").unlink(missing_ok=True)
            raise
        job = self.images.job(command)
        if job is None and command.startswith(AUTO):
            return {}  # an AutoActivate ended: its entry goes with it
        if job is None:
            raise FirmwareFailed(f"{command}: its journal is lost")
        return self._outcome(job)

    def _outcome(self, job: Mapping[str, Any]) -> Output:
        if job.get("error"):
            raise FirmwareFailed(str(job["error"]))
        return {}

    def _finish(
        self,
        command: str,
        *,
        error: str = "",
        status: str = "",
        images: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """Journal the outcome (and the slots it leaves) in one write."""
        job = self.images.job(command)
        if job is None:
            return
        slot = str(job["slot"])
        if error and not status:
            status = "DownloadFailed" if job["kind"] == "download" else "ActivationFailed"

        def done(state: dict[str, Any]) -> None:
            entry = state["jobs"][command]
            entry.update(step="done", error=error, password="")
            if command.startswith(AUTO):
                del state["jobs"][command]  # no Request row waits for it
            if status:
                state["images"][slot]["status"] = status
            if images is not None:
                images(state)

        if error:
            _log.warn("{command} failed: {error}", command=command, error=error)
        self.images.update(done)

    async def _download(self, command: str, job: dict[str, Any]) -> None:
        slot = int(job["slot"])
        if job["starts"] >= MAX_STARTS:
            raise FirmwareFailed(f"the download was interrupted {job['starts']} times")
        self.images.update(lambda s: s["jobs"][command].update(starts=job["starts"] + 1))
        part = self.spool(slot).with_suffix(".part")
        self.spool(slot).unlink(missing_ok=True)
        try:
            await self._fetch(job, part)
            self._check_sum(job, part)
        except FirmwareFailed:
            part.unlink(missing_ok=True)
            raise
        try:
            version = await self._verify(part)
        except FirmwareFailed as exc:
            part.unlink(missing_ok=True)
            self._finish(command, error=str(exc), status="ValidationFailed")
            return
        part.replace(self.spool(slot))
        name = Path(urlsplit(job["url"]).path).name or f"image-{slot}"
        auto = AUTO + str(slot)

        def available(state: dict[str, Any]) -> None:
            state["images"][str(slot)].update(
                status="Available", name=name, version=version, file=self.spool(slot).name
            )
            if job["auto"]:  # the activation is journalled with the Download's outcome
                state["jobs"][auto] = {
                    "kind": "activate",
                    "step": "waiting",
                    "windows": [],
                    "key": job["key"],
                    "received": self.queue.now(),
                    "slot": slot,
                }

        self._finish(command, images=available)
        if job["auto"]:
            self._run_auto(auto)

    def _run_auto(self, auto: str) -> None:
        d = ensureDeferred(self.run(auto))
        self._auto[auto] = d

        def ended(result: object) -> None:
            self._auto.pop(auto, None)
            if isinstance(result, Failure) and not result.check(CancelledError):  # type: ignore[no-untyped-call]
                _log.warn("{auto}: {error}", auto=auto, error=result.getErrorMessage())

        d.addBoth(ended)

    async def _fetch(self, job: Mapping[str, Any], part: Path) -> None:
        record = Transfer(
            id=0,
            kind=Kind.DOWNLOAD,
            command_key=str(job["key"]),
            file_type=FIRMWARE_TYPE,
            url=str(job["url"]),
            username=str(job["username"]),
            password=str(job["password"]),
            file_size=int(job["file_size"]),
        )
        try:
            space = self.queue.free_space()
            if record.file_size > space:
                raise FirmwareFailed(f"not enough space for {record.file_size} bytes")
            client = self.queue.client(record)
            try:
                await client.get(record.url, part, expected=record.file_size, space=space)
            finally:
                await client.close()
        except TransferError as exc:
            raise FirmwareFailed(f"download failed: {exc.reason}") from exc
        except OSError as exc:
            raise FirmwareFailed(f"cannot keep the image: {exc.strerror or exc}") from exc
        size = part.stat().st_size
        if record.file_size and size != record.file_size:
            raise FirmwareFailed(f"got {size} bytes, FileSize says {record.file_size}")

    def _check_sum(self, job: Mapping[str, Any], part: Path) -> None:
        if not job["checksum"]:
            return
        digest = hashlib.new(CHECKSUMS[job["algorithm"]])
        with open(part, "rb") as f:
            for chunk in iter(lambda: f.read(65536), b""):
                digest.update(chunk)
        if digest.hexdigest() != job["checksum"]:
            raise FirmwareFailed(f"{job['algorithm']} checksum mismatch")

    async def _verify(self, image: Path) -> str:
        try:
            verdict = self.handler().verify(image)
            return str(await verdict if inspect.isawaitable(verdict) else verdict)
        except CwmpFault as fault:
            raise FirmwareFailed(f"the device refused the image: {fault.string}") from fault
        except (BackendError, OSError) as exc:
            raise FirmwareFailed(f"the device refused the image: {exc}") from exc

    async def _activate(self, command: str, job: dict[str, Any]) -> None:
        slot = int(job["slot"])
        if job["step"] == "waiting":
            await self._window(command, job)
            prior = await self._running_version()
            job = self._journal(command, step="applying", boot_id=self.queue.boot_id(), prior=prior)
        if job["boot_id"] != self.queue.boot_id():
            await self._judge(command, job)
            return
        if job["step"] == "applying":  # first time, or a kill cut the apply on this boot
            image = self.spool(slot)
            if not image.exists():
                raise FirmwareFailed(f"image {slot} is gone")
            outcome = await self._apply(image)
            if outcome == DONE:  # installed without a reboot
                await self._judge(command, job)
                return
            self.note_boot("RemoteReboot", str(job["key"]), True)
            job = self._journal(command, step="rebooting", self_reboot=outcome != REBOOT)
        if job["self_reboot"]:
            await self._wait_for_reboot(command)
        else:
            _log.info("firmware image {slot} applied; rebooting", slot=slot)
            self.queue.reactor.callLater(GRACE, self.queue.settings.reboot)
        await Deferred()  # the reboot ends this run; the next one judges (resume)

    async def _running_version(self) -> str:
        try:
            return str(await self.handler().version())
        except (BackendError, CwmpFault) as exc:
            raise FirmwareFailed(f"cannot read the running version: {exc}") from exc

    def _journal(self, command: str, **changes: Any) -> dict[str, Any]:
        self.images.update(lambda s: s["jobs"][command].update(changes))
        job = self.images.job(command)
        assert job is not None
        return job

    async def _window(self, command: str, job: Mapping[str, Any]) -> None:
        now = self.queue.now()
        when = activation_time(job, now)
        if when is None:
            raise FirmwareFailed("no time window left to activate in")
        if when > now:
            await self._sleep(command, when - now)

    async def _sleep(self, command: str, seconds: float) -> None:
        await deferLater(self.queue.reactor, seconds, lambda: None)

    async def _apply(self, image: Path) -> str:
        try:
            return str(await self.handler().apply(image, ""))
        except CwmpFault as fault:
            raise FirmwareFailed(f"activation refused: {fault.string}") from fault
        except (BackendError, OSError) as exc:
            raise FirmwareFailed(f"activation refused: {exc}") from exc

    async def _wait_for_reboot(self, command: str) -> None:
        """A self-rebooting apply (sysupgrade): the reboot must come within the timeout."""
        await self._sleep(command, self.queue.settings.apply_timeout)
        raise FirmwareFailed("the device did not reboot into the new image")

    async def _judge(self, command: str, job: Mapping[str, Any]) -> None:
        """After the boot: the activated image runs (the slots swap roles) or it failed."""
        slot, old = int(job["slot"]), self.images.active
        handler = self.handler()
        expected = self.images.image(slot)["version"]
        try:
            if isinstance(handler, ReportingFileHandler):
                code, reason = await handler.outcome(self.spool(slot))
                ok, why = code == 0, reason
                version = await handler.version()
            else:
                version = await handler.version()
                prior = str(job.get("prior", ""))
                ok = version == expected if expected else bool(version) and version != prior
                why = f"the device still runs {version or 'an unknown version'}"
        except (BackendError, CwmpFault) as exc:
            ok, why, version = False, f"cannot judge the image after the boot: {exc}", ""
        if not ok:
            self.spool(slot).unlink(missing_ok=True)
            self._finish(command, error=why, status="ActivationFailed")
            return

        def swapped(state: dict[str, Any]) -> None:
            state["active"] = slot
            state["images"][str(slot)].update(status="Active", version=version, file="")
            state["images"][str(old)] = {"name": "", "version": "", "status": "NoImage", "file": ""}

        self.spool(slot).unlink(missing_ok=True)
        _log.info("firmware image {slot} ({version}) is running", slot=slot, version=version)
        self._finish(command, images=swapped)

    # -- after a restart -----------------------------------------------------------

    def carry_on(self, kind: str, commands: Collection[str]) -> dict[str, Awaitable[Output]]:
        """The journalled ``kind`` commands with a Request row, carried on; the rest of that
        kind are forgotten, except AutoActivate activations, which run on without a row, and
        the commands this run began (running already)."""
        out: dict[str, Awaitable[Output]] = {}
        forget = []
        for command, job in list(self.images.state["jobs"].items()):
            if job.get("kind") != kind or command in self._begun:
                continue  # another kind, or running since this run began it
            if command in commands:
                out[command] = self.run(command)
            elif command.startswith(AUTO):
                self._run_auto(command)
            else:
                forget.append(command)
        if forget:

            def drop(state: dict[str, Any]) -> None:
                for c in forget:
                    del state["jobs"][c]

            self.images.update(drop)
        return out


class _Command:
    """One of the two commands as an AsyncOperations Resumable."""

    def __init__(self, owner: FirmwareCommands, kind: str) -> None:
        self.owner = owner
        self.kind = kind

    def start(self, command: str, command_key: str, inputs: Mapping[str, str]) -> Awaitable[Output]:
        """Check, journal, run (see FirmwareCommands.begin)."""
        return self.owner.begin(self.kind, command, command_key, inputs)

    def resume(self, commands: Collection[str]) -> Mapping[str, Awaitable[Output]]:
        """Carry on the journalled commands that still have their Request."""
        return self.owner.carry_on(self.kind, commands)


def firmware_commands(
    images: Any, queue: TransferQueue, note_boot: NoteBoot
) -> FirmwareCommands | None:
    """The two commands when the model has the slots (``images`` is the backend of the
    FirmwareImage table) and the device a firmware handler, else None."""
    if not isinstance(images, FirmwareImages) or FIRMWARE_TYPE not in queue.handlers:
        return None
    return FirmwareCommands(images, queue, note_boot)


__all__ = ["ACTIVATE", "DOWNLOAD", "FirmwareCommands", "firmware_commands"]
