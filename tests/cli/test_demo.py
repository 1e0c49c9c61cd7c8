"""``kc demo`` keeps apart from the user's data: its own database and folders; a rerun is quick.

The set-up (everything ``kc demo`` does before the server) runs against the test server with
``KC_DATABASE_URL`` naming a fresh test database: the demo's database is that name + ``_demo``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from gis.books.build import PdfJob, build_books
from gis.cli.demo import kc_command, set_up, summary, write_pdfs_in_background
from gis.store.db import database_name, database_url
from gis.store.settings import demo_settings, load_settings
from tests.books.fixture import load_fixture
from tests.databases import admin_connection
from tests.etl.helpers import fingerprint, kc, load_base

#: A small sample keeps the test quick (the demo loads the whole districts).
PLOTS = 150


@pytest.fixture
def user(db_url: str, tmp_path: Path):
    """The user's settings (their database: the test's), and the demo database dropped after."""
    settings = load_settings({"KC_DATABASE_URL": db_url, "KC_HOME": str(tmp_path / "home")})
    yield settings
    admin = admin_connection(db_url)
    with admin.cursor() as cur:
        name = database_name(database_url(demo_settings(settings)))
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


def load_user_data(db_url: str, tmp_path: Path) -> None:
    """Six buildings and two projects of Lyon at PM18, a report, then a corrected report."""
    load_base(db_url, tmp_path)
    report = tmp_path / "report.csv"
    for objectives in ("Heat the block", "Heat the block (corrected)"):
        report.write_text(
            "project_code,status,objectives\n"
            f"LYO-T-A,In implementation,{objectives}\nLYO-T-B,planned,Plan\n"
        )
        result = kc(db_url, "load", "reporting", report, "--at", "PM18")
        assert result.exit_code == 0, result.output
    assert "reporting correction of PM18: new 0, changed 1" in result.output


def count(url: str, query: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_demo_set_up_never_touches_the_users_data(user, db_url: str, tmp_path: Path) -> None:
    load_user_data(db_url, tmp_path)
    before = fingerprint(db_url)

    first = set_up(user, pdf="no", plots=PLOTS)
    assert first.database == f"{database_name(db_url)}_demo" and first.created and first.loaded
    assert fingerprint(db_url) == before
    # The demo's database holds the sample, the user's what they loaded.
    assert count(first.url, "SELECT count(*) FROM kc.project") == 13
    assert count(db_url, "SELECT count(*) FROM kc.project") == 2
    assert count(db_url, "SELECT count(*) FROM kc.building") == 6
    # Its files are under KC_HOME/demo, not where the user's tiles and books go.
    home = user.home
    assert (home / "demo" / "books" / "index.html").is_file()
    tilesets = json.loads((home / "demo" / "tiles" / "index.json").read_text())["tilesets"]
    assert {t["city"] for t in tilesets} == {"lyon", "munich", "vienna"}
    assert not (home / "tiles").exists() and not (home / "books").exists()
    assert first.tilesets == len(tilesets) == first.tiles_rebuilt == 9
    assert first.totals["projects"] == 13 and set(first.standing) == {"PM18", "PM24", "PM30"}

    # The second run (the issue: it used to end the user's buildings and revert the correction)
    demo_before = fingerprint(first.url)
    second = set_up(user, pdf="no", plots=PLOTS)
    assert fingerprint(db_url) == before
    assert not second.created and not second.loaded and second.tiles_rebuilt == 0
    assert second.books is None  # unchanged: not built again
    assert fingerprint(first.url) == demo_before

    # A change in the demo database (someone loaded into it): the sample is loaded again.
    conn = psycopg2.connect(first.url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO kc.load_run (kind, city_code, point_code, source, is_correction) "
            "VALUES ('buildings', 'lyon', 'PM18', 'by hand', false)"
        )
    conn.close()
    third = set_up(user, pdf="no", plots=PLOTS)
    assert third.loaded and third.books is not None
    assert fingerprint(db_url) == before


def test_the_server_of_the_demo_reads_the_demo_database(user, db_url: str) -> None:
    from gis.api.serve import reader_url

    demo = demo_settings(user)
    assert database_name(reader_url(user)[0]) == database_name(db_url)
    assert database_name(reader_url(demo)[0]) == f"{database_name(db_url)}_demo"
    assert demo.tiles_dir == user.home / "demo" / "tiles" != user.tiles_dir
    result = kc(db_url, "db", "url", "--demo")
    assert result.exit_code == 0 and result.output.strip().endswith(
        f"/{database_name(db_url)}_demo"
    )


def test_closing_hints_work_with_a_custom_kc_home(user, db_url: str, tmp_path: Path) -> None:
    load_base(db_url, tmp_path)
    setup = set_up(user, pdf="no", plots=PLOTS)
    text = "\n".join(summary(user, setup))
    command = kc_command(user)
    assert command.startswith(f"KC_HOME={user.home} ")
    assert f'psql "$({command} db url --demo)"' in text
    assert "| stop" not in text
    assert f"database {database_name(db_url)}: " in text  # where the user's own data goes
    # What each count counts, side by side.
    assert "buildings standing at" in text and "building versions (a new one" in text


def test_pdfs_are_left_for_later_and_written_in_the_background(conn, tmp_path: Path) -> None:
    load_fixture(conn)
    jobs: list[PdfJob] = []
    with conn:
        report = build_books(conn, tmp_path, points=["PM24"], langs=["de"], pdf_jobs=jobs)
    assert report.pdf == len(jobs) == 6 and not list(tmp_path.rglob("*.pdf"))
    assert "e_mobility.pdf" in (tmp_path / "PM24" / "de" / "index.html").read_text()
    jobs[0].write()
    assert jobs[0].target.read_bytes().startswith(b"%PDF-")
    # The next build leaves only the missing ones.
    again: list[PdfJob] = []
    with conn:
        build_books(conn, tmp_path, points=["PM24"], langs=["de"], pdf_jobs=again)
    assert sorted(j.target for j in again) == sorted(j.target for j in jobs[1:])
    pid = write_pdfs_in_background(again[:1])
    assert pid is not None
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert again[0].target.read_bytes().startswith(b"%PDF-")


def test_a_login_that_may_not_create_the_demo_database_is_told_what_to_do(db_url: str) -> None:
    from gis.api.roles import with_credentials
    from gis.store.db import demo_url, ensure_database
    from gis.store.errors import ClusterError
    from tests.api.server import drop_role

    role, password = f"kc_nocreate_{os.getpid()}", "kc-test-password"
    admin = admin_connection(db_url)
    with admin.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB PASSWORD %s").format(sql.Identifier(role)),
            (password,),
        )
    admin.close()
    try:
        url = with_credentials(db_url, role, password)
        with pytest.raises(ClusterError, match=r"permission denied.*Ask its administrator"):
            ensure_database(demo_url(url), url)
    finally:
        drop_role(db_url, role)
