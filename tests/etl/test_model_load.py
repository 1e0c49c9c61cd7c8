"""``kc load buildings`` on city models: real files, reloads, a moved roof, a bad polygon,
volumes and footprints checked against independent computations (lxml, SFCGAL)."""

from __future__ import annotations

import json

import numpy as np
import psycopg2
import pytest
import shapely
from lxml import etree

from gis.store.crs import to_wgs84
from tests.etl.city_models import (
    BLDG2,
    GML,
    HOUSE_1,
    HOUSE_3,
    LYON_LOD2,
    VIENNA_LOD2,
    ZURICH_LOD2,
    cityjson_counts,
    gml_counts,
    shell_volume,
    solid_volumes,
    vienna_files,
)
from tests.etl.helpers import fingerprint, kc
from tests.shared_data import require

LYON_ARGS = ("--city", "lyon", "--at", "PM18", "--crs", "EPSG:3946+5720")
VIENNA_ARGS = ("--city", "vienna", "--at", "PM18", "--vertical-datum", "wiener-null")
ZURICH_ARGS = ("--city", "zurich", "--at", "PM18", "--vertical-datum", "EPSG:5728")


def add_zurich(db_url: str) -> None:
    """Zurich is no project city: a follower city without district, for the CityJSON sample."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO kc.city (code, name, role, country) "
            "VALUES ('zurich', '{\"en\": \"Zurich\"}', 'follower', 'CH')"
        )
    conn.close()


def stored_counts(db_url: str, city: str) -> dict[str, int]:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), sum(coalesce(jsonb_array_length(source_attributes->'parts'), 0)), "
            "sum((SELECT count(*) FROM unnest(surface_types) t WHERE t = 'roof')), min(lod) "
            "FROM kc.building_state('2017-07-31') WHERE city_code = %s",
            (city,),
        )
        n, parts, roofs, lod = cur.fetchone()
    conn.close()
    return {"buildings": n, "parts": int(parts), "roofs": int(roofs), "lod": lod}


@pytest.mark.parametrize("name", ["lyon", "vienna", "zurich"])
def test_real_models_load_and_count_like_the_file(db_url, name) -> None:
    if name == "zurich":
        add_zurich(db_url)
    path, args = {
        "lyon": (require(LYON_LOD2), LYON_ARGS),
        "vienna": (require(VIENNA_LOD2), VIENNA_ARGS),
        "zurich": (require(ZURICH_LOD2), ZURICH_ARGS),
    }[name]
    result = kc(db_url, "load", "buildings", path, *args)
    assert result.exit_code == 0, result.output
    expected = {
        "lyon": lambda: gml_counts([LYON_LOD2]),
        "vienna": lambda: gml_counts(vienna_files()),
        "zurich": lambda: cityjson_counts(ZURICH_LOD2),
    }[name]()
    got = stored_counts(db_url, name)
    assert got["lod"] == 2
    assert (got["buildings"], got["parts"]) == (expected["buildings"], expected["parts"])
    if name == "vienna":  # no thematic surfaces in the file: one roof derived per part
        assert expected["roofs"] == 0 and got["roofs"] == expected["parts"] == 378
    else:
        assert got["roofs"] == expected["roofs"]
    assert f"new {expected['buildings']}," in result.output
    # Reloading the same model changes nothing, to the byte.
    before = fingerprint(db_url)
    again = kc(db_url, "load", "buildings", path, *args)
    assert again.exit_code == 0 and "(nothing changed)" in again.output, again.output
    assert fingerprint(db_url) == before


def test_one_roof_moved_one_metre_is_one_changed_version(db_url, tmp_path) -> None:
    assert kc(db_url, "load", "buildings", require(LYON_LOD2), *LYON_ARGS).exit_code == 0
    tree = etree.parse(str(LYON_LOD2))
    building = tree.getroot().findall(f".//{BLDG2}Building")[7]
    roof = building.find(f".//{BLDG2}RoofSurface")
    for pos in roof.iter(f"{GML}posList"):
        xyz = np.array(pos.text.split(), float).reshape(-1, 3)
        xyz[:, 2] += 1.0
        pos.text = " ".join(f"{v:.8f}" for v in xyz.ravel())
    moved = tmp_path / "lyon_moved_roof.gml"
    tree.write(str(moved))
    result = kc(db_url, "load", "buildings", moved, *LYON_ARGS)
    assert result.exit_code == 0, result.output
    assert "new 0, changed 1, unchanged 19, ended 0" in result.output
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT b.source_id FROM kc.building b JOIN kc.building_version v USING (building_id) "
            "GROUP BY b.source_id HAVING count(*) > 1"
        )
        assert cur.fetchall() == [(building.get(f"{GML}id"),)]
    conn.close()


def test_a_bad_polygon_is_reported_and_nothing_is_loaded(db_url, tmp_path) -> None:
    """An open ring in one roof of the real Lyon model: file, building, surface, found, expected."""
    text = LYON_LOD2.read_text(encoding="utf-8")
    tree = etree.parse(str(LYON_LOD2))
    building = tree.getroot().findall(f".//{BLDG2}Building")[3]
    roof = building.find(f".//{BLDG2}RoofSurface")
    pos = next(roof.iter(f"{GML}posList"))
    values = pos.text.split()
    pos.text = " ".join(values[:-3])  # drop the closing position
    bad = tmp_path / "lyon_open_ring.gml"
    tree.write(str(bad))
    assert len(text) > 0
    before = fingerprint(db_url)
    result = kc(db_url, "load", "buildings", bad, *LYON_ARGS)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "1 problem found, nothing was loaded" in out
    for part in (
        bad.name,
        building.get(f"{GML}id"),
        "RoofSurface",
        "an open ring",
        "a closed ring",
    ):
        assert part in out, (part, result.output)
    assert "Traceback" not in result.output
    assert fingerprint(db_url) == before


def test_no_crs_is_a_problem_and_so_is_a_contradicting_one(db_url, tmp_path) -> None:
    no_crs = kc(db_url, "load", "buildings", require(LYON_LOD2), "--city", "lyon", "--at", "PM18")
    assert no_crs.exit_code == 1 and "--crs" in no_crs.output and "no srsName" in no_crs.output
    wrong = kc(
        db_url,
        "load",
        "buildings",
        HOUSE_1,
        "--city",
        "munich",
        "--at",
        "PM18",
        "--crs",
        "EPSG:3946",
    )
    assert wrong.exit_code == 1 and "the file's own CRS EPSG:25832+EPSG:7837" in wrong.output
    footprint_option = kc(
        db_url,
        "load",
        "buildings",
        HOUSE_1,
        "--city",
        "munich",
        "--at",
        "PM18",
        "--height-field",
        "h",
    )
    assert (
        footprint_option.exit_code == 2
        and "only apply to footprint files" in footprint_option.output
    )


@pytest.mark.parametrize("path", [HOUSE_1, HOUSE_3], ids=["citygml1", "citygml3"])
def test_small_houses_load_with_their_datum(db_url, path) -> None:
    result = kc(db_url, "load", "buildings", path, "--city", "munich", "--at", "PM18")
    assert result.exit_code == 0, result.output
    assert "heights above DHHN2016 height" in result.output
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT height, base_elevation, storeys, source_crs, vertical_datum, lod, "
            "ST_Area(ST_Transform(footprint, 25832)) FROM kc.building_state('2017-07-31')"
        )
        height, base, storeys, crs, datum, lod, area = cur.fetchone()
    conn.close()
    assert (height, base, storeys, crs, datum, lod) == (
        9.0,
        520.0,
        2,
        "EPSG:25832",
        "DHHN2016 height",
        2,
    )
    assert area == pytest.approx(80, rel=1e-3)


def test_stored_solids_have_the_volume_of_the_source(db_url) -> None:
    """Vienna's 378 lod2Solids: the stored surfaces of each part, taken back to EPSG:31256,
    enclose the volume the file's own coordinates (lxml) enclose, within 1 %.

    (SFCGAL's ST_Volume refuses these real solids: it checks planarity in exact arithmetic and
    no surveyed polygon is exactly planar. The divergence theorem needs no such thing.)"""
    assert kc(db_url, "load", "buildings", require(VIENNA_LOD2), *VIENNA_ARGS).exit_code == 0
    expected = {}
    for path in vienna_files():
        expected.update(solid_volumes(path))
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT v.source_attributes->'parts'->(d.part - 1)->>'id',
                      ST_AsBinary(ST_Collect(ST_GeometryN(v.geom_3d, d.i::int)))
                 FROM kc.building_state('2017-07-31') v,
                      LATERAL unnest(v.surface_parts) WITH ORDINALITY AS d(part, i)
                GROUP BY 1"""
        )
        rows = cur.fetchall()
    conn.close()
    back = to_wgs84("EPSG:31256", (16.3, 48.18, 16.38, 48.26))
    stored = {}
    for part_id, wkb in rows:
        rings = []
        for poly in shapely.get_parts(shapely.get_parts(shapely.from_wkb(bytes(wkb)))):
            for ring in [poly.exterior, *poly.interiors]:
                c = shapely.get_coordinates(ring, include_z=True)
                x, y = back.transform(c[:, 0], c[:, 1], direction="INVERSE")
                rings.append(np.column_stack([x, y, c[:, 2]]))
        stored[part_id] = shell_volume(rings)
    assert set(stored) == set(expected) and len(stored) == 378
    off = {k: (stored[k], expected[k]) for k in stored if abs(stored[k] / expected[k] - 1) > 0.01}
    assert off == {}
    assert sum(stored.values()) == pytest.approx(sum(expected.values()), rel=1e-3)


