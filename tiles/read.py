"""The database edge of the export: what it reads of PostGIS, and nothing else.

``read_layout`` is the light query the tiling is decided from (one row of numbers per building
version: box, height, at which points it is valid); ``read_rows`` reads the full rows of a few
thousand versions at a time, in the worker that draws them, so no process holds a whole city.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
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
        CASE WHEN source_attributes ? 'parts' THEN
            (SELECT string_agg(DISTINCT p->>'roofType', ',')
               FROM jsonb_array_elements(source_attributes->'parts') p) END)"""
#: What it reads of the projects touching them (``read_touches``, ``read_fingerprints``).
#: The building versions with ids ``%(ids)s``, valid from day ``%(from)s`` to day ``%(to)s``
#: (days since 1970-01-01, -1: open; as ``read_layout`` read them). Looked up by id one by one
#: (``LIMIT 1`` keeps the planner from flattening the lookup into a join): as joins, the planner
#: scanned a city's validity rows, or its versions up to the last id asked for, for every task
#: (O(n) per task: 17-34 ms a task at 100,000 buildings, ten times more at 1,000,000).
VERSIONS_BY_ID = """(SELECT v.version_id, v.building_id, b.source_id,
           DATE '1970-01-01' + q.from_day AS valid_from,
           CASE WHEN q.to_day >= 0 THEN DATE '1970-01-01' + q.to_day END AS valid_to,
           v.height, v.height_estimated, v.storeys, v.base_elevation, v.footprint, v.geom_3d,
           v.lod, v.surface_types, v.ellipsoid_offset, v.source_attributes
      FROM unnest(%(ids)s::bigint[], %(from)s::int[], %(to)s::int[])
           AS q(version_id, from_day, to_day)
     CROSS JOIN LATERAL (SELECT * FROM kc.building_version v
                          WHERE v.version_id = q.version_id LIMIT 1) v
      JOIN kc.building b ON b.building_id = v.building_id) q"""
TOUCH_COLUMNS = "p.code, p.status, p.thematic_field, s.sort_order, p.building_ids"
TOUCH_FROM = "kc.project_state(%(at)s) p JOIN kc.implementation_status s ON s.code = p.status"


#: The layout query's columns: all fixed-width and never NULL, so that its binary COPY has
#: rows of one size that numpy reads as they come (``FixedRows``).
LAYOUT_COLUMNS = (
    ("version_id", ">i8"),
    ("building_id", ">i8"),
    ("west", ">f8"),
    ("south", ">f8"),
    ("east", ">f8"),
    ("north", ">f8"),
    ("bottom", ">f8"),
    ("top", ">f8"),
    ("area", ">f8"),
    ("member", ">i8"),
    ("ground", ">f8"),
    ("from_day", ">i4"),
    ("to_day", ">i4"),
)


def row_dtype(columns: Sequence[tuple[str, str]]) -> np.dtype:
    """A binary COPY's row of these fixed-width, non-NULL columns (field count, then each
    column's length and value)."""
    fields = [("n", ">i2")]
    for name, kind in columns:
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    return np.dtype(fields)


