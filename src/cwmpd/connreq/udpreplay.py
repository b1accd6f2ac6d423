"""Which signed UDP Connection Requests to believe (C-13, C-14), with state kept across restarts.

The signature covers ``ts || id || un || cn`` with nothing between the fields, so digits can
move between ``ts`` and ``id`` without changing it (``ts*10+4`` with ``id`` minus a leading
4). Defences that stay within Annex G:

* ``ts`` must be a Unix time after 2025 that fits TR-069's unsignedInt (exactly ten digits,
  1735689600..4294967295) and ``id`` an unsignedInt, both written without leading zeros:
  moving a digit changes the length of ``ts``, so a shifted ``ts`` is always refused;
* when our own clock is trustworthy (after 2025, the rule of session/tls.py) ``ts`` must lie
  within ``window`` seconds of it: a captured request goes stale, and no request can push
  the replay state into the future;
* the last accepted ``ts``/``id`` pair is written atomically to the state directory, so an
  exact replay after a restart is refused too.

Only a request that passes every check changes the state. Hand-written: the rules are
Annex G's own.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twisted.logger import Logger

from cwmpd.connreq.guard import Credentials
from cwmpd.state import read_json, write_json

#: Before this instant (2025-01-01T00:00:00Z) a clock is not trusted; equals
#: cwmpd.http.tls.MIN_TRUSTED_TIME (checked by a test; connreq may not import session).
MIN_TRUSTED_TIME = 1735689600
UINT_MAX = 4294967295
COPY = "copy of the last accepted request"
#: Why check() refuses (besides field_problem's reasons and the clock window's).
NO_CREDENTIALS = "no Connection Request credentials configured"
WRONG_SIGNATURE = "wrong username or signature"
NOT_NEWER = "timestamp not newer than the last valid one"
REPEATED_ID = "repeated message id"

_log = Logger()


@dataclass(frozen=True)
class UdpRequest:
    """The query fields of a UDP Connection Request, as sent (decimal text for ts and id)."""

    ts: str
    id: str
    un: str
    cn: str
    sig: str


def signature(password: str, ts: int | str, id_: int | str, un: str, cn: str) -> str:
    """Hex HMAC-SHA1 keyed with ConnectionRequestPassword over ts|id|un|cn (C-13)."""
    text = f"{ts}{id_}{un}{cn}".encode()
    return hmac.new(password.encode(), text, hashlib.sha1).hexdigest()


def _canonical_uint(text: str) -> bool:
    return text.isdigit() and text.isascii() and (text == "0" or text[0] != "0")


def field_problem(req: UdpRequest) -> str:
    """Why ``ts``/``id`` cannot be a genuine ACS's, or ''."""
    if not (_canonical_uint(req.ts) and _canonical_uint(req.id)):
        return "ts or id not a plain decimal number"
    if not MIN_TRUSTED_TIME <= int(req.ts) <= UINT_MAX:
        return "ts is not a Unix time after 2025"
    if int(req.id) > UINT_MAX:
        return "id is not an unsignedInt"
    return ""


class UdpReplayGuard:
    """Checks signature, plausibility, clock window and the ts/id replay rules (C-14).

    ``wall`` is the system clock (Unix seconds); ``window`` 0 turns the clock check off;
    ``state`` is the file holding the last accepted pair (None keeps it in memory only).
    """

    def __init__(
        self,
        wall: Callable[[], float],
        window: float = 300.0,
        state: Path | None = None,
    ) -> None:
        self._wall = wall
        self._window = window
        self._state = state
        self.last_ts = -1
        self.last_id: str | None = None
        self._last: UdpRequest | None = None
        self._load()

    def _clock_trusted(self) -> bool:
        return self._window > 0 and self._wall() >= MIN_TRUSTED_TIME

    def check(self, req: UdpRequest, creds: Credentials) -> str:
        """'' when valid (and remembered as the last valid one), else why it is dropped.

        A byte-for-byte copy of the last accepted request (ACSs send several) gives ``COPY``.
        """
        if not creds.usable:
            return NO_CREDENTIALS
        user_ok = hmac.compare_digest(req.un.encode(), creds.username.encode())
        expected = signature(creds.password, req.ts, req.id, req.un, req.cn)
        sig_ok = hmac.compare_digest(req.sig.lower().encode(), expected.encode())
        if not (user_ok and sig_ok):
            return WRONG_SIGNATURE
        if req == self._last:
            return COPY
        problem = field_problem(req)
        if problem:
            return problem
        ts = int(req.ts)
        if self._clock_trusted() and abs(ts - self._wall()) > self._window:
            return f"ts is {int(ts - self._wall()):+d} s from our clock (window {self._window:g} s)"
        if ts <= self.last_ts:
            return NOT_NEWER
        if req.id == self.last_id:
            return REPEATED_ID
        self.last_ts, self.last_id, self._last = ts, req.id, req
        self._save()
        return ""

    # -- persistence -----------------------------------------------------------

    def _load(self) -> None:
        if self._state is None:
            return
        try:
            saved = read_json(self._state, default={})
        except ValueError as exc:
            _log.warn("UDP Connection Request replay state unreadable, starting fresh: {e}", e=exc)
            return
        ts, id_ = (saved.get("ts"), saved.get("id")) if isinstance(saved, dict) else (None, None)
        if not (isinstance(ts, int) and isinstance(id_, str)):
            return
        if self._clock_trusted() and ts > self._wall() + self._window:
            # Nothing inside the window could be newer: it would refuse every request.
            _log.warn("UDP Connection Request replay state lies in the future; discarded")
            return
        self.last_ts, self.last_id = ts, id_

    def _save(self) -> None:
        if self._state is None:
            return
        try:
            write_json(self._state, {"ts": self.last_ts, "id": self.last_id})
        except OSError as exc:
            _log.error(
                "cannot save the UDP Connection Request replay state ({e}): a replay after a "
                "restart would be accepted",
                e=exc,
            )
