"""Bulk loading with COPY: rows to a table in one round trip, and the loaders' staging tables."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg2.extensions
from psycopg2 import sql

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: object) -> str:
    """One value in COPY text format (``\\N`` for NULL and NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif isinstance(value, list | tuple):
        value = "{" + ",".join(_array_element(v) for v in value) + "}"
    return str(value).translate(_ESCAPES)


def _array_element(value: object) -> str:
    """One element of a PostgreSQL array literal (lists go to array columns, dicts to jsonb)."""
    if value is None:
        return "NULL"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def copy_rows(
    cur: psycopg2.extensions.cursor,
    table: sql.Composable,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> None:
    """COPY ``rows`` into ``table`` (a composed identifier) in one statement.

    Values: None and NaN become NULL, dicts JSON (for jsonb), lists and tuples array literals.
    """
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    cur.copy_expert(statement, buffer)


def stage_temp(
    cur: psycopg2.extensions.cursor,
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[object]],
) -> None:
    """A fresh temp table ``name`` with ``(column, type)`` columns (dropped at commit), filled by COPY.

    The types are constants of the calling module, never user input.
    """
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    cur.execute(
        sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            sql.Identifier(name),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(col), sql.SQL(typ)) for col, typ in columns
            ),
        )
    )
    copy_rows(cur, sql.Identifier(name), [col for col, _ in columns], rows)


@dataclass(frozen=True)
class Stage:
    """A loader's staging table: a temp table with fixed columns, refilled by COPY per load.

    Each loader declares its stage once (name, and ``(column, type)`` pairs in COPY order); the
    columns, the identifier and the filling all come from that one declaration.
    """

    name: str
    schema: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in COPY order."""
        return tuple(column for column, _ in self.schema)

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.name)

    def fill(self, cur: psycopg2.extensions.cursor, rows: Iterable[Sequence[object]]) -> None:
        """A fresh stage (dropped at commit) holding ``rows`` (in ``columns`` order)."""
        stage_temp(cur, self.name, self.schema, rows)

    def create(self, cur: psycopg2.extensions.cursor) -> None:
        """A fresh, empty stage (dropped at commit), for loaders that COPY in batches."""
        stage_temp(cur, self.name, self.schema, ())

    def append(
        self,
        cur: psycopg2.extensions.cursor,
        rows: Iterable[Sequence[object]],
        columns: Sequence[str],
    ) -> None:
        """COPY ``rows`` (values of ``columns``, the others take their defaults) into the stage."""
        copy_rows(cur, self.table, columns, rows)
