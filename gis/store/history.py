"""A feature's history and the changes between two measurement points, read from the store.

The same SQL as the OGC API's change feeds and version links (``sql/functions/50_history.sql``):
``kc diff`` and ``kc history`` show what a harvester or an analyst sees over HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import KCError, UnknownReference
from gis.store.vocabulary import require_city, require_point

#: The kinds of versioned features: their change function, validity table and identity.
KINDS = {
    "buildings": ("building_changes", "building_validity", "building", "building_id"),
    "projects": ("project_changes", "project_validity", "project", "project_id"),
}
CHANGES = ("new", "changed", "ended")


class HistoryError(KCError, ValueError):
    """A history question that cannot be answered as asked (unknown feature, points reversed)."""


@dataclass(frozen=True)
class Changes:
    """The changes of one kind of feature of one city in ``(since, until]``."""

    kind: str
    city: str
    since: str
    until: str
    known_at: dt.datetime | None
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]  #: in ``columns`` order; ``geom`` as WKB

    def counts(self) -> dict[str, int]:
        """How many features are new, changed and ended (every kind of change, possibly 0)."""
        index = self.columns.index("change")
        found = Counter(row[index] for row in self.rows)
        return {change: found.get(change, 0) for change in CHANGES}

    def corrections(self) -> int:
        index = self.columns.index("correction")
        return sum(1 for row in self.rows if row[index])


def _kind(kind: str) -> tuple[str, str, str, str]:
    try:
        return KINDS[kind]
    except KeyError:
        raise HistoryError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}") from None


def read_changes(
    conn: psycopg2.extensions.connection,
    kind: str,
    city: str,
    since: str,
    until: str,
    known_at: dt.datetime | None = None,
) -> Changes:
    """Every change of ``kind`` in ``city`` at the points after ``since`` up to ``until``.

    As the change feed of the API for ``datetime=<day after since>/<until>`` (and ``known_at``).
    """
    function = _kind(kind)[0]
    with conn.cursor() as cur:
        try:
            require_city(cur, city)
            first, last = require_point(cur, since), require_point(cur, until)
        except UnknownReference as err:
            raise HistoryError(str(err)) from err
        if last <= first:
            raise HistoryError(
                f"{until} ({last}) does not come after {since} ({first}): give the earlier "
                "point first, e.g. kc diff --city lyon PM18 PM24"
            )
        cur.execute(
            sql.SQL(
                "SELECT *, ST_AsBinary(geom) AS wkb FROM kc.{}(%s, %s, %s, %s) "
                "ORDER BY point_date, feature_id"
            ).format(sql.Identifier(function)),
            (first + dt.timedelta(days=1), last, known_at, city),
        )
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    keep = [i for i, name in enumerate(names) if name != "geom"]
    columns = tuple("geom" if names[i] == "wkb" else names[i] for i in keep)
    return Changes(
        kind=kind,
        city=city,
        since=since,
        until=until,
        known_at=known_at,
        columns=columns,
        rows=tuple(tuple(_plain(row[i]) for i in keep) for row in rows),
    )


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


@dataclass(frozen=True)
class ValidityRow:
    """One validity row of a feature: a version over ``[valid_from, valid_to)``, recorded at
    ``recorded_at`` and believed until ``superseded_at`` (None: still believed)."""

    version_id: int
    valid_from: dt.date
    valid_to: dt.date | None
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None
    point: str | None  #: the load's measurement point
    correction: bool  #: recorded by a correction (a second load of a point)
    source: str | None
    written_by: str | None = None  #: the account that wrote it on the web (None: kc load)


def feature_history(
    conn: psycopg2.extensions.connection, kind: str, city: str, feature: str
) -> list[ValidityRow]:
    """Every validity row ever recorded for one feature, in valid-time then recording order.

    ``feature``: a building's source id (or ``city/source id``), a project's code.
    """
    _, validity, identity, key = _kind(kind)
    with conn.cursor() as cur:
        try:
            require_city(cur, city)
        except UnknownReference as err:
            raise HistoryError(str(err)) from err
        if kind == "buildings":
            own = feature.removeprefix(f"{city}/")
            where = sql.SQL("i.city_code = %s AND i.source_id = %s")
        else:
            own = feature
            where = sql.SQL("i.city_code = %s AND i.code = %s")
        cur.execute(
            sql.SQL(
                "SELECT r.version_id, r.valid_from, r.valid_to, r.recorded_at, r.superseded_at, "
                "l.point_code, coalesce(l.is_correction, false), l.source, l.written_by "
                "FROM kc.{identity} i JOIN kc.{validity} r ON r.{key} = i.{key} "
                "LEFT JOIN kc.load_run l ON l.load_id = r.load_id WHERE {where} "
                "ORDER BY r.valid_from, r.recorded_at, r.row_id"
            ).format(
                identity=sql.Identifier(identity),
                validity=sql.Identifier(validity),
                key=sql.Identifier(key),
                where=where,
            ),
            (city, own),
        )
        rows = [ValidityRow(*row) for row in cur.fetchall()]
    if not rows:
        raise HistoryError(f"no {kind[:-1]} {feature!r} in {city!r}")
    return rows


# -- what the Project Books read: the changes of each project between two points -------------
#: The feeds of a project: its report (status, texts, challenges) and its footprint.
PROJECT_FEEDS = ("report_changes", "project_changes")

PROJECT_CHANGES = """
SELECT 'report_changes', f.feature_id, f.change, f.changed_properties, f.correction, f.status,
       o.status, f.challenges,
       ARRAY(SELECT c.challenge_code FROM kc.report_challenge c
              WHERE c.report_id = o.report_id ORDER BY 1)
  FROM kc.report_changes(%(first)s, %(last)s, %(known_at)s) f
  LEFT JOIN kc.report o ON o.report_id = f.previous_version_id
