"""One building version's stored surfaces as a CityJSON 2.0 document (pure).

CityJSON is what the tools of this field read for a single building (cjio, CityJSON viewers,
QGIS's CityJSON loader, 3DCityDB's importer): the surfaces keep their semantics (RoofSurface,
WallSurface …), parts stay BuildingParts, and the coordinates are the source CRS's metres with
the heights as in the source. Vertices are shared between surfaces and compressed with a 1 mm
``transform``, as the specification recommends.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Stored surface type -> CityJSON semantic surface type (``other``: no semantics).
SEMANTICS = {
    "roof": "RoofSurface",
    "wall": "WallSurface",
    "ground": "GroundSurface",
    "closure": "ClosureSurface",
    "outer_ceiling": "OuterCeilingSurface",
    "outer_floor": "OuterFloorSurface",
}
#: Keys the loader adds to source_attributes (not attributes of the source object itself).
LOADER_KEYS = ("parts", "surfaces_from", "model_format")
SCALE = 0.001


def reference_system(source_crs: str) -> str | None:
    """The OGC URL of an ``EPSG:n`` label (CityJSON's ``referenceSystem``)."""
    if source_crs.startswith("EPSG:") and source_crs[5:].isdigit():
        return f"https://www.opengis.net/def/crs/EPSG/0/{source_crs[5:]}"
    return None


def cityjson(
    source_id: str,
    lod: int,
    geom: shapely.Geometry,
    types: list[str],
    parts: list[int],
    attributes: dict,
    source_crs: str,
    vertical_datum: str | None,
) -> dict:
    """The CityJSON document of one building: itself and its parts, surfaces with semantics."""
    members = list(shapely.get_parts(geom))
    rings: list[np.ndarray] = []
    layout = []  # per member: per polygon: number of rings
    for member in members:
        polys = []
        for poly in shapely.get_parts(member):
            these = [poly.exterior, *poly.interiors]
            rings += [shapely.get_coordinates(r, include_z=True)[:-1] for r in these]
            polys.append(len(these))
        layout.append(polys)
    xyz = np.concatenate(rings) if rings else np.zeros((0, 3))
    translate = xyz.min(axis=0) if len(xyz) else np.zeros(3)
    ints = np.round((xyz - translate) / SCALE).astype(np.int64)
    unique, index = np.unique(ints, axis=0, return_inverse=True)
    index = index.reshape(-1)
    cuts = np.cumsum([len(r) for r in rings])[:-1]
    ring_idx = iter(np.split(index, cuts))
    part_list = attributes.get("parts", [])
    ids = [source_id] + [p.get("id", f"{source_id}-part-{k + 1}") for k, p in enumerate(part_list)]
    geometry: dict[int, dict] = {}
    for member, kind, part in zip(layout, types, parts, strict=True):
        g = geometry.setdefault(
            part,
            {
                "type": "MultiSurface",
                "lod": str(lod),
                "boundaries": [],
                "semantics": {"surfaces": [], "values": []},
            },
        )
        # One semantic object per stored surface (a thematic surface of the source), shared by
        # its polygons, so the surfaces count as in the source.
        name = SEMANTICS.get(kind)
        surfaces = g["semantics"]["surfaces"]
        if name is not None:
            surfaces.append({"type": name})
        for n_rings in member:
            g["boundaries"].append([next(ring_idx).tolist() for _ in range(n_rings)])
            g["semantics"]["values"].append(None if name is None else len(surfaces) - 1)
    objects: dict[str, dict] = {}
    own = {k: v for k, v in attributes.items() if k not in LOADER_KEYS}
    if vertical_datum:
        own["heightReference"] = vertical_datum
    building: dict = {"type": "Building", "attributes": own}
    if part_list:
        building["children"] = ids[1:]
    if 0 in geometry:
        building["geometry"] = [geometry[0]]
    objects[source_id] = building
    for k, part in enumerate(part_list, start=1):
        entry: dict = {
            "type": "BuildingPart",
            "parents": [source_id],
            "attributes": {key: v for key, v in part.items() if key != "id"},
        }
        if k in geometry:
            entry["geometry"] = [geometry[k]]
        objects[ids[k]] = entry
    metadata: dict = {"title": f"Building {source_id}"}
    crs = reference_system(source_crs)
    if crs:
        metadata["referenceSystem"] = crs
    return {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [SCALE] * 3, "translate": translate.tolist()},
        "metadata": metadata,
        "CityObjects": objects,
        "vertices": unique.tolist(),
    }