class FixedRows:
    """A file for ``COPY ... TO STDOUT (FORMAT binary)`` of fixed-width, non-NULL columns:
    parses the rows as they arrive into numpy columns (8 MB at a time: columns of a chunk above
    malloc's mmap threshold, given back when freed), so the rows never
    exist as Python objects (100,000 rows fetched as tuples took 0.8 s of the export's 5.7)."""

    HEADER = 11 + 4 + 4  # signature, flags, header extension length

    def __init__(self, columns: Sequence[tuple[str, str]], spill: BinaryIO | None = None) -> None:
        self.dtype = row_dtype(columns)
        self.columns = columns
        self.buffer = bytearray()
        self.skip: int | None = None
        self.chunks: list[dict[str, np.ndarray]] = []
        #: rows go to this file as they come (raw, ``self.dtype``) instead of into memory
        self.spill = spill
        self.rows = 0

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= 1 << 23:
            self._parse()

    def _parse(self) -> None:
        if self.skip is None:
            if len(self.buffer) < self.HEADER:
                return
            self.skip = self.HEADER + int.from_bytes(self.buffer[15:19], "big")
        if self.skip:
            cut = min(self.skip, len(self.buffer))
            del self.buffer[:cut]
            self.skip -= cut
        rows = len(self.buffer) // self.dtype.itemsize
        if not rows:
            return
        size = rows * self.dtype.itemsize
        a = np.frombuffer(bytes(self.buffer[:size]), self.dtype)
        del self.buffer[:size]
        for name, kind in self.columns:
            if np.any(a[f"{name}_len"] != np.dtype(kind).itemsize):
                raise ValueError(f"column {name}: a NULL or a value of another type")
        self.rows += len(a)
        if self.spill is not None:
            a.tofile(self.spill)
            return
        self.chunks.append({name: a[name].astype(kind[1:]) for name, kind in self.columns})

    def finish(self) -> None:
        """Parse what is left; the COPY must have ended there."""
        self._parse()
        if bytes(self.buffer) != b"\xff\xff":
            raise ValueError(f"a binary COPY ended with {len(self.buffer)} unread bytes")

    def result(self) -> dict[str, np.ndarray]:
        """The columns read (native byte order); each column's chunks freed once joined."""
        self.finish()
        out = {}
        for name, kind in self.columns:
            parts = [chunk.pop(name) for chunk in self.chunks]
            out[name] = np.concatenate(parts) if parts else np.zeros(0, kind[1:])
        return out


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


def _layout_copy(cur, city: str, dates: Sequence[dt.date], heights: str) -> str:
    query = cur.mogrify(
        f"""SELECT s.version_id, min(s.building_id),
                  min(ST_XMin(g)), min(ST_YMin(g)), max(ST_XMax(g)), max(ST_YMax(g)),
                  coalesce(min(z.ground + z.bottom), 'NaN'),
                  coalesce(max(z.ground + z.top), 'NaN'),
                  coalesce(min(ST_Area(s.footprint)), 'NaN'),
                  bit_or(1::bigint << (p.i - 1)::int),
                  min(z.ground),
                  (min(s.valid_from) - DATE '1970-01-01')::int,
                  coalesce(min(s.valid_to) - DATE '1970-01-01', -1)::int
             FROM unnest(%(dates)s::date[]) WITH ORDINALITY AS p(at, i)
            CROSS JOIN LATERAL kc.building_state(p.at) s
            CROSS JOIN LATERAL box2d(coalesce(s.geom_3d, s.footprint)) AS g
            CROSS JOIN LATERAL (SELECT {GROUND} AS ground, {BOTTOM} AS bottom, {TOP} AS top) z
            WHERE s.city_code = %(city)s
            GROUP BY s.version_id
            ORDER BY s.version_id""",  # noqa: S608 - constants
        {"dates": list(dates), "city": city, "true": heights == "true"},
    ).decode()
    return f"COPY ({query}) TO STDOUT (FORMAT binary)"


def layout_of(c: dict[str, np.ndarray]) -> Layout:
    """The layout of these columns (``LAYOUT_COLUMNS``, as ``FixedRows`` or ``spilled`` give them)."""
    return Layout(
        version_id=c["version_id"],
        building_id=c["building_id"],
        box=np.column_stack([c.pop(k) for k in ("west", "south", "east", "north")]),
        bottom=c["bottom"],
        top=c["top"],
        area=c["area"],
        member=c["member"],
        ground=c["ground"],
        valid_from=c["from_day"],
        valid_to=c["to_day"],
    )


def read_layout(cur, city: str, dates: Sequence[dt.date], heights: str = "ground") -> Layout:
    """The versions of ``city`` valid at any of ``dates``, ordered by version id: the numbers
    the tiling needs (box in degrees, the height its ground is drawn at, lowest and highest
    point above the ellipsoid as drawn, footprint area in square degrees, validity as days
    since 1970-01-01) and, as a bit mask, at which of the dates each one is valid.

    Read as a binary COPY straight into numpy (``FixedRows``): a city's rows as Python tuples
    would be the export's largest allocation (1.3 million rows: ~0.5 GB)."""
    sink = FixedRows(LAYOUT_COLUMNS)
    cur.copy_expert(_layout_copy(cur, city, dates, heights), sink)
    return layout_of(sink.result())


