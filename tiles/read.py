"""The database edge of the export: what it reads of PostGIS, and nothing else.

``read_layout`` is the light query the tiling is decided from (one row of numbers per building
version: box, height, at which points it is valid); ``read_rows`` reads the full rows of a few
thousand versions at a time, in the worker that draws them, so no process holds a whole city.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import shapely

from gis.store.vocabulary import city_codes, point_dates, require_city, require_point
from tiles.features import Buildings
from tiles.layout import Layout
from tiles.metadata import ProjectTouch

#: PostgreSQL's JIT compiles these queries for ~180 ms each and saves nothing on them (measured
#: on 4,000 rows: 229 ms with, 45 ms without): the export reads with it off.
NO_JIT = "SET LOCAL jit = off"


def read_points(cur, point: str | None) -> list[tuple[str, dt.date]]:
    """Every measurement point with its date, or only ``point`` (UnknownReference if unknown)."""
    if point is None:
        return list(point_dates(cur).items())
    return [(point, require_point(cur, point))]


def read_cities(cur, city: str | None) -> list[str]:
    """Every city code, or only ``city`` (UnknownReference if unknown)."""
    if city is None:
        return city_codes(cur)
    require_city(cur, city)
    return [city]


#: What the exporter reads of each building version (``read_rows``; ``read_fingerprints``
#: digests the same expressions).
#: A city model's (typed surfaces, ``lod`` > 0) geom_3d is read whole, holes kept
#: (``tiles.surfaces``); any other geom_3d as the outer rings of its polygons.
BUILDING_COLUMNS = """version_id, building_id, source_id, valid_from, valid_to, height,
    height_estimated, storeys, base_elevation, ST_AsBinary(footprint),
    CASE WHEN geom_3d IS NULL OR surface_types IS NOT NULL THEN NULL ELSE
         (SELECT ST_AsBinary(ST_Collect(ST_MakePolygon(ST_ExteriorRing(d.geom)) ORDER BY d.path))
            FROM ST_Dump(geom_3d) d) END,
    lod, CASE WHEN surface_types IS NOT NULL THEN ST_AsBinary(geom_3d) END, surface_types,
    ellipsoid_offset, coalesce(source_attributes->>'roofType',
        (SELECT string_agg(DISTINCT p->>'roofType', ',')
           FROM jsonb_array_elements(source_attributes->'parts') p))"""
#: What it reads of the projects touching them (``read_touches``, ``read_fingerprints``).
#: The building versions with ids ``%(ids)s`` as currently believed (as ``kc.building_state``).
VERSIONS_BY_ID = """(SELECT v.version_id, v.building_id, b.source_id, r.valid_from, r.valid_to,
           v.height, v.height_estimated, v.storeys, v.base_elevation, v.footprint, v.geom_3d,
           v.lod, v.surface_types, v.ellipsoid_offset, v.source_attributes
      FROM kc.building_version v
      JOIN kc.building_validity r ON r.version_id = v.version_id AND r.superseded_at IS NULL
      JOIN kc.building b ON b.building_id = v.building_id
     WHERE v.version_id = ANY(%(ids)s)) q"""
TOUCH_COLUMNS = "p.code, p.status, p.thematic_field, s.sort_order, p.building_ids"
TOUCH_FROM = "kc.project_state(%(at)s) p JOIN kc.implementation_status s ON s.code = p.status"


#: Rows of the layout query fetched at a time.
LAYOUT_CHUNK = 50_000


#: Where a version's ground is drawn (m above the ellipsoid): 0, except a city model with
#: ``heights`` "true" and a known datum, at its lowest z + ellipsoid_offset (``tiles.placement``).
#: ``%(true)s``: whether heights is "true".
GROUND = """CASE WHEN %(true)s AND s.surface_types IS NOT NULL AND s.ellipsoid_offset IS NOT NULL
                 THEN ST_ZMin(s.geom_3d) + s.ellipsoid_offset ELSE 0 END"""
#: The lowest and highest point of a version above its drawn ground (m): a city model's
#: surfaces stand on their lowest z, another 3D geometry on its base elevation, a footprint is
#: extruded from 0 to its height.
BOTTOM = """CASE WHEN s.geom_3d IS NULL OR s.surface_types IS NOT NULL THEN 0
                 ELSE ST_ZMin(s.geom_3d) - coalesce(s.base_elevation, ST_ZMin(s.geom_3d)) END"""
TOP = """CASE WHEN s.geom_3d IS NULL THEN s.height
              WHEN s.surface_types IS NOT NULL THEN ST_ZMax(s.geom_3d) - ST_ZMin(s.geom_3d)
              ELSE ST_ZMax(s.geom_3d) - coalesce(s.base_elevation, ST_ZMin(s.geom_3d)) END"""


def read_layout(cur, city: str, dates: Sequence[dt.date], heights: str = "ground") -> Layout:
    """The versions of ``city`` valid at any of ``dates``, ordered by version id: the numbers
    the tiling needs (box in degrees, the height its ground is drawn at, lowest and highest
    point above the ellipsoid as drawn, footprint area in square degrees) and, as a bit mask,
    at which of the dates each one is valid."""
    # A server-side cursor read in chunks: a city's rows as Python tuples would be the
    # export's largest allocation (1.3 million rows: ~0.5 GB).
    named = cur.connection.cursor(name="kc_tiles_layout")
    named.itersize = LAYOUT_CHUNK
    named.execute(
        f"""SELECT s.version_id, min(s.building_id),
                  min(ST_XMin(g)), min(ST_YMin(g)), max(ST_XMax(g)), max(ST_YMax(g)),
                  min(z.ground + z.bottom), max(z.ground + z.top),
                  min(ST_Area(s.footprint)),
                  sum(1::bigint << (p.i - 1)::int),
                  min(z.ground)
             FROM unnest(%(dates)s::date[]) WITH ORDINALITY AS p(at, i)
            CROSS JOIN LATERAL kc.building_state(p.at) s
            CROSS JOIN LATERAL coalesce(s.geom_3d, s.footprint) AS g
            CROSS JOIN LATERAL (SELECT {GROUND} AS ground, {BOTTOM} AS bottom, {TOP} AS top) z
            WHERE s.city_code = %(city)s
            GROUP BY s.version_id
            ORDER BY s.version_id""",  # noqa: S608 - constants
        {"dates": list(dates), "city": city, "true": heights == "true"},
    )
    chunks = []
    while rows := named.fetchmany(LAYOUT_CHUNK):
        chunks.append(np.array(rows, dtype=np.float64))
    named.close()
    a = np.concatenate(chunks) if chunks else np.zeros((0, 11))
    return Layout(
        version_id=a[:, 0].astype(np.int64),
        building_id=a[:, 1].astype(np.int64),
        box=a[:, 2:6],
        bottom=a[:, 6],
        top=a[:, 7],
        area=a[:, 8],
        member=a[:, 9].astype(np.int64),
        ground=a[:, 10],
    )


def read_rows(cur, version_ids: Sequence[int], heights: str = "ground") -> Buildings:
    """The full rows of these building versions, ordered by version id; ``heights`` as in
    :class:`tiles.features.Buildings`."""
    cur.execute(
        f"SELECT {BUILDING_COLUMNS} FROM {VERSIONS_BY_ID} ORDER BY version_id",  # noqa: S608
        {"ids": list(map(int, version_ids))},
    )
    rows = cur.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(16)]
    surfaces = [None if g is None else shapely.from_wkb(bytes(g)) for g in cols[12]]
    return Buildings(
        version_id=list(cols[0]),
        building_id=list(cols[1]),
        source_id=list(cols[2]),
        valid_from=list(cols[3]),
        valid_to=list(cols[4]),
        height=list(cols[5]),
        height_estimated=list(cols[6]),
        storeys=list(cols[7]),
        base_elevation=list(cols[8]),
        footprint=list(shapely.from_wkb([bytes(g) for g in cols[9]])) if rows else [],
        geom_3d=[
            typed if g is None else shapely.from_wkb(bytes(g))
            for g, typed in zip(cols[10], surfaces, strict=True)
        ],
        lod=list(cols[11]),
        surfaces=surfaces,
        surface_types=list(cols[13]),
        ellipsoid_offset=list(cols[14]),
        roof_type=list(cols[15]),
        heights=heights,
    )


def read_touches(cur, city: str, at: dt.date) -> dict[int, list[ProjectTouch]]:
    """``{building_id: [projects touching it at at]}``."""
    cur.execute(
        f"SELECT {TOUCH_COLUMNS} FROM {TOUCH_FROM} "  # noqa: S608 - constants
        "WHERE p.city_code = %(city)s ORDER BY p.code",
        {"at": at, "city": city},
    )
    touches: dict[int, list[ProjectTouch]] = {}
    for code, status, field, rank, ids in cur.fetchall():
        for building_id in ids:
            touches.setdefault(building_id, []).append(ProjectTouch(code, status, field, rank))
    return touches


def read_fingerprints(cur, cities: Sequence[str], at: dt.date) -> dict[str, tuple]:
    """For each city with buildings valid at ``at``: how many, and digests (md5) of what
    ``read_rows`` and ``read_touches`` would read. One query for all cities, nothing
    transferred but the digests: what decides whether a published tileset can be kept.

    The buildings' digest is over each row's identity and ``xmin`` (the transaction that last
    wrote it: any change of a row changes it) instead of the rows' text: the same answer for
    a sixth of the time (0.2 s instead of 1.3 s for 100,000 buildings).
    """
    cur.execute(
        f"""SELECT b.city_code, b.n, b.digest, t.digest
              FROM (SELECT k.city_code, count(*) AS n,
                           md5(string_agg(concat_ws(',', r.version_id, r.row_id, r.valid_to,
                                                    r.xmin::text, v.xmin::text, k.xmin::text),
                                          E'\n' ORDER BY r.version_id)) AS digest
                      FROM kc.building_validity r
                      JOIN kc.building_version v ON v.version_id = r.version_id
                      JOIN kc.building k ON k.building_id = r.building_id
                     WHERE r.superseded_at IS NULL AND r.valid_from <= %(at)s
                       AND (r.valid_to IS NULL OR r.valid_to > %(at)s)
                       AND k.city_code = ANY(%(cities)s)
                     GROUP BY k.city_code) b
              LEFT JOIN (SELECT q.city_code,
                                md5(string_agg(q::text, E'\n' ORDER BY q.code)) AS digest
                           FROM (SELECT p.city_code, {TOUCH_COLUMNS} FROM {TOUCH_FROM}
                                  WHERE p.city_code = ANY(%(cities)s)) q
                          GROUP BY q.city_code) t USING (city_code)""",  # noqa: S608 - constants
        {"at": at, "cities": list(cities)},
    )
    return {city: (n, buildings, touches) for city, n, buildings, touches in cur.fetchall()}


def read_palette(cur) -> dict[str, str]:
    cur.execute("SELECT code, colour FROM kc.implementation_status ORDER BY code")
    return dict(cur.fetchall())
