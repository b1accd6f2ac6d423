"""Helpers for the transfer log tests (the ``events`` fixture is in conftest.py)."""

from __future__ import annotations

from typing import Any

from twisted.internet import reactor, task
from twisted.logger import LogLevel, formatEvent

SECRET_QUERY = "?token=s3cret-token"


def lines(events: list[dict[str, Any]], level: LogLevel | None = None) -> list[str]:
    """The formatted text of ``events`` (of one level, if given)."""
    return [str(formatEvent(e)) for e in events if level is None or e.get("log_level") == level]


async def until(check: Any, what: str) -> None:
    """Poll ``check`` on the real reactor every 10 ms, up to 5 s."""
    for _ in range(500):
        if check():
            return
        await task.deferLater(reactor, 0.01, lambda: None)
    raise AssertionError(f"timed out waiting for {what}")
