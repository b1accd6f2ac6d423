"""The log lines of one transfer: its start, its progress on long fetches, its end.

At info level: one line when it starts (the file server's host only, never credentials,
path or query; the size when known), progress at most once per ``every`` seconds (at each
new 10 % step when the size is known, else the bytes so far), and one line at the end with
the bytes, the rate and the result. A failed transfer ends with one warning line instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.transfers.record import Kind

_log = Logger(namespace="cwmpd.transfers")


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, without user info, path or query."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "?", parts.port
    except ValueError:
        return "?"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def rate_text(size: int, seconds: float) -> str:
    """A human rate ("1.5 MiB/s"); "-" when no time has passed."""
    if seconds <= 0:
        return "-"
    rate = size / seconds
    for unit in ("B/s", "KiB/s", "MiB/s"):
        if rate < 1024 or unit == "MiB/s":
            return f"{rate:.0f} {unit}" if unit == "B/s" else f"{rate:.1f} {unit}"
        rate /= 1024
    raise AssertionError("unreachable")


class TransferLog:
    """Logs one transfer on ``clock``'s time."""

    def __init__(
        self, clock: IReactorTime, kind: Kind, key: str, url: str, *, every: float = 10.0
    ) -> None:
        self._clock = clock
        self._what = "upload" if kind == Kind.UPLOAD else "download"
        self._dir = "to" if kind == Kind.UPLOAD else "from"
        self._key = key
        self._host = host_of(url)
        self._every = every
        self._start = self._last = float(clock.seconds())
        self._step = 0  # the last 10 % step reported
        self.bytes = 0

    def started(self, size: int = 0) -> None:
        """The transfer begins; ``size`` 0 = not known."""
        self._start = self._last = float(self._clock.seconds())
        _log.info(
            "{what} {key!r} {dir} {host} started ({size_text})",
            what=self._what,
            dir=self._dir,
            key=self._key,
            host=self._host,
            size=size,
            size_text=f"{size} bytes" if size else "size unknown",
        )

    def progress(self, done: int, total: int = 0) -> None:
        """``done`` bytes so far of ``total`` (0 = unknown): maybe one progress line."""
        self.bytes = done
        now = float(self._clock.seconds())
        if now - self._last < self._every:
            return
        step = min(done * 10 // total, 10) if total > 0 else 0
        if total > 0 and step <= self._step:
            return
        self._last, self._step = now, step
        rate = rate_text(done, now - self._start)
        if total > 0:
            _log.info(
                "{what} {key!r}: {percent}% ({bytes} of {size} bytes, {rate})",
                what=self._what,
                key=self._key,
                percent=done * 100 // total,
                bytes=done,
                size=total,
                rate=rate,
            )
        else:
            _log.info(
                "{what} {key!r}: {bytes} bytes so far ({rate})",
                what=self._what,
                key=self._key,
                bytes=done,
                rate=rate,
            )

    def ended(self, result: str, code: int = 0, reason: str = "") -> None:
        """The end: ``result`` words for success, or the fault ``code`` and ``reason``."""
        seconds = float(self._clock.seconds()) - self._start
        fields = {
            "what": self._what,
            "key": self._key,
            "dir": self._dir,
            "host": self._host,
            "bytes": self.bytes,
            "seconds": seconds,
            "rate": rate_text(self.bytes, seconds),
            "code": code,
        }
        if code:
            _log.warn(
                "{what} {key!r} {dir} {host} failed: {code} {reason}"
                " ({bytes} bytes in {seconds:.1f} s)",
                reason=reason,
                **fields,
            )
        else:
            _log.info(
                "{what} {key!r} {dir} {host}: {bytes} bytes in {seconds:.1f} s ({rate}), {result}",
                result=result,
                **fields,
            )
