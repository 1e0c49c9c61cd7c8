"""Fixtures shared by the store's tests."""

from __future__ import annotations

import pytest

from tests.store.snapshots import load


@pytest.fixture
def loaded(conn):
    """Lyon with B1-B3 at PM18 and, at PM24, B1 unchanged, B2 higher and B3 gone."""
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20, "B3": 30})
    load(conn, "lyon", "PM24", {"B1": 10, "B2": 25})
    return conn
