"""City models in the 3D Tiles: roofs and walls of real LoD2 buildings, mixed with footprints.

Lyon 1er (CityGML 2.0, thematic surfaces) with the BD TOPO footprints around it, and Vienna's
Baukörpermodell (lod2Solids): gltf-validator, the surfaces' heights and normals read back from
the files, CesiumJS in headless Chromium with every feature's metadata, and screenshots of the
roofs (tests/artifacts/cesium_lod2_lyon.png, cesium_lod2_vienna.png).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pygltflib
import pytest
import shapely

from etl.citymodel import CityBuilding
from etl.heights import VerticalDatum
from etl.model_buildings import Reference, prepare_batch
from etl.model_files import model_files, open_model
from etl.problems import Problems
from gis.store import building_snapshots as store
from tests.browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.etl.city_models import LYON_LOD2
from tests.shared_data import lyon_rows, require
from tests.tiles.city_models import load_city_model
from tests.tiles.data import load_projects
from tests.tiles.test_cesium import CESIUM, _contents, server  # noqa: F401 - fixture
from tests.tiles.test_export import (
    _published,
    content_path,
    contents,
    glb_of,
    read_positions,
    tileset_tiles,
    validate,
)
from tiles import workers as workers_module
from tiles.export import export_all
from tiles.placement import Frame
from tiles.surfaces import SHADES

NGF_IGN69 = VerticalDatum("NGF-IGN69 height", 5720)


def model_buildings(path: Path) -> list[CityBuilding]:
    out = []
    for p, kind in model_files(require(path)):
        with open_model(p, kind) as stream:
            out += list(stream.buildings())
    return out


def load_mixed_lyon(conn) -> tuple[list[str], list[str]]:
    """Lyon at PM18: the 20 LoD2 buildings, and the BD TOPO footprints that do not overlap them
    (a city that has LoD2 for some blocks and footprints elsewhere). Staged as the loaders do."""
    buildings = model_buildings(LYON_LOD2)
    problems = Problems(LYON_LOD2.name)
    with conn, conn.cursor() as cur:
        batch = prepare_batch(
            cur, buildings, Reference("EPSG:3946", NGF_IGN69), "CityGML 2.0", None, problems
        )
        assert not problems and len(batch.rows) == 20
        lod2 = shapely.union_all([shapely.from_wkb(r[1]) for r in batch.rows])
        footprints = [r for r in lyon_rows() if not shapely.from_wkb(r[1]).intersects(lod2)]
        store.stage_rows(cur, footprints)
        store.STAGE.append(cur, batch.rows, store.STAGE_COLUMNS)
        store.apply_staged(conn, "lyon", "PM18", source="test-mixed-lyon")
    return [r[0] for r in batch.rows], [r[0] for r in footprints]


def glb_json(path: Path) -> tuple[pygltflib.GLTF2, bytes]:
    gltf = pygltflib.GLTF2.load_from_bytes(glb_of(path))
    return gltf, gltf.binary_blob()


def accessor(gltf, blob, index: int, dtype, width: int) -> np.ndarray:
    acc = gltf.accessors[index]
    view = gltf.bufferViews[acc.bufferView]
    raw = np.frombuffer(blob, dtype=dtype, count=acc.count * width, offset=view.byteOffset)
    return raw.reshape(acc.count, width)


def test_mixed_city_validates_with_roofs_walls_and_true_normals(conn, tmp_path) -> None:
    lod2_ids, footprint_ids = load_mixed_lyon(conn)
    assert len(footprint_ids) > 2000
    export_all(conn, tmp_path, point="PM18", city="lyon")
    folder = tmp_path / "lyon" / "PM18"
    reports = validate(contents(folder))
    assert [r["messages"] for r in reports if r["errors"]] == []
    tileset = json.loads((folder / "tileset.json").read_text())
    assert tileset["extras"]["feature_count"] == len(lod2_ids) + len(footprint_ids)
    m = np.array(tileset["root"]["transform"]).reshape(4, 4, order="F")
    frame = Frame(0.0, 0.0, m[:3, 3], m[:3, :3].T)
    shades_seen = set()
    lod2_features = 0
    for leaf in (t for t in tileset_tiles(tileset) if "content" in t):
        path = content_path(folder, leaf["content"]["uri"])
        gltf, blob = glb_json(path)
        prim = gltf.meshes[0].primitives[0]
        pos, fid = read_positions(path)
        nrm = accessor(gltf, blob, prim.attributes.NORMAL, np.float32, 3).astype(float)
        nrm = np.column_stack([nrm[:, 0], -nrm[:, 2], nrm[:, 1]])  # y-up -> z-up
        colour = accessor(gltf, blob, prim.attributes.COLOR_0, np.uint8, 4)
        table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
        view = gltf.bufferViews[table["properties"]["lod"]["values"]]
        lods = np.frombuffer(blob, np.uint32, count=table["count"], offset=view.byteOffset)
        idx = accessor(gltf, blob, prim.indices, np.uint16 if len(pos) <= 65535 else np.uint32, 1)
        tri = idx.reshape(-1, 3).astype(np.int64)
        for feature in np.flatnonzero(lods == 2):
            lod2_features += 1
            mine = np.flatnonzero(fid == feature)
            geo = frame.to_geographic(pos[mine])
            assert abs(geo[:, 2].min()) < 0.02  # ground at ellipsoid height 0 by default
            # Each triangle's stored normal is its true face normal (right-hand rule, outward).
            t = tri[np.isin(tri[:, 0], mine)]
            face = np.cross(pos[t[:, 1]] - pos[t[:, 0]], pos[t[:, 2]] - pos[t[:, 0]])
            big = np.linalg.norm(face, axis=1) > 1e-2
            face = face[big] / np.linalg.norm(face[big], axis=1, keepdims=True)
            assert np.all(np.einsum("ij,ij->i", face, nrm[t[big, 0]]) > 0.99)
            # Every vertex has the building's colour times the shade of its surface type; the
            # roof-shaded ones face up (the file's RoofSurfaces), walls keep the colour whole.
            rgb = colour[mine][:, :3].astype(float)
            ratio = (rgb / rgb.max(axis=0))[:, 1]
            shades = np.array(sorted(set(SHADES.values())))
            nearest = shades[np.abs(ratio[:, None] - shades[None, :]).argmin(axis=1)]
            assert np.allclose(ratio, nearest, atol=0.02)
            # Triangles (of more than 0.01 m2: earcut leaves slivers of 1e-7 m2 in non-planar
            # polygons) shaded as roofs face up, or nearly so (-0.1: a few stand near vertical).
            shade_of = dict(zip(mine.tolist(), nearest.tolist(), strict=True))
            roofs = np.array([shade_of[v] == SHADES["roof"] for v in t[big, 0]])
            face_up = np.einsum(
                "ij,ij->i", face, frame.up(*frame.to_geographic(pos[t[big, 0]])[:, :2].T)
            )
            assert (face_up[roofs] > -0.1).all() and np.median(face_up[roofs]) > 0.5
            shades_seen |= set(nearest.tolist())
    assert lod2_features == 20
    assert {SHADES["roof"], SHADES["wall"], SHADES["ground"]} <= shades_seen


def test_city_models_in_worker_processes_levels_of_detail_and_the_temporal_tileset(
    conn, db_url, tmp_path, monkeypatch
) -> None:
    """Vienna's LoD2 buildings at their true heights, one a leaf and one a task: the same bytes
    drawn in one process or two, and every building, shaded, in the temporal tileset too."""
    monkeypatch.setattr(workers_module, "TASK_FEATURES", 1)  # one task a building: the pool
    load_city_model(db_url, "vienna")
    runs = {"a": {"workers": 1}, "b": {"workers": 2, "database_url": db_url}}
    for name, options in runs.items():
        export_all(conn, tmp_path / name, city="vienna", max_features=1, heights="true", **options)
    a = _published(tmp_path / "a")
    assert "vienna/temporal/tileset.json" in a and a == _published(tmp_path / "b")
    folder = tmp_path / "a" / "vienna" / "temporal"
    assert [r["messages"] for r in validate(contents(folder)) if r["errors"]] == []
    tileset = json.loads((folder / "tileset.json").read_text())
    lods = {}
    for tile in (t for t in tileset_tiles(tileset) if "content" in t):
        gltf, blob = glb_json(content_path(folder, tile["content"]["uri"]))
        table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
        assert {"in_PM18", "in_PM24", "lod"} <= table["properties"].keys()
        view = gltf.bufferViews[table["properties"]["lod"]["values"]]
        found = np.frombuffer(blob, np.uint32, count=table["count"], offset=view.byteOffset)
        colour = accessor(gltf, blob, gltf.meshes[0].primitives[0].attributes.COLOR_0, np.uint8, 4)
        kind = "leaf" if "children" not in tile else "inner"
        lods.setdefault(kind, []).extend(found.tolist())
        if kind == "leaf":  # one building, shaded: roofs darker than walls
            assert len({tuple(c[:3]) for c in colour}) > 1
    assert lods["leaf"] == [2] * 5 and set(lods["inner"]) == {1}


@pytest.mark.browser
def test_cesium_draws_lyon_and_vienna_roofs_with_every_building_and_its_metadata(
    conn,
    db_url,
    server,  # noqa: F811 - fixture
) -> None:
    assert CESIUM.is_dir() and CHROMIUM.exists(), "run tools/setup.sh"
    from playwright.sync_api import sync_playwright

    base, out = server
    lod2_ids, footprint_ids = load_mixed_lyon(conn)
    # One LoD2 building in a project: its status colour on walls, darker on the roof.
    load_projects(
        conn,
        "lyon",
        "PM18",
        [("LY-REF-9", "holistic_refurbishment", "in_implementation", [lod2_ids[4]])],
    )
    load_city_model(db_url, "vienna")
    load_projects(
        conn,
        "vienna",
        "PM18",
        [("VI-REF-9", "holistic_refurbishment", "in_implementation", ["schoenbrunn2"])],
    )
    export_all(conn, out, point="PM18")
    cur = conn.cursor()
    cur.execute(
        "SELECT city_code, version_id, source_id, lod, "
        "coalesce(source_attributes->>'roofType', (SELECT string_agg(DISTINCT p->>'roofType', ',') "
        "FROM jsonb_array_elements(source_attributes->'parts') p)) "
        "FROM kc.building_state('2017-07-31') WHERE city_code IN ('lyon', 'vienna')"
    )
    db = {(r[0], r[1]): r[2:] for r in cur.fetchall()}
    cur.execute(
        "SELECT city_code, source_id, ST_X(ST_Centroid(footprint)), ST_Y(ST_Centroid(footprint)) "
        "FROM kc.building_state('2017-07-31') WHERE source_id IN (%s, 'schoenbrunn2')",
        (lod2_ids[4],),
    )
    targets = {r[0]: (r[2], r[3]) for r in cur.fetchall()}
    names = ["version_id", "source_id", "lod", "roof_type", "status"]
    views = {"lyon": (0.6, -0.55, 160.0), "vienna": (2.6, -0.5, 260.0)}
    profile = tempfile.mkdtemp(prefix="kc-chromium-")
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=FLAGS,
                headless=True,
                viewport={"width": 1024, "height": 768},
            )
            for city in ("lyon", "vienna"):
                page = browser.new_page()
                page.goto(
                    f"{base}/cesium_page.html?tileset=/tiles/{city}/PM18/tileset.json"
                    f"&properties={quote(json.dumps(names))}"
                )
                page.wait_for_function(
                    "window.kcResult !== null || window.kcError !== null", timeout=240_000
                )
                assert page.evaluate("window.kcError") is None, page.evaluate("window.kcError")
                results[city] = page.evaluate("window.kcResult")
                lon, lat = targets[city]
                heading, pitch, distance = views[city]
                # Camera on the building; the sun from the south-west, 40 degrees high (fixed,
                # so the screenshot does not depend on the time of day the test runs at).
                page.evaluate(
                    """([lon, lat, heading, pitch, distance]) => {
                        const v = window.kcViewer;
                        const centre = Cesium.Cartesian3.fromDegrees(lon, lat, 10);
                        v.camera.lookAt(centre,
                            new Cesium.HeadingPitchRange(heading, pitch, distance));
                        const enu = Cesium.Transforms.eastNorthUpToFixedFrame(centre);
                        const toSun = new Cesium.Cartesian3(-0.54, -0.54, 0.64);
                        const d = Cesium.Matrix4.multiplyByPointAsVector(
                            enu, Cesium.Cartesian3.negate(toSun, new Cesium.Cartesian3()),
                            new Cesium.Cartesian3());
                        v.scene.light = new Cesium.DirectionalLight({
                            direction: Cesium.Cartesian3.normalize(d, d), intensity: 2.2});
                    }""",
                    [lon, lat, heading, pitch, distance],
                )
                page.wait_for_function(
                    "window.kcTileset.tilesLoaded && (window.kcViewer.render(), true)",
                    timeout=120_000,
                )
                page.evaluate("window.kcViewer.render()")
                ARTIFACTS.mkdir(exist_ok=True)
                # Generous: software WebGL on a shared 2-core machine.
                page.screenshot(path=str(ARTIFACTS / f"cesium_lod2_{city}.png"), timeout=180_000)
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    buildings = {}
    for city, result in results.items():
        tileset = json.loads((out / city / "PM18" / "tileset.json").read_text())
        assert result["loadedContents"] == sum(1 for _ in _contents(tileset["root"]))
        expected = {vid: row for (c, vid), row in db.items() if c == city}
        # Every content is loaded (leaves and levels of detail): the blocks of the inner tiles
        # (version_id 0, lod 1) besides each building once.
        buildings[city] = [f for f in result["features"] if f["version_id"] > 0]
        blocks = [f for f in result["features"] if f["version_id"] == 0]
        assert len(buildings[city]) == len(expected)
        assert result["featuresLength"] == len(buildings[city]) + len(blocks)
        assert {f["lod"] for f in blocks} <= {1}
        got = {f["version_id"]: f for f in buildings[city]}
        assert set(got) == set(expected)
        for vid, (sid, lod, roof) in expected.items():
            f = got[vid]
            assert (f["source_id"], f["lod"], f["roof_type"] or None) == (sid, lod, roof)
    assert len(buildings["lyon"]) == 20 + len(footprint_ids)
    assert sum(f["lod"] == 2 for f in buildings["lyon"]) == 20
    assert {f["lod"] for f in buildings["vienna"]} == {2}
    assert any(f["status"] == "in_implementation" for f in buildings["lyon"])
    assert {f["status"] for f in buildings["vienna"] if f["source_id"] == "schoenbrunn2"} == {
        "in_implementation"
    }
