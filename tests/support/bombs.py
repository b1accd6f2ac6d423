"""Compression bombs for the tests: a valid gzip stream that inflates to 1 GiB, built in
a fraction of a second (one fully flushed 1 MiB block of zeros, repeated)."""

from __future__ import annotations

import struct
import zlib

GIB = 1 << 30


def gzip_of_zeros(size_mib: int = 1024) -> bytes:
    """A gzip member of ``size_mib`` MiB of zeros (about 1 KiB per MiB): valid to the end,
    CRC-32 and ISIZE included."""
    mib = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)  # the same for every MiB
    crc = 0
    for _ in range(size_mib):
        crc = zlib.crc32(mib, crc)
    size = (size_mib << 20) & 0xFFFFFFFF
    return first + block * (size_mib - 1) + b"\x03\x00" + struct.pack("<II", crc, size)


def peak_rss_reset() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where Linux won't."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak_rss_kib() -> int:
    """VmHWM of this process in KiB (0 where /proc has no such line)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
