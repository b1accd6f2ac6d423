"""Password guessing against the HTTP Connection Request, whole agent on loopback: the
attacker knows the secret path (it is in every Inform) and tries passwords; the right one
must never be confirmed, and the ACS's own request from its address still gets through."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer

from support.connreq_world import (
    CR_PASS,
    World,
    authorization,
    challenge,
    get,
    guess,
    request,
    start,
)
from support.waiting import sleep

ATTACKER = "127.0.0.2"
NONCE_SOURCES = tuple(f"127.0.3.{i}" for i in range(1, 41))  # the attacker's other addresses


def passwords(n: int, right_at: int) -> list[str]:
    """``n`` guesses, the right one at position ``right_at`` (0-based)."""
    out = [f"guess-{i:05d}" for i in range(n)]
    out[right_at] = CR_PASS
    return out


async def acs_request(world: World, source: str = "127.0.0.1", patience: float = 2.0) -> int:
    """The ACS's Connection Request (challenge, then MD5 digest) from ``source``; its status.
    A 503 to the challenge is retried for ``patience`` s (GenieACS: 0, no retry)."""
    nonce = await challenge(world.http_port, world.path, source, patience)
    if nonce is None:
        return 503
    code, _ = await request(
        world.http_port, get(world.path, authorization(world.path, nonce, CR_PASS)), source
    )
    return code


@pytest_twisted.ensureDeferred
async def test_one_source_guessing_is_locked_out_and_the_acs_still_gets_through(
    tmp_path: Path,
) -> None:
    world = await start(tmp_path)
    try:
        started = time.monotonic()
        seen = await guess(
            world.http_port, world.path, passwords(160, 150), ATTACKER, NONCE_SOURCES
        )
        took = time.monotonic() - started
        print(f"160 guesses in {took:.1f} s: {seen.checked} checked (401), {seen.busy} got 503,"
              f" right one answered {seen.right_code}")  # fmt: skip
        assert seen.right_code != 200, f"right password confirmed after 151 guesses in {took:.1f}s"
        assert 200 not in seen.codes
        assert seen.checked <= 5  # max_auth_failures: then 503 without looking at the digest
        assert await acs_request(world) == 200
        (*_, last) = await world.acs.wait_for_informs(2, timeout=5)
        assert last.events == ["6 CONNECTION REQUEST"]
        assert world.agent.running
    finally:
        await world.stop()


@pytest_twisted.ensureDeferred
async def test_a_locked_source_gets_no_nonce_either(tmp_path: Path) -> None:
    """Once locked, the guessing address gets 503 for its challenges too."""
    world = await start(tmp_path)
    try:
        seen = await guess(world.http_port, world.path, passwords(8, 7), ATTACKER)
        assert seen.checked <= 5 and seen.right_code == 503
        assert await challenge(world.http_port, world.path, ATTACKER, 0.2) is None
        assert await acs_request(world) == 200
        await world.acs.wait_for_informs(2, timeout=5)
    finally:
        await world.stop()


@pytest.mark.parametrize("sources", [7])  # 7 x 3 = 21 failures, 20 allowed
@pytest_twisted.ensureDeferred
async def test_many_sources_trip_the_overall_budget_but_not_the_known_acs(
    tmp_path: Path, sources: int
) -> None:
    """Guesses spread over many addresses (each below the per-source limit) trip the overall
    budget: a new address then gets 503 even with the right password, while the address the
    ACS authenticated from before still gets 200 and a session."""
    world = await start(tmp_path)
    try:
        assert await acs_request(world) == 200  # the ACS is known
        await world.acs.wait_for_informs(2, timeout=5)
        for i in range(sources):
            await guess(world.http_port, world.path, passwords(4, 0)[1:], f"127.0.1.{i + 1}")
        newcomer = await acs_request(world, "127.0.2.1")
        assert newcomer == 503, f"right password from a new address answered {newcomer}"
        assert await acs_request(world) == 200
        sessions = await world.acs.wait_for_informs(3, timeout=5)
        assert sessions[2].events == ["6 CONNECTION REQUEST"]
    finally:
        await world.stop()


@pytest_twisted.ensureDeferred
async def test_a_challenge_flood_from_one_source_does_not_starve_the_acs(tmp_path: Path) -> None:
    """One address asks for challenges as fast as it can (no guesses, so no lockout); the
    ACS's single attempt from its own address, like GenieACS's (no retry on 503), succeeds."""
    world = await start(tmp_path)
    flooding = True
    answered: list[int] = []

    async def flood() -> None:
        while flooding:
            code, _ = await request(world.http_port, get(world.path), ATTACKER)
            answered.append(code)

    try:
        floods = [defer.ensureDeferred(flood()) for _ in range(4)]
        await sleep(1.0)
        results = []
        for _ in range(3):
            results.append(await acs_request(world, patience=0))
            await sleep(0.3)
        flooding = False
        await defer.gatherResults(floods)
        print(
            f"{len(answered)} flood challenges ({answered.count(503)} got 503); ACS got {results}"
        )
        assert results == [200, 200, 200]
        (*_, last) = await world.acs.wait_for_informs(2, timeout=5)
        assert last.events == ["6 CONNECTION REQUEST"]
    finally:
        await world.stop()
