"""Migrations: applied once, recorded with checksums, edits refused, repeatables redeployed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gis.store.db import connect
from gis.store.errors import MigrationError
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import SQL_DIR


def snapshot_meta(conn) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT 'm', name, checksum, applied_at FROM kc_meta.migration "
            "UNION ALL SELECT 'r', name, checksum, deployed_at FROM kc_meta.repeatable ORDER BY 1, 2"
        )
        return cur.fetchall()


def table_names(conn) -> set[str]:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'kc'")
        return {r[0] for r in cur.fetchall()}


def test_migrate_twice_changes_nothing(empty_db_url: str) -> None:
    conn = connect(empty_db_url)
    first = migrate(conn)
    assert first.applied == sorted(p.name for p in (SQL_DIR / "migrations").glob("*.sql"))
    assert "functions/10_state_at.sql" in first.redeployed
    assert sum(seed(conn).values()) > 0
    before = snapshot_meta(conn)

    second = migrate(conn)
    assert second.applied == [] and second.redeployed == []
    assert seed(conn) == dict.fromkeys(seed(conn), 0)
    assert snapshot_meta(conn) == before
    assert {"city", "building", "building_version", "building_validity", "report"} <= table_names(
        conn
    )
    conn.close()


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    target = tmp_path / "sql"
    shutil.copytree(SQL_DIR, target)
    return target


def test_edited_applied_migration_is_refused_and_nothing_changes(
    empty_db_url: str, sql_copy: Path
) -> None:
    conn = connect(empty_db_url)
    migrate(conn, sql_copy)
    before_meta, before_tables = snapshot_meta(conn), table_names(conn)

    edited = sql_copy / "migrations" / "0002_reference.sql"
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    (sql_copy / "migrations" / "0099_new_table.sql").write_text("CREATE TABLE kc.later (x int);")

    with pytest.raises(MigrationError) as err:
        migrate(conn, sql_copy)
    message = str(err.value)
    assert "0002_reference.sql" in message and "edited after it was applied" in message
    assert "new migration" in message
    assert snapshot_meta(conn) == before_meta
    assert table_names(conn) == before_tables  # 0099 was not applied either
    conn.close()


def test_failing_migration_is_rolled_back_whole(empty_db_url: str, sql_copy: Path) -> None:
    conn = connect(empty_db_url)
    migrate(conn, sql_copy)
    (sql_copy / "migrations" / "0098_half.sql").write_text(
        "CREATE TABLE kc.half (x int);\nSELECT no_such_function();"
    )
    with pytest.raises(MigrationError, match=r"0098_half\.sql failed and was rolled back"):
        migrate(conn, sql_copy)
    assert "half" not in table_names(conn)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM kc_meta.migration WHERE name = '0098_half.sql'")
        assert cur.fetchone()[0] == 0
    conn.close()


def test_changed_view_is_redeployed_with_everything_after_it(
    empty_db_url: str, sql_copy: Path
) -> None:
    conn = connect(empty_db_url)
    migrate(conn, sql_copy)
    fn = sql_copy / "functions" / "10_state_at.sql"
    fn.write_text(fn.read_text() + "\nCOMMENT ON SCHEMA kc IS 'redeployed';\n")
    report = migrate(conn, sql_copy)
    assert report.applied == []
    # The first function file changed: it and every function and view file after it.
    after = [
        f"{d}/{p.name}"
        for d in ("functions", "views")
        for p in sorted((sql_copy / d).glob("*.sql"))
    ]
    assert after[0] == "functions/10_state_at.sql" and "views/20_api_buildings.sql" in after
    assert report.redeployed == after
    with conn, conn.cursor() as cur:
        cur.execute("SELECT obj_description('kc'::regnamespace)")
        assert cur.fetchone()[0] == "redeployed"
    assert migrate(conn, sql_copy).changed is False
    conn.close()


def test_removed_view_is_dropped_from_an_existing_database(
    empty_db_url: str, sql_copy: Path
) -> None:
    # A database migrated before 0031, when a view file still created the two views.
    dropping = sql_copy / "migrations" / "0031_drop_current_versions.sql"
    dropping_sql = dropping.read_text()
    dropping.unlink()
    removed = sql_copy / "views" / "10_current_versions.sql"
    removed.write_text(
        "CREATE VIEW kc.building_version_current AS SELECT 1 AS x;\n"
        "CREATE VIEW kc.project_version_current AS SELECT 1 AS x;\n"
    )
    views = {"building_version_current", "project_version_current"}
    conn = connect(empty_db_url)
    migrate(conn, sql_copy)
    assert views <= table_names(conn)

    removed.unlink()
    dropping.write_text(dropping_sql)
    report = migrate(conn, sql_copy)
    assert report.applied == ["0031_drop_current_versions.sql"] and report.redeployed == []
    assert not views & table_names(conn)
    assert not [row for row in snapshot_meta(conn) if row[1] == "views/10_current_versions.sql"]
    conn.close()


def test_badly_named_migration_is_refused(sql_copy: Path) -> None:
    (sql_copy / "migrations" / "7_oops.sql").write_text("SELECT 1;")
    from gis.store.migrations import discover_migrations

    with pytest.raises(MigrationError, match=r"NNNN_lowercase_name\.sql"):
        discover_migrations(sql_copy)
