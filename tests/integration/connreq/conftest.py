"""Fixtures for the Connection Request loopback tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_twisted

from cwmpd.connreq.http import ListenerConfig
from support.connreq_live import PASSWORD, PATH, USER, Live, start


@pytest.fixture
def live() -> Iterator[Live]:
    """A listener with credentials configured and the default rate limits."""
    cfg = ListenerConfig(path=PATH, address="127.0.0.1", port=0, username=USER, password=PASSWORD)
    running = start(cfg)
    yield running
    pytest_twisted.blockon(running.server.stop())
