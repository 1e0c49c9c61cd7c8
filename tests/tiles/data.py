"""Test data for the 3D Tiles export: the real Lyon 1er buildings and synthetic districts.

The ETL loader is written elsewhere; these helpers stage rows themselves with
``gis.store.building_snapshots.stage_rows`` / ``apply_staged`` (the same path a loader takes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely import affinity

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.crs import to_wgs84
from gis.store.project_snapshots import apply_staged as apply_projects
from gis.store.project_snapshots import stage_rows as stage_projects

REPO = Path(__file__).resolve().parents[2]


def _hex(geom: shapely.Geometry) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


def load_rows(conn, city: str, point: str, rows: list[tuple]) -> None:
    with conn:
        stage_rows(conn.cursor(), rows)
        apply_staged(conn, city, point, source=f"test-{city}-{point}")


def load_projects(conn, city: str, point: str, projects: list[tuple]) -> None:
    """``projects``: (code, thematic_field, status, [building source ids])."""
    rows = [
        (
            code,
            field,
            {"en": f"Project {code}"},
            "SRID=4326;POINT(0 0)",
            status,
            {},
            "EPSG:4326",
            refs,
        )
        for code, field, status, refs in projects
    ]
    with conn:
        stage_projects(conn.cursor(), rows)
        apply_projects(conn, city, point, source=f"test-projects-{point}")


# --- synthetic districts in each city's own CRS -----------------------------------------------


@dataclass(frozen=True)
class District:
    city: str
    crs: str
    #: source id -> footprint in the city's CRS (metres)
    footprints: dict[str, shapely.MultiPolygon]
    rows: list[tuple]


#: A point inside each SMARTER TOGETHER district, in the city's CRS.
ORIGINS = {
    "lyon": ("EPSG:3946", (1841500.0, 5174000.0)),  # Confluence
    "munich": ("EPSG:25832", (680600.0, 5334600.0)),  # Neuaubing-Westkreuz
    "vienna": ("EPSG:31256", (6300.0, 338600.0)),  # Simmering (MGI / Austria GK East)
}


def synthetic_footprints(
    origin: tuple[float, float], n_grid: int = 6
) -> dict[str, shapely.Geometry]:
    """A grid of blocks plus the hard cases: a courtyard (hole), a multipolygon, a 360-gon."""
    x0, y0 = origin
    out: dict[str, shapely.Geometry] = {}
    for i in range(n_grid * n_grid):
        x, y = x0 + (i % n_grid) * 30.0, y0 + (i // n_grid) * 30.0
        block = shapely.box(x, y, x + 18.0 + (i % 3) * 2, y + 12.0 + (i % 4))
        out[f"S{i:03d}"] = affinity.rotate(block, (i * 7) % 40, origin="centroid")
    cx, cy = x0 - 80.0, y0
    out["COURT"] = shapely.Polygon(
        [(cx, cy), (cx + 40, cy), (cx + 40, cy + 40), (cx, cy + 40)],
        [[(cx + 10, cy + 10), (cx + 10, cy + 30), (cx + 30, cy + 30), (cx + 30, cy + 10)]],
    )
    mx, my = x0 - 80.0, y0 + 80.0
    out["MULTI"] = shapely.MultiPolygon(
        [shapely.box(mx, my, mx + 10, my + 25), shapely.box(mx + 16, my, mx + 26, my + 25)]
    )
    t = np.linspace(0, 2 * math.pi, 360, endpoint=False)
    r = 20.0 + 3.0 * np.sin(7 * t)  # a wavy round tower: 360 vertices, concave
    ox, oy = x0 - 80.0, y0 + 160.0
    out["ROUND"] = shapely.Polygon(np.column_stack([ox + r * np.cos(t), oy + r * np.sin(t)]))
    return {
        k: v if v.geom_type == "MultiPolygon" else shapely.MultiPolygon([v]) for k, v in out.items()
    }


def district(city: str, n_grid: int = 6) -> District:
    crs, origin = ORIGINS[city]
    footprints = synthetic_footprints(origin, n_grid)
    geoms = np.array(list(footprints.values()), dtype=object)
    west, south, east, north = shapely.total_bounds(geoms)
    # The area of use is needed to pick the transformation: derive it from a first rough pass.
    lon0, lat0 = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        float(west + east) / 2, float(south + north) / 2
    )
    transformer = to_wgs84(crs, (lon0 - 0.01, lat0 - 0.01, lon0 + 0.01, lat0 + 0.01))
    rows = []
    for k, (sid, geom) in enumerate(footprints.items()):
        lonlat = shapely.transform(
            geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
        height = 6.0 + (k % 9) * 3.5
        rows.append(
            (
                sid,
                _hex(lonlat),
                height,
                k % 5 == 0,
                max(1, int(height // 3)),
                170.0 + k,
                None,
                crs,
                {},
            )
        )
    return District(city, crs, footprints, rows)


def synthetic_city(n: int, *, seed: int = 0) -> list[tuple]:
    """n axis-aligned rectangles of 10-25 m on a 30 m grid around Lyon Confluence (EPSG:4326):
    staged rows of a city of any size (the bench's and the browser tests' whole city).
    ``seed`` shifts the heights, so another snapshot of the same city changes every building."""
    side = math.ceil(math.sqrt(n))
    i = np.arange(n)
    x = 4.80 + (i % side) * 0.00038
    y = 45.70 + (i // side) * 0.00027
    w = (10 + (i % 7) * 2.0) * 0.0000129
    h = (10 + (i % 5) * 3.0) * 0.000009
    boxes = shapely.box(x, y, x + w, y + h)
    ewkb = shapely.to_wkb(
        shapely.set_srid(shapely.multipolygons(boxes[:, None]), 4326), hex=True, include_srid=True
    )
    return [
        (
            f"B{k:07d}",
            ewkb[k],
            6.0 + ((k + seed) % 10) * 3,
            False,
            2 + k % 8,
            170.0,
            None,
            "EPSG:3946",
            {},
        )
        for k in range(n)
    ]
