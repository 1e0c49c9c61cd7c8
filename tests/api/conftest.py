"""Fixtures of the OGC API tests: the real Lyon buildings in a database and ``kc serve`` on it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from gis.store.db import connect
from tests.databases import fresh_database


@pytest.fixture(scope="session")
def lyon_db(server_url: str, template_db: str) -> Iterator[tuple[str, object]]:
    """A database with the real Lyon buildings at PM18 and PM24, projects and reports."""
    from tests.api.server import load_lyon

    for url in fresh_database(server_url, template_db):
        yield url, load_lyon(url)


@pytest.fixture(scope="session")
def reader_db_url(lyon_db, tmp_path_factory) -> Iterator[str]:
    """The Lyon database as a read-only login role (a test-only role, dropped afterwards)."""
    from gis.api.roles import ensure_login_role, reader_password, with_credentials
    from tests.api.server import drop_role

    url, _ = lyon_db
    role = f"kc_api_test_{os.getpid()}"
    password = reader_password(tmp_path_factory.mktemp("reader"))
    conn = connect(url)
    ensure_login_role(conn, password, role=role)
    conn.close()
    yield with_credentials(url, role, password)
    drop_role(url, role)


@pytest.fixture(scope="session")
def api(lyon_db, reader_db_url, tmp_path_factory) -> Iterator[object]:
    """``kc serve`` running against the Lyon database, with a small 3D Tiles export."""
    from gis.books.build import build_books
    from tests.api.server import start_server, write_tiles

    home = tmp_path_factory.mktemp("kc_home")
    write_tiles(home / "tiles")
    conn = connect(lyon_db[0])
    with conn:
        build_books(conn, home / "books", pdf=False)
    conn.close()
    server = start_server(home, lyon_db[0], reader_db_url)
    yield server
    server.stop()
