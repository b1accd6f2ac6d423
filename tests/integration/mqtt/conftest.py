"""The MQTT MTP tests need protobuf (the ``cwmpd[usp]`` extra): without it they are left out with
one line in the report header; under CI=true its absence fails the run."""

from __future__ import annotations

import importlib.util
import os

import pytest

HAVE_PROTOBUF = importlib.util.find_spec("google.protobuf") is not None
if not HAVE_PROTOBUF:
    if os.environ.get("CI"):
        raise pytest.UsageError(
            "protobuf is missing: install cwmpd[usp] (Debian: python3-protobuf)"
        )
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header() -> str | None:
    """Say once that the USP tests were left out."""
    if HAVE_PROTOBUF:
        return None
    return "tests/integration/mqtt skipped: protobuf not installed (pip install cwmpd[usp])"
