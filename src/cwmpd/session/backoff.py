"""Session retry back-off (R-1..R-3): the TR-069 wait table, too specific for any library."""

from __future__ import annotations

import random

#: From the 10th retry on the #10 range is used for ever (R-3).
MAX_RETRY_EXPONENT = 10


def retry_window(retry: int, min_wait: int = 5, multiplier: int = 2000) -> tuple[float, float]:
    """The (min, max) wait in seconds before retry number ``retry`` (1-based).

    R-2: with m = CWMPRetryMinimumWaitInterval and k = CWMPRetryIntervalMultiplier/1000,
    retry n waits between m·k^(n-1) and m·k^n; R-3: n is capped at 10.
    """
    if retry < 1:
        raise ValueError(f"retry must be >= 1, got {retry}")
    if not 1 <= min_wait <= 65535:
        raise ValueError(f"CWMPRetryMinimumWaitInterval out of range 1-65535: {min_wait}")
    if not 1000 <= multiplier <= 65535:
        raise ValueError(f"CWMPRetryIntervalMultiplier out of range 1000-65535: {multiplier}")
    n = min(retry, MAX_RETRY_EXPONENT)
    k = multiplier / 1000
    return float(min_wait * k ** (n - 1)), float(min_wait * k**n)


def retry_delay(retry: int, min_wait: int, multiplier: int, rng: random.Random) -> float:
    """A wait drawn uniformly from ``retry_window(retry, ...)`` (R-1); ``rng`` is injected."""
    lo, hi = retry_window(retry, min_wait, multiplier)
    return lo + (hi - lo) * rng.random()
