"""Implementation-project snapshots: footprints and status per point, and the buildings they touch.

The identity (code, city, thematic field, titles) is upserted; footprint, status, attributes and
touched buildings are versioned with the same timeline rewrite as buildings. The touched buildings
are part of a version's content: either the explicit list of building source ids given with the
project, or every building of the city, valid at the point, whose footprint intersects the
project's footprint (so load buildings before projects for a point).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import SnapshotError
from gis.store.staging import Stage
from gis.store.versioning import PROJECTS, SnapshotSummary, apply_snapshot, snapshot_date

HASHED = "_kc_stg_project"

#: Columns of a staged project, in COPY order, with their types. ``footprint`` is hex EWKB or
#: EWKT in EPSG:4326, ``title`` and ``attributes`` JSON objects, ``building_refs`` a list of
#: building source ids, or None to derive the touched buildings by intersection.
STAGE = Stage(
    "_kc_stage_project",
    (
        ("code", "text NOT NULL"),
        ("thematic_field", "text NOT NULL"),
        ("title", "jsonb NOT NULL"),
        ("footprint", "geometry(Geometry, 4326) NOT NULL"),
        ("status", "text NOT NULL"),
        ("attributes", "jsonb NOT NULL DEFAULT '{}'"),
        ("source_crs", "text NOT NULL"),
        ("building_refs", "text[]"),
    ),
)
STAGE_COLUMNS = STAGE.columns
#: COPY rows (in ``STAGE_COLUMNS`` order) into a fresh stage.
stage_rows = STAGE.fill

CONTENT_HASH = """sha256(
    ST_AsEWKB(ST_SnapToGrid(s.footprint, 1e-9))
    || convert_to(jsonb_build_array(s.status, s.attributes, s.source_crs, s.touched)::text, 'UTF8'))"""


def _refuse(
    cur: psycopg2.extensions.cursor, query: sql.Composable, params: tuple, what: str
) -> None:
    cur.execute(query, params)
    found = [", ".join(map(str, r)) for r in cur.fetchall()]
    if found:
        raise SnapshotError(f"{what}: {'; '.join(found)}")


def apply_staged(
    conn: psycopg2.extensions.connection,
    city: str,
    point: str,
    *,
    source: str,
    source_sha256: str | None = None,
    only: Sequence[str] | None = None,
    written_by: str | None = None,
) -> SnapshotSummary:
    """Apply the staged projects as the snapshot of ``city`` at ``point`` (caller's transaction).

    ``only`` (project codes, which must exist or be staged): a snapshot of those projects alone,
    see :func:`gis.store.versioning.apply_snapshot`; ``written_by``: the account that wrote it.
    """
    cur = conn.cursor()
    t = snapshot_date(cur, city, point)
    ids = {"stage": STAGE.table, "hashed": sql.Identifier(HASHED)}
    _refuse(
        cur,
        sql.SQL(
            "SELECT code FROM {stage} GROUP BY code HAVING count(*) > 1 ORDER BY code LIMIT 10"
        ).format(**ids),
        (),
        "duplicate project codes in one snapshot",
    )
    _refuse(
        cur,
        sql.SQL(
            "SELECT s.code, p.city_code FROM {stage} s JOIN kc.project p USING (code) "
            "WHERE p.city_code <> %s ORDER BY s.code LIMIT 10"
        ).format(**ids),
        (city,),
        f"project codes that belong to another city than {city!r}",
    )
    _refuse(
        cur,
        sql.SQL(
            "SELECT s.code, r.ref FROM {stage} s, unnest(s.building_refs) AS r(ref) "
            "WHERE NOT EXISTS (SELECT 1 FROM kc.building b WHERE b.city_code = %s "
            "AND b.source_id = r.ref) ORDER BY 1, 2 LIMIT 10"
        ).format(**ids),
        (city,),
        f"unknown building ids (not loaded for {city!r})",
    )
    cur.execute(
        sql.SQL(
            """INSERT INTO kc.project AS p (code, city_code, thematic_field, title)
               SELECT code, %s, thematic_field, title FROM {stage}
               ON CONFLICT (code) DO UPDATE
                  SET thematic_field = EXCLUDED.thematic_field, title = EXCLUDED.title
                WHERE (p.thematic_field, p.title) IS DISTINCT FROM
                      (EXCLUDED.thematic_field, EXCLUDED.title)"""
        ).format(**ids),
        (city,),
    )
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {hashed}").format(**ids))
    cur.execute(
        sql.SQL(
            """CREATE TEMP TABLE {hashed} ON COMMIT DROP AS
               WITH touched AS (
                   SELECT s.*, CASE
                       WHEN s.building_refs IS NOT NULL THEN ARRAY(
                           SELECT b.building_id FROM kc.building b
                            WHERE b.city_code = %(city)s AND b.source_id = ANY (s.building_refs)
                            ORDER BY b.building_id)
                       ELSE ARRAY(
                           SELECT b.building_id FROM kc.building_state(%(t)s) b
                            WHERE b.city_code = %(city)s AND ST_Intersects(b.footprint, s.footprint)
                            ORDER BY b.building_id)
                       END AS touched
                     FROM {stage} s
               )
               SELECT p.project_id, {content_hash} AS content_hash, s.*
                 FROM touched s JOIN kc.project p USING (code)"""
        ).format(content_hash=sql.SQL(CONTENT_HASH), **ids),
        {"city": city, "t": t},
    )
    only_ids = None
    if only is not None:
        cur.execute("SELECT project_id FROM kc.project WHERE code = ANY (%s)", (list(only),))
        only_ids = [pid for (pid,) in cur.fetchall()]
    applied = apply_snapshot(
        conn,
        PROJECTS,
        city,
        point,
        HASHED,
        source=source,
        source_sha256=source_sha256,
        only=only_ids,
        written_by=written_by,
    )
    _record_touches(cur, applied.segments)
    return applied.summary


def _record_touches(cur: psycopg2.extensions.cursor, segments: sql.Identifier) -> None:
    """The buildings each new project version touches: staged, or those of the version it copies.

    Touched buildings are content the generic rewrite does not know about, so they are filled in
    from the rewrite's ``segments`` (see :class:`gis.store.versioning.AppliedSnapshot`).
    """
    ids = {"segments": segments, "hashed": sql.Identifier(HASHED)}
    cur.execute(
        sql.SQL(
            """INSERT INTO kc.project_touch (version_id, building_id)
               SELECT g.version_id, unnest(h.touched) FROM {segments} g
                 JOIN {hashed} h ON h.project_id = g.ident
                WHERE g.new_version AND g.staged"""
        ).format(**ids)
    )
    cur.execute(
        sql.SQL(
            """INSERT INTO kc.project_touch (version_id, building_id)
               SELECT g.version_id, t.building_id FROM {segments} g
                 JOIN kc.project_touch t ON t.version_id = g.copy_of
                WHERE g.new_version AND NOT g.staged"""
        ).format(**ids)
    )
