"""Footprints to closed LoD1 solids, and true 3D surfaces to triangles (pure numpy + earcut).

The triangulation only decides *which* vertices form a triangle: it runs on planar coordinates
(a local tangent-plane approximation is enough for that). The positions written to the tiles are
computed afterwards from the exact longitude/latitude of every vertex (see ``tiles.placement``), so
the approximation never moves a vertex.

A prism is described topologically: ``n`` footprint vertices, roof triangles over them (counter-
clockwise seen from above) and wall edges oriented so that the solid lies on their left. Floor =
roof reversed, walls = one quad per edge. Every edge of the solid is then shared by exactly two
triangles running it in opposite directions: the mesh is closed and consistently wound outward.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapbox_earcut
import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]


class GeometryError(ValueError):
    """A geometry cannot be turned into a solid (degenerate, empty, not polygonal)."""


@dataclass(frozen=True)
class Prism:
    """Topology of an extruded footprint: shared by the base and the top level."""

    #: Footprint vertices, (n, 2): longitude, latitude (degrees), rings without closing point.
    lonlat: FloatArray
    #: Roof triangles (k, 3) into ``lonlat``, counter-clockwise seen from above.
    roof: IndexArray
    #: Wall edges (e, 2) into ``lonlat``: the solid lies left of ``a -> b`` seen from above.
    walls: IndexArray


def _ring(coords: FloatArray) -> FloatArray:
    """A ring's 2D coordinates without the closing point and without consecutive duplicates."""
    xy = np.asarray(coords, dtype=np.float64)[:, :2]
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
        xy = xy[:-1]
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    return xy[keep]


