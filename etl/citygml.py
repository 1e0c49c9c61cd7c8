"""CityGML 1.0, 2.0 and 3.0 buildings, streamed: one building in memory at a time.

lxml's ``iterparse`` hands over each ``Building`` when its end tag is read; it is turned into a
:class:`etl.citymodel.CityBuilding` and its elements are then cleared and unlinked from the tree,
so memory stays that of the largest building whatever the file size (``bench/load_citygml.py``).
Elements are matched by local name within the CityGML/GML namespaces of all three versions; the
version is told by the building module's namespace.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from lxml import etree

from etl.citymodel import (
    SURFACE_TYPES,
    CityBuilding,
    Part,
    Polygon,
    Surface,
    newell_normal,
    surfaces_from_solid,
)

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
#: Attributes kept by name (CityGML 1.0-3.0 core and building modules).
NAMED_ATTRIBUTES = (
    "measuredHeight",
    "roofType",
    "storeysAboveGround",
    "storeysBelowGround",
    "creationDate",
    "terminationDate",
    "validFrom",
    "validTo",
    "function",
    "usage",
    "class",
    "yearOfConstruction",
    "yearOfDemolition",
)
#: Named attributes with a numeric type (the others, codes and dates included, stay text).
NUMERIC_ATTRIBUTES = {
    "measuredHeight": float,
    "storeysAboveGround": int,
    "storeysBelowGround": int,
    "yearOfConstruction": int,
    "yearOfDemolition": int,
}
GENERIC = {
    "stringAttribute": str,
    "intAttribute": int,
    "doubleAttribute": float,
    "dateAttribute": str,
    "uriAttribute": str,
    "measureAttribute": float,
    "StringAttribute": str,
    "IntAttribute": int,
    "DoubleAttribute": float,
    "DateAttribute": str,
    "UriAttribute": str,
    "MeasureAttribute": float,
}
PART_TAGS = ("BuildingPart",)
BOUNDARY_TAGS = ("boundedBy", "boundary")
MIN_RING = 4  # three distinct positions and the closing one


def _local(tag: object) -> str:
    """The local name of a tag ('{ns}name' or 'name'); '' for comments and processing
    instructions (a plain string split: QName objects cost more than the parse)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def version_of(namespace: str) -> str | None:
    """'1.0', '2.0' or '3.0' for a CityGML building module namespace, else None."""
    for version in ("1.0", "2.0", "3.0"):
        if namespace.startswith("http://www.opengis.net/citygml/") and namespace.endswith(version):
            return version
    return None


def _gml_id(elem) -> str | None:
    for key, value in elem.attrib.items():
        if _local(key) == "id":
            return value
    return None


@dataclass
class _Context:
    """Per-building state: where problems are reported, and the polygons by gml:id (xlinks)."""

    building_id: str
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    ids: dict[str, object] | None = None
    #: Degenerate polygons (fewer than 3 distinct positions, or no area) left out.
    dropped: int = 0

    def polygon_by_id(self, root, ref: str):
        if self.ids is None:
            self.ids = {}
            for elem in root.iter():
                if _local(elem.tag) in ("Polygon", "Triangle", "OrientableSurface"):
                    gid = _gml_id(elem)
                    if gid:
                        self.ids[gid] = elem
        return self.ids.get(ref.lstrip("#"))


def _dimension(elem) -> int:
    node = elem
    while node is not None:
        dim = node.get("srsDimension")
        if dim:
            return int(dim)
        node = node.getparent()
    return 3


