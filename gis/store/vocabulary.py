"""The cities and measurement points the database knows: one check each, one error.

Every layer that takes a city or a point from a user (the loaders, the snapshot store, the tiles
export, the books) asks here, so the codes a user is offered, and their order (cities by code,
points by date), are defined once. The SQL functions keep their own guard (``kc.point_date``):
it protects the database from callers that do not come through Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import psycopg2.extensions

from gis.store.errors import UnknownReference

CITY = "city"
POINT = "measurement point"


def city_codes(cur: psycopg2.extensions.cursor) -> list[str]:
    """Every city code, alphabetically."""
    cur.execute("SELECT code FROM kc.city ORDER BY code")
    return [code for (code,) in cur.fetchall()]


def point_dates(cur: psycopg2.extensions.cursor) -> dict[str, dt.date]:
    """Every measurement point and the date it stands for, in time order."""
    cur.execute("SELECT code, valid_at FROM kc.measurement_point ORDER BY valid_at")
    return dict(cur.fetchall())


def require_city(cur: psycopg2.extensions.cursor, code: str) -> bytes | None:
    """The district boundary of city ``code`` as WKB (None when it has none).

    Raises :class:`UnknownReference` listing the known cities when ``code`` is not one of them.
    The boundary comes with the check because the loaders need it (wrong-CRS detection) and it
    costs nothing extra to read.
    """
    cur.execute("SELECT ST_AsBinary(boundary) FROM kc.city WHERE code = %s", (code,))
    row = cur.fetchone()
    if row is None:
        raise UnknownReference(CITY, code, city_codes(cur))
    return None if row[0] is None else bytes(row[0])


def require_points(cur: psycopg2.extensions.cursor, codes: Sequence[str]) -> list[dt.date]:
    """The dates of the measurement points ``codes``, in the same order.

    Raises :class:`UnknownReference` naming every unknown code at once (comma-separated) and
    listing the known points in time order.
    """
    known = point_dates(cur)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise UnknownReference(POINT, ", ".join(unknown), list(known))
    return [known[code] for code in codes]


def require_point(cur: psycopg2.extensions.cursor, code: str) -> dt.date:
    """The date measurement point ``code`` stands for; :class:`UnknownReference` if unknown."""
    (date,) = require_points(cur, [code])
    return date
