"""USP UDS Frames (TR-369 4.6): the Header, the TLVs, and a reader that takes them out of a stream.

A Frame is a Header (the four bytes ``_USP`` then the length of the rest, 4 bytes, network
order, R-UDS.7-9) and one or more TLVs (Type 1 byte, Length 4 bytes, R-UDS.10/11): Type 1
Handshake (the sender's Endpoint ID, UTF-8), 2 Error (a UTF-8 reason), 3 USP Record; other
Types are ignored (R-UDS.15).

Frame size budget: :data:`MAX_FRAME` = the largest Record the Endpoint accepts
(``records.MAX_RECORD_SIZE``, 1 MiB) plus 4 KiB for TLV headers and a Handshake; the length
is checked as soon as the Header is in, so an oversize Frame is refused before any of it is
buffered.
"""

from __future__ import annotations

import struct

from cwmpd.usp import records

SYNC = b"_USP"  # 0x5f 0x55 0x53 0x50 (R-UDS.8)
_HEADER = struct.Struct("!4sI")
_TLV = struct.Struct("!BI")
HANDSHAKE, ERROR, RECORD = 1, 2, 3
#: The largest Frame body accepted: the largest Record plus room for TLV headers.
MAX_FRAME = records.MAX_RECORD_SIZE + 4096


class FrameError(ValueError):
    """A Frame that cannot be parsed; the message goes into the Error Frame."""


def frame(*tlvs: tuple[int, bytes]) -> bytes:
    """One Frame carrying ``tlvs`` (type, value)."""
    body = b"".join(_TLV.pack(kind, len(value)) + value for kind, value in tlvs)
    return _HEADER.pack(SYNC, len(body)) + body


def parse_tlvs(body: bytes) -> list[tuple[int, bytes]]:
    """The TLVs of a Frame body; FrameError when one runs past it or there is none."""
    tlvs: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < _TLV.size:
            raise FrameError("truncated TLV header")
        kind, length = _TLV.unpack_from(body, offset)
        offset += _TLV.size
        if length > len(body) - offset:
            raise FrameError(f"TLV length {length} runs past the Frame")
        tlvs.append((kind, body[offset : offset + length]))
        offset += length
    if not tlvs:
        raise FrameError("a Frame with no TLV (R-UDS.6)")
    return tlvs


class FrameReader:
    """Frames out of a byte stream, each as its TLVs; FrameError on a bad one."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[list[tuple[int, bytes]]]:
        """The Frames completed by ``data``; checks the sync and length as they arrive."""
        self._buffer += data
        frames: list[list[tuple[int, bytes]]] = []
        while True:
            head = bytes(self._buffer[: _HEADER.size])
            if not SYNC.startswith(head[:4]):
                raise FrameError("no _USP synchronization bytes")
            if len(head) < _HEADER.size:
                return frames
            _, length = _HEADER.unpack(head)
            if length > self.max_frame:
                raise FrameError(
                    f"Frame of {length} bytes, more than the {self.max_frame} accepted"
                )
            if len(self._buffer) < _HEADER.size + length:
                return frames
            body = bytes(self._buffer[_HEADER.size : _HEADER.size + length])
            del self._buffer[: _HEADER.size + length]
            frames.append(parse_tlvs(body))
