"""CityJSON 1.1/2.0 (one JSON document) and CityJSONSeq (``.city.jsonl``, one feature a line).

A CityJSON document shares one vertex list between all its objects, so it is read whole (the
format's size limit in practice: files of a few hundred MB are split into CityJSONSeq by cjio);
CityJSONSeq is streamed line by line, one building with its parts at a time. Both give
:class:`etl.citymodel.CityBuilding` records in the file's CRS, vertices decompressed with the
file's ``transform``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from etl.citymodel import SURFACE_TYPES, CityBuilding, Part, Polygon, Surface, surfaces_from_solid

BUILDING_TYPES = ("Building",)
PART_TYPES = ("BuildingPart",)


def _lod(value: object) -> int | None:
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _surfaces(geometry: dict) -> list[list[list[int]]]:
    """Every surface (list of rings of vertex indices) of a geometry, in boundary order."""
    kind, b = geometry["type"], geometry["boundaries"]
    if kind in ("MultiSurface", "CompositeSurface"):
        return list(b)
    if kind == "Solid":
        return [s for shell in b for s in shell]
    if kind in ("MultiSolid", "CompositeSolid"):
        return [s for solid in b for shell in solid for s in shell]
    return []


def _values(geometry: dict) -> list[int | None]:
    """The semantic surface index of each surface, flattened like ``_surfaces``."""
    values = geometry.get("semantics", {}).get("values")
    if values is None:
        return []
    out: list = []

    def walk(v):
        if isinstance(v, list):
            for x in v:
                walk(x)
        else:
            out.append(v)

    walk(values)
    return out


@dataclass
class _Reader:
    """Decodes the objects of one document or one CityJSONSeq feature."""

    vertices: np.ndarray
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: int = 0

    def polygon(self, rings: list[list[int]], where: str) -> Polygon | None:
        out = []
        for k, ring in enumerate(rings):
            idx = np.asarray(ring, dtype=np.int64)
            if len(idx) and (idx.min() < 0 or idx.max() >= len(self.vertices)):
                self.problems.append(
                    (where, f"vertex index {int(idx.max())}", f"< {len(self.vertices)} vertices")
                )
                return None
            if len(np.unique(idx)) < 3:
                if k == 0:
                    self.dropped += 1
                    return None
                continue
            pts = self.vertices[idx]
            out.append(np.concatenate([pts, pts[:1]]))
        return out

    def part(self, oid: str, obj: dict) -> Part | None:
        geoms = [g for g in obj.get("geometry", []) if _lod(g.get("lod")) in (1, 2)]
        if not geoms:
            return None
        lod = max(_lod(g["lod"]) for g in geoms)
        # The finest representation at that LoD (e.g. 2.2 over 2.0).
        geometry = max(
            (g for g in geoms if _lod(g["lod"]) == lod), key=lambda g: float(str(g["lod"]))
        )
        faces = _surfaces(geometry)
        values = _values(geometry)
        semantic = geometry.get("semantics", {}).get("surfaces", [])
        kept: list[tuple[int | None, Polygon]] = []
        for i, rings in enumerate(faces):
            poly = self.polygon(rings, f"{oid} surface {i}")
            if poly is not None:
                index = values[i] if i < len(values) else None
                valid = index is not None and 0 <= index < len(semantic)
                kept.append((index if valid else None, poly))
        attrs = dict(obj.get("attributes", {}))
        if not kept:
            return None
        if any(index is None for index, _ in kept):
            polys = [p for _, p in kept]
            return Part(oid, lod, surfaces_from_solid(polys), "normals", attrs)
        # One stored surface per semantic surface object, as CityGML's thematic surfaces.
        grouped: dict[int, list[Polygon]] = {}
        for index, poly in kept:
            grouped.setdefault(index, []).append(poly)
        surfaces = [
            Surface(SURFACE_TYPES.get(semantic[k].get("type"), "other"), polys, None)
            for k, polys in grouped.items()
        ]
        return Part(oid, lod, surfaces, "source", attrs)

    def building(self, oid: str, objects: dict) -> CityBuilding:
        obj = objects[oid]
        parts: list[Part] = []
        part_ids: list[str] = []
        queue = [oid]
        while queue:
            current = queue.pop(0)
            try:
                part = self.part(current, objects[current])
            except (KeyError, TypeError, ValueError, IndexError) as err:
                self.problems.append(
                    (
                        f"{current} geometry",
                        f"malformed ({type(err).__name__}: {err})",
                        "a geometry as the CityJSON specification writes it",
                    )
                )
                part = None
            if part is not None:
                parts.append(part)
            for child in objects[current].get("children", []):
                if child in objects and objects[child].get("type") in PART_TYPES:
                    part_ids.append(child)
                    queue.append(child)
        problems, self.problems = tuple(self.problems), []
        dropped, self.dropped = self.dropped, 0
        return CityBuilding(
            oid, dict(obj.get("attributes", {})), parts, tuple(part_ids), problems, dropped
        )


def _vertices(raw: list, transform: dict | None) -> np.ndarray:
    v = np.asarray(raw, dtype=np.float64).reshape(-1, 3)
    if transform:
        v = v * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
    return v


def reference_system(metadata: dict | None) -> str | None:
    """The CRS of a CityJSON ``metadata.referenceSystem`` (an OGC URL or URN), as given."""
    if not metadata:
        return None
    return metadata.get("referenceSystem")


def _buildings(objects: dict, vertices: np.ndarray) -> Iterator[CityBuilding]:
    reader = _Reader(vertices)
    for oid, obj in objects.items():
        if obj.get("type") in BUILDING_TYPES:
            yield reader.building(oid, objects)


@dataclass
class CityJSONStream:
    """Buildings of a CityJSON document or CityJSONSeq stream; header read first."""

    handle: IO[bytes]
    sequence: bool
    srs_names: list[str] = field(default_factory=list)
    version: str | None = None

    def buildings(self) -> Iterator[CityBuilding]:
        if not self.sequence:
            doc = json.load(self.handle)
            self._header(doc)
            vertices = _vertices(doc.get("vertices", []), doc.get("transform"))
            yield from _buildings(doc.get("CityObjects", {}), vertices)
            return
        header = None
        for line in self.handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if header is None:
                header = record
                self._header(record)
                continue
            vertices = _vertices(record.get("vertices", []), header.get("transform"))
            yield from _buildings(record.get("CityObjects", {}), vertices)

    def _header(self, doc: dict) -> None:
        self.version = str(doc.get("version"))
        crs = reference_system(doc.get("metadata"))
        if crs:
            self.srs_names.append(crs)
