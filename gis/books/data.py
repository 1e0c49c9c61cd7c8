"""The database edge of the books: reference vocabularies and projects at points, set-based.

Two queries fetch every project at every requested point (``kc.project_at_point``) and the
footprints of the buildings they touch, one the changes since the previous point from the change
feeds (``gis.store.history``); everything after that is pure Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import psycopg2.extensions

from gis.books.model import SECTIONS, Building, Named, Point, ProjectAtPoint, Reference, Status
from gis.store.errors import KCError
from gis.store.history import FeedChange, project_changes_between


class BooksError(KCError):
    """The books cannot be built (unknown point or language, nothing to build, unwritable folder)."""


def load_reference(conn: psycopg2.extensions.connection) -> Reference:
    """Points, statuses, cities, thematic fields and challenges, in display order."""
    with conn.cursor() as cur:
        cur.execute("SELECT code, valid_at, label FROM kc.measurement_point ORDER BY valid_at")
        points = tuple(Point(code, valid_at, label) for code, valid_at, label in cur.fetchall())
        cur.execute(
            "SELECT code, label, colour, sort_order FROM kc.implementation_status ORDER BY sort_order"
        )
        statuses = {row[0]: Status(*row) for row in cur.fetchall()}
        cur.execute(
            "SELECT code, name, role = 'lighthouse' FROM kc.city "
            "ORDER BY role = 'lighthouse' DESC, code"
        )
        cities = {
            code: Named(code, name, n, lighthouse)
            for n, (code, name, lighthouse) in enumerate(cur.fetchall())
        }
        cur.execute("SELECT code, name, sort_order FROM kc.thematic_field ORDER BY sort_order")
        fields = {code: Named(code, name, order) for code, name, order in cur.fetchall()}
        cur.execute(
            "SELECT code, label, controlled FROM kc.challenge ORDER BY NOT controlled, code"
        )
        challenges = {
            code: Named(code, label, n, controlled)
            for n, (code, label, controlled) in enumerate(cur.fetchall())
        }
    return Reference(points, statuses, cities, fields, challenges)


PROJECTS_AT_POINTS = """
SELECT pt, a.project_id, a.code, a.city_code, a.thematic_field, a.title, a.status,
       a.status_source, a.progress, a.version_id, ST_AsBinary(a.footprint), a.attributes,
       a.report_id, a.reported_on, a.challenges,
       -- in the order of model.SECTIONS
       a.objectives, a.partners, a.drivers, a.barriers, a.corrective_actions, a.risks,
       a.lessons_learned
  FROM unnest(%(points)s::text[]) AS pt, LATERAL kc.project_at_point(pt) a
 ORDER BY pt, a.city_code, a.code
"""

TOUCHED_BUILDINGS = """
SELECT pt, a.project_id, b.building_id, b.source_id, ST_AsBinary(b.footprint)
  FROM unnest(%(points)s::text[]) AS pt,
       LATERAL kc.project_at_point(pt) a,
       LATERAL kc.building_state(kc.point_date(pt)) b
 WHERE b.building_id = ANY (a.building_ids)
 ORDER BY pt, a.project_id, b.source_id
"""


def load_projects(
    conn: psycopg2.extensions.connection, points: list[str]
) -> dict[str, list[ProjectAtPoint]]:
    """Every project at each of ``points`` (the currently believed state), by point code."""
    with conn.cursor() as cur:
        cur.execute(TOUCHED_BUILDINGS, {"points": points})
        touched: dict[tuple[str, int], list[Building]] = defaultdict(list)
        for pt, project_id, building_id, source_id, wkb in cur.fetchall():
            touched[(pt, project_id)].append(Building(building_id, source_id, bytes(wkb)))
        cur.execute(PROJECTS_AT_POINTS, {"points": points})
        result: dict[str, list[ProjectAtPoint]] = {p: [] for p in points}
        for row in cur.fetchall():
            pt, project_id, code, city, field, title, status, source, progress = row[:9]
            version_id, wkb, attributes, report_id, reported_on, challenges = row[9:15]
            result[pt].append(
                ProjectAtPoint(
                    project_id=project_id,
                    code=code,
                    city=city,
                    field=field,
                    title=title,
                    status=status,
                    status_source=source,
                    progress=float(progress) if progress is not None else None,
                    version_id=version_id,
                    footprint_wkb=bytes(wkb) if wkb is not None else None,
                    attributes=attributes or {},
                    buildings=tuple(touched.get((pt, project_id), ())),
                    report_id=report_id,
                    sections=dict(zip(SECTIONS, row[15:], strict=True)),
                    reported_on=reported_on,
                    challenges=tuple(challenges or ()),
                )
            )
    return result


MATRIX = """
SELECT challenge_code, label, controlled, city_code, thematic_field, report_ids, project_codes,
       city_count, field_count, shared, new_since_previous, new_in_city, previous_point
  FROM kc.challenge_matrix(%s)
"""


def load_matrix_rows(conn: psycopg2.extensions.connection, point: str) -> list[tuple]:
    """The rows of ``kc.challenge_matrix(point)`` as tuples, in the function's order."""
    with conn.cursor() as cur:
        cur.execute(MATRIX, (point,))
        return cur.fetchall()


def load_feeds(
    conn: psycopg2.extensions.connection, ref: Reference, point: str
) -> dict[str, dict[str, FeedChange]]:
    """The changes since the previous point from the change feeds (report and footprint), by
    project code: ``(previous point, point]``, as a harvester asks ``datetime`` for it. Empty
    at the first point."""
    previous = ref.previous(point)
    if previous is None:
        return {}
    first = previous.valid_at + dt.timedelta(days=1)
    return project_changes_between(conn, first, ref.point(point).valid_at)