#: The dtype of a spilled layout row (``spill_layout``).
LAYOUT_ROW = row_dtype(LAYOUT_COLUMNS)


def spill_layout(
    cur, city: str, dates: Sequence[dt.date], path: Path, heights: str = "ground"
) -> int:
    """``read_layout``'s rows written to the file ``path`` as they arrive (``LAYOUT_ROW``),
    not kept: what the export reads a city of any size through with bounded memory. Returns
    how many rows."""
    with path.open("wb") as spill:
        sink = FixedRows(LAYOUT_COLUMNS, spill)
        cur.copy_expert(_layout_copy(cur, city, dates, heights), sink)
        sink.finish()
    return sink.rows


def spilled(rows: np.ndarray) -> Layout:
    """The layout of spilled rows (``LAYOUT_ROW``)."""
    return layout_of({name: rows[name].astype(kind[1:]) for name, kind in LAYOUT_COLUMNS})


def _array(values: Sequence[int]) -> str:
    """An array of integers as one text literal: PostgreSQL parses ``'{1,2,...}'`` in a
    fraction of the time of the ``ARRAY[1,2,...]`` psycopg2 writes for a list (planning a
    task's query took 9 ms of its 40 with three such lists of 4,000)."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def read_rows(
    cur,
    version_ids: Sequence[int],
    valid_from: Sequence[int],
    valid_to: Sequence[int],
    heights: str = "ground",
) -> Buildings:
    """The full rows of these building versions, valid from/to these days (as in
    :class:`tiles.layout.Layout`), ordered by version id; ``heights`` as in
    :class:`tiles.features.Buildings`."""
    cur.execute(
        f"SELECT {BUILDING_COLUMNS} FROM {VERSIONS_BY_ID} ORDER BY version_id",  # noqa: S608
        {"ids": _array(version_ids), "from": _array(valid_from), "to": _array(valid_to)},
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


@dataclass(frozen=True)
class Touches:
    """The projects touching a city's buildings at a point, as two arrays: ``building`` (ids)
    and ``project`` (index into ``projects``, which are ordered by code), one entry a touch.

    Read once for the city (one query, ~1 ms without projects) and cut per partition in numpy
    (``among``): 16 bytes a touch, not a Python list per building, and no partition's 25,000
    building ids sent to the database (~40 ms a query, most of it the array's text).
    """

    projects: list[ProjectTouch]
    building: npt.NDArray[np.int64]
    project: npt.NDArray[np.int64]

    def among(self, buildings: npt.ArrayLike) -> dict[int, list[ProjectTouch]]:
        """``{building_id: [projects touching it, by code]}`` for the ``buildings`` touched."""
        keep = np.isin(self.building, buildings)
        out: dict[int, list[ProjectTouch]] = {}
        for building_id, k in zip(
            self.building[keep].tolist(), self.project[keep].tolist(), strict=True
        ):
            out.setdefault(building_id, []).append(self.projects[k])
        return out


def read_touches(cur, city: str, at: dt.date) -> Touches:
    """The projects touching the buildings of ``city`` at ``at`` (``Touches``)."""
    cur.execute(
        f"SELECT {TOUCH_COLUMNS} FROM {TOUCH_FROM} "  # noqa: S608 - constants
        "WHERE p.city_code = %(city)s ORDER BY p.code",
        {"at": at, "city": city},
    )
    projects, ids = [], []
    for code, status, field, rank, building_ids in cur.fetchall():
        projects.append(ProjectTouch(code, status, field, rank))
        ids.append(np.asarray(building_ids, dtype=np.int64))
    building = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    project = np.repeat(np.arange(len(ids), dtype=np.int64), [len(i) for i in ids])
    return Touches(projects, building, project)


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
