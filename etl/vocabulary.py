"""What the database accepts: cities, measurement points, statuses, thematic fields, challenges.

Values in files are matched to codes case-insensitively, by code or by any of the labels (en, de,
fr), with surrounding spaces ignored: a workbook may say "In Umsetzung" or " in_implementation ".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2.extensions
import shapely

from etl.problems import Problems
from gis.store.errors import UnknownReference
from gis.store.vocabulary import require_city, require_point


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of codes and the spellings that map to them."""

    name: str
    codes: tuple[str, ...]
    spellings: dict[str, str]

    def resolve(self, value: object) -> str | None:
        if value is None:
            return None
        return self.spellings.get(normalise(str(value)))

    def expected(self) -> str:
        return f"one of: {', '.join(self.codes)}"


def normalise(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def _vocabulary(cur: psycopg2.extensions.cursor, name: str, query: str) -> Vocabulary:
    cur.execute(query)
    rows = cur.fetchall()
    spellings: dict[str, str] = {}
    for code, label in rows:
        for text in [code, *(label or {}).values()]:
            spellings.setdefault(normalise(text), code)
    return Vocabulary(name, tuple(code for code, _ in rows), spellings)


def statuses(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "status", "SELECT code, label FROM kc.implementation_status ORDER BY sort_order"
    )


def thematic_fields(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "thematic field", "SELECT code, name FROM kc.thematic_field ORDER BY sort_order"
    )


def challenges(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "challenge", "SELECT code, label FROM kc.challenge WHERE controlled ORDER BY code"
    )


@contextmanager
def _as_problem(problems: Problems, option: str) -> Iterator[None]:
    """Turn an unknown city or point given as ``option`` into a row of the problem table.

    The loader goes on validating, so the user sees every problem of the file at once.
    """
    try:
        yield
    except UnknownReference as err:
        problems.add(
            "(command line)", option, err.found, f"a {err.kind}: {', '.join(err.expected)}"
        )


def check_point(cur: psycopg2.extensions.cursor, point: str, problems: Problems) -> None:
    """A problem when ``point`` (``--at``) is not a measurement point."""
    with _as_problem(problems, "--at"):
        require_point(cur, point)


def check_city(
    cur: psycopg2.extensions.cursor, city: str, problems: Problems
) -> shapely.Geometry | None:
    """The district boundary of ``city`` (for the wrong-CRS check); a problem when it is unknown."""
    boundary = None
    with _as_problem(problems, "--city"):
        boundary = require_city(cur, city)
    return None if boundary is None else shapely.from_wkb(boundary)
