"""The fleet's collector settings are applied while it runs and undone at its end."""

from __future__ import annotations

import gc
import weakref

from cwmpd.fleet.gcpolicy import THRESHOLDS, GcPolicy


def test_thresholds_and_freeze_are_undone_by_stop() -> None:
    before = gc.get_threshold()
    policy = GcPolicy()
    policy.start()
    try:
        assert gc.get_threshold() == before  # the boot storm: the usual settings
        kept = [[n] for n in range(10)]  # live (tracked) state: frozen, not collected
        policy.freeze()
        assert gc.get_freeze_count() >= len(kept)
        policy.steady()
        assert gc.get_threshold() == THRESHOLDS
        assert policy.frozen == 2
    finally:
        policy.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    policy.stop()  # a second stop changes nothing
    assert gc.get_threshold() == before


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_steady_frees_cycles_dropped_after_a_batch_was_frozen() -> None:
    """A session's cycle frozen with a start-up batch, then dropped, is freed by steady()."""
    policy = GcPolicy()
    policy.start()
    try:
        cycle = _Cycle()
        ref = weakref.ref(cycle)
        policy.freeze()  # a batch frozen while the session was under way
        del cycle  # the session ends: only the collector can free its cycle
        gc.collect()
        assert ref() is not None  # frozen: no collection sees it
        policy.steady()
        assert ref() is None
    finally:
        policy.stop()
