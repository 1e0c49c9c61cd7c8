"""Real clients against the real server: GDAL's OAPIF driver and OWSLib.

Each collection must be harvestable whole by both, with default options: the same features as
the base tables say the collection serves (counts and ids).
"""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
import requests
from owslib.ogcapi.features import Features

from gis.api.config import load_template, tables
from gis.store.db import connect


def count(url: str, query: str, args: tuple = ()) -> int:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone()[0]
    finally:
        conn.close()


#: What each collection serves, from the base tables (not the API views): its feature ids. The
#: versioned ones serve every current version (``superseded_at IS NULL``): one feature per
#: validity row, so a version valid over two periods would count twice.
SERVED = {
    "cities": "SELECT code FROM kc.city",
    "thematic_fields": "SELECT code FROM kc.thematic_field",
    "measurement_points": "SELECT code FROM kc.measurement_point",
    "projects": "SELECT version_id FROM kc.project_validity WHERE superseded_at IS NULL",
    "reports": "SELECT report_id FROM kc.report WHERE superseded_at IS NULL",
    "buildings": "SELECT version_id FROM kc.building_validity WHERE superseded_at IS NULL",
    "challenges": "SELECT code FROM kc.challenge",
    # The change feeds: every current version starts once (new or changed: 2 x its id), and
    # a version that ends with no successor starting then is an ended one (2 x its id + 1).
    "building_changes": "SELECT 2 * version_id FROM kc.building_validity WHERE superseded_at "
    "IS NULL UNION ALL SELECT 2 * r.version_id + 1 FROM kc.building_validity r "
    "WHERE r.superseded_at IS NULL AND r.valid_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
    "kc.building_validity n WHERE n.building_id = r.building_id AND n.valid_from = r.valid_to "
    "AND n.superseded_at IS NULL)",
    "project_changes": "SELECT 2 * version_id FROM kc.project_validity WHERE superseded_at "
    "IS NULL UNION ALL SELECT 2 * r.version_id + 1 FROM kc.project_validity r "
    "WHERE r.superseded_at IS NULL AND r.valid_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
    "kc.project_validity n WHERE n.project_id = r.project_id AND n.valid_from = r.valid_to "
    "AND n.superseded_at IS NULL)",
    # A report holds until the project's next one: every current report starts once (new or
    # changed), none ends.
    "report_changes": "SELECT 2 * report_id FROM kc.report WHERE superseded_at IS NULL",
}


def served_ids(url: str, collection: str) -> list[str]:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(SERVED[collection])
            return sorted(str(row[0]) for row in cur.fetchall())
    finally:
        conn.close()


def test_every_collection_of_the_server_is_harvested_below(api) -> None:
    """The collections parametrized here are exactly those the server and its template list."""
    listed = requests.get(f"{api.base}/collections", params={"f": "json"}, timeout=60).json()
    assert sorted(c["id"] for c in listed["collections"]) == sorted(SERVED)
    assert sorted(tables(load_template())) == sorted(SERVED)


@pytest.mark.parametrize("collection", list(SERVED))
def test_gdal_harvests_the_whole_collection(api, lyon_db, tmp_path, collection) -> None:
    """``ogr2ogr -f GPKG out.gpkg OAPIF:<server> <collection>`` with default options."""
    out = tmp_path / f"{collection}.gpkg"
    proc = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{api.base}", collection],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    expected = served_ids(lyon_db[0], collection)
    info = pyogrio.read_info(out, layer=collection)
    assert info["features"] == len(expected), proc.stderr
    if collection == "buildings":
        assert info["features"] == lyon_db[1].versions
        assert {"feature_id", "valid_from", "valid_to", "height"} <= set(info["fields"])
    if "id" in info["fields"]:  # string ids are a field; integer ones become the FID
        table = pyogrio.read_dataframe(out, layer=collection, read_geometry=False)
        assert sorted(map(str, table["id"])) == expected


@pytest.mark.parametrize("collection", list(SERVED))
def test_owslib_pages_through_the_whole_collection(api, lyon_db, collection) -> None:
    """OWSLib reads every feature once, in pages (at least two per collection)."""
    expected = served_ids(lyon_db[0], collection)
    limit = max(1, len(expected) // 3 + 1)
    client = Features(api.base)
    found, offset, pages = [], 0, 0
    while pages <= len(expected) + 1:  # a bound, should the server never stop
        page = client.collection_items(collection, limit=limit, offset=offset)
        pages += 1
        assert page["numberReturned"] == len(page["features"]) <= limit
        if "numberMatched" in page:
            assert page["numberMatched"] == len(expected), (offset, page["numberMatched"])
        found += [str(f["id"]) for f in page["features"]]
        more = any(link["rel"] == "next" for link in page.get("links", []))
        if not more or not page["features"]:
            break
        offset += len(page["features"])
    assert len(found) == len(set(found)), "a feature was returned twice"
    assert sorted(found) == expected
    assert pages >= 2


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
