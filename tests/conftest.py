"""Fixtures: a real PostGIS (the managed cluster, or KC_DATABASE_URL), one fresh database per test.

Each test gets its own database cloned from a migrated, seeded template, so tests never see each
other's rows and the developer's demo database is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql

from gis.store.cluster import Cluster
from gis.store.db import connect
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import load_settings
from tests.databases import admin_connection, fresh_database, with_database


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
    admin = admin_connection(server_url)
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


@pytest.fixture
def db_url(server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated and seeded database for one test."""
    yield from fresh_database(server_url, template_db)


@pytest.fixture
def empty_db_url(server_url: str) -> Iterator[str]:
    """A fresh database with nothing in it (not even PostGIS), for migration tests."""
    yield from fresh_database(server_url, None)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg2.extensions.connection]:
    connection = connect(db_url)
    yield connection
    connection.close()
