"""Streams an HTTP response body into a file with constant memory (one chunk at a time).

Twisted's ``readBody`` keeps the whole body in memory and ``downloadPage`` is gone; this
small IProtocol writes each chunk as it arrives, enforces the size limits and reports
a cut connection as an incomplete transfer (9017).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from twisted.internet import defer
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure
from twisted.web.client import ResponseDone
from twisted.web.http import PotentialDataLoss

from cwmpd.http.connection import abort_transport
from cwmpd.transfers.errors import TransferError


class SpoolWriter(Protocol):
    """Writes the body to ``out``; ``finished`` fires with the byte count.

    ``expected`` (0 = unknown) is the FileSize the ACS announced: more bytes than that
    is a size mismatch (9017). ``space`` is what may be written at most (9010 past it).
    ``touched`` is called on every chunk (the idle timer's heartbeat); ``progress`` gets
    the byte count after each chunk written.
    """

    def __init__(
        self,
        out: BinaryIO,
        *,
        expected: int,
        space: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self._out = out
        self._progress = progress
        self._expected = expected
        self._space = space
        self.size = 0
        self.touched = 0
        self.finished: defer.Deferred[int] = defer.Deferred(self._cancel)

    def _cancel(self, d: defer.Deferred[int]) -> None:
        abort_transport(self.transport)

    def fail(self, error: TransferError) -> None:
        """Stop reading and fail ``finished`` with ``error``."""
        if self.finished.called:
            return
        abort_transport(self.transport)
        self.finished.errback(error)

    def dataReceived(self, data: bytes) -> None:
        """Write one chunk, or fail once a limit is passed."""
        if self.finished.called:
            return
        self.touched += 1
        self.size += len(data)
        if self._expected and self.size > self._expected:
            self.fail(TransferError(9017, f"more than the announced {self._expected} bytes"))
            return
        if self.size > self._space:
            self.fail(TransferError(9010, "not enough space for the file"))
            return
        try:
            self._out.write(data)
        except OSError as exc:
            self.fail(TransferError(9010, f"cannot write the file: {os.strerror(exc.errno or 0)}"))
            return
        if self._progress is not None:
            self._progress(self.size)

    def connectionLost(self, reason: Failure = ResponseDone) -> None:  # type: ignore[assignment]
        """Complete body, or a connection cut under it (9017)."""
        if self.finished.called:
            return
        if isinstance(reason.value, ResponseDone):
            self.finished.callback(self.size)
        elif isinstance(reason.value, PotentialDataLoss):
            # No Content-Length and no chunking: only FileSize can tell it was whole.
            self.finished.callback(self.size)
        else:
            self.finished.errback(TransferError(9017, f"connection lost after {self.size} bytes"))
