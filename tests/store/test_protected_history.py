"""History the database protects: the owner role cannot change or delete it; one logged purge.

The tests connect as the owner of the schema (the managed cluster's superuser): if the triggers
hold for it, they hold for every role.
"""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from tests.store.snapshots import load

REFUSED = [
    "DELETE FROM kc.building_validity",
    "DELETE FROM kc.building_version",
    "DELETE FROM kc.building",
    "DELETE FROM kc.load_run",
    "TRUNCATE kc.building_validity CASCADE",
    "TRUNCATE kc.project_validity CASCADE",
    "UPDATE kc.building_version SET height = height + 1",
    "UPDATE kc.building_validity SET valid_to = '2030-01-01' WHERE valid_to IS NULL",
    "UPDATE kc.building_validity SET valid_from = valid_from - 1",
    "UPDATE kc.building_validity SET superseded_at = NULL WHERE superseded_at IS NOT NULL",
    "UPDATE kc.building_validity SET superseded_at = superseded_at + interval '1 day' "
    "WHERE superseded_at IS NOT NULL",
    "UPDATE kc.building_validity SET superseded_at = now(), valid_to = '2030-01-01' "
    "WHERE superseded_at IS NULL",
    "UPDATE kc.building SET source_id = 'X' || source_id",
    "UPDATE kc.load_run SET summary = '{}'",
]


def snapshot_of_history(conn) -> list:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT array_agg(to_jsonb(r) ORDER BY row_id) FROM kc.building_validity r),"
            " (SELECT array_agg(v.content_hash ORDER BY version_id) FROM kc.building_version v),"
            " (SELECT count(*) FROM kc.load_run)"
        )
        return list(cur.fetchone())


@pytest.mark.parametrize("statement", REFUSED)
def test_the_owner_cannot_change_or_delete_history(loaded, statement) -> None:
    before = snapshot_of_history(loaded)
    with loaded.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege) as err:
        cur.execute(statement)
    loaded.rollback()
    assert "history is append-only" in str(err.value)
    assert snapshot_of_history(loaded) == before


def test_superseded_at_is_set_once(loaded) -> None:
    with loaded, loaded.cursor() as cur:
        cur.execute(
            "UPDATE kc.building_validity SET superseded_at = now() WHERE row_id = "
            "(SELECT min(row_id) FROM kc.building_validity WHERE superseded_at IS NULL) "
            "RETURNING row_id"
        )
        (row_id,) = cur.fetchone()
    with loaded.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege) as err:
        cur.execute(
            "UPDATE kc.building_validity SET superseded_at = now() + interval '1 hour' "
            "WHERE row_id = %s",
            (row_id,),
        )
    loaded.rollback()
    assert "may only get superseded_at set once" in str(err.value)


def test_a_report_is_superseded_never_edited(loaded) -> None:
    with loaded, loaded.cursor() as cur:
        cur.execute(
            "INSERT INTO kc.project (code, city_code, thematic_field, title) "
            "VALUES ('P1', 'lyon', 'e_mobility', '{\"en\": \"P\"}') RETURNING project_id"
        )
        (project_id,) = cur.fetchone()
        cur.execute(
            "INSERT INTO kc.report (project_id, point_code, status, objectives, content_hash) "
            "VALUES (%s, 'PM18', 'planned', '{\"en\": \"o\"}', '\\x00') RETURNING report_id",
            (project_id,),
        )
        (report_id,) = cur.fetchone()
    for statement in (
        "UPDATE kc.report SET progress = 0",
        "DELETE FROM kc.report",
        "UPDATE kc.project SET code = 'P2'",
    ):
        with loaded.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(statement)
        loaded.rollback()
    with loaded, loaded.cursor() as cur:  # a title is descriptive: it may be corrected
        cur.execute('UPDATE kc.project SET title = \'{"en": "Q"}\'')
        cur.execute("UPDATE kc.report SET superseded_at = now() WHERE report_id = %s", (report_id,))
        assert cur.rowcount == 1


def test_loads_and_corrections_still_work_under_the_rules(loaded) -> None:
    """Re-loading an earlier point and correcting a loaded one rewrite timelines by superseding."""
    from tests.store.snapshots import counts

    assert counts(load(loaded, "lyon", "PM18", {"B1": 11, "B2": 20, "B3": 30})) == (0, 1, 2, 0)
    assert counts(load(loaded, "lyon", "start", {"B1": 9})) == (1, 0, 0, 0)


def test_purge_removes_one_feature_and_leaves_a_record(loaded) -> None:
    with loaded, loaded.cursor() as cur:
        cur.execute("SELECT count(*) FROM kc.building_validity")
        (rows_before,) = cur.fetchone()
        cur.execute("SELECT kc.purge_feature('buildings', 'lyon/B2', 'GDPR erasure request #42')")
        (removed,) = cur.fetchone()
        assert removed == {"versions": 2, "validity_rows": removed["validity_rows"]}
        cur.execute("SELECT count(*) FROM kc.building WHERE source_id = 'B2'")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM kc.building_validity")
        assert cur.fetchone()[0] == rows_before - removed["validity_rows"]
        cur.execute(
            "SELECT kind, feature, reason, requested_by = session_user, removed FROM kc.purge_log"
        )
        assert cur.fetchall() == [
            ("buildings", "lyon/B2", "GDPR erasure request #42", True, removed)
        ]
    with loaded.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("DELETE FROM kc.purge_log")
    loaded.rollback()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("buildings", "lyon/B1", "because"), "reason of at least 10 characters"),
        (("buildings", "lyon/NOPE", "a good reason here"), "no building 'lyon/NOPE'"),
        (("roads", "x", "a good reason here"), "unknown kind 'roads'"),
    ],
)
def test_purge_refuses_without_reason_or_feature(loaded, args, message) -> None:
    with loaded.cursor() as cur, pytest.raises(psycopg2.Error) as err:
        cur.execute("SELECT kc.purge_feature(%s, %s, %s)", args)
    loaded.rollback()
    assert message in str(err.value)
