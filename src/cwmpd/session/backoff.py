"""Session retry back-off (R-1..R-3): a wait drawn from the TR-069 table (cwmpd.cwmp.retry)."""

from __future__ import annotations

import random

from cwmpd.cwmp.retry import MAX_RETRY_EXPONENT as MAX_RETRY_EXPONENT
from cwmpd.cwmp.retry import retry_window as retry_window


def retry_delay(retry: int, min_wait: int, multiplier: int, rng: random.Random) -> float:
    """A wait drawn uniformly from ``retry_window(retry, ...)`` (R-1); ``rng`` is injected."""
    lo, hi = retry_window(retry, min_wait, multiplier)
    return lo + (hi - lo) * rng.random()
