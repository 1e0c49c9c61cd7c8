"""``kc tiles export --heights true``: city models at their true WGS 84 ellipsoidal height.

Lyon's LoD2 buildings (NGF-IGN69 heights) must stand where IGN's BD TOPO says the ground is:
Z_MIN_SOL (NGF-IGN69) + the geoid height, within 2 m; Vienna's (heights above Wiener Null) at
z + 156.68 m + the geoid height. The geoid height is computed here with PROJ's own vgridshift on
the EGM96 grid, apart from the loader's code.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import psycopg2
import pygltflib
import pytest
import shapely
from pyproj import Transformer

from etl.heights import find_grid
from tests.shared_data import LYON_BUILDINGS, require
from tests.tiles.city_models import export_both_heights, load_city_model
from tests.tiles.test_export import (
    content_path,
    contents,
    glb_of,
    read_positions,
    tileset_tiles,
    validate,
)
from tiles.placement import Frame


def geoid(lon: float, lat: float) -> float:
    grid = find_grid("egm96_15.gtx")
    assert grid is not None, "install Debian's proj-data (egm96_15.gtx)"
    t = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=vgridshift +grids={grid} +multiplier=1 "
        f"+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return float(t.transform([lon, lon], [lat, lat], [0.0, 0.0])[2][0])


def grounds(out, city: str, point: str) -> tuple[dict[str, float], list[float]]:
    """Lowest ellipsoidal height of every building in the exported tiles, by source id, and of
    every level-of-detail block of the inner tiles."""
    folder = out / city / point
    assert [r["messages"] for r in validate(contents(folder)) if r["errors"]] == []
    tileset = json.loads((folder / "tileset.json").read_text())
    m = np.array(tileset["root"]["transform"]).reshape(4, 4, order="F")
    frame = Frame(0.0, 0.0, m[:3, 3], m[:3, :3].T)
    out_heights: dict[str, float] = {}
    blocks: list[float] = []
    for leaf in (t for t in tileset_tiles(tileset) if "content" in t):
        path = content_path(folder, leaf["content"]["uri"])
        pos, fid = read_positions(path)
        geo = frame.to_geographic(pos)
        gltf = pygltflib.GLTF2.load_from_bytes(glb_of(path))
        blob = gltf.binary_blob()
        table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
        prop = table["properties"].get("source_id")
        if prop is None:  # an inner tile: blocks only, their source ids all "" (left out)
            blocks += [float(geo[fid == k, 2].min()) for k in range(table["count"])]
            continue
        values = gltf.bufferViews[prop["values"]]
        offsets = gltf.bufferViews[prop["stringOffsets"]]
        off = np.frombuffer(blob, np.uint32, count=table["count"] + 1, offset=offsets.byteOffset)
        raw = blob[values.byteOffset : values.byteOffset + values.byteLength]
        ids = [raw[off[i] : off[i + 1]].decode() for i in range(table["count"])]
        for k, sid in enumerate(ids):
            out_heights[sid] = float(geo[fid == k, 2].min())
    return out_heights, blocks


def test_lyon_buildings_stand_on_bd_topo_ground_plus_geoid(db_url, tmp_path) -> None:
    load_city_model(db_url, "lyon")
    export_both_heights(db_url, tmp_path, "lyon")
    flat, _ = grounds(tmp_path / "false", "lyon", "PM18")
    true, _ = grounds(tmp_path / "true", "lyon", "PM18")
    assert len(true) == 20 and max(abs(h) for h in flat.values()) < 0.02
    # The BD TOPO building that covers most of each LoD2 building's footprint, in EPSG:3946.
    bdtopo = gpd.read_file(require(LYON_BUILDINGS))
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT source_id, ST_AsBinary(ST_Transform(footprint, 3946)), "
            "ST_X(ST_Centroid(footprint)), ST_Y(ST_Centroid(footprint)) "
            "FROM kc.building_state('2017-07-31')"
        )
        rows = cur.fetchall()
    conn.close()
    diffs, flat_ground = [], []
    for sid, wkb, lon, lat in rows:
        fp = shapely.from_wkb(bytes(wkb))
        overlap = shapely.area(shapely.intersection(bdtopo.geometry.values, fp))
        best = int(np.argmax(overlap))
        z_min, z_max = bdtopo["Z_MIN_SOL"].iloc[best], bdtopo["Z_MAX_SOL"].iloc[best]
        if overlap[best] < 0.5 * fp.area or not np.isfinite(z_min):
            continue
        diff = true[sid] - (float(z_min) + geoid(lon, lat))
        diffs.append(diff)
        if not np.isfinite(z_max) or z_max - z_min <= 2.0:
            flat_ground.append(diff)
    # 11 LoD2 buildings are mostly covered by one BD TOPO building. On level ground (BD TOPO's
    # Z_MAX_SOL - Z_MIN_SOL <= 2 m) every one stands within 2 m of Z_MIN_SOL + N; on the slopes
    # of the Croix-Rousse the two sources draw the building's ground differently (up to 5 m:
    # RhinoCity's model reaches down to the lower street), so there only the median is held.
    assert len(diffs) >= 10 and len(flat_ground) >= 4
    assert max(abs(d) for d in flat_ground) < 2.0, flat_ground
    assert float(np.median(np.abs(diffs))) < 1.0, diffs


def test_vienna_heights_above_wiener_null(db_url, tmp_path) -> None:
    load_city_model(db_url, "vienna")
    # One building a leaf: the inner tiles' blocks are drawn too.
    export_both_heights(db_url, tmp_path, "vienna", "--max-features", "1")
    flat, flat_blocks = grounds(tmp_path / "false", "vienna", "PM18")
    true, blocks = grounds(tmp_path / "true", "vienna", "PM18")
    # The blocks stand where their buildings do: on the ellipsoid, or on their mean ground.
    assert flat_blocks and blocks
    assert max(abs(h) for h in [*flat.values(), *flat_blocks]) < 0.02
    assert min(true.values()) - 0.02 <= min(blocks) and max(blocks) <= max(true.values()) + 0.02
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT source_id, ST_ZMin(geom_3d), ST_X(ST_Centroid(footprint)), "
            "ST_Y(ST_Centroid(footprint)) FROM kc.building_state('2017-07-31')"
        )
        rows = cur.fetchall()
    conn.close()
    assert len(rows) == len(true) == 5
    for sid, zmin, lon, lat in rows:
        # Heights above Wiener Null, 156.68 m above the Adriatic (GHA), plus the geoid.
        assert true[sid] == pytest.approx(zmin + 156.68 + geoid(lon, lat), abs=0.05), sid
        assert 190 < true[sid] < 260  # Vienna's ground: 150-230 m above the Adriatic, N ~ 45 m
