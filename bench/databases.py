"""A throw-away database for a benchmark: created fresh, migrated and seeded, dropped after.

On the managed cluster (started if needed) or on the server of ``KC_DATABASE_URL``. Every bench
that needs its own database uses :func:`fresh_database`, so none of them leaves one behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg2
from psycopg2 import sql

from gis.store.cluster import Cluster
from gis.store.db import connect, with_database
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import load_settings


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    url: str

    def conninfo(self) -> str:
        """The libpq key/value form (for tools that take no URL, e.g. ``py3dtiles -D``)."""
        parts = urlsplit(self.url)
        return (
            f"dbname={self.name} host={parts.hostname} port={parts.port or 5432} "
            f"user={parts.username} password={parts.password}"
        )


def server_url() -> str:
    """KC_DATABASE_URL, else the managed cluster's (started if it is not running)."""
    settings = load_settings()
    return settings.database_url or Cluster(settings).start().url()


def _drop(server: str, name: str, *, create: bool) -> None:
    admin = psycopg2.connect(server)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if create:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


@contextmanager
def fresh_database(name: str, server: str | None = None) -> Iterator[BenchDatabase]:
    """Database ``name`` made anew (migrated, reference data seeded) and dropped on exit."""
    server = server or server_url()
    _drop(server, name, create=True)
    url = with_database(server, name)
    try:
        conn = connect(url)
        try:
            migrate(conn)
            seed(conn)
        finally:
            conn.close()
        yield BenchDatabase(name, url)
    finally:
        _drop(server, name, create=False)
