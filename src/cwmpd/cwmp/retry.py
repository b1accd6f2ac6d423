"""The retry wait table of TR-069 3.2.1.1 (R-1..R-3), which TR-369 reuses for Notify (R-NOT.1/2).

Too specific for any library: m·k^(n-1) to m·k^n seconds before retry n, n capped at 10.
"""

from __future__ import annotations

#: From the 10th retry on the #10 range is used for ever (R-3, R-NOT.2).
MAX_RETRY_EXPONENT = 10


def retry_window(retry: int, min_wait: int = 5, multiplier: int = 2000) -> tuple[float, float]:
    """The (min, max) wait in seconds before retry number ``retry`` (1-based), with
    m = ``min_wait`` (1-65535) and k = ``multiplier`` / 1000 (``multiplier`` 1000-65535);
    ValueError for values out of those ranges."""
    if retry < 1:
        raise ValueError(f"retry must be >= 1, got {retry}")
    if not 1 <= min_wait <= 65535:
        raise ValueError(f"minimum wait interval out of range 1-65535: {min_wait}")
    if not 1000 <= multiplier <= 65535:
        raise ValueError(f"interval multiplier out of range 1000-65535: {multiplier}")
    n = min(retry, MAX_RETRY_EXPONENT)
    k = multiplier / 1000
    return float(min_wait * k ** (n - 1)), float(min_wait * k**n)
