"""Snapshots at measurement points: every case with exact counts, state at each point, corrections."""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest

from gis.store.building_snapshots import state_at
from gis.store.errors import SnapshotError
from tests.store.snapshots import counts, load, row

PM18, PM24, PM30 = dt.date(2017, 7, 31), dt.date(2018, 1, 31), dt.date(2018, 7, 31)


def heights(conn, at: dt.date, known_at=None) -> dict[str, float]:
    return {sid: v[1] for sid, v in state_at(conn, at, city="lyon", known_at=known_at).items()}


def rows_in(conn, table: str) -> int:
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM kc.{table}")
        return cur.fetchone()[0]


def transaction_time(conn):
    with conn, conn.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


def test_first_snapshot_opens_every_feature(conn) -> None:
    summary = load(conn, "lyon", "PM18", {"B1": 10, "B2": 20, "B3": 30})
    assert counts(summary) == (3, 0, 0, 0) and not summary.correction
    assert heights(conn, PM18) == {"B1": 10, "B2": 20, "B3": 30}
    assert heights(conn, PM18 - dt.timedelta(days=1)) == {}
    assert heights(conn, dt.date(2030, 1, 1)) == {"B1": 10, "B2": 20, "B3": 30}


def test_second_point_new_changed_unchanged_ended(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20, "B3": 30})
    before = state_at(conn, PM18, city="lyon")
    summary = load(conn, "lyon", "PM24", {"B1": 10, "B2": 25, "B4": 40})
    assert counts(summary) == (1, 1, 1, 1)

    assert heights(conn, PM18) == {"B1": 10, "B2": 20, "B3": 30}
    assert heights(conn, PM24 - dt.timedelta(days=1)) == {"B1": 10, "B2": 20, "B3": 30}
    assert heights(conn, PM24) == {"B1": 10, "B2": 25, "B4": 40}
    after = state_at(conn, PM24, city="lyon")
    # Unchanged keeps its version; the changed building's PM18 version keeps its id, now closed.
    assert after["B1"][0] == before["B1"][0]
    assert state_at(conn, PM18, city="lyon")["B2"][0] == before["B2"][0]
    assert state_at(conn, PM18, city="lyon")["B2"][3] == PM24  # valid_to
    assert after["B2"][0] != before["B2"][0] and after["B2"][2] == PM24
    assert state_at(conn, PM18, city="lyon")["B3"][3] == PM24


def test_same_snapshot_twice_changes_nothing(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20})
    load(conn, "lyon", "PM24", {"B1": 11, "B3": 30})
    tables = ("building", "building_version", "building_validity", "load_run")
    before = {t: rows_in(conn, t) for t in tables}
    again = load(conn, "lyon", "PM24", {"B1": 11, "B3": 30})
    assert counts(again) == (0, 0, 2, 0)
    assert again.correction and again.load_id is None
    assert {t: rows_in(conn, t) for t in tables} == before


def test_correction_keeps_history_and_as_known_at(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20})
    load(conn, "lyon", "PM24", {"B1": 12, "B2": 20})
    known_before = transaction_time(conn)
    correction = load(conn, "lyon", "PM24", {"B1": 15, "B2": 20, "B5": 50})
    assert correction.correction
    assert counts(correction) == (1, 1, 1, 0)

    assert heights(conn, PM24) == {"B1": 15, "B2": 20, "B5": 50}
    assert heights(conn, PM24, known_before) == {"B1": 12, "B2": 20}
    assert heights(conn, PM18) == {"B1": 10, "B2": 20}
    assert heights(conn, PM18, known_before) == {"B1": 10, "B2": 20}
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT r.valid_from, r.valid_to, v.height FROM kc.building_validity r "
            "JOIN kc.building_version v USING (version_id) WHERE r.superseded_at IS NOT NULL "
            "ORDER BY r.row_id"
        )
        # B1's open PM18 row, closed by the PM24 load, and its PM24 row, superseded by the
        # correction: both kept, neither deleted.
        assert cur.fetchall() == [(PM18, None, 10), (PM24, None, 12)]
        cur.execute("SELECT is_correction FROM kc.load_run ORDER BY load_id")
        assert [r[0] for r in cur.fetchall()] == [False, False, True]


