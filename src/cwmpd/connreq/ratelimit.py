"""Token buckets for Connection Requests (C-7, C-15).

Hand-written: Twisted's ``policies.ThrottlingFactory`` limits bytes and connections,
not requests by outcome, and cannot answer 503.

Three budgets, so that a flood of one kind cannot starve the others:

* ``refused``  -- requests that will be refused anyway (wrong path, wrong method, Basic,
  malformed or wrong digest, unknown nonce, replay). A scanner that does not know the
  random path only ever draws from this bucket.
* ``challenge`` -- a GET on the right path without credentials, which earns a 401 and a
  fresh nonce. Only someone who knows the secret path draws from it. It refills fast so a
  real ACS that arrives just after a flood gets its challenge within ``1 / rate`` seconds.
* ``accepted`` -- authenticated requests, i.e. sessions asked for.

When a bucket is empty the request is answered 503 (no Retry-After); UDP requests are dropped.
Challenges are also counted per source (``SourceBuckets``), before the shared bucket, so that
one address asking for challenges as fast as it can cannot take every one the ACS needs.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from twisted.internet.interfaces import IReactorTime


class Budget(Enum):
    """Which bucket a request draws from."""

    REFUSED = "refused"
    CHALLENGE = "challenge"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class BucketConfig:
    """A bucket of ``burst`` tokens refilled at ``rate`` tokens a second."""

    burst: float
    rate: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.rate <= 0:
            raise ValueError(f"bucket needs burst >= 1 and rate > 0, got {self}")


@dataclass(frozen=True)
class RateLimitConfig:
    """The three budgets; the defaults suit a router's port 7547."""

    refused: BucketConfig = BucketConfig(burst=20, rate=5)
    challenge: BucketConfig = BucketConfig(burst=10, rate=20)
    accepted: BucketConfig = BucketConfig(burst=10, rate=1)
    challenge_per_source: BucketConfig = BucketConfig(burst=5, rate=2)


class TokenBucket:
    """A token bucket reading time from an injected clock."""

    def __init__(self, clock: IReactorTime, config: BucketConfig) -> None:
        self._clock = clock
        self._config = config
        self._tokens = config.burst
        self._stamp = clock.seconds()

    def take(self) -> bool:
        """Take one token; False (and nothing taken) when the bucket is empty."""
        now = self._clock.seconds()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self._config.burst, self._tokens + elapsed * self._config.rate)
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class RateLimiter:
    """The three buckets, shared by the HTTP and UDP listeners."""

    def __init__(self, clock: IReactorTime, config: RateLimitConfig | None = None) -> None:
        config = config or RateLimitConfig()
        self._buckets = {
            Budget.REFUSED: TokenBucket(clock, config.refused),
            Budget.CHALLENGE: TokenBucket(clock, config.challenge),
            Budget.ACCEPTED: TokenBucket(clock, config.accepted),
        }
        self._challenges = SourceBuckets(clock, config.challenge_per_source)

    def allow(self, budget: Budget) -> bool:
        """Charge one request to ``budget``; False means answer 503 (or drop)."""
        return self._buckets[budget].take()

    def allow_challenge(self, source: str) -> bool:
        """Charge a challenge to ``source``'s own bucket, then to the shared one."""
        return self._challenges.take(source) and self.allow(Budget.CHALLENGE)


class SourceBuckets:
    """One token bucket per source, the least recently used forgotten beyond ``max_sources``."""

    def __init__(self, clock: IReactorTime, config: BucketConfig, max_sources: int = 1024) -> None:
        self._clock = clock
        self._config = config
        self._max = max_sources
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, source: str) -> bool:
        """Take one of ``source``'s tokens; False when it has none left."""
        bucket = self._buckets.pop(source, None) or TokenBucket(self._clock, self._config)
        self._buckets[source] = bucket
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return bucket.take()
