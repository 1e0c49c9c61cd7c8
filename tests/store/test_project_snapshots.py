"""Project snapshots: versioned footprint and status, touched buildings by intersection or list."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.store.errors import SnapshotError
from gis.store.project_snapshots import apply_staged, stage_rows
from tests.store.snapshots import counts, load, square

PM18, PM24 = dt.date(2017, 7, 31), dt.date(2018, 1, 31)
TITLE = {"en": "A3 positive-energy block PV", "fr": "PV de l'îlot A3"}


def project(code: str, status: str, footprint: str, refs=None, field="district_heating_renewables"):
    return (code, field, TITLE, footprint, status, {}, "EPSG:4326", refs)


def load_projects(conn, point: str, rows) -> object:
    with conn:
        stage_rows(conn.cursor(), rows)
        return apply_staged(conn, "lyon", point, source=f"projects-{point}")


def state(conn, at: dt.date) -> dict[str, tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT s.code, s.status, ARRAY(SELECT b.source_id FROM kc.building b "
            "WHERE b.building_id = ANY (s.building_ids) ORDER BY b.source_id) "
            "FROM kc.project_state(%s) s",
            (at,),
        )
        return {code: (status, refs) for code, status, refs in cur.fetchall()}


def two_projects(pv_status: str) -> list[tuple]:
    """The A3 PV (touching B1 by intersection) and a substation (B3 by explicit reference)."""
    return [
        project("LYO-PV-A3", pv_status, square(1, size=0.0002)),
        project("LYO-DH-SUB", "planned", "SRID=4326;POINT(4.8 45.7)", refs=["B3"]),
    ]


def test_projects_touch_buildings_and_version_their_status(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20, "B3": 30})
    load(conn, "lyon", "PM24", {"B1": 10, "B2": 20, "B3": 30})
    first = load_projects(conn, "PM18", two_projects("in_preparation"))
    assert counts(first) == (2, 0, 0, 0)
    assert state(conn, PM18) == {
        "LYO-PV-A3": ("in_preparation", ["B1"]),
        "LYO-DH-SUB": ("planned", ["B3"]),
    }
    second = load_projects(conn, "PM24", two_projects("in_implementation"))
    assert counts(second) == (0, 1, 1, 0)
    assert state(conn, PM24)["LYO-PV-A3"] == ("in_implementation", ["B1"])
    assert state(conn, PM18)["LYO-PV-A3"] == ("in_preparation", ["B1"])
    again = load_projects(conn, "PM24", two_projects("in_implementation"))
    assert again.changes == 0 and again.load_id is None


def test_unknown_building_reference_and_foreign_code_are_refused(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10})
    with pytest.raises(SnapshotError, match=r"unknown building ids.*LYO-X, B404"):
        load_projects(conn, "PM18", [project("LYO-X", "planned", square(1), refs=["B404"])])
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM kc.project")
        assert cur.fetchone()[0] == 0
