"""TransferManager with a task.Clock, the real EventQueue and hand-written fakes for the
file server and the device: queueing, timing, the state machine and exactly-once delivery."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.transfer_messages import TimeWindow
from cwmpd.session.events import EventQueue
from cwmpd.transfers import record as r
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.handlers import DONE, REBOOT
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.settings import TransferSettings
from support.fakes import stand_in

FW = "1 Firmware Upgrade Image"
WEB = "2 Web Content"
IMAGE = b"CWMPD-SIMULATED-FIRMWARE version=2.0.0\n"


class FakeClient:
    """Serves ``files`` by URL; a URL mapped to a Deferred blocks until it fires."""

    def __init__(self, files: dict[str, Any]) -> None:
        self.files = files

    async def get(
        self, url: str, dest: Path, *, expected: int, space: int, progress: Any = None
    ) -> int:
        what = self.files[url]
        if isinstance(what, Deferred):
            what = await what
        if isinstance(what, TransferError):
            raise what
        dest.write_bytes(what)
        return len(what)

    async def put(self, url: str, source: Path, content_type: str) -> int:
        self.files[url] = source.read_bytes()
        return 201

    async def close(self) -> None:
        return None


class FakeFirmware:
    """A device whose version changes only through a (recorded) reboot."""

    def __init__(self) -> None:
        self.running = "1.0.0"
        self.staged = ""
        self.applied: list[Path] = []

    def verify(self, image: Path) -> str:
        first = image.read_bytes().split(b"\n", 1)[0]
        if not first.startswith(b"CWMPD-SIMULATED-FIRMWARE version="):
            raise CwmpFault(9018, "bad image")
        return first.split(b"=", 1)[1].decode()

    async def apply(self, image: Path, target: str) -> str:
        self.applied.append(image)
        self.staged = self.verify(image)
        return REBOOT

    async def version(self) -> str:
        return self.running


class FakeWeb:
    """Applies at once."""

    def verify(self, image: Path) -> str:
        return ""

    async def apply(self, image: Path, target: str) -> str:
        return DONE

    async def version(self) -> str:
        return ""


class Rig:
    """A manager over ``state`` with a clock; rebuild() is a daemon restart on the same disk."""

    def __init__(self, state: Path, clock: task.Clock, files: dict[str, Any]) -> None:
        self.state, self.clock, self.files = state, clock, files
        self.firmware = FakeFirmware()
        self.boot = "boot-1"
        self.sessions = 0
        self.reboots = 0
        self.build()

    def build(self) -> None:
        rig = self

        self.events = EventQueue(self.state / "events.json")
        self.mgr = TransferManager(
            TransferSettings(
                reactor=stand_in(self.clock),
                state_dir=self.state,
                events=self.events,
                request_session=self._session,
                reboot=self._reboot,
                boot_id=lambda: self.boot,
                handlers={FW: self.firmware, WEB: FakeWeb()},
                capacity=3,
                client=lambda t: FakeClient(rig.files),
            )
        )
        self.rpcs = self.mgr.rpcs
        self.mgr.start()

    def _session(self) -> None:
        self.sessions += 1

    def _reboot(self) -> None:
        self.reboots += 1

    def call(self, coro: Any) -> Any:
        d = Deferred.fromCoroutine(coro)
        out: list[Any] = []
        d.addBoth(out.append)
        assert out, "handler did not finish synchronously"
        if isinstance(out[0], Exception) or hasattr(out[0], "raiseException"):
            out[0].raiseException()
        return out[0]

    def download(self, url: str = "http://f/fw", **kw: Any) -> m.Message:
        self.mgr.session_started()
        kw.setdefault("file_type", FW)
        answer: m.Message = self.call(
            self.rpcs.download(m.Download(command_key="k1", url=url, **kw))
        )
        return answer

    def session(self) -> list[m.Message]:
        """One session: the TransferCompletes sent, each acknowledged; then after_session."""
        sent = self.mgr.pending_requests()
        for tc in sent:
            self.mgr.delivered(tc, m.TransferCompleteResponse())
        self.mgr.after_session()
        return sent

    def codes(self) -> list[str]:
        return [e.code for e in self.events.queued()]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    """A manager on a fresh state dir with a fake clock and file server."""
    return Rig(tmp_path, task.Clock(), {"http://f/fw": IMAGE, "http://f/web": b"<html>"})


def test_download_answers_status_1_with_unknown_times_and_waits_for_session_end(
    rig: Rig,
) -> None:
    """P-25/P-28: Status 1, Unknown Times; nothing is fetched until the session ends."""
    resp = rig.download(file_type=WEB, url="http://f/web")
    assert resp == m.DownloadResponse(1, r.UNKNOWN_TIME, r.UNKNOWN_TIME)
    rig.clock.advance(10)
    assert [t.state for t in rig.mgr.store] == [r.State.QUEUED]
    rig.mgr.after_session()
    assert [t.state for t in rig.mgr.store] == [r.State.COMPLETE]
    assert rig.codes() == ["7 TRANSFER COMPLETE", "M Download"]


def test_delay_seconds_is_honoured(rig: Rig) -> None:
    """DelaySeconds=30: not started at 29 s after receipt, started at 30 s."""
    rig.download(file_type=WEB, url="http://f/web", delay_seconds=30)
    rig.mgr.after_session()
    rig.clock.advance(29)
    assert [t.state for t in rig.mgr.store] == [r.State.QUEUED]
    rig.clock.advance(1)
    assert [t.state for t in rig.mgr.store] == [r.State.COMPLETE]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"url": "ftp://f/fw"}, 9013),
        ({"url": "http://user:pw@f/fw"}, 9003),
        ({"url": "http://f/" + "x" * 300}, 9003),
        ({"file_type": "7 Nonsense"}, 9003),
        ({"file_type": "4 Tone File"}, 9003),
        ({"target_file_name": "t" * 257}, 9003),
        ({"file_size": 1 << 62}, 9003),
    ],
)
def test_bad_download_arguments_get_precise_faults(rig: Rig, kw: dict[str, Any], code: int) -> None:
    """Other transports are 9013; userinfo, lengths and unknown types are 9003 (P-24, X-7)."""
    with pytest.raises(CwmpFault) as info:
        rig.download(**kw)
    assert info.value.code == code
    assert len(rig.mgr.store) == 0


def test_full_queue_is_9004(rig: Rig) -> None:
    """The queue holds `capacity` transfers; one more is refused with 9004."""
    for _ in range(3):
        rig.download()
    with pytest.raises(CwmpFault) as info:
        rig.download()
    assert info.value.code == 9004


def test_firmware_reboot_then_transfer_complete_exactly_once(rig: Rig) -> None:
    """Fetch, verify, persist, apply, reboot; after the boot TransferComplete 0 is sent
    until acknowledged, and never again after a restart."""
    rig.download()
    rig.mgr.after_session()
    rig.clock.advance(0)
    assert rig.reboots == 1
    (t,) = rig.mgr.store
    assert t.state == r.State.AWAITING_BOOT
    assert (t.prior_version, t.expected_version) == ("1.0.0", "2.0.0")
    # The reboot: a new boot id, the staged version runs, the daemon starts again.
    rig.boot, rig.firmware.running = "boot-2", rig.firmware.staged
    rig.build()
    assert set(rig.codes()) == {"7 TRANSFER COMPLETE", "M Download"}
    first = rig.mgr.pending_requests()  # the ACS never answers: a failed session
    assert [(tc.command_key, tc.fault_code) for tc in first] == [("k1", 0)]  # type: ignore[attr-defined]
    rig.build()
    assert len(rig.session()) == 1
    assert rig.codes() == []
    rig.build()
    assert rig.session() == []


def test_a_judgement_finishing_after_the_inform_waits_for_the_next_session(rig: Rig) -> None:
    """After the boot the version is read asynchronously (a command on a real device); the
    first session's Inform went out without "7 TRANSFER COMPLETE", so that session sends no
    TransferComplete; the next one carries both the events and the TransferComplete."""
    rig.download()
    rig.mgr.after_session()
    rig.clock.advance(0)
    rig.boot, rig.firmware.running = "boot-2", rig.firmware.staged
    slow: Deferred[str] = Deferred()

    async def read_version() -> str:
        return await slow

    rig.firmware.version = read_version  # type: ignore[method-assign]
    rig.build()
    rig.mgr.before_session()  # the session builds its Inform now ...
    inform_events = rig.codes()
    slow.callback("2.0.0")  # ... and the judgement completes while it is open
    assert "7 TRANSFER COMPLETE" not in inform_events
    assert rig.session() == []
    rig.mgr.before_session()
    assert set(rig.codes()) == {"7 TRANSFER COMPLETE", "M Download"}
    assert [tc.fault_code for tc in rig.session()] == [0]  # type: ignore[attr-defined]


def test_same_boot_after_crash_before_reboot_asks_for_the_reboot_again(rig: Rig) -> None:
    """A crash between staging and rebooting: the restarted agent reboots, no early TC."""
    rig.download()
    rig.mgr.after_session()
    rig.build()
    rig.clock.advance(0)
    assert rig.reboots == 2
    assert rig.mgr.pending_requests() == []


def test_wrong_version_after_boot_is_9010(rig: Rig) -> None:
    """The device came back on the old version: TransferComplete carries 9010."""
    rig.download()
    rig.mgr.after_session()
    rig.boot = "boot-2"
    rig.build()
    (tc,) = rig.session()
    assert tc.fault_code == 9010  # type: ignore[attr-defined]


def test_bad_image_is_9018_and_not_applied(rig: Rig) -> None:
    """An image that fails verification is never applied; TransferComplete 9018."""
    rig.files["http://f/fw"] = b"garbage"
    rig.download()
    rig.mgr.after_session()
    (tc,) = rig.session()
    assert tc.fault_code == 9018 and rig.firmware.applied == []  # type: ignore[attr-defined]


def test_crash_mid_fetch_restarts_the_fetch(rig: Rig) -> None:
    """A restart while fetching drops the partial file and fetches again."""
    blocker: Deferred[bytes] = Deferred()
    rig.files["http://f/web"] = blocker
    rig.download(file_type=WEB, url="http://f/web")
    rig.mgr.after_session()
    assert [t.state for t in rig.mgr.store] == [r.State.FETCHING]
    rig.files["http://f/web"] = b"<html>"
    rig.build()
    rig.clock.advance(0)
    assert [(t.state, t.attempts) for t in rig.mgr.store] == [(r.State.COMPLETE, 2)]


def test_crash_between_outcome_and_events_queues_them_once(rig: Rig) -> None:
    """A record persisted complete without its events gets them at start-up, once."""
    rig.download(file_type=WEB, url="http://f/web")
    (t,) = rig.mgr.store
    rig.mgr.store.put(t.with_changes(state=r.State.COMPLETE, events_queued=False))
    rig.build()
    rig.build()
    assert sorted(rig.codes()) == ["7 TRANSFER COMPLETE", "M Download"]
    assert len(rig.session()) == 1 and rig.codes() == []


def test_acknowledged_then_crash_leaves_no_stray_events(rig: Rig) -> None:
    """TransferCompleteResponse recorded, crash before the events were cleared: cleaned up."""
    rig.download(file_type=WEB, url="http://f/web")
    rig.mgr.after_session()
    (t,) = rig.mgr.store
    rig.mgr.store.remove(t.id)  # what delivered() persists first
    rig.build()
    assert rig.codes() == []


def test_cancel_queued_transfer_sends_nothing(rig: Rig) -> None:
    """CancelTransfer on a queued transfer removes it: no TransferComplete (P-34)."""
    rig.download(delay_seconds=100)
    rig.call(rig.rpcs.cancel(m.CancelTransfer("k1")))
    rig.mgr.after_session()
    rig.clock.advance(200)
    assert list(rig.mgr.store) == [] and rig.session() == [] and rig.codes() == []


def test_cancel_unknown_or_applied_is_9021(rig: Rig) -> None:
    """Nothing cancellable with that key (unknown, or already applied): 9021."""
    with pytest.raises(CwmpFault) as info:
        rig.call(rig.rpcs.cancel(m.CancelTransfer("nope")))
    assert info.value.code == 9021
    rig.download()
    rig.mgr.after_session()
    with pytest.raises(CwmpFault) as info:
        rig.call(rig.rpcs.cancel(m.CancelTransfer("k1")))
    assert info.value.code == 9021


def test_schedule_download_windows(rig: Rig) -> None:
    """Overlapping windows are 9003; a download waits for its window's start."""
    bad = (TimeWindow(0, 100, "1 At Any Time"), TimeWindow(50, 200, "1 At Any Time"))
    req = m.ScheduleDownload("s1", WEB, "http://f/web", "", "", 0, "", bad)
    with pytest.raises(CwmpFault) as info:
        rig.call(rig.rpcs.schedule_download(req))
    assert info.value.code == 9003
    good = (TimeWindow(60, 120, "1 At Any Time"),)
    rig.call(rig.rpcs.schedule_download(dataclasses.replace(req, time_windows=good)))
    rig.mgr.after_session()
    rig.clock.advance(59)
    assert [t.state for t in rig.mgr.store] == [r.State.QUEUED]
    rig.clock.advance(1)
    assert [t.state for t in rig.mgr.store] == [r.State.COMPLETE]
    assert "M ScheduleDownload" in rig.codes()


