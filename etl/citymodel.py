"""City models (CityGML, CityJSON) as plain records, and the pure geometry done on them.

The readers (``etl.citygml``, ``etl.cityjson``) turn a file into :class:`CityBuilding` records in
the file's own CRS; everything here is pure and format-free: which LoD to keep, surface types
derived from normals when a model has solids without thematic surfaces (Vienna), the footprint
(ground surfaces, or the projection of the whole geometry), the ground and roof heights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]

#: Thematic surface types as stored (``kc.building_version.surface_types``), by CityGML class
#: name (CityJSON uses the same names in its semantics).
SURFACE_TYPES = {
    "RoofSurface": "roof",
    "WallSurface": "wall",
    "GroundSurface": "ground",
    "ClosureSurface": "closure",
    "OuterCeilingSurface": "outer_ceiling",
    "OuterFloorSurface": "outer_floor",
}
#: Every stored type (``other``: a surface without semantics that normals cannot classify).
STORED_TYPES = (*SURFACE_TYPES.values(), "other")

#: A surface whose unit normal has an upward component above this is a roof, below minus
#: ``GROUND_NZ`` a ground (floor); in between a wall. sin(11.5 deg) = 0.2: real walls are within a
#: few degrees of vertical, the flattest real roofs (1-2 % slope) still point almost straight up.
WALL_NZ = 0.2
GROUND_NZ = 0.7


Ring = FloatArray  # (n, 3), closed (first == last)
Polygon = list[Ring]  # exterior first, then holes


@dataclass(frozen=True)
class Surface:
    """One thematic surface (or one derived from a solid): its type and polygons."""

    kind: str
    polygons: list[Polygon]
    source_id: str | None = None


@dataclass(frozen=True)
class Part:
    """A building or building part with its own geometry: the chosen LoD and its surfaces."""

    source_id: str
    lod: int
    surfaces: list[Surface]
    #: "source" (thematic surfaces in the file) or "normals" (derived from a solid's faces)
    semantics: str
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CityBuilding:
    """A building as a model file gives it: its id, attributes and parts (itself first)."""

    source_id: str
    attributes: dict
    parts: list[Part]
    #: Part ids of the model that are BuildingParts (the building itself is not counted).
    part_ids: tuple[str, ...] = ()
    #: Problems found while reading (surface, found, expected); reported with the building id.
    problems: tuple[tuple[str, str, str], ...] = ()
    #: Degenerate polygons (no area) the reader left out.
    dropped: int = 0

    @property
    def lod(self) -> int:
        return max((p.lod for p in self.parts), default=0)


def newell_normal(ring: Ring) -> FloatArray:
    """Newell's normal of a closed ring (length = twice the area): robust for non-planar rings.

    Written with slices of the closed ring (no roll, no copy): it runs for every polygon read."""
    p, q = ring[:-1], ring[1:]
    return np.array(
        [
            ((p[:, 1] - q[:, 1]) * (p[:, 2] + q[:, 2])).sum(),
            ((p[:, 2] - q[:, 2]) * (p[:, 0] + q[:, 0])).sum(),
            ((p[:, 0] - q[:, 0]) * (p[:, 1] + q[:, 1])).sum(),
        ]
    )


def signed_volume(polygons: list[Polygon]) -> float:
    """Signed volume enclosed by polygons (divergence theorem; > 0 when they face outward).

    Holes subtract with their own (reverse) orientation. Exact for a closed, planar-faced shell;
    the origin is moved to the first vertex to keep the sums well-conditioned.
    """
    rings = [r for poly in polygons for r in poly]
    if not rings:
        return 0.0
    origin = rings[0][0]
    total = 0.0
    for poly in polygons:
        for ring in poly:
            p = ring - origin
            if len(p) > 1 and np.array_equal(p[0], p[-1]):
                p = p[:-1]
            # Fan triangles from the first vertex: sum of det(a, b, c) / 6.
            a, b, c = p[0], p[1:-1], p[2:]
            det = np.einsum("ij,ij->i", np.cross(b, c), np.broadcast_to(a, b.shape))
            total += float(det.sum()) / 6.0
    return total


def outward(polygons: list[Polygon]) -> list[Polygon]:
    """The faces of a solid facing outward: all reversed when its signed volume is negative (a
    shell written inside out), so normals, roofs and grounds come out right."""
    if signed_volume(polygons) >= 0:
        return polygons
    return [[ring[::-1].copy() for ring in poly] for poly in polygons]


def classify(polygons: list[Polygon]) -> list[str]:
    """Surface types of an outward-facing solid's faces from their normals (roof, wall, ground)."""
    kinds = []
    for poly in polygons:
        n = newell_normal(poly[0])
        length = float(np.linalg.norm(n))
        nz = n[2] / length if length else 0.0
        kinds.append("roof" if nz > WALL_NZ else "ground" if nz < -GROUND_NZ else "wall")
    return kinds


def surfaces_from_solid(polygons: list[Polygon]) -> list[Surface]:
    """A solid without thematic surfaces as one derived surface per type (roof, wall, ground),
    faces turned outward first."""
    polygons = outward(polygons)
    kinds = classify(polygons)
    out = []
    for kind in ("roof", "wall", "ground"):
        chosen = [p for p, k in zip(polygons, kinds, strict=True) if k == kind]
        if chosen:
            out.append(Surface(kind, chosen))
    return out


def all_polygons(building: CityBuilding) -> list[Polygon]:
    return [poly for part in building.parts for s in part.surfaces for poly in s.polygons]


def footprint(building: CityBuilding) -> shapely.Geometry:
    """The 2D footprint in the model's CRS: the union of the ground surfaces, or else the union
    of every polygon seen from above (vertical walls add nothing)."""
    ground = [
        poly
        for part in building.parts
        for s in part.surfaces
        if s.kind == "ground"
        for poly in s.polygons
    ]
    chosen = ground or all_polygons(building)
    flat = [
        shapely.Polygon(poly[0][:, :2], [r[:, :2] for r in poly[1:]])
        for poly in chosen
        if len(poly[0]) >= 4
    ]
    flat = [shapely.make_valid(p) if not p.is_valid else p for p in flat]
    flat = [p for p in flat if p.area > 0]
    if not flat:
        return shapely.Polygon()
    # A grid of 1 mm merges the shared edges of adjacent faces without moving any vertex further.
    union = shapely.union_all(flat, grid_size=0.001)
    polys = shapely.get_parts(union)
    polys = [p for p in polys if isinstance(p, shapely.Polygon) and p.area > 0]
    return shapely.MultiPolygon(polys) if polys else shapely.Polygon()


def z_range(building: CityBuilding) -> tuple[float, float, float]:
    """(ground, lowest, highest) z: ground = the lowest ground-surface z, else the lowest z."""
    zs = np.concatenate([r[:, 2] for poly in all_polygons(building) for r in poly])
    ground_z = [
        r[:, 2].min()
        for part in building.parts
        for s in part.surfaces
        if s.kind == "ground"
        for poly in s.polygons
        for r in poly
    ]
    lowest = float(zs.min())
    return (float(min(ground_z)) if ground_z else lowest), lowest, float(zs.max())
