"""A test that needs ``../shared/data`` fails, saying what is missing, instead of being skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import LYON_BUILDINGS, SHARED_DATA, require


def test_missing_shared_data_fails_with_the_path_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "buildings_lyon1.geojson"
    with pytest.raises(pytest.fail.Exception) as failure:
        require(missing)
    message = str(failure.value)
    assert str(missing) in message and str(SHARED_DATA) in message and "README" in message


def test_the_shared_data_is_where_ci_has_it() -> None:
    assert require(LYON_BUILDINGS) == LYON_BUILDINGS
