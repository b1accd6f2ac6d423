"""Shared fixtures: where the Broadband Forum spec folder is."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _have_protobuf() -> bool:
    try:
        return importlib.util.find_spec("google.protobuf") is not None
    except ModuleNotFoundError:
        return False


#: The USP tests need protobuf (the optional ``cwmpd[usp]`` extra): without it they are left
#: out with one line in the report header; under CI=true they are collected, and fail.
HAVE_PROTOBUF = _have_protobuf()
USP_TESTS = ["unit/usp/*", "integration/mqtt/*", "unit/uspagent/*"]
collect_ignore_glob = [] if HAVE_PROTOBUF or os.environ.get("CI") else USP_TESTS


def pytest_report_header() -> str | None:
    """Say once that the USP tests were left out."""
    if collect_ignore_glob:
        return "USP tests left out: protobuf is not installed (pip install 'cwmpd[usp]')"
    return None


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


def pytest_configure(config: pytest.Config) -> None:
    """Register the needs_tools marker."""
    config.addinivalue_line(
        "markers", "needs_tools(*names): the test runs these system programs (ping, curl ...)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test whose system programs are missing, with one line naming them; fail in CI."""
    for marker in item.iter_markers("needs_tools"):
        missing = [name for name in marker.args if shutil.which(name) is None]
        if missing:
            debian = "iputils-ping traceroute curl coturn mosquitto mosquitto-clients prosody"
            msg = f"needs {', '.join(missing)} (Debian: {debian})"
            if os.environ.get("CI"):
                pytest.fail(msg)
            pytest.skip(msg)
