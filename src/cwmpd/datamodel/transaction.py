"""All-or-nothing writes across backends (P-8): stage everything, commit everything, or undo.

Twisted has no two-phase commit over arbitrary stores; this is the small coordinator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from twisted.logger import Logger

from cwmpd.backends.base import Backend, BackendError, Transaction
from cwmpd.cwmp.faults import CwmpFault

_log = Logger()
T = TypeVar("T")


async def guarded(awaitable: Awaitable[T], what: str) -> T:
    """Await a backend call; anything but a CwmpFault becomes fault 9002 (and is logged)."""
    try:
        return await awaitable
    except CwmpFault:
        raise
    except BackendError as exc:  # the device said no: an operational fact, not a bug
        _log.warn("backend failed: {what}: {error}", what=what, error=str(exc))
        raise CwmpFault(9002) from None
    except Exception:
        _log.failure("backend failed: {what}", what=what)
        raise CwmpFault(9002) from None


async def run(groups: Sequence[tuple[Backend, dict[str, str]]]) -> list[Backend]:
    """Apply every group atomically; the backends whose changes take effect later.

    Groups are committed in order (put the most reliable backend, the store, last). If any
    stage or commit fails, every transaction begun so far is aborted (undone if committed)
    and CwmpFault is raised: the fault a backend raised itself, else 9002.
    """
    begun: list[Transaction] = []
    try:
        for backend, changes in groups:
            begun.append(await guarded(backend.begin(changes), "stage"))
        later = []
        for (backend, _), tx in zip(groups, begun, strict=True):
            if await guarded(tx.commit(), "commit"):
                later.append(backend)
        return later
    except CwmpFault:
        await _abort_all(begun)
        raise


async def _abort_all(begun: Sequence[Transaction]) -> None:
    for tx in reversed(begun):
        try:
            await tx.abort()
        except BackendError as exc:
            _log.warn("backend failed to undo a change: {error}", error=str(exc))
        except Exception:
            _log.failure("backend failed to undo a change")
