"""City-model readers (no database): every format and version, told by content, counted right."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from etl.citymodel import footprint, signed_volume, z_range
from etl.model_files import model_files, open_model, sniff
from tests.etl.city_models import (
    HOUSE_1,
    HOUSE_3,
    LYON_LOD2,
    ZURICH_LOD2,
    cityjson_counts,
    gml_counts,
    vienna_files,
)
from tests.shared_data import LYON_BUILDINGS, require


def read(path: Path):
    [(p, kind)] = model_files(path)
    with open_model(p, kind) as stream:
        buildings = list(stream.buildings())
    return stream, buildings


def counts(buildings) -> dict[str, int]:
    return {
        "buildings": len(buildings),
        "parts": sum(len(b.part_ids) for b in buildings),
        "roofs": sum(s.kind == "roof" for b in buildings for p in b.parts for s in p.surfaces),
    }


def test_lyon_counts_equal_an_independent_count() -> None:
    stream, buildings = read(require(LYON_LOD2))
    expected = gml_counts([LYON_LOD2])
    assert (stream.version, stream.srs_names) == ("2.0", [])  # no srsName: --crs needed
    assert counts(buildings) == {k: expected[k] for k in ("buildings", "parts", "roofs")}
    assert expected == {"buildings": 20, "parts": 20, "roofs": 959, "roofs_in_file": 959}
    # One roof polygon has a two-position hole: the hole is dropped and counted, not hidden.
    assert sum(b.dropped for b in buildings) == 1
    assert all(p.semantics == "source" for b in buildings for p in b.parts)


def test_vienna_solids_get_roofs_walls_and_grounds_from_their_normals() -> None:
    files = vienna_files()
    expected = gml_counts(files)
    buildings = [b for f in files for b in read(f)[1]]
    got = counts(buildings)
    assert (
        (got["buildings"], got["parts"]) == (expected["buildings"], expected["parts"]) == (5, 378)
    )
    assert expected["roofs_in_file"] == 0
    for b in buildings:
        for part in b.parts:
            kinds = {s.kind for s in part.surfaces}
            assert part.semantics == "normals" and kinds == {"roof", "wall", "ground"}, (
                part.source_id
            )
            assert part.attributes["roofType"].endswith("DACH")  # FLACHDACH, SATTELDACH …
            # Outward: the roofs' polygons lie above the grounds'.
            roof = max(
                r[:, 2].max()
                for s in part.surfaces
                if s.kind == "roof"
                for p in s.polygons
                for r in p
            )
            ground = min(
                r[:, 2].min()
                for s in part.surfaces
                if s.kind == "ground"
                for p in s.polygons
                for r in p
            )
            assert roof > ground


def test_zurich_cityjson_counts_equal_an_independent_count() -> None:
    stream, buildings = read(require(ZURICH_LOD2))
    assert stream.version == "1.1" and stream.srs_names == [
        "https://www.opengis.net/def/crs/EPSG/0/2056"
    ]
    assert (
        counts(buildings)
        == cityjson_counts(ZURICH_LOD2)
        == {"buildings": 49, "parts": 161, "roofs": 644}
    )


def test_cityjsonseq_and_cityjson_2_read_like_the_document(tmp_path) -> None:
    """CityJSONSeq written from the Zurich document (one feature per building and its parts)."""
    doc = json.loads(require(ZURICH_LOD2).read_text(encoding="utf-8"))
    objects, vertices = doc["CityObjects"], doc["vertices"]
    lines = [
        json.dumps(
            {
                "type": "CityJSON",
                "version": "2.0",
                "transform": doc["transform"],
                "metadata": doc["metadata"],
                "CityObjects": {},
                "vertices": [],
            }
        )
    ]
    for oid, obj in objects.items():
        if obj["type"] != "Building":
            continue
        members = {oid: obj, **{c: objects[c] for c in obj.get("children", [])}}
        used = sorted(
            {
                i
                for o in members.values()
                for g in o.get("geometry", [])
                for i in _flat(g["boundaries"])
            }
        )
        remap = {old: new for new, old in enumerate(used)}
        feature = {
            "type": "CityJSONFeature",
            "id": oid,
            "vertices": [vertices[i] for i in used],
            "CityObjects": {k: _remapped(v, remap) for k, v in members.items()},
        }
        lines.append(json.dumps(feature))
    seq = tmp_path / "zurich.city.jsonl"
    seq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert sniff(seq) == "cityjsonseq"
    stream, buildings = read(seq)
    assert stream.version == "2.0"
    _, original = read(ZURICH_LOD2)
    assert counts(buildings) == counts(original)
    by_id = {b.source_id: b for b in original}
    for b in buildings:
        assert footprint(b).equals_exact(footprint(by_id[b.source_id]), 1e-6)
    v2 = dict(doc, version="2.0")
    path = tmp_path / "zurich_v2.json"
    path.write_text(json.dumps(v2), encoding="utf-8")
    assert read(path)[0].version == "2.0" and counts(read(path)[1]) == counts(original)


def _flat(b):
    for x in b:
        if isinstance(x, list):
            yield from _flat(x)
        else:
            yield x


def _remapped(obj: dict, remap: dict) -> dict:
    def walk(b):
        return [walk(x) for x in b] if isinstance(b, list) else remap[b]

    out = dict(obj)
    out["geometry"] = [dict(g, boundaries=walk(g["boundaries"])) for g in obj.get("geometry", [])]
    return out


@pytest.mark.parametrize("path", [HOUSE_1, HOUSE_3], ids=["citygml1", "citygml3"])
def test_small_citygml_1_and_3_houses(path: Path) -> None:
    """The gabled house (tests/data/make_city_models.py): 600 m3, 80 m2, 9 m high, 2 roofs."""
    stream, [b] = read(path)
    assert stream.version == ("1.0" if path == HOUSE_1 else "3.0")
    polygons = [q for p in b.parts for s in p.surfaces for q in s.polygons]
    assert sum(
        signed_volume([q for s in p.surfaces for q in s.polygons]) for p in b.parts
    ) == pytest.approx(600)
    assert footprint(b).area == pytest.approx(80) and z_range(b) == (520.0, 520.0, 529.0)
    roofs = [s for p in b.parts for s in p.surfaces if s.kind == "roof"]
    assert sum(len(s.polygons) for s in roofs) == (2 if path == HOUSE_1 else 4)
    assert len(polygons) == (7 if path == HOUSE_1 else 14)
    assert b.attributes["storeysAboveGround"] == 2
    if path == HOUSE_1:
        assert b.attributes["Gemeindeschluessel"] == "09162000"  # a code keeps its zero
        assert (b.attributes["roofType"], b.attributes["measuredHeight"]) == ("3100", 9.0)
    else:
        assert b.part_ids == ("DEBY_HOUSE_3_P1", "DEBY_HOUSE_3_P2")
        assert b.attributes["validFrom"] == "2016-05-01T00:00:00"
        assert [p.attributes["Teil"] for p in b.parts] == ["1", "2"]


def test_gzip_and_content_sniffing(tmp_path) -> None:
    gz = tmp_path / "house.xml.gz"
    gz.write_bytes(gzip.compress(HOUSE_1.read_bytes()))
    assert sniff(gz) == "citygml" and read(gz)[1][0].source_id == "DEBY_HOUSE_1"
    # Not city models: GeoJSON footprints and a GML that is not CityGML go to the GDAL reader.
    assert sniff(require(LYON_BUILDINGS)) is None
    other = tmp_path / "footprints.gml"
    other.write_text('<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/"/>')
    assert sniff(other) is None
    renamed = tmp_path / "model.txt"
    shutil.copy(ZURICH_LOD2, renamed)
    assert sniff(renamed) == "cityjson"


def test_lod1_when_that_is_all_there_is(tmp_path) -> None:
    """The CityGML 3.0 house with its solids as lod1Solid: read as LoD1, typed by normals."""
    lod1 = tmp_path / "house_lod1.gml"
    lod1.write_text(HOUSE_3.read_text(encoding="utf-8").replace("lod2Solid", "lod1Solid"))
    _, [b] = read(lod1)
    assert b.lod == 1 and {p.lod for p in b.parts} == {1}
    assert {s.kind for p in b.parts for s in p.surfaces} == {"roof", "wall", "ground"}
    nothing = tmp_path / "house_lod3.gml"
    nothing.write_text(HOUSE_3.read_text(encoding="utf-8").replace("lod2Solid", "lod3Solid"))
    _, [b] = read(nothing)
    assert b.parts == []  # the loader reports it: no LoD1 or LoD2 geometry
