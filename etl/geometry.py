"""Geometry checks shared by the loaders: empty, wrong type, and safe repair by PostGIS.

Invalid polygons are repaired by PostGIS's ``ST_MakeValid`` (the same GEOS algorithm that validates
them in the database), keeping only the polygonal parts, in one round trip for all invalid
features. A repair is accepted only when it keeps the area within ``MAX_AREA_CHANGE``: a bow-tie
whose halves cancel out, or a ring that collapses to a line, is not a building we can guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import psycopg2.extensions
import shapely

from etl.problems import Problems

#: Largest relative area change a repair may cause (|after - before| / max(before, after)).
MAX_AREA_CHANGE = 0.10

POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)

REPAIR = """
SELECT u.i, ST_AsBinary(r.geom), ST_Area(u.g), coalesce(ST_Area(r.geom), 0)
  FROM (SELECT i, ST_GeomFromWKB(wkb, 4326) AS g
          FROM unnest(%s::int[], %s::bytea[]) AS t(i, wkb)) u,
       LATERAL (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(u.g), 3)) AS geom) r
 ORDER BY u.i"""


@dataclass(frozen=True)
class Repair:
    geoms: np.ndarray
    repaired: int


def present_mask(geoms: np.ndarray, labels: np.ndarray, problems: Problems) -> np.ndarray:
    """True where a feature has a non-empty geometry; a problem for every other one."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problems.add_many(
        labels[missing], "geometry", ["(empty)"] * int(missing.sum()), "a non-empty geometry"
    )
    return ~missing


def polygonal_mask(
    geoms: np.ndarray, labels: np.ndarray, present: np.ndarray, problems: Problems
) -> np.ndarray:
    """True where the geometry is a (Multi)Polygon; a problem for every present non-polygon."""
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [int(t) for t in POLYGONAL])
    wrong = present & ~polygonal
    names = [
        shapely.GeometryType(int(t)).name.title().replace("string", "String") for t in types[wrong]
    ]
    problems.add_many(labels[wrong], "geometry", names, "a Polygon or MultiPolygon footprint")
    return present & polygonal


def repair_invalid(
    cur: psycopg2.extensions.cursor,
    geoms: np.ndarray,
    labels: np.ndarray,
    candidates: np.ndarray,
    problems: Problems,
) -> Repair:
    """Repair the invalid polygonal geometries among ``candidates`` with PostGIS, within bounds."""
    invalid = candidates & ~shapely.is_valid(geoms)
    index = np.flatnonzero(invalid)
    if len(index) == 0:
        return Repair(geoms, 0)
    wkbs = [psycopg2.Binary(w) for w in shapely.to_wkb(geoms[index])]
    cur.execute(REPAIR, (index.tolist(), wkbs))
    out = geoms.copy()
    repaired = 0
    for i, wkb, before, after in cur.fetchall():
        reason = None
        if after == 0:
            reason = "an invalid polygon without area (it collapses to lines or points)"
        elif abs(after - before) / max(before, after) > MAX_AREA_CHANGE:
            change = abs(after - before) / max(before, after)
            reason = f"an invalid polygon whose repair changes its area by {change:.0%}"
        if reason:
            where = shapely.is_valid_reason(geoms[i])
            problems.add(
                labels[i],
                "geometry",
                f"{reason} ({where})",
                f"a valid polygon, or one that ST_MakeValid repairs within {MAX_AREA_CHANGE:.0%} of its area",
            )
            continue
        out[i] = shapely.from_wkb(bytes(wkb))
        repaired += 1
    return Repair(out, repaired)


def as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Polygons wrapped as one-part MultiPolygons (the storage type), vectorised."""
    out = geoms.copy()
    single = shapely.get_type_id(out) == int(shapely.GeometryType.POLYGON)
    if single.any():
        out[single] = shapely.multipolygons(out[single], indices=np.arange(int(single.sum())))
    return out


def ewkb_hex(geoms: np.ndarray) -> list[str]:
    """Hex EWKB with SRID 4326, the form the COPY stages take."""
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True).tolist()
