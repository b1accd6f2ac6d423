"""Retry back-off windows and delays (R-1..R-3)."""

from __future__ import annotations

import random

import pytest

from cwmpd.session.backoff import retry_delay, retry_window

# R-2 table, m=5, k=2: retry n waits 5·2^(n-1) .. 5·2^n, capped at n=10.
DEFAULT_TABLE = {
    1: (5, 10),
    2: (10, 20),
    3: (20, 40),
    4: (40, 80),
    5: (80, 160),
    6: (160, 320),
    7: (320, 640),
    8: (640, 1280),
    9: (1280, 2560),
    10: (2560, 5120),
    11: (2560, 5120),
    12: (2560, 5120),
}


class FixedRandom(random.Random):
    """An rng whose random() always returns one value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        """The fixed value."""
        return self.value


ALMOST_ONE = 0.9999999999999999


@pytest.mark.parametrize("retry", range(1, 13))
def test_default_windows(retry: int) -> None:
    """m=5, multiplier=2000 gives the R-2 table, and retries past 10 keep the #10 range."""
    assert retry_window(retry) == DEFAULT_TABLE[retry]
    assert retry_window(retry, 5, 2000) == DEFAULT_TABLE[retry]


@pytest.mark.parametrize("retry", range(1, 13))
def test_multiplier_2500_windows(retry: int) -> None:
    """m=10, multiplier=2500: min = 10·2.5^(n-1), max = 10·2.5^n with n capped at 10."""
    n = min(retry, 10)
    lo, hi = retry_window(retry, 10, 2500)
    assert lo == pytest.approx(10 * 2.5 ** (n - 1))
    assert hi == pytest.approx(10 * 2.5**n)


def test_catawampus_example() -> None:
    """The digest's check: m=10, k=2.5 gives 10-25 s for retry 1 and 25-62.5 s for retry 2."""
    assert retry_window(1, 10, 2500) == (10, 25)
    assert retry_window(2, 10, 2500) == (25, 62.5)


@pytest.mark.parametrize(("m", "mult"), [(5, 2000), (10, 2500)])
@pytest.mark.parametrize("retry", range(1, 13))
def test_delay_inside_window(retry: int, m: int, mult: int) -> None:
    """A seeded rng, and rngs stuck at 0.0 and just below 1.0, all land inside the window."""
    lo, hi = retry_window(retry, m, mult)
    seeded = random.Random(retry * 7919 + m)
    for _ in range(50):
        assert lo <= retry_delay(retry, m, mult, seeded) <= hi
    assert retry_delay(retry, m, mult, FixedRandom(0.0)) == lo
    top = retry_delay(retry, m, mult, FixedRandom(ALMOST_ONE))
    assert lo < top <= hi
    assert top == pytest.approx(hi)


def test_delay_is_uniform_draw() -> None:
    """The delay is lo + (hi-lo)·u: u=0.5 gives the middle of the window."""
    assert retry_delay(3, 5, 2000, FixedRandom(0.5)) == 30


@pytest.mark.parametrize(
    ("retry", "m", "mult"), [(0, 5, 2000), (1, 0, 2000), (1, 70000, 2000), (1, 5, 999)]
)
def test_out_of_range_arguments_rejected(retry: int, m: int, mult: int) -> None:
    """Retry numbers below 1 and parameters outside their data-model ranges raise ValueError."""
    with pytest.raises(ValueError):
        retry_window(retry, m, mult)
