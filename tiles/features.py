"""The buildings of one tileset as columns, and their solids in the tileset's local frame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from tiles.geometry import GeometryError, Mesh, prism, solid, surface_mesh, surface_polygons
from tiles.placement import Frame
from tiles.surfaces import typed_mesh

FloatArray = npt.NDArray[np.float64]


class FeatureError(ValueError):
    """A building version cannot be drawn; says which one and why."""


@dataclass(frozen=True)
class Buildings:
    """Building versions valid at a point, one entry per version, ordered by version id."""

    version_id: list[int]
    building_id: list[int]
    source_id: list[str]
    valid_from: list[dt.date]
    valid_to: list[dt.date | None]
    height: list[float]
    height_estimated: list[bool]
    storeys: list[int | None]
    base_elevation: list[float | None]
    footprint: list[shapely.Geometry]  # lon/lat (EPSG:4326)
    geom_3d: list[shapely.Geometry | None]  # lon/lat/z polygons, or None
    # City-model versions (empty lists: none; see kc.building_version):
    lod: list[int] = field(default_factory=list)
    surfaces: list[shapely.Geometry | None] = field(default_factory=list)  # typed, holes kept
    surface_types: list[list[str] | None] = field(default_factory=list)
    ellipsoid_offset: list[float | None] = field(default_factory=list)
    roof_type: list[str | None] = field(default_factory=list)
    #: "ground" (every building's ground at ellipsoid height 0) or "true" (city models at their
    #: ellipsoidal height: z + ellipsoid_offset)
    heights: str = "ground"

    def typed(self, i: int) -> bool:
        """Whether version ``i`` is drawn from its typed surfaces (a city model)."""
        return bool(self.surface_types) and self.surface_types[i] is not None

    def __len__(self) -> int:
        return len(self.version_id)


@dataclass(frozen=True)
class Solids:
    """Each building's mesh in the local frame, its footprint centre, size and extent."""

    meshes: list[Mesh]
    centres: FloatArray  # (n, 2) local east, north
    sizes: FloatArray  # (n,) longest edge of the building's box (m)
    region: tuple[float, float, float, float, float, float]  # radians + heights (m)


def frame_for(buildings: Buildings) -> Frame:
    """The local frame at the centre of the buildings' extent (ground level)."""
    west, south, east, north = shapely.total_bounds(np.array(buildings.footprint, dtype=object))
    return Frame.at((west + east) / 2, (south + north) / 2, 0.0)


def _three_d(i: int, b: Buildings, frame: Frame) -> tuple[Mesh, FloatArray]:
    rings = surface_polygons(b.geom_3d[i])
    allz = np.concatenate([r[:, 2] for poly in rings for r in poly])
    ground = b.base_elevation[i] if b.base_elevation[i] is not None else float(allz.min())
    local = []
    geo = []
    for poly in rings:
        lr = []
        for r in poly:
            lr.append(frame.to_local(r[:, 0], r[:, 1], r[:, 2] - ground))
            geo.append(np.column_stack([r[:, 0], r[:, 1], r[:, 2] - ground]))
        local.append(lr)
    return surface_mesh(local, i), np.concatenate(geo)


def _typed(i: int, b: Buildings, frame: Frame) -> tuple[Mesh, FloatArray]:
    """A city model's surfaces: lowest point at height 0, or at their ellipsoidal height."""
    geom = b.surfaces[i]
    offset = b.ellipsoid_offset[i]
    if b.heights == "true" and offset is not None:
        dz = offset
    else:
        dz = -float(shapely.get_coordinates(geom, include_z=True)[:, 2].min())
    return typed_mesh(geom, b.surface_types[i], frame, dz, i)


def solids(b: Buildings, frame: Frame) -> Solids:
    """Meshes of all buildings: extruded footprints, or their true 3D geometry when they have one.

    The footprint vertices of all buildings go through pyproj in two calls (ground and roof), so
    the cost per building is the triangulation only.
    """
    n = len(b)
    prisms: list = [None] * n
    for i in range(n):
        if b.geom_3d[i] is not None:
            continue
        try:
            prisms[i] = prism(b.footprint[i])
        except GeometryError as err:
            raise FeatureError(
                f"building {b.source_id[i]} (version {b.version_id[i]}): footprint: {err}"
            ) from err
    flat = [i for i in range(n) if prisms[i] is not None]
    counts = np.array([len(prisms[i].lonlat) for i in flat], dtype=np.int64)
    lonlat = np.concatenate([prisms[i].lonlat for i in flat]) if flat else np.zeros((0, 2))
    heights = np.repeat(np.array([b.height[i] for i in flat], dtype=np.float64), counts)
    base = frame.to_local(lonlat[:, 0], lonlat[:, 1], np.zeros(len(lonlat)))
    top = frame.to_local(lonlat[:, 0], lonlat[:, 1], heights)
    up = frame.up(lonlat[:, 0], lonlat[:, 1])
    meshes: list[Mesh] = [Mesh.empty()] * n
    starts = np.concatenate([[0], np.cumsum(counts)])
    for k, i in enumerate(flat):
        s, e = starts[k], starts[k + 1]
        meshes[i] = solid(prisms[i], base[s:e], top[s:e], up[s:e], i)
    geo_parts = [
        np.column_stack([lonlat, np.zeros(len(lonlat))]),
        np.column_stack([lonlat, heights]),
    ]
    for i in range(n):
        if b.geom_3d[i] is not None:
            try:
                if b.typed(i):
                    meshes[i], geo = _typed(i, b, frame)
                else:
                    meshes[i], geo = _three_d(i, b, frame)
            except GeometryError as err:
                raise FeatureError(
                    f"building {b.source_id[i]} (version {b.version_id[i]}): geom_3d: {err}"
                ) from err
            geo_parts.append(geo)
    lo = np.array([m.positions.min(axis=0) for m in meshes])
    hi = np.array([m.positions.max(axis=0) for m in meshes])
    geo = np.concatenate(geo_parts)
    region = (
        float(np.radians(geo[:, 0].min())),
        float(np.radians(geo[:, 1].min())),
        float(np.radians(geo[:, 0].max())),
        float(np.radians(geo[:, 1].max())),
        float(geo[:, 2].min()),
        float(geo[:, 2].max()),
    )
    return Solids(meshes, (lo[:, :2] + hi[:, :2]) / 2, (hi - lo).max(axis=1), region)
