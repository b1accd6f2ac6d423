"""The fleet's garbage-collector settings: a large long-lived heap, many short sessions.

CPython's cyclic collector rescans every tracked object at each full collection, and the
devices' state (hundreds of objects each) is nearly all of them; each session's objects, alive
across several of the default young collections (every 700 allocations), are promoted and
bring the next full collection closer. At 2,000 devices and 100 sessions/s the fleet spent
about half its CPU in the collector. Two standard remedies, both undone by ``stop`` (a fleet
may run inside a test process):

- the state built so far is frozen (``gc.freeze``: never rescanned, still freed by reference
  counting) after each start-up batch and once every device has had its first session, each
  time after a collection of what is not frozen yet (no garbage is frozen); a batch frozen
  while earlier devices were in their first session froze those sessions' objects too, whose
  cycles, once dropped, no collection could free: the last freeze (``steady``) unfreezes
  first, so one full collection frees them;
- once every device has had its first session, the youngest generation is collected every
  10,000 allocations, so most of a session's objects are gone before a collection could
  promote them (not during the boot storm: its peak memory would grow).
"""

from __future__ import annotations

import gc

#: Allocations between young collections (CPython's default: 700), then the older two.
THRESHOLDS = (10_000, 20, 20)


class GcPolicy:
    """Applies the fleet's collector settings; ``stop`` restores the process's own."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None
        self.frozen = 0  # how many times the heap was frozen

    def start(self) -> None:
        """Remember the process's settings (``stop`` puts them back)."""
        if self._saved is None:
            self._saved = gc.get_threshold()

    def steady(self) -> None:
        """Every device is up and had its first session: freeze, then collect less often
        (THRESHOLDS; not before, so the boot storm's peak memory stays what it was). The
        cycles dropped since the batches were frozen are collected first."""
        gc.unfreeze()
        self.freeze()
        if self._saved is not None:
            gc.set_threshold(*THRESHOLDS)

    def freeze(self) -> None:
        """Collect what is not frozen yet, then freeze what is left (live state)."""
        gc.collect()
        gc.freeze()
        self.frozen += 1

    def stop(self) -> None:
        """Unfreeze and restore the thresholds in force before ``start``."""
        if self._saved is None:
            return
        gc.unfreeze()
        gc.set_threshold(*self._saved)
        self._saved = None
