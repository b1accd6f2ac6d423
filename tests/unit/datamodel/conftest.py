"""Fixtures for data-model tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import make_model


@pytest.fixture
def model(tmp_path: Path) -> DataModel:
    """A fresh small model."""
    return make_model(tmp_path)
