"""Extrusion: closed, outward-wound solids for holes, multipolygons and many-vertex footprints."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely

from gis.store.crs import to_wgs84
from tests.tiles.data import synthetic_footprints
from tiles.geometry import GeometryError, prism, solid, surface_mesh, triangulate_3d
from tiles.placement import Frame

FRAME = Frame.at(4.83, 45.76)


def _solid(footprint_lonlat, height=12.0):
    shape = prism(footprint_lonlat)
    lon, lat = shape.lonlat[:, 0], shape.lonlat[:, 1]
    base = FRAME.to_local(lon, lat, np.zeros(len(lon)))
    top = FRAME.to_local(lon, lat, np.full(len(lon), height))
    return shape, solid(shape, base, top, FRAME.up(lon, lat), 0)


def _lonlat_footprints():
    t = to_wgs84("EPSG:3946", (4.8, 45.7, 4.9, 45.8))
    out = {}
    for sid, geom in synthetic_footprints((1841500.0, 5174000.0), 2).items():
        out[sid] = shapely.transform(
            geom, lambda xy, t=t: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
        )
    return out


@pytest.mark.parametrize("sid", ["S000", "S003", "COURT", "MULTI", "ROUND"])
def test_solid_is_closed_outward_and_has_the_right_volume(sid) -> None:
    footprint = _lonlat_footprints()[sid]
    shape, mesh = _solid(footprint)
    # Weld vertices by position: every directed edge must have exactly one reverse twin.
    keys = {tuple(np.round(p, 6)): i for i, p in enumerate(mesh.positions)}
    weld = np.array([keys[tuple(np.round(p, 6))] for p in mesh.positions])
    tri = weld[mesh.triangles]
    edges = Counter()
    for a, b, c in tri:
        edges.update([(a, b), (b, c), (c, a)])
    assert all(count == 1 for count in edges.values()), "an edge is used twice in one direction"
    assert all(edges[(b, a)] == 1 for a, b in edges), "the solid is not closed"
    # Signed volume > 0 <=> triangles wound counter-clockwise seen from outside.
    p = mesh.positions
    v = np.einsum(
        "ij,ij->i",
        p[mesh.triangles[:, 0]],
        np.cross(p[mesh.triangles[:, 1]], p[mesh.triangles[:, 2]]),
    )
    volume = v.sum() / 6
    local = shapely.transform(
        footprint,
        lambda xy: FRAME.to_local(xy[:, 0], xy[:, 1], np.zeros(len(xy)))[:, :2],
    )
    assert volume == pytest.approx(local.area * 12.0, rel=1e-3)
    # Every stored normal agrees with its triangle's geometric normal.
    a, b, c = p[mesh.triangles[:, 0]], p[mesh.triangles[:, 1]], p[mesh.triangles[:, 2]]
    face = np.cross(b - a, c - a)
    face /= np.linalg.norm(face, axis=1, keepdims=True)
    stored = mesh.normals[mesh.triangles[:, 0]]
    assert np.all(np.einsum("ij,ij->i", face, stored) > 0.999)
    if sid == "ROUND":
        assert len(shape.lonlat) == 360
    if sid == "COURT":
        # The courtyard is not roofed: roof area = outer square minus the hole.
        roof = shape.roof
        top = mesh.positions[: len(shape.lonlat)]
        ra = (
            0.5
            * np.linalg.norm(
                np.cross(top[roof[:, 1]] - top[roof[:, 0]], top[roof[:, 2]] - top[roof[:, 0]]),
                axis=1,
            ).sum()
        )
        assert ra == pytest.approx(40 * 40 - 20 * 20, rel=1e-3)


def test_degenerate_footprint_is_refused_with_a_message() -> None:
    line_like = shapely.Polygon([(4.83, 45.76), (4.8301, 45.76), (4.83, 45.76)])
    with pytest.raises(GeometryError, match="no area"):
        prism(line_like)


def test_true_3d_polygon_triangles_follow_its_winding() -> None:
    # A vertical wall facing south (ring counter-clockwise seen from the south).
    ring = np.array([[0, 0, 0], [10, 0, 0], [10, 0, 5], [0, 0, 5], [0, 0, 0]], dtype=float)
    pts, tri = triangulate_3d([ring])
    n = np.cross(pts[tri[:, 1]] - pts[tri[:, 0]], pts[tri[:, 2]] - pts[tri[:, 0]])
    assert len(tri) == 2 and np.all(n[:, 1] < 0)
    mesh = surface_mesh([[ring]], 3)
    assert np.allclose(mesh.normals, [0, -1, 0]) and set(mesh.feature) == {3}
