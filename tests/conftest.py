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

from gis.cluster import Cluster
from gis.db import connect
from gis.migrations import migrate
from gis.reference import seed
from gis.settings import load_settings

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
