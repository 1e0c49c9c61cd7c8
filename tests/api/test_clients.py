"""Real clients against the real server: GDAL's OAPIF driver and OWSLib."""

from __future__ import annotations

import subprocess

import pyogrio
from owslib.ogcapi.features import Features

from gis.store.db import connect


def count(url: str, query: str, args: tuple = ()) -> int:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_gdal_harvests_a_whole_collection(api, lyon_db, tmp_path) -> None:
    out = tmp_path / "buildings.gpkg"
    proc = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{api.base}", "buildings"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    expected = count(
        lyon_db[0], "SELECT count(*) FROM kc.building_validity WHERE superseded_at IS NULL"
    )
    info = pyogrio.read_info(out, layer="buildings")
    assert info["features"] == expected == lyon_db[1].versions
    assert {"feature_id", "valid_from", "valid_to", "height"} <= set(info["fields"])


def test_owslib_runs_a_bbox_and_datetime_query(api, lyon_db) -> None:
    client = Features(api.base)
    assert "buildings" in [c["id"] for c in client.collections()["collections"]]
    bbox = [4.830, 45.764, 4.836, 45.768]
    result = client.collection_items("buildings", bbox=bbox, datetime_="2018-03-01", limit=5000)
    expected = count(
        lyon_db[0],
        "SELECT count(*) FROM kc.building_state(%s) WHERE "
        "ST_Intersects(footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
        ("2018-03-01", *bbox),
    )
    assert 0 < len(result["features"]) == expected
    assert all(f["properties"]["valid_from"] <= "2018-03-01" for f in result["features"])
