"""Device identities from templates: serial, OUI, ProductClass, MAC, IP and variant from n.

Device n is the same device in every run with the same seed, whatever the shard.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One kind of device in the fleet, and its share of the fleet (``weight``)."""

    name: str = "tr181"
    plugin: str = "simulated"
    weight: float = 1.0
    software_version: str = ""  # "" keeps the plugin's initial version
    product_class: str = ""  # "" keeps the plugin's
    oui: str = ""  # "" keeps the plugin's


@dataclass(frozen=True)
class Identity:
    """Who device n is; its Connection Request credentials start as its factory values."""

    n: int
    serial: str
    variant: Variant
    mac: str
    ip: str
    cr_username: str
    cr_password: str

    @property
    def key(self) -> str:
        """Its folder name and Connection Request path segment."""
        return self.serial


DEFAULT_VARIANTS = (Variant(),)


@dataclass(frozen=True)
class Shard:
    """``--shard I/N``: devices n with n mod N == I."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """ "I/N" with 0 <= I < N; ValueError otherwise."""
        left, sep, right = text.partition("/")
        if not sep:
            raise ValueError(f"shard {text!r} is not I/N")
        index, count = int(left), int(right)
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"shard {text!r}: need 0 <= I < N")
        return cls(index, count)

    def holds(self, n: int) -> bool:
        """True when device n runs in this shard."""
        return n % self.count == self.index


def device_rng(seed: int, n: int, purpose: str) -> random.Random:
    """A generator that depends only on the seed, the device and what it is for."""
    return random.Random(f"{seed}/{n}/{purpose}")  # noqa: S311 - seeded on purpose


def pick_variant(variants: Sequence[Variant], seed: int, n: int) -> Variant:
    """The variant of device n, drawn with the variants' weights (seeded per device)."""
    if len(variants) == 1:
        return variants[0]
    weights = [max(0.0, v.weight) for v in variants]
    return device_rng(seed, n, "variant").choices(list(variants), weights)[0]


def identity(n: int, *, seed: int, prefix: str, variants: Sequence[Variant]) -> Identity:
    """Device n's identity; MAC 02:xx (locally administered) and IP 10.x.y.z from n."""
    hi, mid, lo = (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF
    secret = device_rng(seed, n, "cr-password").getrandbits(64)
    return Identity(
        n=n,
        serial=f"{prefix}{n:06d}",
        variant=pick_variant(variants, seed, n),
        mac=f"02:00:00:{hi:02X}:{mid:02X}:{lo:02X}",
        ip=f"10.{hi}.{mid}.{lo}",
        cr_username=f"cr-{prefix}{n:06d}",
        cr_password=f"{secret:016x}",
    )


def identities(
    count: int,
    *,
    seed: int = 0,
    prefix: str = "FLEET",
    variants: Sequence[Variant] = DEFAULT_VARIANTS,
    shard: Shard = Shard(),
) -> Iterator[Identity]:
    """The identities of devices 0..count-1 that this shard runs."""
    for n in range(count):
        if shard.holds(n):
            yield identity(n, seed=seed, prefix=prefix, variants=variants)
