"""twisted.web's DummyRequest as the resources under test see a Request (no network)."""

from __future__ import annotations

from typing import cast

from twisted.web.server import Request
from twisted.web.test.requesthelper import DummyRequest


class PathRequest(DummyRequest):
    """A DummyRequest for ``path``, with the ``path`` and ``uri`` of a real Request."""

    def __init__(self, path: bytes) -> None:
        super().__init__([path.lstrip(b"/")])
        self.uri = path
        self.path = path


def as_request(dummy: DummyRequest) -> Request:
    """``dummy`` where a resource asks for a twisted.web Request. DummyRequest is Twisted's
    stand-in for one (the attributes a resource reads) but no subclass: hence the cast."""
    return cast(Request, dummy)
