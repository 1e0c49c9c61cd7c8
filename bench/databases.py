"""A throw-away database for a benchmark: created fresh, migrated and seeded, dropped after.

On the managed cluster (started if needed) or on the server of ``KC_DATABASE_URL``. Every bench
that needs its own database uses :func:`fresh_database`, so none of them leaves one behind
unless asked to keep it (``--keep``), and a kept one is used again only when the bench says it
is loaded (``--reuse``): loading 100,000 buildings takes longer than many a measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    #: a database kept by an earlier run and found loaded: the bench does not load it again
    reused: bool = False

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


def _exists(server: str, name: str) -> bool:
    admin = psycopg2.connect(server)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cur.fetchone() is not None
    finally:
        admin.close()


@contextmanager
def fresh_database(
    name: str,
    server: str | None = None,
    *,
    keep: bool = False,
    reuse: Callable[[str], object] | None = None,
) -> Iterator[BenchDatabase]:
    """Database ``name`` made anew (migrated, reference data seeded) and dropped on exit.

    ``keep``: left in place on exit, for a later run. ``reuse(url)``: whether a database of
    that name left by an earlier run is loaded as the bench needs; if so it is used as it is
    (``reused``), only migrated to the current code.
    """
    server = server or server_url()
    url = with_database(server, name)
    reused = reuse is not None and _exists(server, name) and bool(reuse(url))
    if not reused:
        _drop(server, name, create=True)
    try:
        conn = connect(url)
        try:
            migrate(conn)
            seed(conn)
        finally:
            conn.close()
        yield BenchDatabase(name, url, reused)
    finally:
        if not keep:
            _drop(server, name, create=False)