def test_window_that_passes_gives_9020(rig: Rig) -> None:
    """Only a "Confirmation Needed" window (no user here) and it ends: TransferComplete 9020."""
    windows = (TimeWindow(10, 20, "4 Confirmation Needed"),)
    rig.call(
        rig.rpcs.schedule_download(
            m.ScheduleDownload("s2", WEB, "http://f/web", "", "", 0, "", windows)
        )
    )
    rig.mgr.after_session()
    (tc,) = rig.session()
    assert tc.fault_code == 9020  # type: ignore[attr-defined]


def test_get_all_queued_transfers_reports_states(rig: Rig) -> None:
    """GetAllQueuedTransfers: State 1 before the start, 3 once completed (P-33)."""
    rig.download(file_type=WEB, url="http://f/web")
    resp = rig.call(rig.rpcs.get_all_queued(m.GetAllQueuedTransfers()))
    assert [(t.command_key, t.state, t.is_download) for t in resp.transfers] == [("k1", 1, True)]
    rig.mgr.after_session()
    resp = rig.call(rig.rpcs.get_queued(m.GetQueuedTransfers()))
    assert [(t.command_key, t.state) for t in resp.transfers] == [("k1", 3)]


def test_only_the_session_start_holds_the_queue_not_asking_for_requests(rig: Rig) -> None:
    """The engine's session_started() holds a due transfer until after_session(); reading
    the pending TransferCompletes has no such side effect."""
    rig.download(file_type=WEB, url="http://f/web", delay_seconds=30)
    rig.mgr.after_session()
    assert rig.mgr.pending_requests() == []
    rig.clock.advance(30)
    assert [t.state for t in rig.mgr.store] == [r.State.COMPLETE]
    rig.session()
    rig.download(file_type=WEB, url="http://f/web", delay_seconds=30)
    rig.mgr.after_session()
    rig.mgr.session_started()
    rig.clock.advance(30)
    assert [t.state for t in rig.mgr.store] == [r.State.QUEUED]
    rig.mgr.after_session()
    assert [t.state for t in rig.mgr.store] == [r.State.COMPLETE]
