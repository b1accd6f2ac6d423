"""Log output: journald-ready ``<N>`` level prefixes on stderr, one JSON object a line, or syslog.

twisted.logger does the routing; only the two line formats are written here.
"""

from __future__ import annotations

import json
import sys
import syslog
from typing import IO, Any

from twisted.logger import (
    FilteringLogObserver,
    ILogObserver,
    LogLevel,
    LogLevelFilterPredicate,
    formatEvent,
    globalLogBeginner,
)
from twisted.python.failure import Failure
from zope.interface import implementer

# sd-daemon(3) priorities
_PRIORITY = {
    LogLevel.critical: 2,
    LogLevel.error: 3,
    LogLevel.warn: 4,
    LogLevel.info: 6,
    LogLevel.debug: 7,
}


def _text(event: dict[str, Any]) -> str:
    text = formatEvent(event)
    failure = event.get("log_failure")
    if isinstance(failure, Failure):
        text += "\n" + failure.getTraceback()
    return text


@implementer(ILogObserver)
class JournaldObserver:
    """Lines like ``<6>cwmpd.session: session ended``, as journald and humans read them."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: dict[str, Any]) -> None:
        """Write one event."""
        level = event.get("log_level", LogLevel.info)
        prefix = f"<{_PRIORITY.get(level, 6)}>{event.get('log_namespace', '-')}: "
        for line in _text(event).splitlines() or [""]:
            self._stream.write(prefix + line + "\n")
        self._stream.flush()


@implementer(ILogObserver)
class JsonObserver:
    """One JSON object a line: time, level, namespace, message."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: dict[str, Any]) -> None:
        """Write one event."""
        level = event.get("log_level", LogLevel.info)
        record = {
            "time": event.get("log_time"),
            "level": level.name,
            "namespace": event.get("log_namespace"),
            "message": _text(event),
        }
        self._stream.write(json.dumps(record) + "\n")
        self._stream.flush()


@implementer(ILogObserver)
class SyslogObserver:
    """Each event to syslog(3) at its real priority (for procd/logd and classic syslog)."""

    def __init__(self, ident: str = "cwmpd") -> None:
        syslog.openlog(ident, syslog.LOG_PID, syslog.LOG_DAEMON)

    def __call__(self, event: dict[str, Any]) -> None:
        """Write one event (one syslog record per line of text)."""
        priority = _PRIORITY.get(event.get("log_level", LogLevel.info), 6)
        prefix = f"{event.get('log_namespace', '-')}: "
        for line in _text(event).splitlines() or [""]:
            syslog.syslog(priority, prefix + line)


def start_logging(
    fmt: str = "text", level: str = "info", stream: IO[str] | None = None, target: str = "stderr"
) -> None:
    """Send every log event at ``level`` or above to stderr in ``fmt`` ("text" or "json"),
    or to syslog when ``target`` is "syslog"."""
    out = stream or sys.stderr
    observer: ILogObserver
    if target == "syslog":
        observer = SyslogObserver()
    else:
        observer = JsonObserver(out) if fmt == "json" else JournaldObserver(out)
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.levelWithName(level))
    globalLogBeginner.beginLoggingTo(
        [FilteringLogObserver(observer, [predicate])], redirectStandardIO=False
    )
