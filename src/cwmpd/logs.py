"""Log output: journald-ready ``<N>`` level prefixes on stderr, one JSON object a line, or syslog.

twisted.logger does the routing; only the line formats are written here. Text lines carry
their own time unless stderr is journald's (``JOURNAL_STREAM`` set), which stamps them
itself. Info events from outside cwmpd (Twisted's "Starting factory ..." and the like)
are demoted to debug: at info the log says what the agent does, not how Twisted does it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import syslog
import time
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

from twisted.logger import (
    FilteringLogObserver,
    ILogObserver,
    Logger,
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


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="milliseconds")


@implementer(ILogObserver)
class JournaldObserver:
    """Lines like ``<6>cwmpd.session: session ended``, as journald and humans read them;
    with ``timestamps``, ``<6>2026-12-01T10:00:00.000+00:00 cwmpd.session: ...``."""

    def __init__(self, stream: IO[str], *, timestamps: bool = False) -> None:
        self._stream = stream
        self._timestamps = timestamps

    def __call__(self, event: dict[str, Any]) -> None:
        """Write one event."""
        level = event.get("log_level", LogLevel.info)
        when = f"{_stamp(event.get('log_time') or time.time())} " if self._timestamps else ""
        prefix = f"<{_PRIORITY.get(level, 6)}>{when}{event.get('log_namespace', '-')}: "
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


#: Twisted's Factory messages, logged under the namespace of our own factory subclasses.
_TWISTED_FORMATS = frozenset(("Starting factory {factory!r}", "Stopping factory {factory!r}"))


@implementer(ILogObserver)
class DemoteForeignInfo:
    """Passes events on; info events from outside cwmpd (or Twisted's factory start/stop
    messages about our factories) as debug."""

    def __init__(self, observer: ILogObserver) -> None:
        self._observer = observer

    def __call__(self, event: dict[str, Any]) -> None:
        """Forward one event."""
        namespace = str(event.get("log_namespace") or "")
        if event.get("log_level") == LogLevel.info and (
            not namespace.startswith("cwmpd") or event.get("log_format") in _TWISTED_FORMATS
        ):
            event = {**event, "log_level": LogLevel.debug}
        self._observer(event)


#: The levels start_logging lets through; every level until it is called (tests watch all).
_ENABLED: set[LogLevel] = set(LogLevel.iterconstants())


def enable_levels(threshold: LogLevel) -> None:
    """Let LeveledLogger events at ``threshold`` and above through (start_logging's level)."""
    levels = list(LogLevel.iterconstants())
    _ENABLED.clear()
    _ENABLED.update(levels[levels.index(threshold) :])


class LeveledLogger(Logger):
    """A Logger that drops an event below start_logging's level before it is built and
    published: for the lines a busy path writes at every message (the session engine's)."""

    def emit(self, level: LogLevel, format: str | None = None, **kwargs: object) -> None:
        """Publish the event, unless no observer would write it at this level."""
        if level in _ENABLED:
            super().emit(level, format, **kwargs)


def syslog_reachable(path: str = "/dev/log") -> bool:
    """True when a syslog daemon listens on ``path`` (syslog(3) drops everything otherwise)."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        probe = socket.socket(socket.AF_UNIX, kind)
        try:
            probe.connect(path)
            return True
        except OSError:
            continue
        finally:
            probe.close()
    return False


def _stderr_observer(fmt: str, out: IO[str], environ: Mapping[str, str]) -> ILogObserver:
    if fmt == "json":
        return JsonObserver(out)
    return JournaldObserver(out, timestamps="JOURNAL_STREAM" not in environ)


def start_logging(
    fmt: str = "text",
    level: str = "info",
    stream: IO[str] | None = None,
    target: str = "stderr",
    *,
    syslog_socket: str = "/dev/log",
    environ: Mapping[str, str] | None = None,
) -> None:
    """Send every log event at ``level`` or above to stderr in ``fmt`` ("text" or "json"),
    or to syslog when ``target`` is "syslog" (stderr, with one warning, if syslog is absent)."""
    out = stream or sys.stderr
    env = os.environ if environ is None else environ
    observer: ILogObserver
    fallback = target == "syslog" and not syslog_reachable(syslog_socket)
    if target == "syslog" and not fallback:
        observer = SyslogObserver()
    else:
        observer = _stderr_observer(fmt, out, env)
    threshold = LogLevel.levelWithName(level)
    predicate = LogLevelFilterPredicate(defaultLogLevel=threshold)
    enable_levels(threshold)
    globalLogBeginner.beginLoggingTo(
        [DemoteForeignInfo(FilteringLogObserver(observer, [predicate]))],
        redirectStandardIO=False,
    )
    if fallback:
        Logger(namespace="cwmpd.logs").warn(
            "no syslog daemon on {path}: logging to stderr instead", path=syslog_socket
        )


def fatal(
    message: str,
    fmt: str = "text",
    stream: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """One critical line for an error that stops the daemon, in the chosen format, even
    before (or without) start_logging."""
    env = os.environ if environ is None else environ
    event = {
        "log_level": LogLevel.critical,
        "log_namespace": "cwmpd",
        "log_format": "{message}",
        "message": message,
        "log_time": time.time(),
    }
    _stderr_observer(fmt, stream or sys.stderr, env)(event)