UNION ALL
SELECT 'project_changes', f.feature_id, f.change, f.changed_properties, f.correction, f.status,
       o.status, f.buildings,
       ARRAY(SELECT b.city_code || '/' || b.source_id FROM kc.project_touch t
               JOIN kc.building b ON b.building_id = t.building_id
              WHERE t.version_id = o.version_id ORDER BY 1)
  FROM kc.project_changes(%(first)s, %(last)s, %(known_at)s) f
  LEFT JOIN kc.project_version o ON o.version_id = f.previous_version_id
 ORDER BY 2, 1
"""


@dataclass(frozen=True)
class FeedChange:
    """One change of a project in one of its feeds, with what its previous version said.

    ``items``: the report's challenges (``report_changes``) or the buildings the footprint
    touches, as ``city/source id`` (``project_changes``); ``previous_*``: the same of the
    previous version (None and () for a new one).
    """

    feed: str
    project: str
    change: str
    changed_properties: tuple[str, ...]
    correction: bool
    status: str
    previous_status: str | None
    items: tuple[str, ...]
    previous_items: tuple[str, ...]


def project_changes_between(
    conn: psycopg2.extensions.connection,
    first: dt.date,
    last: dt.date,
    known_at: dt.datetime | None = None,
) -> dict[str, dict[str, FeedChange]]:
    """The changes of every project in ``[first, last]`` as the change feeds ``report_changes``
    and ``project_changes`` serve them: ``{project code: {feed: change}}``.

    One change per project and feed: ``first`` to ``last`` must hold one measurement point.
    """
    with conn.cursor() as cur:
        cur.execute(PROJECT_CHANGES, {"first": first, "last": last, "known_at": known_at})
        rows = cur.fetchall()
    found: dict[str, dict[str, FeedChange]] = {}
    for feed, project, change, names, correction, status, before, items, items_before in rows:
        if feed in found.get(project, {}):
            raise HistoryError(
                f"project {project} changes twice in its {feed} between {first} and {last}: "
                "expected one measurement point in the interval"
            )
        found.setdefault(project, {})[feed] = FeedChange(
            feed, project, change, tuple(names), correction, status, before,
            tuple(items or ()), tuple(items_before or ()),
        )  # fmt: skip
    return found
