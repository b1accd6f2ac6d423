"""kill -9 of the real daemon at seeded random moments never loses nor repeats what the
agent acknowledged (issue 11 items 4-5, E-7, E-16, E-17, P-7): SPV, value-change bursts,
Download, Upload, ScheduleInform, Reboot and ChangeDUState (issue 16 item 2).

Each scenario runs two campaigns side by side (one per core), each a single daemon and
state folder SIGKILLed ``KILLS`` times, each kill ``uniform(low, high)`` s after the
(re)started daemon answers on its control socket (not after the spawn: start-up alone can
outlast the window on a loaded machine), restarted at once like systemd would; the
scripted ACS keeps asking (periodic sessions every second), and the checks run on what the
ACS received:

* every acknowledged change or event is delivered (at least once);
* never again once its delivery was confirmed to the agent (a later POST in the same
  session, or a completed session, proves the agent had recorded it): no duplicates
  beyond the retry TR-069 allows when the confirmation never arrived.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest_twisted
from twisted.internet.defer import Deferred, DeferredList
from twisted.python.failure import Failure

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.cwmp.xmlns import NS_CWMP_10, NS_CWMP_12
from cwmpd.testing.acs_record import AcsSession
from support.crash_rig import Campaign, after_completed, campaign, control, finish
from support.waiting import sleep, wait_for

KILLS = 26  # per campaign: two campaigns, so at least 52 kills per scenario
ALIAS = "Device.IP.Interface.1.Alias"
ADDRESS = "Device.IP.Interface.1.IPv4Address.1.IPAddress"
PK = "Device.ManagementServer.ParameterKey"
SUBSCRIBER = ("Subscriber",)

Scenario = Callable[[Campaign], Awaitable[None]]


async def both(tmp: Path, seed: int, scenario: Scenario, ns: str = NS_CWMP_10) -> list[Campaign]:
    """Run ``scenario`` in two campaigns at once (the ACS answering in ``ns``); print the
    kill counts and time."""
    began = time.monotonic()
    rigs = []
    for i in (0, 1):
        (tmp / str(i)).mkdir()
        rigs.append(await campaign(tmp / str(i), seed * 10 + i, ns=ns))

    async def one(rig: Campaign) -> None:
        try:
            await scenario(rig)
        except BaseException:
            print(rig.daemon.stderr.decode(errors="replace")[-3000:])
            raise
        finally:
            await finish(rig)

    # Both run to their end (each stops its daemon) before the first failure is raised.
    results = await DeferredList([Deferred.fromCoroutine(one(r)) for r in rigs])
    for ok, result in results:
        if not ok:
            assert isinstance(result, Failure)
            result.raiseException()
    kills = sum(r.daemon.kills for r in rigs)
    print(f"{scenario.__name__}: {kills} kills, {time.monotonic() - began:.1f} s")
    assert kills >= 2 * KILLS
    return rigs


def counter() -> Callable[[], int]:
    """1, 2, 3 ..."""
    state = [0]

    def next_one() -> int:
        state[0] += 1
        return state[0]

    return next_one


def assert_once(rig: Campaign, code: str, sent: dict[str, list[AcsSession]]) -> None:
    """Every acknowledged key arrived; none after a session confirmed its delivery."""
    acked = set(rig.acked)
    missing = sorted(acked - set(sent))
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged {code} lost: {missing}"
    again = {k: len(after_completed(v)) for k, v in sent.items() if after_completed(v)}
    assert not again, f"{code} delivered again after a confirmed delivery: {again}"


async def settled_get(rig: Campaign, *names: str) -> dict[str, str]:
    """Values read through the control socket once the daemon answers."""
    out: dict[str, str] = {}
    for name in names:
        for _ in range(100):
            answer = await control(rig.socket, "get", name)
            if answer is not None and answer.get("ok"):
                out[name] = answer["result"][0]["value"]
                break
            await sleep(0.05)
    assert set(out) == set(names), out
    return out


async def settle(rig: Campaign, delivered: Callable[[], bool]) -> None:
    """Wait until the ACS has nothing left to send and everything acknowledged arrived;
    again after 1.5 s (an RPC still in flight may be acknowledged late, and a wrong
    repeat needs room to show)."""
    for _ in range(2):
        await wait_for(lambda: rig.acs.pending == 0 and delivered(), 20, "the deliveries")
        await sleep(1.5)
    assert delivered()


# -- scenarios ---------------------------------------------------------------------------


async def spv(rig: Campaign) -> None:
    """An SPV of Alias + ParameterKey in every session; the value kept is an acknowledged
    one or a later one, and always with its own ParameterKey (all or nothing)."""
    n = counter()
    rig.ack_on(m.SetParameterValuesResponse, lambda rpc: rpc.parameter_key)  # type: ignore[attr-defined]
    busy = [True]

    def queue(session: AcsSession) -> None:
        if busy[0]:
            i = n()
            rig.acs.queue(m.SetParameterValues((PV(ALIAS, f"v{i}", "string"),), f"k{i}"))

    rig.on_start.append(queue)
    await rig.kill_randomly(KILLS, 0.05, 1.0)
    busy[0] = False
    # 30 s: restarts and retry back-off after the last kill overran 10 s on a busy machine
    await wait_for(lambda: rig.acs.completed_sessions and rig.acked, 30, "an SPV")
    got = await settled_get(rig, ALIAS, PK)
    alias, key = got[ALIAS], got[PK]
    assert alias == "v" + key[1:], f"value {alias!r} stored with ParameterKey {key!r}"
    last = max(int(k[1:]) for k in rig.acked)
    assert int(key[1:]) >= last, f"acknowledged k{last} lost: the agent kept {key}"


async def value_changes(rig: Campaign) -> None:
    """Rounds of a burst of 11 local sets (cwmpctl set) of an active (Alias) and a passive
    (IPAddress) parameter, SIGKILLed 0-400 ms after the burst began (mid-burst or just
    after), alternating with rounds of one passive set killed 300-400 ms later: the last
    acknowledged value of each (or a later one, applied but unanswered) must reach the
    ACS in a "4 VALUE CHANGE" Inform after it was acknowledged."""
    spa = m.SetParameterAttributes(
        (SPA(ALIAS, True, 2, True, SUBSCRIBER), SPA(ADDRESS, True, 1, True, SUBSCRIBER))
    )
    rig.ack_on(m.SetParameterAttributesResponse, lambda rpc: "spa")
    rig.on_start.append(lambda s: None if rig.acked else rig.acs.queue(spa))
    await wait_for(lambda: rig.acked, 15, "the SPA")
    i = 0
    rounds: list[str] = []  # per round: "" reported, else what was lost
    while rig.daemon.kills < KILLS:
        await rig.answering("get", ALIAS)
        starts, began = rig.daemon.starts, time.monotonic()
        passive = len(rounds) % 2 == 1  # every other round: one passive change alone
        kill_at = rig.rng.uniform(0.3, 0.4) if passive else rig.rng.uniform(0, 0.4)
        acked: dict[str, tuple[str, float]] = {}
        tried: dict[str, list[str]] = {ALIAS: [], ADDRESS: []}
        for _ in range(1 if passive else 11):
            if time.monotonic() - began >= kill_at:
                break
            i += 1
            if passive or i % 2 == 0:
                name, value = ADDRESS, f"10.0.{i // 250}.{i % 250}"
            else:
                name, value = ALIAS, f"a{i}"
            tried[name].append(value)
            answer = await control(rig.socket, "set", name, value)
            if answer is not None and answer.get("ok"):
                acked[name] = (value, time.monotonic())
        since = acked[ADDRESS][1] if passive and acked else began  # passive: after the ack
        await sleep(max(0.0, kill_at - (time.monotonic() - since)))
        if rig.daemon.starts == starts:
            rig.daemon.kill()
        await wait_for(lambda n=starts: rig.daemon.starts > n, 5, "the restart")  # type: ignore[misc]

        def reported(name: str, value: str, at: float, tried: dict[str, list[str]] = tried) -> bool:
            ok = tried[name][tried[name].index(value) :]
            return any(
                t > at and "4 VALUE CHANGE" in s.events and s.parameters.get(name) in ok
                for t, s in zip(rig.started_at, rig.acs.sessions, strict=False)
            )

        def all_reported(acked: dict[str, tuple[str, float]] = acked) -> bool:
            return all(reported(n, v, at) for n, (v, at) in acked.items())

        try:
            await wait_for(all_reported, 5, "the report")
            rounds.append("")
        except AssertionError:
            rounds.append(f"{'passive' if passive else 'burst'} {acked}")
    lost = [r for r in rounds if r]
    for kind in ("burst", "passive"):
        n = len(rounds[1::2] if kind == "passive" else rounds[::2])
        gone = [r for r in lost if r.startswith(kind)]
        print(f"value changes, {kind}: {len(gone)} of {n} kills lost an acknowledged change")
    assert not lost, f"{len(lost)} of {len(rounds)} kills lost an acknowledged change: {lost[:3]}"


def transfers(method: str) -> Scenario:
    """Download (a vendor configuration file) or Upload (one) per session while fewer than
    two are unfinished: a TransferComplete for each acknowledged call, never again after a
    session that completed with it."""

    async def scenario(rig: Campaign) -> None:
        n = counter()
        conf = json.dumps({ALIAS: "from-config"}).encode()
        rig.files.files["/conf.json"] = conf
        response = m.DownloadResponse if method == "Download" else m.UploadResponse
        rig.ack_on(response, lambda rpc: rpc.command_key)  # type: ignore[attr-defined]
        busy = [True]

        def queue(session: AcsSession) -> None:
            unfinished = set(rig.acked) - set(rig.transfer_completes())
            if not busy[0] or len(unfinished) >= 2:
                return
            key = f"{method[0].lower()}{n()}"
            if method == "Download":
                ft, url = "3 Vendor Configuration File", rig.file_url + "/conf.json"
                rpc: m.Message = m.Download(
                    command_key=key, file_type=ft, url=url, file_size=len(conf)
                )
            else:
                ft, url = "1 Vendor Configuration File", f"{rig.file_url}/up/{key}"
                rpc = m.Upload(command_key=key, file_type=ft, url=url)
            rig.acs.queue(rpc)

        rig.on_start.append(queue)
        await rig.kill_randomly(KILLS, 0.05, 1.2)
        busy[0] = False
        await settle(rig, lambda: set(rig.acked) <= set(rig.transfer_completes()))
        sent = rig.transfer_completes()
        missing = sorted(set(rig.acked) - set(sent))
        assert not missing, f"{len(missing)} of {len(rig.acked)} acknowledged {method}s lost"
        again = {
            k: len(v[i + 1 :])
            for k, v in sent.items()
            for i, s in enumerate(v)
            if s.completed and v[i + 1 :]
        }
        assert not again, f"TransferComplete sent again after a completed session: {again}"
        for sessions in sent.values():
            for s in sessions:
                assert "7 TRANSFER COMPLETE" in s.events, s.events

    scenario.__name__ = method.lower()
    return scenario


async def change_du_state(rig: Campaign) -> None:
    """A ChangeDUState (Install of a new package) per session while fewer than two are
    unfinished: a DUStateChangeComplete for each acknowledged one, with its events, never
    again after a session that completed with it."""
    n = counter()
    rig.ack_on(m.ChangeDUStateResponse, lambda rpc: rpc.command_key)  # type: ignore[attr-defined]
    busy = [True]

    def completes() -> dict[str, list[AcsSession]]:
        out: dict[str, list[AcsSession]] = {}
        for s in rig.acs.sessions:
            for r in s.cpe_requests:
                if isinstance(r, m.DUStateChangeComplete):
                    out.setdefault(r.command_key, []).append(s)
        return out

    def queue(session: AcsSession) -> None:
        if not busy[0] or len(set(rig.acked) - set(completes())) >= 2:
            return
        i = n()
        rig.files.files[f"/app{i}.pkg"] = f"Version: {i}\n".encode()
        op = m.DUOperation("Install", url=f"{rig.file_url}/app{i}.pkg")
        rig.acs.queue(m.ChangeDUState((op,), f"c{i}"))

    rig.on_start.append(queue)
    # Each life: a session at once (cwmpctl inform, which is also the readiness probe),
    # then SIGKILL 0-0.8 s later.
    await rig.kill_randomly(KILLS, 0, 0.8, probe=("inform",))
    busy[0] = False
    await settle(rig, lambda: set(rig.acked) <= set(completes()))
    sent = completes()
    print(f"change_du_state: {len(rig.acked)} acknowledged, {len(sent)} completed")
    assert rig.acked, "no ChangeDUState was ever acknowledged: nothing was tested"
    missing = sorted(set(rig.acked) - set(sent))
    assert not missing, f"{len(missing)} acknowledged ChangeDUStates without a complete"

    def confirmed(session: AcsSession, key: str) -> bool:
        """The agent posted again after the DUStateChangeComplete of ``key`` (it had
        recorded the response then), or the session completed."""
        tag = f"<CommandKey>{key}</CommandKey>".encode()
        raw = session.raw_requests
        sent_at = [
            i for i, body in enumerate(raw) if b"DUStateChangeComplete>" in body and tag in body
        ]
        return session.completed or bool(sent_at and sent_at[0] < len(raw) - 1)

    again = {
        key: len(sessions[i + 1 :])
        for key, sessions in sent.items()
        for i, s in enumerate(sessions)
        if confirmed(s, key) and sessions[i + 1 :]
    }
    assert not again, f"DUStateChangeComplete sent again after a confirmed delivery: {again}"
    for sessions in sent.values():
        for s in sessions:
            assert {"11 DU STATE CHANGE COMPLETE", "M ChangeDUState"} <= set(s.events), s.events


async def schedule_inform(rig: Campaign) -> None:
    """A ScheduleInform (1 s) per session: each acknowledged one comes as "M ScheduleInform"
    with "3 SCHEDULED", and never again once its Inform was answered and recorded."""
    n = counter()
    rig.ack_on(m.ScheduleInformResponse, lambda rpc: rpc.command_key)  # type: ignore[attr-defined]
    busy = [True]

    def queue(session: AcsSession) -> None:
        if busy[0]:
            rig.acs.queue(m.ScheduleInform(delay_seconds=1, command_key=f"s{n()}"))

    rig.on_start.append(queue)
    await rig.kill_randomly(KILLS, 0.05, 1.0)
    busy[0] = False
    await settle(rig, lambda: set(rig.acked) <= set(rig.delivered("M ScheduleInform")))
    sent = rig.delivered("M ScheduleInform")
    assert_once(rig, "M ScheduleInform", sent)
    for sessions in sent.values():
        assert all("3 SCHEDULED" in s.events for s in sessions)


async def reboot(rig: Campaign) -> None:
    """A Reboot per session: each acknowledged one is followed by an Inform with "1 BOOT"
    and its "M Reboot" (E-6), never again once that Inform was answered and recorded."""
    n = counter()
    rig.ack_on(m.RebootResponse, lambda rpc: rpc.command_key)  # type: ignore[attr-defined]
    busy = [True]

    def queue(session: AcsSession) -> None:
        if busy[0]:
            rig.acs.queue(m.Reboot(command_key=f"r{n()}"))

    rig.on_start.append(queue)
    # 0-0.25 s after the daemon answers: its first session (and the Reboot in it) is under
    # way by then, and a session with a Reboot, hence the life, is over within ~0.3 s
    await rig.kill_randomly(KILLS, 0, 0.25)
    busy[0] = False
    await settle(rig, lambda: set(rig.acked) <= set(rig.delivered("M Reboot")))
    sent = rig.delivered("M Reboot")
    assert_once(rig, "M Reboot", sent)
    without_boot = sorted(k for k, v in sent.items() for s in v if "1 BOOT" not in s.events)
    assert not without_boot, f"M Reboot without 1 BOOT (the reboot was not done): {without_boot}"


# -- the tests ---------------------------------------------------------------------------


@pytest_twisted.ensureDeferred
async def test_crash_spv(tmp_path: Path) -> None:
    """SPV under kill -9: the stored value is acknowledged-or-later, with its own key."""
    await both(tmp_path, 1, spv)


@pytest_twisted.ensureDeferred
async def test_crash_value_change_bursts(tmp_path: Path) -> None:
    """Local sets of notified parameters under kill -9: every acknowledged one reported."""
    await both(tmp_path, 2, value_changes)


@pytest_twisted.ensureDeferred
async def test_crash_download(tmp_path: Path) -> None:
    """Download under kill -9: a TransferComplete per acknowledged Download, no repeat."""
    await both(tmp_path, 3, transfers("Download"))


@pytest_twisted.ensureDeferred
async def test_crash_upload(tmp_path: Path) -> None:
    """Upload under kill -9: a TransferComplete per acknowledged Upload, no repeat."""
    await both(tmp_path, 4, transfers("Upload"))


@pytest_twisted.ensureDeferred
async def test_crash_change_du_state(tmp_path: Path) -> None:
    """ChangeDUState under kill -9: a DUStateChangeComplete per acknowledged one, no repeat."""
    await both(tmp_path, 7, change_du_state, NS_CWMP_12)


@pytest_twisted.ensureDeferred
async def test_crash_schedule_inform(tmp_path: Path) -> None:
    """ScheduleInform under kill -9: each acknowledged one delivered, once."""
    await both(tmp_path, 5, schedule_inform)


@pytest_twisted.ensureDeferred
async def test_crash_reboot(tmp_path: Path) -> None:
    """Reboot under kill -9: each acknowledged one rebooted and reported, once."""
    await both(tmp_path, 6, reboot)
