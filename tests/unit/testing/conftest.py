"""Fixtures of the scripted-ACS unit tests: an ACS on loopback and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_twisted
from twisted.internet import reactor

from cwmpd.testing.acs import ScriptedAcs
from support.acs_client import Client, Start


@pytest_twisted.async_yield_fixture()
async def start() -> AsyncIterator[Start]:
    """Start an ACS on loopback and get a Client for its URL; stopped after the test."""
    started: list[ScriptedAcs] = []

    async def _start(acs: ScriptedAcs) -> Client:
        url = await acs.listen(reactor)
        started.append(acs)
        return Client(url)

    yield _start
    for acs in started:
        await acs.stop()
