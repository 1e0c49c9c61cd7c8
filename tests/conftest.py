"""Fixtures: a real PostGIS (the managed cluster, or KC_DATABASE_URL), one fresh database per test.

Each test gets its own database cloned from a migrated, seeded template, so tests never see each
other's rows and the developer's demo database is never touched.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import sql

from gis.store.cluster import Cluster
from gis.store.db import connect
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import load_settings

_counter = itertools.count()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(url: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of a database on the server the tests use (it must allow CREATE DATABASE)."""
    settings = load_settings()
    if settings.database_url:
        return settings.database_url
    return Cluster(settings).start().url()


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    name = f"kc_test_template_{os.getpid()}"
    admin = _admin(server_url)
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn = connect(with_database(server_url, name))
    migrate(conn)
    seed(conn)
    conn.close()
    yield name
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


def _fresh_database(server_url: str, template: str | None) -> Iterator[str]:
    name = f"kc_test_{os.getpid()}_{next(_counter)}"
    admin = _admin(server_url)
    with admin.cursor() as cur:
        statement = "CREATE DATABASE {}" + (" TEMPLATE {}" if template else "")
        idents = [sql.Identifier(name)] + ([sql.Identifier(template)] if template else [])
        cur.execute(sql.SQL(statement).format(*idents))
    try:
        yield with_database(server_url, name)
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.fixture
def db_url(server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated and seeded database for one test."""
    yield from _fresh_database(server_url, template_db)


@pytest.fixture
def empty_db_url(server_url: str) -> Iterator[str]:
    """A fresh database with nothing in it (not even PostGIS), for migration tests."""
    yield from _fresh_database(server_url, None)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg2.extensions.connection]:
    connection = connect(db_url)
    yield connection
    connection.close()


# -- OGC API server (tests/test_server_*.py) ------------------------------------------------------
@pytest.fixture(scope="session")
def lyon_db(server_url: str, template_db: str) -> Iterator[tuple[str, object]]:
    """A database with the real Lyon buildings at PM18 and PM24, projects and reports."""
    from tests.api.server import load_lyon

    for url in _fresh_database(server_url, template_db):
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
