"""Throw-away databases on the test server: one per test, cloned from a migrated template."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

_counter = itertools.count()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_connection(url: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def fresh_database(server_url: str, template: str | None) -> Iterator[str]:
    name = f"kc_test_{os.getpid()}_{next(_counter)}"
    admin = admin_connection(server_url)
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


def query(url: str, statement, args: tuple | dict = ()) -> list[tuple]:
    """The rows of one statement on the database at ``url`` (its own connection, closed)."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()