def test_as_known_at_before_a_later_point_sees_open_versions(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20})
    known = transaction_time(conn)
    load(conn, "lyon", "PM24", {"B1": 11})
    # At `known` we believed both were valid indefinitely.
    assert heights(conn, PM30, known) == {"B1": 10, "B2": 20}
    assert heights(conn, PM30) == {"B1": 11}


def test_earlier_point_loaded_late_leaves_later_versions_right(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20, "B3": 30})
    load(conn, "lyon", "PM30", {"B1": 10, "B2": 22, "B4": 40})
    pm30_before = state_at(conn, PM30, city="lyon")

    late = load(conn, "lyon", "PM24", {"B1": 11, "B2": 22, "B4": 40, "B6": 60})
    # B1 changed, B2 changed (to what PM30 already says), B3 ended, B4 and B6 new.
    assert counts(late) == (2, 2, 0, 1)
    assert heights(conn, PM18) == {"B1": 10, "B2": 20, "B3": 30}
    assert heights(conn, PM24) == {"B1": 11, "B2": 22, "B4": 40, "B6": 60}
    assert heights(conn, PM30) == {"B1": 10, "B2": 22, "B4": 40}
    pm30_after = state_at(conn, PM30, city="lyon")
    # Content that continues into PM30 is one version starting at PM24 (merged, not split).
    assert pm30_after["B2"][2] == PM24 and pm30_after["B4"][2] == PM24
    assert pm30_after["B2"][0] == pm30_before["B2"][0]
    # B1 at PM30 is back to 10: a version of its own after the PM24 change.
    assert pm30_after["B1"][2] == PM30
    # Reloading the late snapshot changes nothing.
    assert load(conn, "lyon", "PM24", {"B1": 11, "B2": 22, "B4": 40, "B6": 60}).changes == 0


def test_cities_are_independent(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10})
    summary = load(conn, "vienna", "PM18", {"B1": 99})
    assert counts(summary) == (1, 0, 0, 0)
    assert heights(conn, PM18) == {"B1": 10}


def test_unknown_point_and_city_are_clear_errors(conn) -> None:
    with pytest.raises(SnapshotError, match=r"unknown measurement point 'PM99'.*PM18, PM24, PM30"):
        load(conn, "lyon", "PM99", {"B1": 10})
    with pytest.raises(SnapshotError, match=r"unknown city 'paris'.*lyon"):
        load(conn, "paris", "PM18", {"B1": 10})
    assert rows_in(conn, "building") == 0


def test_exclusion_constraint_rejects_overlap_inserted_in_sql(conn) -> None:
    load(conn, "lyon", "PM18", {"B1": 10})
    with conn.cursor() as cur:
        cur.execute("SELECT building_id, version_id FROM kc.building_validity")
        building_id, version_id = cur.fetchone()
    conn.commit()
    with pytest.raises(
        psycopg2.errors.ExclusionViolation, match="building_versions_do_not_overlap"
    ):
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO kc.building_version (building_id, footprint, height, source_crs, "
                "content_hash) SELECT building_id, footprint, 99, source_crs, '\\x00' "
                "FROM kc.building_version WHERE version_id = %s RETURNING version_id",
                (version_id,),
            )
            other = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO kc.building_validity (version_id, building_id, valid_from, valid_to) "
                "VALUES (%s, %s, '2018-01-01', '2018-06-01')",
                (other, building_id),
            )
    # A superseded row may overlap: it is history, not current belief.
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO kc.building_validity (version_id, building_id, valid_from, recorded_at, "
            "superseded_at) VALUES (%s, %s, '2018-01-01', now(), now())",
            (version_id, building_id),
        )


def test_duplicate_ids_in_a_snapshot_are_refused(conn) -> None:
    from gis.store.building_snapshots import apply_staged, stage_rows

    with pytest.raises(SnapshotError, match="duplicate building ids in one snapshot: B1"):
        with conn:
            stage_rows(conn.cursor(), [row("B1", 10), row("B1", 11, index=2)])
            apply_staged(conn, "lyon", "PM18", source="dup")
    assert rows_in(conn, "building") == 0
