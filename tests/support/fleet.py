"""Running a fleet against the many-session scripted ACS on loopback, for the fleet tests."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.web.client import Agent, readBody
from twisted.web.http_headers import Headers

from cwmpd.fleet.options import FleetOptions
from cwmpd.fleet.run import Fleet
from cwmpd.http import digest
from cwmpd.testing.acs_fleet import FleetAcs
from support.agent_harness import reactor


async def start_fleet(acs: FleetAcs, **options: Any) -> Fleet:
    """A fleet of the simulated device against ``acs`` (listening), no periodic informs."""
    url = acs.url or await acs.listen(reactor)
    defaults: dict[str, Any] = {"acs": url, "ramp": 0, "periodic": 0, "progress": False}
    fleet = Fleet(FleetOptions(**{**defaults, **options}), reactor, say=lambda _: None)
    await fleet.start()
    return fleet


async def wait_for(check: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``check`` every 20 ms until true; AssertionError after ``timeout`` seconds."""
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await deferLater(reactor, 0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def settle(fleet: Fleet, timeout: float = 20.0) -> None:
    """Wait until no device is in a session (the last 204s seen by the devices too)."""
    await wait_for(
        lambda: all(d.state != "in-session" for d in fleet.devices.values()), timeout, "idle"
    )


async def digest_get(url: str, username: str, password: str) -> int:
    """GET ``url`` with HTTP digest (challenge first); the final status code."""
    agent = Agent(reactor)  # type: ignore[no-untyped-call]
    first = await agent.request(b"GET", url.encode())
    await readBody(first)
    if first.code != 401:
        return int(first.code)
    challenge = first.headers.getRawHeaders(b"www-authenticate")[-1].decode()
    _, rest = digest.split_challenges(challenge)
    p = digest.parse_auth_params(rest)
    uri = "/" + url.split("/", 3)[3]
    cnonce, nc = secrets.token_hex(8), "00000001"
    response = digest.response(
        algorithm=p.get("algorithm", "MD5"),
        username=username,
        realm=p["realm"],
        password=password,
        method="GET",
        uri=uri,
        nonce=p["nonce"],
        nc=nc,
        cnonce=cnonce,
        qop="auth",
    )
    auth = (
        f'Digest username="{username}", realm="{p["realm"]}", nonce="{p["nonce"]}", '
        f'uri="{uri}", algorithm={p.get("algorithm", "MD5")}, response="{response}", '
        f'qop=auth, nc={nc}, cnonce="{cnonce}", opaque="{p.get("opaque", "")}"'
    )
    second = await agent.request(b"GET", url.encode(), Headers({b"authorization": [auth.encode()]}))
    await readBody(second)
    return int(second.code)


async def stop(fleet: Fleet, acs: FleetAcs) -> None:
    """Stop the fleet (writing its report) and the ACS."""
    done: Deferred[None] = fleet.stop()
    await done
    await acs.stop()


def read_report(path: Path) -> dict[str, Any]:
    """A written report."""
    data: dict[str, Any] = json.loads(path.read_text())
    return data
