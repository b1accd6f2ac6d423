"""The slice of IReactorTime the Connection Request code uses, as a typing Protocol.

Hand-written because zope interfaces type poorly under mypy without a plugin; both the
reactor and ``twisted.internet.task.Clock`` satisfy it structurally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Clock(Protocol):
    """Time source and timer: ``seconds()`` and ``callLater()``."""

    def seconds(self) -> float:
        """Now, in seconds."""
        ...

    def callLater(self, delay: float, callable: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Call ``callable`` after ``delay`` seconds; returns an IDelayedCall."""
        ...
