"""What the database accepts: cities, measurement points, statuses, thematic fields, challenges.

Values in files are matched to codes case-insensitively, by code or by any of the labels (en, de,
fr), with surrounding spaces ignored: a workbook may say "In Umsetzung" or " in_implementation ".
The vocabularies themselves are read by ``gis.store.report_answers`` (shared with the web
server's writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
import shapely

from etl.problems import Problems
from gis.store.errors import UnknownReference
from gis.store.report_answers import (
    Vocabulary,
    challenges,
    normalise,
    statuses,
    thematic_fields,
)
from gis.store.vocabulary import require_city, require_point

__all__ = [
    "Vocabulary",
    "challenges",
    "check_city",
    "check_point",
    "normalise",
    "statuses",
    "thematic_fields",
]


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
