"""A page's statement compiled once per shape and run on the pooled DBAPI connection (issue 15).

Building a page's SQLAlchemy statement (CTEs, column proxies), finding it in SQLAlchemy's
compiled cache (its cache key walks the whole tree) and running it through ``Connection`` cost
about half the Python a bbox request spent (py-spy on a gunicorn worker under wrk, 105,952
versions). Yet requests of one shape differ only in the values they bind: a bbox's corners, a
date. So the statement of a shape is built and compiled once per process, and a request runs
its SQL text with its own values on a pooled psycopg2 connection.

A shape is what the text depends on (the caller's ``key``) and the texts of the filters.
Only filters written as SQL text with bound values (``gis.api.provider.bound_sql``) have a
shape; any other filter (CQL, a property filter: trees of column expressions) goes the
ordinary way, as does anything that fails here (the ordinary way raises what it should, and
retries a connection the server dropped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from psycopg2 import Error as DBAPIError
from psycopg2.errors import QueryCanceled
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause

#: How many shapes a process keeps (a shape is a few kilobytes of SQL text).
MAX_SHAPES = 256

_LOCK = threading.Lock()
_COMPILED: dict[tuple, tuple[str, dict]] = {}


def filter_shape(where: Sequence) -> tuple[tuple[str, ...], dict] | None:
    """The texts of ``where``'s filters and their bound values, or None when a filter is not
    SQL text (it has no shape)."""
    texts, values = [], {}
    for clause in where:
        if not isinstance(clause, TextClause):
            return None
        texts.append(clause.text)
        # SQLAlchemy keeps a text's bound parameters here (``TextClause.bindparams``).
        values.update((name, bind.value) for name, bind in clause._bindparams.items())
    return tuple(texts), values


def compiled(engine: Engine, key: tuple, build: Callable[[], object], values: dict):
    """(SQL text, parameters) of the statement ``build`` makes for shape ``key``, compiled on
    the first request of the shape; None when its parameters are not ``values`` and constants
    (then the shape is not kept)."""
    found = _COMPILED.get(key)
    if found is None:
        statement = build().compile(dialect=engine.dialect)
        params = dict(statement.params)
        if statement.positiontup is not None or not set(values) <= set(params):
            return None
        found = (statement.string, params)
        with _LOCK:
            if len(_COMPILED) >= MAX_SHAPES:
                _COMPILED.clear()
            _COMPILED[key] = found
    sql, constants = found
    return sql, {**constants, **values}


def fetch(engine: Engine, sql: str, params: dict) -> list | None:
    """The rows of ``sql`` on a pooled DBAPI connection, or None when that failed (the caller
    runs the statement the ordinary way, which reports the error or retries); a timeout is
    raised as it is (``gis.api.errors`` tells it from an unavailable database)."""
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    except QueryCanceled:  # a timeout: running it again the ordinary way would double it
        raw.close()
        raise
    except DBAPIError:
        raw.invalidate()  # closed and dropped from the pool: the next checkout connects anew
        return None
    raw.close()  # back to the pool
    return rows
