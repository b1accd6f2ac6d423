"""RootSideFirmware against hand-written result files, on an injected clock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.python.failure import Failure

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.transfers.handlers import SELF_REBOOT
from cwmpd.transfers.rootside import FirmwarePaths, RootSideFirmware


def _paths(tmp: Path, timeout: float = 10.0) -> FirmwarePaths:
    return FirmwarePaths(
        image=tmp / "lib" / "image",
        request=tmp / "run" / "firmware-request",
        result=tmp / "lib" / "result",
        timeout=timeout,
    )


def _spool(tmp: Path, data: bytes = b"IMAGE" * 100) -> Path:
    path = tmp / "spool" / "transfer-7"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    (tmp / "run").mkdir(exist_ok=True)
    return path


def _answer(paths: FirmwarePaths, request: bytes, status: int, message: str) -> None:
    digest = hashlib.sha256(request).hexdigest()
    paths.result.write_text(f"request={digest}\nstatus={status}\nmessage={message}\n")


def test_silent_root_side_is_9010_after_the_timeout_and_the_request_is_withdrawn(
    tmp_path: Path,
) -> None:
    clock, paths = Clock(), _paths(tmp_path, timeout=5)
    handler = RootSideFirmware(clock, paths)
    image = _spool(tmp_path)
    d = Deferred.fromCoroutine(handler.apply(image, ""))
    assert paths.request.read_bytes() == handler.request_for(image)
    assert paths.image.read_bytes() == image.read_bytes()
    failures: list[CwmpFault] = []
    d.addErrback(collect_faults(failures))
    clock.pump([1] * 4)
    assert not d.called
    clock.advance(1)
    assert [(f.code, f.string) for f in failures] == [
        (9010, "the firmware service did not answer within 5 s")
    ]
    assert not paths.request.exists()


def test_a_result_for_another_request_is_not_taken(tmp_path: Path) -> None:
    clock, paths = Clock(), _paths(tmp_path)
    handler = RootSideFirmware(clock, paths)
    image = _spool(tmp_path)
    d = Deferred.fromCoroutine(handler.apply(image, ""))
    _answer(paths, b"transfer=transfer-6\n", 0, "applied")  # a stale answer
    clock.pump([1] * 3)
    assert not d.called
    _answer(paths, handler.request_for(image), 65, "bad\x1b[31m signature\n")
    failures: list[CwmpFault] = []
    d.addErrback(collect_faults(failures))
    clock.advance(1)
    assert [(f.code, f.string) for f in failures] == [(9018, "bad[31m signature")]
    assert not paths.image.exists()


def test_success_is_self_reboot_and_judged_again_after_the_boot(tmp_path: Path) -> None:
    clock, paths = Clock(), _paths(tmp_path)
    handler = RootSideFirmware(clock, paths)
    image = _spool(tmp_path)
    d = Deferred.fromCoroutine(handler.apply(image, ""))
    _answer(paths, handler.request_for(image), 0, "flashed")
    clock.advance(1)
    assert d.result == SELF_REBOOT
    after_boot = RootSideFirmware(Clock(), paths)  # a new agent: the request file is gone
    paths.request.unlink(missing_ok=True)
    outcome = Deferred.fromCoroutine(after_boot.outcome(image))
    assert outcome.result == (0, "")
    paths.sent.unlink()  # lost (power cut before it was written): the spool still tells
    assert Deferred.fromCoroutine(after_boot.outcome(image)).result == (0, "")
    other = Deferred.fromCoroutine(after_boot.outcome(image.with_name("transfer-8")))
    assert other.result == (9010, "no firmware request of this transfer on record")


def test_an_agent_restart_while_asked_waits_instead_of_asking_again(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    image = _spool(tmp_path)
    first = RootSideFirmware(Clock(), paths)
    Deferred.fromCoroutine(first.apply(image, ""))
    paths.request.unlink()  # the helper took it and is running
    again = RootSideFirmware(clock := Clock(), paths)
    d = Deferred.fromCoroutine(again.apply(image, ""))
    assert not paths.request.exists()  # not asked twice
    _answer(paths, again.request_for(image), 0, "flashed")
    clock.advance(1)
    assert d.result == SELF_REBOOT


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"image": "relative/path"}, "firmware.image: expected an absolute path"),
        ({"timeout": 0}, "firmware.timeout: expected seconds >= 1"),
        ({"command": "/bin/sh"}, "firmware: unknown key(s) command"),
    ],
)
def test_bad_firmware_tables_name_the_key(table: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        FirmwarePaths.from_table(table)


def test_defaults_are_the_debian_paths() -> None:
    paths = FirmwarePaths.from_table({})
    assert (str(paths.image), str(paths.request), str(paths.result)) == (
        "/var/lib/cwmpd/firmware/image",
        "/run/cwmpd/firmware-request",
        "/var/lib/cwmpd/firmware/result",
    )


def collect_faults(into: list[CwmpFault]) -> Callable[[Failure], None]:
    """An errback appending the CwmpFault of each failure to ``into``."""

    def collect(failure: Failure) -> None:
        assert isinstance(failure.value, CwmpFault), failure
        into.append(failure.value)

    return collect
