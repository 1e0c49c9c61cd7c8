"""A city-model building's typed surfaces (roof, wall, ground …) to shaded triangles.

Each polygon, holes included, is triangulated in its own plane (``tiles.geometry.triangulate_3d``)
after its vertices are placed in the tileset's local frame, so normals are true normals on the
globe. Every triangle gets its own three vertices (flat shading: a roof's edge stays sharp) and
the shade of its surface type: the viewer multiplies the building's status colour by it, so a roof
reads as a roof while the status colour stays recognisable on every face (walls keep it whole).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from tiles.geometry import GeometryError, Mesh, _unit, merge, triangulate_3d
from tiles.placement import Frame

FloatArray = npt.NDArray[np.float64]

#: Multiplier of the status colour (linear RGB) per surface type. Walls carry the colour as is;
#: roofs are darker (0.55: a clear step in the screenshots of tests/artifacts under a sun from
#: above, where roofs get more light than walls, yet the hue of every status stays distinct);
#: grounds, seen only from below, darker still.
SHADES = {
    "wall": 1.0,
    "roof": 0.55,
    "ground": 0.4,
    "closure": 0.85,
    "outer_ceiling": 0.75,
    "outer_floor": 0.75,
    "other": 0.85,
}


def typed_polygons(geom: shapely.Geometry, types: list[str]) -> list[tuple[str, list[FloatArray]]]:
    """(type, rings) of every polygon of a stored geom_3d (one multipolygon per typed surface)."""
    members = list(shapely.get_parts(geom))
    if len(members) != len(types):
        raise GeometryError(f"{len(members)} surfaces but {len(types)} surface types")
    out = []
    for member, kind in zip(members, types, strict=True):
        for poly in shapely.get_parts(member):
            if not isinstance(poly, shapely.Polygon) or not poly.has_z:
                raise GeometryError(
                    f"a {kind} surface holds a {poly.geom_type}, expected 3D polygons"
                )
            rings = [shapely.get_coordinates(poly.exterior, include_z=True)]
            rings += [shapely.get_coordinates(r, include_z=True) for r in poly.interiors]
            out.append((kind, rings))
    if not out:
        raise GeometryError("the 3D geometry has no polygon")
    return out


def typed_mesh(
    geom: shapely.Geometry, types: list[str], frame: Frame, dz: float, feature: int
) -> Mesh:
    """Flat-shaded triangles of the surfaces (z + ``dz``) in ``frame``, with per-vertex shades
    (the tileset's bounding volumes come from ``tiles.layout``, the same heights).

    All vertices go through the frame (pyproj) in one call."""
    polygons = typed_polygons(geom, types)
    rings = [r for _, poly in polygons for r in poly]
    xyz = np.concatenate(rings)
    local = frame.to_local(xyz[:, 0], xyz[:, 1], xyz[:, 2] + dz)
    cuts = np.cumsum([len(r) for r in rings])[:-1]
    local_rings = iter(np.split(local, cuts))
    meshes = []
    for kind, poly in polygons:
        placed = [next(local_rings) for _ in poly]
        try:
            pts, tri = triangulate_3d(placed)
        except GeometryError:
            continue  # a polygon without area (e.g. collapsed by rounding) draws nothing
        if not len(tri):
            continue
        pos = pts[tri].reshape(-1, 3)
        a, b, c = pts[tri[:, 0]], pts[tri[:, 1]], pts[tri[:, 2]]
        nrm = np.repeat(_unit(np.cross(b - a, c - a)), 3, axis=0)
        idx = np.arange(len(pos), dtype=np.int64).reshape(-1, 3)
        shade = np.full(len(pos), SHADES.get(kind, SHADES["other"]))
        meshes.append(Mesh(pos, nrm, idx, np.full(len(pos), feature, np.int64), shade))
    if not meshes:
        raise GeometryError("the 3D geometry has no triangle")
    return merge(meshes)
