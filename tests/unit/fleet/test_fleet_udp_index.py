"""The fleet's index of Connection Request usernames (cwmpd.fleet.connreq_udp)."""

from __future__ import annotations

from cwmpd.config import Config
from cwmpd.fleet.connreq_udp import UsernameIndex
from cwmpd.fleet.device import FleetDevice
from cwmpd.fleet.identity import DEFAULT_VARIANTS, device_rng, identity
from cwmpd.fleet.metrics import Metrics
from cwmpd.fleet.models import SharedModels
from support.agent_harness import reactor


def device(n: int) -> FleetDevice:
    """Device n, not started (the index needs only its identity)."""
    ident = identity(n, seed=0, prefix="T", variants=DEFAULT_VARIANTS)
    return FleetDevice(
        ident,
        Config(),
        reactor,
        metrics=Metrics(),
        build=SharedModels().builder(ident),
        rng=device_rng(0, n, "test"),
    )


def test_rename_moves_the_entry() -> None:
    """A device found by its name; after a rename by the new one only."""
    index = UsernameIndex()
    a, b = device(1), device(2)
    index.set(a, "alice")
    index.set(b, "bob")
    assert index.get("alice") is a and index.get("bob") is b
    index.set(a, "carol")
    assert index.get("alice") is None and index.get("carol") is a and index.get("bob") is b
    index.set(a, "")
    assert index.get("carol") is None


def test_a_shared_name_names_no_one_until_it_is_unique_again() -> None:
    """Two devices given one username: neither is found by it; once one of them moves
    away, the other is found again."""
    index = UsernameIndex()
    a, b, c = device(1), device(2), device(3)
    index.set(a, "admin")
    index.set(b, "admin")
    index.set(c, "admin")
    assert index.get("admin") is None and index.shared("admin")
    index.set(a, "a-own")
    assert index.get("admin") is None and index.get("a-own") is a
    index.set(b, "b-own")
    assert index.get("admin") is c and not index.shared("admin")


def test_default_credentials_differ_per_device() -> None:
    """The identity's factory ConnectionRequestUsername (and password) is distinct for
    every device, so the index names each one."""
    idents = [identity(n, seed=7, prefix="F", variants=DEFAULT_VARIANTS) for n in range(5000)]
    assert len({i.cr_username for i in idents}) == 5000
    assert len({i.cr_password for i in idents}) == 5000
