"""The buildings of one tile as columns, and their mesh in the tileset's local frame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from tiles.geometry import (
    GeometryError,
    Mesh,
    extrude,
    merge,
    prisms,
    surface_mesh,
    surface_polygons,
)
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
    # City models (see kc.building_version); surfaces: geom_3d with holes, None for others
    lod: list[int]
    surfaces: list[shapely.Geometry | None]
    surface_types: list[list[str] | None]
    ellipsoid_offset: list[float | None]
    roof_type: list[str | None]
    #: "ground" (every building's ground at ellipsoid height 0) or "true" (city models at their
    #: ellipsoidal height: z + ellipsoid_offset; ``tiles.placement``)
    heights: str = "ground"

    def typed(self, i: int) -> bool:
        """Whether version ``i`` is drawn from its typed surfaces (a city model)."""
        return self.surface_types[i] is not None

    def __len__(self) -> int:
        return len(self.version_id)

    FIELDS = (
        "version_id",
        "building_id",
        "source_id",
        "valid_from",
        "valid_to",
        "height",
        "height_estimated",
        "storeys",
        "base_elevation",
        "footprint",
        "geom_3d",
        "lod",
        "surfaces",
        "surface_types",
        "ellipsoid_offset",
        "roof_type",
    )


def _error(b: Buildings, i: int, part: str, err: Exception) -> FeatureError:
    return FeatureError(f"building {b.source_id[i]} (version {b.version_id[i]}): {part}: {err}")


def surface_solid(b: Buildings, i: int, frame: Frame) -> Mesh:
    """The mesh of building ``i`` from its true 3D geometry (``geom_3d``), feature index ``i``.

    The per-building hook: a building with a 3D geometry is drawn by this function instead of
    being extruded with the others in :func:`tile_mesh`.
    """
    rings = surface_polygons(b.geom_3d[i])
    allz = np.concatenate([r[:, 2] for poly in rings for r in poly])
    ground = b.base_elevation[i] if b.base_elevation[i] is not None else float(allz.min())
    local = [[frame.to_local(r[:, 0], r[:, 1], r[:, 2] - ground) for r in poly] for poly in rings]
    return surface_mesh(local, i)


def typed_solid(b: Buildings, i: int, frame: Frame) -> Mesh:
    """A city model's typed surfaces, shaded per type (``tiles.surfaces``), feature index ``i``:
    lowest point at height 0, or at its ellipsoidal height (``heights`` "true", datum known)."""
    geom = b.surfaces[i]
    offset = b.ellipsoid_offset[i]
    if b.heights == "true" and offset is not None:
        dz = offset
    else:
        dz = -float(shapely.get_coordinates(geom, include_z=True)[:, 2].min())
    return typed_mesh(geom, b.surface_types[i], frame, dz, i)


def tile_mesh(b: Buildings, frame: Frame) -> Mesh:
    """One mesh of all buildings ``b`` in the local frame; each vertex's feature = its index in b.

    Footprints are extruded together (:func:`tiles.geometry.prisms` over flat arrays, one
    pyproj call for all ground vertices, roofs = ground + height along the ellipsoid normal,
    which is exact for ellipsoidal heights); buildings with a 3D geometry go through
    :func:`typed_solid` (city models) or :func:`surface_solid` one by one.
    """
    flat = np.array([g is None for g in b.geom_3d], dtype=bool)
    index = np.flatnonzero(flat)
    meshes = []
    if len(index):
        try:
            shape = prisms([b.footprint[i] for i in index])
        except GeometryError as err:
            i = int(index[err.index]) if err.index is not None else int(index[0])
            raise _error(b, i, "footprint", err) from err
        lon, lat = shape.lonlat[:, 0], shape.lonlat[:, 1]
        heights = np.asarray(b.height, dtype=np.float64)[index][shape.owner]
        base = frame.to_local(lon, lat, np.zeros(len(lon)))
        up = frame.up(lon, lat)
        top = base + up * heights[:, None]
        mesh = extrude(shape, base, top, up)
        meshes.append(Mesh(mesh.positions, mesh.normals, mesh.triangles, index[mesh.feature]))
    for i in np.flatnonzero(~flat):
        try:
            draw = typed_solid if b.typed(int(i)) else surface_solid
            meshes.append(draw(b, int(i), frame))
        except GeometryError as err:
            raise _error(b, int(i), "geom_3d", err) from err
    return merge(meshes)
