"""A short-lived cache of command outputs and file contents, so one process yields many values.

Entries live ``ttl`` seconds on the injected clock (a GetParameterValues of a subtree and the
instance listing before it share one run) and are dropped on any write. Parsing by format
(text, JSON, regex-matched lines) happens once per fetch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from twisted.internet.interfaces import IReactorTime

from cwmpd.backends.extract import ExtractError, parse_json
from cwmpd.backends.file import read_text
from cwmpd.backends.process import ProcessRunner


class DocumentCache:
    """Fetches and caches documents keyed by argv or file path."""

    def __init__(self, runner: ProcessRunner, clock: IReactorTime, ttl: float = 2.0) -> None:
        self.runner = runner
        self.clock = clock
        self.ttl = ttl
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}

    def clear(self) -> None:
        """Forget everything (after a write, at the end of a session)."""
        self._entries.clear()

    async def command(
        self,
        argv: Sequence[str],
        *,
        fmt: str = "text",
        line_regex: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Parsed stdout of ``argv`` (CommandFailed/CommandTimeout/ExtractError on failure)."""
        key = ("cmd", fmt, line_regex or "", *argv)
        hit = self._hit(key)
        if hit is not None:
            return hit[0]
        text = await self.runner.output(argv, timeout=timeout)
        return self._store(key, parse(text, fmt, line_regex))

    async def file(self, path: str, *, fmt: str = "text", line_regex: str | None = None) -> Any:
        """Parsed contents of ``path``; None when it does not exist."""
        key = ("file", fmt, line_regex or "", path)
        hit = self._hit(key)
        if hit is not None:
            return hit[0]
        text = read_text(path)
        return self._store(key, None if text is None else parse(text, fmt, line_regex))

    def _hit(self, key: tuple[str, ...]) -> tuple[Any] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock.seconds():
            return (entry[1],)
        return None

    def _store(self, key: tuple[str, ...], doc: Any) -> Any:
        self._entries[key] = (self.clock.seconds() + self.ttl, doc)
        return doc


def parse(text: str, fmt: str, line_regex: str | None = None) -> Any:
    """``text`` as a document of format ``fmt`` ("text", "json" or "lines")."""
    if fmt == "text":
        return text
    if fmt == "json":
        return parse_json(text)
    if fmt == "lines":
        pattern = re.compile(line_regex or r"^(.*)$")
        rows: list[dict[str, str]] = []
        for line in text.splitlines():
            m = pattern.search(line)
            if m is not None:
                row = {"line": line}
                row.update({str(i): g or "" for i, g in enumerate(m.groups(), 1)})
                row.update({k: v or "" for k, v in m.groupdict().items()})
                rows.append(row)
        return rows
    raise ExtractError(f"unknown document format {fmt!r}")