def _ring(ring, ctx: _Context, where: str) -> np.ndarray | None:
    """The (n, 3) positions of a LinearRing (posList, pos or coordinates), checked: None after a
    problem, no positions when the ring is degenerate (fewer than 3 + 1 positions)."""
    values: list[str] = []
    dim = 3
    for child in ring:
        name = _local(child.tag)
        if name == "posList":
            values += (child.text or "").split()
            dim = _dimension(child)
        elif name == "pos":
            values += (child.text or "").split()
            dim = int(child.get("srsDimension") or _dimension(ring))
        elif name == "coordinates":
            values += (child.text or "").replace(",", " ").split()
    try:
        coords = np.array(values, dtype=np.float64)
    except ValueError:
        ctx.problems.append((where, "a non-numeric coordinate", "numbers in posList/pos"))
        return None
    if dim != 3:
        ctx.problems.append((where, f"{dim}D coordinates", "3D coordinates (x y z)"))
        return None
    if len(coords) % 3:
        ctx.problems.append(
            (where, f"{len(coords)} numbers", "a multiple of 3 numbers (x y z per position)")
        )
        return None
    pts = coords.reshape(-1, 3)
    if not np.isfinite(pts).all():
        ctx.problems.append((where, "a NaN or infinite coordinate", "finite coordinates"))
        return None
    if len(pts) < MIN_RING:
        return pts[:0]  # degenerate: no area, nothing to draw (the caller drops and counts it)
    if not np.array_equal(pts[0], pts[-1]):
        first = " ".join(f"{v:g}" for v in pts[0])
        last = " ".join(f"{v:g}" for v in pts[-1])
        ctx.problems.append(
            (where, f"an open ring (first {first}, last {last})", "a closed ring (last = first)")
        )
        return None
    return pts


def _polygon(elem, ctx: _Context, where: str) -> Polygon | None:
    exterior, interiors = None, []
    for child in elem:
        name = _local(child.tag)
        if name in ("exterior", "outerBoundaryIs", "interior", "innerBoundaryIs"):
            rings = [r for r in child if _local(r.tag) == "LinearRing"]
            if not rings:
                continue
            pts = _ring(rings[0], ctx, where)
            if pts is None:
                return None
            if not len(pts):
                ctx.dropped += 1  # a degenerate ring: dropped and counted, like a repair
                if name in ("exterior", "outerBoundaryIs"):
                    return None
                continue
            if name in ("exterior", "outerBoundaryIs"):
                exterior = pts
            else:
                interiors.append(pts)
    if exterior is None:
        ctx.problems.append((where, "a polygon without exterior ring", "an exterior LinearRing"))
        return None
    return [exterior, *interiors]


def _polygons(geometry, ctx: _Context, root, label: str) -> list[Polygon]:
    """Every polygon under a geometry element, xlinked surface members resolved in the building."""
    out: list[Polygon] = []
    stack = [geometry]
    n = 0
    while stack:
        elem = stack.pop()
        name = _local(elem.tag)
        if name in ("Polygon", "Triangle"):
            n += 1
            where = f"{label} polygon {_gml_id(elem) or n}"
            poly = _polygon(elem, ctx, where)
            if poly is None:
                continue
            if not np.linalg.norm(newell_normal(poly[0])) > 0:
                ctx.dropped += 1
                continue
            out.append(poly)
            continue
        href = elem.get(XLINK_HREF)
        if href is not None and len(elem) == 0:
            target = ctx.polygon_by_id(root, href)
            if target is None:
                ctx.problems.append(
                    (label, f"a link to {href} not found in the building", "a gml:id in it")
                )
            else:
                stack.append(target)
            continue
        stack.extend(reversed(list(elem)))
    return out


def _lod_geometries(elem) -> dict[int, list]:
    """The ``lodN...`` geometry properties directly under ``elem``, by N (1 and 2 only)."""
    found: dict[int, list] = {}
    for child in elem:
        name = _local(child.tag)
        if (
            name.startswith("lod")
            and len(name) > 3
            and name[3] in "12"
            and name.endswith(("Solid", "MultiSurface", "CompositeSurface", "Geometry"))
        ):
            found.setdefault(int(name[3]), []).append(child)
    return found


def _thematic(elem) -> list:
    return [
        surface
        for child in elem
        if _local(child.tag) in BOUNDARY_TAGS
        for surface in child
        if _local(surface.tag) in SURFACE_TYPES
    ]


