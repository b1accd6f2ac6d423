"""Types of the parts of pytest-twisted the tests use (the package ships none)."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, overload

from twisted.internet.defer import Deferred

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

def ensureDeferred(f: _F) -> _F:
    """Run an ``async def`` test in the reactor (the test keeps its signature)."""

def inlineCallbacks(f: _F) -> _F:
    """Run a generator test in the reactor through Twisted's inlineCallbacks."""

def blockon(d: Deferred[_T]) -> _T:
    """Wait for ``d`` in the reactor greenlet and return its result."""

@overload
def async_fixture(fixture_function: _F) -> _F: ...
@overload
def async_fixture(
    fixture_function: None = None,
    *,
    scope: str = ...,
    params: Iterable[object] | None = ...,
    autouse: bool = ...,
    ids: Sequence[object | None] | Callable[[Any], object | None] | None = ...,
    name: str | None = ...,
) -> Callable[[_F], _F]: ...
@overload
def async_yield_fixture(fixture_function: _F) -> _F: ...
@overload
def async_yield_fixture(
    fixture_function: None = None,
    *,
    scope: str = ...,
    params: Iterable[object] | None = ...,
    autouse: bool = ...,
    ids: Sequence[object | None] | Callable[[Any], object | None] | None = ...,
    name: str | None = ...,
) -> Callable[[_F], _F]: ...
