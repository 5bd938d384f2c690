"""Fixtures for the roster tests."""

from pathlib import Path

import pytest

from tests.roster.import_helpers import copy_oneroster


@pytest.fixture
def roster_dir(tmp_path: Path) -> Path:
    """A private copy of the OneRoster fixture set, for tests that edit it."""
    return copy_oneroster(tmp_path)
