"""Fleet identities: templates, variants in proportion, shards, determinism."""

from __future__ import annotations

from collections import Counter

import pytest

from cwmpd.fleet.identity import Shard, Variant, identities, identity

VARIANTS = (
    Variant("tr181", "simulated", 3.0, product_class="A"),
    Variant("tr098", "simulated098", 1.0, product_class="B"),
)


def test_templates_from_n() -> None:
    """Serial {prefix}{n:06d}; MAC and IP carry n; CR credentials are per device."""
    one = identity(513, seed=1, prefix="ACME", variants=VARIANTS)
    assert one.serial == "ACME000513"
    assert one.mac == "02:00:00:00:02:01"
    assert one.ip == "10.0.2.1"
    assert one.cr_username == "cr-ACME000513"
    other = identity(514, seed=1, prefix="ACME", variants=VARIANTS)
    assert other.cr_password != one.cr_password


def test_same_seed_same_devices_other_seed_other_draws() -> None:
    """Device n is the same with the same seed; variants follow their weights."""
    a = list(identities(2000, seed=5, variants=VARIANTS))
    assert a == list(identities(2000, seed=5, variants=VARIANTS))
    b = list(identities(2000, seed=6, variants=VARIANTS))
    assert [i.variant for i in a] != [i.variant for i in b]
    share = Counter(i.variant.name for i in a)
    assert 0.70 < share["tr181"] / 2000 < 0.80


def test_shards_partition_the_fleet() -> None:
    """Shards I/N hold n mod N == I: together the whole fleet, each device once, unchanged."""
    whole = list(identities(101, seed=2, variants=VARIANTS))
    parts = [list(identities(101, seed=2, variants=VARIANTS, shard=Shard(i, 4))) for i in range(4)]
    assert sorted((p for part in parts for p in part), key=lambda i: i.n) == whole
    assert all(i.n % 4 == 1 for i in parts[1])


@pytest.mark.parametrize("text", ["1", "2/2", "-1/3", "a/b", "0/0"])
def test_bad_shards_are_refused(text: str) -> None:
    """I/N with 0 <= I < N only."""
    with pytest.raises(ValueError):
        Shard.parse(text)