def _rings_2d(elem) -> list[shapely.Polygon]:
    out = []
    for poly in elem.iter(f"{GML}Polygon"):
        rings = [
            np.array(pos.text.split(), float).reshape(-1, 3)[:, :2]
            for side in ("exterior", "interior")
            for pos in poly.findall(f"{GML}{side}//{GML}posList")
        ]
        p = shapely.make_valid(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
        if p.area > 0:  # walls seen from above have none
            out.append(p)
    return out


@pytest.mark.parametrize("name", ["lyon", "vienna"])
def test_footprints_lie_within_half_a_metre_of_the_source(db_url, name) -> None:
    """Lyon: the union of each building's GroundSurfaces; Vienna: its solids seen from above."""
    if name == "lyon":
        files, args, crs = [LYON_LOD2], LYON_ARGS, "EPSG:3946"
    else:
        files, args, crs = vienna_files(), VIENNA_ARGS, "EPSG:31256"
    path = LYON_LOD2 if name == "lyon" else VIENNA_LOD2
    assert kc(db_url, "load", "buildings", require(path), *args).exit_code == 0
    source = {}
    for f in files:
        for b in etree.parse(str(f)).getroot().iter(f"{BLDG2}Building"):
            if name == "lyon":
                polys = [p for g in b.iter(f"{BLDG2}GroundSurface") for p in _rings_2d(g)]
            else:
                polys = _rings_2d(b)
            source[b.get(f"{GML}id")] = shapely.union_all(polys)
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT source_id, ST_AsBinary(footprint) FROM kc.building_state('2017-07-31') "
            "WHERE city_code = %s",
            (name,),
        )
        stored = {sid: shapely.from_wkb(bytes(wkb)) for sid, wkb in cur.fetchall()}
    conn.close()
    assert set(stored) == set(source)
    lon, lat = shapely.get_coordinates(next(iter(stored.values())))[0]
    area = (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)
    back = to_wgs84(crs, area)
    for sid, geom in stored.items():
        xy = shapely.transform(
            geom, lambda c: np.column_stack(back.transform(c[:, 0], c[:, 1], direction="INVERSE"))
        )
        # Each lies within 0.5 m of the other (a Hausdorff distance would also count the
        # millimetre slivers between Vienna's parts, which the stored footprint closes).
        assert xy.buffer(0.5).contains(source[sid]), sid
        assert source[sid].buffer(0.5).contains(xy), sid
        assert xy.area == pytest.approx(source[sid].area, rel=0.01)


