"""Log formats: journald '<N>' prefixes, JSON lines, syslog priorities."""

from __future__ import annotations

import io
import json
import syslog
from typing import cast

import pytest
from twisted.logger import ILogObserver, LogLevel, globalLogPublisher

from cwmpd import logs


def _event(level: LogLevel, text: str) -> dict[str, object]:
    return {"log_level": level, "log_namespace": "cwmpd.t", "log_format": text, "log_time": 1.5}


def test_journald_prefixes_follow_the_level() -> None:
    """Each line carries the sd-daemon priority of its level; multi-line text keeps it."""
    out = io.StringIO()
    observer = logs.JournaldObserver(out)
    observer(_event(LogLevel.warn, "a\nb"))
    observer(_event(LogLevel.debug, "c"))
    assert out.getvalue() == "<4>cwmpd.t: a\n<4>cwmpd.t: b\n<7>cwmpd.t: c\n"


def test_json_lines() -> None:
    """One JSON object a line with time, level, namespace and message."""
    out = io.StringIO()
    logs.JsonObserver(out)(_event(LogLevel.error, "boom {x}") | {"x": 3})
    record = json.loads(out.getvalue())
    assert record == {"time": 1.5, "level": "error", "namespace": "cwmpd.t", "message": "boom 3"}


def test_syslog_gets_real_priorities(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syslog target writes each line at the level's syslog priority."""
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(syslog, "openlog", lambda *a: None)
    monkeypatch.setattr(syslog, "syslog", lambda prio, msg: calls.append((prio, msg)))
    observer = logs.SyslogObserver()
    observer(_event(LogLevel.error, "bad"))
    observer(_event(LogLevel.info, "fine"))
    assert calls == [(syslog.LOG_ERR, "cwmpd.t: bad"), (syslog.LOG_INFO, "cwmpd.t: fine")]


def test_leveled_logger_drops_events_below_the_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below start_logging's level an event is never published; every level until then."""
    events: list[dict[str, object]] = []
    observer = cast(ILogObserver, events.append)
    log = logs.LeveledLogger(namespace="test.leveled")
    globalLogPublisher.addObserver(observer)
    try:
        monkeypatch.setattr(logs, "_ENABLED", set(logs._ENABLED))
        log.debug("before start_logging")
        logs.enable_levels(LogLevel.warn)
        log.debug("dropped")
        log.info("dropped")
        log.warn("kept")
        log.error("kept")
    finally:
        globalLogPublisher.removeObserver(observer)
    seen = [e["log_level"] for e in events if e.get("log_namespace") == "test.leveled"]
    assert seen == [LogLevel.debug, LogLevel.warn, LogLevel.error]