def _part(elem, ctx: _Context, root, part_id: str) -> Part | None:
    """The geometry of one building or part (not of its nested parts): LoD2, else LoD1."""
    thematic = _thematic(elem)
    direct = _lod_geometries(elem)
    for lod in (2, 1):
        surfaces = []
        for surface in thematic:
            geoms = _lod_geometries(surface).get(lod, [])
            if not geoms:
                continue
            kind = SURFACE_TYPES[_local(surface.tag)]
            label = f"{_local(surface.tag)} {_gml_id(surface) or ''}".strip()
            polys = [p for g in geoms for p in _polygons(g, ctx, root, label)]
            if polys:
                surfaces.append(Surface(kind, polys, _gml_id(surface)))
        if surfaces:
            return Part(part_id, lod, surfaces, "source", _attributes(elem))
        if lod in direct:
            label = f"lod{lod} geometry of {part_id}"
            polys = [p for g in direct[lod] for p in _polygons(g, ctx, root, label)]
            if polys:
                return Part(part_id, lod, surfaces_from_solid(polys), "normals", _attributes(elem))
    return None


def _typed(text: str | None, cast: type) -> object:
    """The value as its declared type (a code such as ``09162000`` stays text); as text when it
    does not parse, so nothing of the source is lost."""
    text = (text or "").strip()
    if cast is str:
        return text
    try:
        return cast(text)
    except ValueError:
        try:
            return float(text) if cast is int else text
        except ValueError:
            return text


def _attributes(elem) -> dict:
    """Named and generic attributes directly under a building or part, typed when numeric."""
    out: dict = {}
    for child in elem:
        name = _local(child.tag)
        if name in NAMED_ATTRIBUTES:
            out[name] = _typed(child.text, NUMERIC_ATTRIBUTES.get(name, str))
        elif name in GENERIC:
            key = child.get("name")
            values = [c for c in child if _local(c.tag) == "value"]
            if key and values:
                out[key] = _typed(values[0].text, GENERIC[name])
        elif name == "genericAttribute":
            for attr in child:
                names = [c.text for c in attr if _local(c.tag) == "name"]
                values = [c.text for c in attr if _local(c.tag) == "value"]
                if names and values:
                    out[names[0]] = _typed(values[0], GENERIC.get(_local(attr.tag), str))
    return out


def _parts_of(elem) -> list:
    return [
        part
        for child in elem
        if _local(child.tag) in ("consistsOfBuildingPart", "buildingPart")
        for part in child
        if _local(part.tag) in PART_TAGS
    ]


def building(elem) -> CityBuilding:
    """A ``bldg:Building`` element (with its parts) as a record; problems kept in it."""
    source_id = _gml_id(elem) or ""
    ctx = _Context(source_id or "(no gml:id)")
    parts: list[Part] = []
    part_ids: list[str] = []
    stack = [(elem, source_id)]
    while stack:
        node, node_id = stack.pop(0)
        part = _part(node, ctx, elem, node_id)
        if part is not None:
            parts.append(part)
        for sub in _parts_of(node):
            sub_id = _gml_id(sub) or f"{node_id}/part {len(part_ids) + 1}"
            part_ids.append(sub_id)
            stack.append((sub, sub_id))
    return CityBuilding(
        source_id, _attributes(elem), parts, tuple(part_ids), tuple(ctx.problems), ctx.dropped
    )


@dataclass
class CityGMLStream:
    """Buildings of a CityGML file, streamed; ``srs_names`` and ``version`` fill in as it reads."""

    handle: IO[bytes]
    srs_names: list[str] = field(default_factory=list)
    version: str | None = None

    def buildings(self) -> Iterator[CityBuilding]:
        context = etree.iterparse(
            self.handle, events=("end",), huge_tree=True, remove_blank_text=True
        )
        for _event, elem in context:
            srs = elem.get("srsName")
            if srs and srs not in self.srs_names:
                self.srs_names.append(srs)
            tag = elem.tag
            if not isinstance(tag, str):
                continue
            if _local(tag) == "Building" and not _inside_building(elem):
                self.version = self.version or version_of(etree.QName(tag).namespace or "")
                yield building(elem)
                elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None and parent.getparent() is None:
                # A member of the root (cityObjectMember, appearanceMember…) is done: drop it.
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:
                    del parent[0]


def _inside_building(elem) -> bool:
    node = elem.getparent()
    while node is not None:
        if _local(node.tag) == "Building":
            return True
        node = node.getparent()
    return False
