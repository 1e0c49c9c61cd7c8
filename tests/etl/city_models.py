"""The real city models, and independent counts of them (plain lxml / json, not our readers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from lxml import etree

from tests.shared_data import SHARED_DATA, require

DATA = Path(__file__).resolve().parents[1] / "data"
LYON_LOD2 = SHARED_DATA / "lyon1_citygml_lod2" / "LYON_1ER_BATI_2015-20_bldg.gml"
VIENNA_LOD2 = SHARED_DATA / "vienna_bkm_lod2"
ZURICH_LOD2 = SHARED_DATA / "zurich_lod2_cityjson" / "zurich_subset_lod2.json"
HOUSE_1 = DATA / "house_citygml1.gml"
HOUSE_3 = DATA / "house_citygml3.gml"
BLDG2 = "{http://www.opengis.net/citygml/building/2.0}"
GML = "{http://www.opengis.net/gml}"


def gml_counts(paths: list[Path]) -> dict[str, int]:
    """Buildings, parts and RoofSurfaces (with at least one polygon of 3+ distinct positions)."""
    out = {"buildings": 0, "parts": 0, "roofs": 0, "roofs_in_file": 0}
    for path in paths:
        root = etree.parse(str(require(path))).getroot()
        out["buildings"] += len(root.findall(f".//{BLDG2}Building"))
        out["parts"] += len(root.findall(f".//{BLDG2}BuildingPart"))
        roofs = root.findall(f".//{BLDG2}RoofSurface")
        out["roofs_in_file"] += len(roofs)
        for roof in roofs:
            rings = [
                np.array(p.text.split(), float).reshape(-1, 3) for p in roof.iter(f"{GML}posList")
            ]
            if any(len(np.unique(r, axis=0)) >= 3 for r in rings):
                out["roofs"] += 1
    return out


def vienna_files() -> list[Path]:
    return sorted(require(VIENNA_LOD2).glob("*.city.gml"))


def cityjson_counts(path: Path) -> dict[str, int]:
    doc = json.loads(require(path).read_text(encoding="utf-8"))
    objects = doc["CityObjects"].values()
    roofs = 0
    for obj in objects:
        for geom in obj.get("geometry", []):
            roofs += sum(
                s["type"] == "RoofSurface" for s in geom.get("semantics", {}).get("surfaces", [])
            )
    return {
        "buildings": sum(o["type"] == "Building" for o in objects),
        "parts": sum(o["type"] == "BuildingPart" for o in objects),
        "roofs": roofs,
    }


def shell_volume(rings: list[np.ndarray]) -> float:
    """|Volume| enclosed by closed rings (x y z, last = first): the divergence theorem over fan
    triangles, exact for a closed shell of planar faces whatever their orientation convention.

    A shell with gaps (one of Vienna's parts has 6 unmatched edges) encloses no well-defined
    volume: the sum then depends on the origin, so it is taken at the shell's lowest box corner,
    the same point whatever order the rings come in."""
    origin = np.concatenate(rings).min(axis=0)
    total = 0.0
    for ring in rings:
        p = ring[:-1] - origin
        a, b, c = p[0], p[1:-1], p[2:]
        total += float(np.einsum("ij,ij->i", np.cross(b, c), np.broadcast_to(a, b.shape)).sum())
    return abs(total) / 6


def solid_volumes(path: Path) -> dict[str, float]:
    """Volume of every lod2Solid of a CityGML 2.0 file (by part id), from its own coordinates."""
    root = etree.parse(str(require(path))).getroot()
    out = {}
    for part in root.iter(f"{BLDG2}BuildingPart"):
        rings = [
            np.array(pos.text.split(), float).reshape(-1, 3)
            for solid in part.iter(f"{BLDG2}lod2Solid")
            for pos in solid.iter(f"{GML}posList")
        ]
        out[part.get(f"{GML}id")] = shell_volume(rings)
    return out
