"""Building snapshots: stage rows with COPY, resolve identities, apply with the timeline rewrite."""

from __future__ import annotations

import datetime as dt

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import SnapshotError
from gis.store.staging import Stage
from gis.store.versioning import BUILDINGS, SnapshotSummary, apply_snapshot, snapshot_date

HASHED = "_kc_stg_building"

#: A staged building, columns in COPY order. ``footprint`` and ``geom_3d`` are hex EWKB or EWKT
#: in EPSG:4326; ``source_attributes`` a JSON object.
STAGE = Stage(
    "_kc_stage_building",
    (
        ("source_id", "text NOT NULL"),
        ("footprint", "geometry(MultiPolygon, 4326) NOT NULL"),
        ("height", "double precision NOT NULL"),
        ("height_estimated", "boolean NOT NULL DEFAULT false"),
        ("storeys", "integer"),
        ("base_elevation", "double precision"),
        ("geom_3d", "geometry(GeometryZ, 4326)"),
        ("source_crs", "text NOT NULL"),
        ("source_attributes", "jsonb NOT NULL DEFAULT '{}'"),
        # City models only (footprint loads leave them to their defaults):
        ("lod", "smallint NOT NULL DEFAULT 0"),
        ("surface_types", "text[]"),
        ("surface_parts", "smallint[]"),
        ("vertical_datum", "text"),
        ("ellipsoid_offset", "double precision"),
        ("geoid", "text"),
    ),
)
STAGE_COLUMNS = STAGE.columns
#: The columns a footprint load stages (the rest keep their defaults).
FOOTPRINT_COLUMNS = STAGE_COLUMNS[:9]


def stage_rows(cur: psycopg2.extensions.cursor, rows) -> None:
    """COPY footprint rows (in ``FOOTPRINT_COLUMNS`` order) into a fresh stage."""
    STAGE.create(cur)
    STAGE.append(cur, rows, FOOTPRINT_COLUMNS)


def stage_model_rows(cur: psycopg2.extensions.cursor, rows, *, first: bool) -> None:
    """COPY city-model rows (all ``STAGE_COLUMNS``) into the stage; ``first`` starts a fresh one.

    Called once per batch of buildings, so a large model is never held whole in memory.
    """
    if first:
        STAGE.create(cur)
    STAGE.append(cur, rows, STAGE_COLUMNS)


# Coordinates are snapped to 1e-9 degrees (about 0.1 mm) for the comparison only, so that the
# same file reprojected again compares equal; the stored geometry is not rounded.
CONTENT_HASH = """sha256(
    ST_AsEWKB(ST_SnapToGrid(s.footprint, 1e-9))
    || convert_to(jsonb_build_array(s.height, s.height_estimated, s.storeys, s.base_elevation,
                                    s.source_crs, s.source_attributes)::text, 'UTF8')
    || coalesce(ST_AsEWKB(ST_SnapToGrid(s.geom_3d, 1e-9)), ''::bytea)
    || CASE WHEN s.geom_3d IS NULL AND s.lod = 0 THEN ''::bytea
            ELSE convert_to(jsonb_build_array(s.lod, s.surface_types, s.surface_parts,
                                              s.vertical_datum, s.ellipsoid_offset, s.geoid
                                              )::text, 'UTF8') END)"""
# The city-model columns enter the hash only when a version has a 3D geometry, so footprint
# versions keep the hash they were stored with before those columns existed.


def apply_staged(
    conn: psycopg2.extensions.connection,
    city: str,
    point: str,
    *,
    source: str,
    source_sha256: str | None = None,
) -> SnapshotSummary:
    """Apply the staged buildings as the snapshot of ``city`` at ``point`` (caller's transaction)."""
    cur = conn.cursor()
    snapshot_date(cur, city, point)  # refuse an unknown city or point before adding identities
    stage = STAGE.table
    cur.execute(
        sql.SQL("SELECT source_id FROM {} GROUP BY source_id HAVING count(*) > 1 LIMIT 5").format(
            stage
        )
    )
    duplicates = [r[0] for r in cur.fetchall()]
    if duplicates:
        raise SnapshotError(f"duplicate building ids in one snapshot: {', '.join(duplicates)}")
    cur.execute(
        sql.SQL(
            "INSERT INTO kc.building (city_code, source_id) SELECT %s, source_id FROM {} "
            "ON CONFLICT (city_code, source_id) DO NOTHING"
        ).format(stage),
        (city,),
    )
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(HASHED)))
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {hashed} ON COMMIT DROP AS "
            "SELECT b.building_id, {content_hash} AS content_hash, s.* "
            "FROM {stage} s JOIN kc.building b ON b.city_code = %s AND b.source_id = s.source_id"
        ).format(hashed=sql.Identifier(HASHED), stage=stage, content_hash=sql.SQL(CONTENT_HASH)),
        (city,),
    )
    applied = apply_snapshot(
        conn, BUILDINGS, city, point, HASHED, source=source, source_sha256=source_sha256
    )
    return applied.summary


def state_at(
    conn: psycopg2.extensions.connection,
    at: dt.date,
    *,
    city: str | None = None,
    known_at: dt.datetime | None = None,
) -> dict[str, tuple]:
    """``{source_id: (version_id, height, valid_from, valid_to)}`` of the buildings valid at ``at``."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT source_id, version_id, height, valid_from, valid_to "
            "FROM kc.building_state(%s, %s) WHERE %s::text IS NULL OR city_code = %s",
            (at, known_at, city, city),
        )
        return {r[0]: tuple(r[1:]) for r in cur.fetchall()}
