"""Shared fixtures: where the Broadband Forum spec folder is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def spec_dir() -> Path | None:
    """The spec folder from CWMPD_SPEC_DIR (default ../shared/spec), or None if missing."""
    path = Path(os.environ.get("CWMPD_SPEC_DIR", REPO.parent / "shared" / "spec"))
    return path if (path / "xsd" / "cwmp-1-0.xsd").is_file() else None


@pytest.fixture(scope="session")
def spec() -> Path:
    """The spec folder; skips (or fails under CI=true) when it is missing."""
    path = spec_dir()
    if path is None:
        msg = "Broadband Forum spec folder missing: set CWMPD_SPEC_DIR or place ../shared/spec"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path
