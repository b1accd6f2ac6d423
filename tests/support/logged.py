"""Capture of Twisted log events in tests: an ILogObserver that records, added for a block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from twisted.logger import ILogObserver, LogEvent, LogLevel, formatEvent, globalLogPublisher
from zope.interface import implementer


@implementer(ILogObserver)
class LogCapture:
    """Records the log events ``keep`` accepts (all by default); add it as an observer."""

    def __init__(self, keep: Callable[[LogEvent], bool] | None = None) -> None:
        self.events: list[LogEvent] = []
        self._keep = keep

    def __call__(self, event: LogEvent) -> None:
        if self._keep is None or self._keep(event):
            self.events.append(event)

    def texts(self) -> list[str]:
        """The formatted text of every recorded event."""
        return [formatEvent(e) or "" for e in self.events]

    def lines(self, min_level: LogLevel = LogLevel.warn) -> list[str]:
        """The formatted events at ``min_level`` or above, failures with their exception."""
        out = []
        for e in self.events:
            level = e.get("log_level", LogLevel.info)
            if level >= min_level:
                text = formatEvent(e) or ""
                failure = e.get("log_failure")
                if failure is not None:
                    text += f" [{failure.type.__name__}: {failure.getErrorMessage()}]"
                out.append(text)
        return out


def namespace(prefix: str) -> Callable[[LogEvent], bool]:
    """A ``keep`` filter: the events whose log_namespace starts with ``prefix``."""
    return lambda event: str(event.get("log_namespace", "")).startswith(prefix)


@contextmanager
def capturing(keep: Callable[[LogEvent], bool] | None = None) -> Iterator[LogCapture]:
    """A LogCapture observing the global log publisher for the ``with`` block."""
    capture = LogCapture(keep)
    globalLogPublisher.addObserver(capture)
    try:
        yield capture
    finally:
        globalLogPublisher.removeObserver(capture)
