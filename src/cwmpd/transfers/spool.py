"""Streams an HTTP response body into a file with constant memory (one chunk at a time).

Twisted's ``readBody`` keeps the whole body in memory and ``downloadPage`` is gone; this
body reader (on cwmpd.http.connection.BodyReader, the one every client shares) writes each
chunk as it arrives, enforces the size limits and reports a cut connection as an
incomplete transfer (9017).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from twisted.python.failure import Failure

from cwmpd.http.connection import BodyReader
from cwmpd.transfers.errors import TransferError


class SpoolWriter(BodyReader[int]):
    """Writes the body to ``out``; ``finished`` fires with the byte count.

    ``expected`` (0 = unknown) is the FileSize the ACS announced: more bytes than that
    is a size mismatch (9017). ``space`` is what may be written at most (9010 past it).
    ``touched`` is counted up on every chunk (the idle timer's heartbeat); ``progress``
    gets the byte count after each chunk written. A body without Content-Length or
    chunking ends with the connection: only FileSize can tell it was whole.
    """

    def __init__(
        self,
        out: BinaryIO,
        *,
        expected: int,
        space: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self._out = out
        self._progress = progress
        self._expected = expected
        self._space = space
        self.size = 0
        self.touched = 0

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

    def result(self) -> int:
        """The byte count written."""
        return self.size

    def lost(self, reason: Failure) -> TransferError:
        """A connection cut under the body: an incomplete transfer (9017)."""
        return TransferError(9017, f"connection lost after {self.size} bytes")