def test_a_building_without_lod1_or_lod2_is_a_problem(db_url, tmp_path) -> None:
    lod3 = tmp_path / "house_lod3.gml"
    lod3.write_text(HOUSE_3.read_text(encoding="utf-8").replace("lod2Solid", "lod3Solid"))
    before = fingerprint(db_url)
    result = kc(db_url, "load", "buildings", lod3, "--city", "munich", "--at", "PM18")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    for part in ("house_lod3.gml", "building DEBY_HOUSE_3", "no LoD1 or LoD2 geometry"):
        assert part in out, (part, result.output)
    assert fingerprint(db_url) == before


def test_a_truncated_model_is_a_problem(db_url, tmp_path) -> None:
    cut = tmp_path / "house_cut.gml"
    cut.write_bytes(HOUSE_1.read_bytes()[:-400])
    result = kc(db_url, "load", "buildings", cut, "--city", "munich", "--at", "PM18")
    assert result.exit_code == 1 and "a valid citygml file" in result.output
    assert "Traceback" not in result.output


def test_a_malformed_cityjson_geometry_is_a_problem(db_url, tmp_path) -> None:
    doc = json.loads(require(ZURICH_LOD2).read_text(encoding="utf-8"))
    oid, obj = next((k, v) for k, v in doc["CityObjects"].items() if v.get("geometry"))
    del obj["geometry"][0]["boundaries"]
    bad = tmp_path / "zurich_bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    add_zurich(db_url)
    result = kc(db_url, "load", "buildings", bad, *ZURICH_ARGS)
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = " ".join(result.output.split())
    assert "zurich_bad.json" in out and oid[:20] in out and "malformed (KeyError" in out
