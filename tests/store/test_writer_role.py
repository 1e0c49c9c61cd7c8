"""The database role the web server writes with (kc_writer, migration 0043): what it may not do.

Each statement runs as a real login role in kc_writer, in its own transaction, and must be
refused by PostgreSQL: by the grants (buildings, other columns, deletes, accounts) or by the
history triggers (a past row's superseded_at).
"""

from __future__ import annotations

import os
import secrets

import psycopg2
import psycopg2.errors
import pytest

from gis.api.roles import ensure_writer_role, with_credentials
from gis.store.db import connect
from tests.api.server import drop_role, load_lyon

REFUSED = [
    "INSERT INTO kc.building (city_code, source_id) VALUES ('lyon', 'X1')",
    "UPDATE kc.building SET source_id = source_id",
    "UPDATE kc.building_validity SET superseded_at = now() WHERE superseded_at IS NULL",
    "INSERT INTO kc.building_version (building_id, content_hash, footprint, source_crs) "
    "SELECT building_id, content_hash, footprint, source_crs FROM kc.building_version LIMIT 1",
    "DELETE FROM kc.report",
    "DELETE FROM kc.project_validity",
    "TRUNCATE kc.report CASCADE",
    "UPDATE kc.report SET status = 'completed'",
    "UPDATE kc.project_validity SET valid_to = '2030-01-01'",
    "UPDATE kc.project_version SET status = 'completed'",
    # A past (superseded) row keeps its superseded_at: the trigger of 0041 refuses.
    "UPDATE kc.project_validity SET superseded_at = now() WHERE superseded_at IS NOT NULL",
    "UPDATE kc.load_run SET source = 'x'",
    "INSERT INTO kc.purge_log (kind, feature, reason, requested_by, removed) "
    "VALUES ('projects', 'X', 'a long enough reason', 'me', '{}')",
    "SELECT kc.purge_feature('projects', 'LYO-EV-1', 'a long enough reason')",
    "UPDATE kc_auth.account SET coordinator = true",
    "INSERT INTO kc_auth.account (name, password_hash) VALUES ('eve', '$argon2id$x')",
    "INSERT INTO kc.city (code, name) VALUES ('x', '{}')",
    # Tokens (0057): the writer finds them and notes their use; it never makes or revives one.
    "INSERT INTO kc_auth.api_token (account, token_sha256, expires_at) "
    "VALUES ('anne', repeat('a', 64), now() + interval '1 day')",
    "UPDATE kc_auth.api_token SET revoked_at = NULL",
    "UPDATE kc_auth.api_token SET expires_at = now() + interval '10 years'",
    "DELETE FROM kc_auth.api_token",
]


@pytest.fixture
def writer_url(db_url: str):
    load_lyon(db_url)
    conn = connect(db_url)
    with conn, conn.cursor() as cur:  # a superseded project validity row to try to change
        cur.execute("SELECT count(*) FROM kc.project_validity WHERE superseded_at IS NOT NULL")
        assert cur.fetchone()[0] > 0
    role = f"kc_writer_test_{os.getpid()}"
    password = "kc-" + secrets.token_urlsafe(16)
    ensure_writer_role(conn, password, role=role)
    conn.close()
    yield with_credentials(db_url, role, password)
    drop_role(db_url, role)


@pytest.mark.parametrize("statement", REFUSED)
def test_the_writer_cannot(writer_url: str, statement: str) -> None:
    conn = psycopg2.connect(writer_url)
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def test_the_writer_can_supersede_a_believed_report_and_record_one(writer_url: str) -> None:
    conn = psycopg2.connect(writer_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE kc.report SET superseded_at = now() WHERE superseded_at IS NULL "
                "AND point_code = 'PM18' RETURNING project_id"
            )
            [(project,)] = cur.fetchall()
            cur.execute(
                "INSERT INTO kc.report (project_id, point_code, status, objectives, content_hash) "
                "VALUES (%s, 'PM18', 'planned', '{\"en\": \"x\"}', '\\x00')",
                (project,),
            )
            cur.execute("SELECT count(*) FROM kc_auth.account")  # reads accounts to authenticate
    finally:
        conn.close()
