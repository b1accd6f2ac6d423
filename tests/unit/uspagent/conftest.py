"""Fixtures of the USP message tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.usp_agent import Agent, make_agent


@pytest.fixture
def agent(tmp_path: Path) -> Agent:
    """A USP agent on the simulated device."""
    return make_agent(tmp_path)
