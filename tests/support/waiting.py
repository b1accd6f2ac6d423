"""Waiting in tests that run on the real reactor: a sleep, and polling until a check holds."""

from __future__ import annotations

import time
from collections.abc import Callable

from twisted.internet import task

from support.agent_harness import reactor


async def sleep(seconds: float) -> None:
    """Let the reactor run for ``seconds``."""
    await task.deferLater(reactor, seconds, lambda: None)


async def wait_for(
    check: Callable[[], object], timeout: float, what: str, *, every: float = 0.01
) -> None:
    """Poll ``check`` every ``every`` s until it is true; AssertionError naming ``what``
    after ``timeout`` s."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await sleep(every)
