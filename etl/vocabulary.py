"""What the database accepts: cities, measurement points, statuses, thematic fields, challenges.

Values in files are matched to codes case-insensitively, by code or by any of the labels (en, de,
fr), with surrounding spaces ignored: a workbook may say "In Umsetzung" or " in_implementation ".
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2.extensions
import shapely

from etl.problems import Problems


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


def check_point(cur: psycopg2.extensions.cursor, point: str, problems: Problems) -> bool:
    cur.execute("SELECT 1 FROM kc.measurement_point WHERE code = %s", (point,))
    if cur.fetchone():
        return True
    cur.execute("SELECT string_agg(code, ', ' ORDER BY valid_at) FROM kc.measurement_point")
    problems.add("(command line)", "--at", point, f"a measurement point: {cur.fetchone()[0]}")
    return False


def check_city(
    cur: psycopg2.extensions.cursor, city: str, problems: Problems
) -> tuple[bool, shapely.Geometry | None]:
    """Whether ``city`` exists, and its district boundary (for the wrong-CRS check)."""
    cur.execute("SELECT ST_AsBinary(boundary) FROM kc.city WHERE code = %s", (city,))
    row = cur.fetchone()
    if row is None:
        cur.execute("SELECT string_agg(code, ', ' ORDER BY code) FROM kc.city")
        problems.add("(command line)", "--city", city, f"a city: {cur.fetchone()[0]}")
        return False, None
    return True, shapely.from_wkb(bytes(row[0])) if row[0] is not None else None