def _signed_area(xy: FloatArray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def planar(lonlat: FloatArray, origin: tuple[float, float]) -> FloatArray:
    """Local metres on the tangent plane at ``origin`` (only used to decide triangles)."""
    lon0, lat0 = origin
    k = np.pi / 180.0 * 6_371_000.0
    out = np.empty_like(lonlat)
    out[:, 0] = (lonlat[:, 0] - lon0) * k * np.cos(np.radians(lat0))
    out[:, 1] = (lonlat[:, 1] - lat0) * k
    return out


def _polygon_prism(polygon: shapely.Polygon) -> tuple[FloatArray, IndexArray, IndexArray]:
    rings = [_ring(np.asarray(polygon.exterior.coords))]
    rings += [_ring(np.asarray(r.coords)) for r in polygon.interiors]
    if len(rings[0]) < 3:
        raise GeometryError("a polygon ring has fewer than 3 distinct vertices")
    rings = [r for r in rings if len(r) >= 3]
    # Exterior counter-clockwise, holes clockwise (in lon/lat, which keeps orientation locally).
    for i, ring in enumerate(rings):
        ccw = _signed_area(ring) > 0
        if ccw != (i == 0):
            rings[i] = ring[::-1].copy()
    lonlat = np.concatenate(rings)
    origin = (float(lonlat[:, 0].mean()), float(lonlat[:, 1].mean()))
    xy = planar(lonlat, origin)
    ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
    tri = np.asarray(mapbox_earcut.triangulate_float64(xy, ends), dtype=np.int64).reshape(-1, 3)
    if len(tri) == 0:
        raise GeometryError("the footprint has no area (earcut found no triangle)")
    # earcut's output orientation is not part of its contract: make every roof triangle CCW.
    a, b, c = xy[tri[:, 0]], xy[tri[:, 1]], xy[tri[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    tri[cross < 0] = tri[cross < 0][:, ::-1]
    walls = []
    start = 0
    for end in ends:
        idx = np.arange(start, end, dtype=np.int64)
        walls.append(np.column_stack([idx, np.roll(idx, -1)]))
        start = int(end)
    return lonlat, tri, np.concatenate(walls)


def prism(footprint: shapely.Polygon | shapely.MultiPolygon) -> Prism:
    """The prism topology of a (multi)polygon footprint in longitude/latitude, holes included."""
    if footprint.is_empty:
        raise GeometryError("empty footprint")
    parts = getattr(footprint, "geoms", [footprint])
    coords, roofs, walls = [], [], []
    offset = 0
    for part in parts:
        if not isinstance(part, shapely.Polygon):
            raise GeometryError(f"footprint part is a {part.geom_type}, expected Polygon")
        lonlat, tri, wall = _polygon_prism(part)
        coords.append(lonlat)
        roofs.append(tri + offset)
        walls.append(wall + offset)
        offset += len(lonlat)
    return Prism(np.concatenate(coords), np.concatenate(roofs), np.concatenate(walls))


@dataclass(frozen=True)
class Mesh:
    """Triangles of one or more features, positions in a local frame (float64 until written)."""

    positions: FloatArray  # (n, 3) local east, north, up (metres)
    normals: FloatArray  # (n, 3) unit vectors in the same frame
    triangles: IndexArray  # (m, 3), counter-clockwise seen from outside
    feature: IndexArray  # (n,) feature index of each vertex
    #: (n,) multiplier of the feature's colour per vertex (surface type shades, tiles.surfaces);
    #: None = 1 everywhere
    shade: FloatArray | None = None

    @staticmethod
    def empty() -> Mesh:
        return Mesh(
            np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64)
        )


def _unit(v: FloatArray) -> FloatArray:
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    return v / norm


def solid(shape: Prism, base: FloatArray, top: FloatArray, up: FloatArray, feature: int) -> Mesh:
    """The closed solid of a prism, given its vertices' local positions at base and top level.

    ``up`` holds the local vertical (ellipsoid normal) at each footprint vertex: roof normals are
    ``up``, floor normals ``-up``, wall normals horizontal and outward.
    """
    n = len(shape.lonlat)
    a, b = shape.walls[:, 0], shape.walls[:, 1]
    e = len(a)
    # Vertex blocks: roof (n), floor (n), walls (4 per edge: base a, base b, top b, top a).
    wall_pos = np.stack([base[a], base[b], top[b], top[a]], axis=1).reshape(-1, 3)
    # Solid on the left of a->b, so outward is (b - a) x up.
    outward = _unit(np.cross(base[b] - base[a], up[a]))
    wall_nrm = np.repeat(outward, 4, axis=0)
    positions = np.concatenate([top, base, wall_pos])
    normals = np.concatenate([up, -up, wall_nrm])
    q = 2 * n + 4 * np.arange(e, dtype=np.int64)[:, None]
    walls = np.concatenate([q + np.array([0, 1, 2]), q + np.array([0, 2, 3])])
    triangles = np.concatenate([shape.roof, shape.roof[:, ::-1] + n, walls])
    return Mesh(positions, normals, triangles, np.full(len(positions), feature, np.int64))


def merge(meshes: list[Mesh]) -> Mesh:
    """One mesh out of many (indices shifted), keeping each vertex's feature index."""
    if not meshes:
        return Mesh.empty()
    offsets = np.cumsum([0] + [len(m.positions) for m in meshes[:-1]])
    shaded = any(m.shade is not None for m in meshes)
    return Mesh(
        np.concatenate([m.positions for m in meshes]),
        np.concatenate([m.normals for m in meshes]),
        np.concatenate([m.triangles + o for m, o in zip(meshes, offsets, strict=True)]),
        np.concatenate([m.feature for m in meshes]),
        np.concatenate([np.ones(len(m.positions)) if m.shade is None else m.shade for m in meshes])
        if shaded
        else None,
    )


def surface_polygons(geom: shapely.Geometry) -> list[list[FloatArray]]:
    """The 3D rings of each polygon of a multipolygon / collection of surface polygons.

    The database side dumps polyhedral surfaces and TINs into polygons (shapely reads neither).
    """
    out: list[list[FloatArray]] = []
    for part in shapely.get_parts(geom):
        if not isinstance(part, shapely.Polygon):
            raise GeometryError(f"3D geometry part is a {part.geom_type}, expected polygons")
        if not part.has_z:
            raise GeometryError("3D geometry part has no z coordinate")
        rings = [np.asarray(part.exterior.coords, dtype=np.float64)]
        rings += [np.asarray(r.coords, dtype=np.float64) for r in part.interiors]
        out.append(rings)
    if not out:
        raise GeometryError("3D geometry has no polygon")
    return out


def triangulate_3d(rings: list[FloatArray]) -> tuple[FloatArray, IndexArray]:
    """Triangles of one planar 3D polygon (local metres), wound like its exterior ring.

    The polygon is projected on the coordinate plane its Newell normal is most aligned with.
    """
    rings = [r[:-1] if np.array_equal(r[0], r[-1]) else r for r in rings]
    pts = np.concatenate(rings)
    ext = rings[0]
    nxt = np.roll(ext, -1, axis=0)
    normal = np.array(
        [
            np.sum((ext[:, 1] - nxt[:, 1]) * (ext[:, 2] + nxt[:, 2])),
            np.sum((ext[:, 2] - nxt[:, 2]) * (ext[:, 0] + nxt[:, 0])),
            np.sum((ext[:, 0] - nxt[:, 0]) * (ext[:, 1] + nxt[:, 1])),
        ]
    )
    if not np.any(normal):
        raise GeometryError("a 3D polygon has no area")
    drop = int(np.argmax(np.abs(normal)))
    keep = [i for i in range(3) if i != drop]
    xy = pts[:, keep]
    ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
    tri = np.asarray(mapbox_earcut.triangulate_float64(xy, ends), dtype=np.int64).reshape(-1, 3)
    if len(tri):
        a, b, c = pts[tri[:, 0]], pts[tri[:, 1]], pts[tri[:, 2]]
        flip = np.einsum("ij,j->i", np.cross(b - a, c - a), normal) < 0
        tri[flip] = tri[flip][:, ::-1]
    return pts, tri


def surface_mesh(rings3d: list[list[FloatArray]], feature: int) -> Mesh:
    """Flat-shaded triangles of a list of 3D polygons given in local metres."""
    meshes = []
    for rings in rings3d:
        pts, tri = triangulate_3d(rings)
        if not len(tri):
            continue
        # Flat shading: every triangle gets its own three vertices and its face normal.
        pos = pts[tri].reshape(-1, 3)
        a, b, c = pts[tri[:, 0]], pts[tri[:, 1]], pts[tri[:, 2]]
        nrm = np.repeat(_unit(np.cross(b - a, c - a)), 3, axis=0)
        idx = np.arange(len(pos), dtype=np.int64).reshape(-1, 3)
        meshes.append(Mesh(pos, nrm, idx, np.full(len(pos), feature, np.int64)))
    if not meshes:
        raise GeometryError("the 3D geometry has no triangle")
    return merge(meshes)
