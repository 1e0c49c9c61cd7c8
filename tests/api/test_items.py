"""The OGC API over HTTP: valid-time datetime, paging, CRS, languages, 3D Tiles, read-only role.

Everything runs against ``kc serve`` (gunicorn + pygeoapi) in a subprocess, reading the real Lyon
buildings from PostGIS; expected answers come from SQL on the base tables, not from the views.
"""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest
import requests
from openapi_spec_validator import validate

from gis.store.db import connect

BETWEEN = dt.date(2017, 10, 1)  # after PM18 (2017-07-31), before PM24 (2018-01-31)
AFTER = dt.date(2018, 3, 1)


def get(api, path: str, **params) -> requests.Response:
    return requests.get(f"{api.base}{path}", params=params, timeout=60)


def ids(api, collection: str = "buildings", **params) -> list:
    """Every feature id of a query, following the next links."""
    params = {"limit": 1000, "skipGeometry": "true", **params}
    url, found = f"{api.base}/collections/{collection}/items", []
    while url:
        response = requests.get(url, params=params, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        found += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        params = None
    return found


def versions(lyon_db, where: str, args: tuple) -> set[int]:
    """Version ids from the base tables (not the API views)."""
    conn = connect(lyon_db[0])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT version_id FROM kc.building_validity WHERE superseded_at IS NULL AND "
                + where,
                args,
            )
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def test_instant_between_points_returns_the_versions_valid_then(api, lyon_db) -> None:
    counts = lyon_db[1]
    found = ids(api, datetime=BETWEEN.isoformat())
    expected = versions(
        lyon_db, "valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)", (BETWEEN, BETWEEN)
    )
    assert len(found) == len(set(found)) == counts.pm18
    assert set(found) == expected
    after = ids(api, datetime="2018-03-01T10:30:00Z")
    assert len(after) == counts.pm24
    assert set(after) == versions(
        lyon_db, "valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)", (AFTER, AFTER)
    )
    assert set(after) != set(found)


def test_interval_returns_the_versions_overlapping_it(api, lyon_db) -> None:
    found = ids(api, datetime=f"{BETWEEN}/{AFTER}T00:00:00Z")
    expected = versions(
        lyon_db, "valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)", (AFTER, BETWEEN)
    )
    assert set(found) == expected
    assert len(found) == lyon_db[1].versions  # every version overlaps [PM18+, PM24+]
    # An interval inside PM18's period sees only the PM18 versions.
    assert len(ids(api, datetime="2017-08-01/2017-12-31")) == lyon_db[1].pm18


def test_open_ends(api, lyon_db) -> None:
    counts = lyon_db[1]
    assert len(ids(api, datetime="2018-03-01/..")) == counts.pm24
    assert len(ids(api, datetime="../2017-08-01")) == counts.pm18
    assert len(ids(api, datetime="/2017-08-01")) == counts.pm18
    assert ids(api, datetime="../2017-07-30") == []
    assert len(ids(api, datetime="../..")) == counts.versions
    assert len(ids(api)) == counts.versions


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2018-13-45",
        "2018-02-30",
        "2018-02-01/2017-01-01",
        "2017-01-01/2018-01-01/2019-01-01",
        "99999-01-01",
        "2018-01-01T25:00:00Z",
        "",
    ],
)
def test_malformed_datetime_is_a_400_with_a_clear_message(api, value) -> None:
    response = get(api, "/collections/buildings/items", datetime=value)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert "datetime" in body["description"]


def test_paging_with_next_links_returns_each_version_once(api, lyon_db) -> None:
    first = get(api, "/collections/buildings/items", limit=700, skipGeometry="true").json()
    assert first["numberMatched"] == lyon_db[1].versions
    found = ids(api, limit=700)
    assert len(found) == len(set(found)) == lyon_db[1].versions
    assert set(found) == versions(lyon_db, "true", ())


def test_bbox_with_datetime_matches_sql(api, lyon_db) -> None:
    bbox = (4.830, 45.764, 4.836, 45.768)
    found = ids(api, bbox=",".join(map(str, bbox)), datetime=BETWEEN.isoformat())
    conn = connect(lyon_db[0])
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT version_id FROM kc.building_state(%s) WHERE "
            "ST_Intersects(footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            (BETWEEN, *bbox),
        )
        expected = {r[0] for r in cur.fetchall()}
    conn.close()
    assert 0 < len(expected) < lyon_db[1].pm18
    assert set(found) == expected


def test_feature_ids_per_version_and_feature_id_links_versions(api) -> None:
    body = get(api, "/collections/buildings/items", limit=10000, skipGeometry="true").json()
    by_thing: dict[str, list] = {}
    for feature in body["features"]:
        by_thing.setdefault(feature["properties"]["feature_id"], []).append(feature)
    changed = [v for v in by_thing.values() if len(v) == 2]
    assert changed, "the PM24 copy changed heights: some buildings have two versions"
    old, new = sorted(changed[0], key=lambda f: f["properties"]["valid_from"])
    assert old["id"] != new["id"]
    assert old["properties"]["valid_to"] == new["properties"]["valid_from"] == "2018-01-31"
    assert new["properties"]["height"] == pytest.approx(old["properties"]["height"] + 3)
    one = get(api, f"/collections/buildings/items/{new['id']}").json()
    assert one["properties"]["feature_id"] == new["properties"]["feature_id"]
    assert get(api, "/collections/buildings/items/not-a-number").status_code == 404


def test_properties_sortby_filter_and_crs(api, lyon_db) -> None:
    body = get(
        api,
        "/collections/buildings/items",
        sortby="-height",
        limit=3,
        properties="height,feature_id",
        datetime=BETWEEN.isoformat(),
    ).json()
    heights = [f["properties"]["height"] for f in body["features"]]
    assert heights == sorted(heights, reverse=True)
    assert set(body["features"][0]["properties"]) == {"height", "feature_id"}
    conn = connect(lyon_db[0])
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT max(height), count(*) FILTER (WHERE height > 30) FROM kc.building_state(%s)",
            (BETWEEN,),
        )
        tallest, over_30 = cur.fetchone()
    conn.close()
    assert heights[0] == tallest
    assert len(ids(api, filter="height > 30", datetime=BETWEEN.isoformat())) == over_30
    lambert = get(
        api,
        "/collections/buildings/items",
        limit=1,
        crs="http://www.opengis.net/def/crs/EPSG/0/3946",
    )
    assert lambert.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3946>"
    x, y = lambert.json()["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 1_840_000 < x < 1_846_000 and 5_170_000 < y < 5_180_000
    assert get(api, "/collections/buildings/items", crs="EPSG:9999").status_code == 400


def test_reports_in_the_language_asked_with_english_fallback(api) -> None:
    german = get(api, "/collections/reports/items", lang="de", datetime="2018-03-01")
    assert german.headers["Content-Language"] == "de-DE"
    reports = {f["properties"]["project"]: f["properties"] for f in german.json()["features"]}
    assert reports["LYO-REF-A"]["objectives"] == "Block A sanieren, Phase 2"
    assert reports["LYO-REF-A"]["drivers"] == "Subsidies granted"  # no German: English
    assert reports["LYO-REF-A"]["title"] == "Ganzheitliche Sanierung Block A"
    assert reports["LYO-REF-A"]["status_label"] == "In Umsetzung"
    french = requests.get(
        f"{api.base}/collections/reports/items",
        params={"datetime": "2017-10-01"},
        headers={"Accept-Language": "it, fr;q=0.8, de;q=0.5"},
        timeout=30,
    )
    assert french.headers["Content-Language"] == "fr-FR"
    (only,) = french.json()["features"]
    assert only["properties"]["objectives"] == "Rénover l'îlot A"
    assert only["properties"]["point"] == "PM18"
    meta = get(api, "/collections/buildings", lang="fr", f="json")
    assert meta.json()["title"] == "Bâtiments" and meta.headers["Content-Language"] == "fr-FR"


def test_projects_carry_the_report_of_their_time(api) -> None:
    at = {
        day: {
            f["properties"]["project"]: f["properties"]
            for f in get(api, "/collections/projects/items", datetime=day).json()["features"]
        }
        for day in ("2017-10-01", "2018-03-01")
    }
    assert at["2017-10-01"]["LYO-REF-A"]["status"] == "in_preparation"
    assert at["2017-10-01"]["LYO-REF-A"]["report_point"] == "PM18"
    assert at["2018-03-01"]["LYO-REF-A"]["status"] == "in_implementation"
    assert at["2018-03-01"]["LYO-REF-A"]["progress"] == 45
    assert at["2018-03-01"]["LYO-REF-A"]["buildings_touched"] > 0
    challenges = {
        f["id"]: f["properties"]
        for f in get(api, "/collections/challenges/items").json()["features"]
    }
    assert challenges["activation-home-owners"]["raised_by"] == ["lyon@PM18", "lyon@PM24"]
    assert challenges["business-models"]["thematic_fields"] == ["e_mobility"]
    assert challenges["data-privacy"]["cities"] == []


def test_extents_are_computed_from_the_data(api, lyon_db) -> None:
    extent = get(api, "/collections/buildings", f="json").json()["extent"]
    conn = connect(lyon_db[0])
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(footprint) e FROM kc.building_version) x"
        )
        expected = cur.fetchone()
    conn.close()
    assert extent["spatial"]["bbox"][0] == pytest.approx(expected)
    assert extent["temporal"]["interval"][0][0].startswith("2017-07-31")
    assert extent["temporal"]["interval"][0][1] is None


def test_3d_tiles_are_served_and_discoverable(api) -> None:
    landing = get(api, "/", f="json")
    tiles = [link for link in landing.json()["links"] if link["rel"] == "tiles3d"]
    assert [t["href"] for t in tiles] == [f"{api.base}/tiles/lyon/PM18/tileset.json"]
    assert tiles[0]["type"] == "application/json" and "Lyon" in tiles[0]["title"]
    assert "PM18" in tiles[0]["title"]
    for collection in ("buildings", "cities"):
        links = get(api, f"/collections/{collection}", f="json").json()["links"]
        assert any(link["href"] == tiles[0]["href"] for link in links)
    for path, content_type in (
        ("lyon/PM18/tileset.json", "application/json"),
        ("lyon/PM18/0.glb", "model/gltf-binary"),
        ("lyon/PM18/1.b3dm", "application/octet-stream"),
    ):
        response = get(api, f"/tiles/{path}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == content_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert get(api, "/tiles/lyon/PM18/tileset.json").json()["asset"]["version"] == "1.1"
    # /tiles/ itself is the index of the tilesets (hrefs relative to it), not a 404
    listing = get(api, "/tiles/")
    assert listing.status_code == 200 and listing.headers["Content-Type"] == "application/json"
    assert [t["href"] for t in listing.json()["tilesets"]] == ["lyon/PM18/tileset.json"]
    assert get(api, "/tiles/../serve.log").status_code == 404
    assert get(api, "/tiles/lyon/PM18/missing.glb").status_code == 404


def test_project_books_are_served_and_linked(api) -> None:
    landing = get(api, "/", f="json").json()
    [books] = [link for link in landing["links"] if link["href"].endswith("/books/index.html")]
    assert books["rel"] == "related" and books["type"] == "text/html"
    assert books["href"] == f"{api.base}/books/index.html"
    assert "Projektbücher" in get(api, "/", f="json", lang="de").json()["links"][-1]["title"]
    page = get(api, "/books/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    built = get(api, "/books/index.json").json()["books"]
    # every point at which a project has a footprint version or a report (PM30: still valid)
    assert [b["point"] for b in built] == ["PM18", "PM24", "PM30"]
    book = get(api, f"/books/{built[0]['index']['de']}")
    assert book.status_code == 200 and "Projektmonat 18" in book.text
    assert get(api, "/books/../serve.log").status_code == 404


def test_cors_and_html(api) -> None:
    items = get(api, "/collections/buildings/items", limit=1)
    assert items.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Language" in items.headers["Access-Control-Expose-Headers"]
    preflight = requests.options(
        f"{api.base}/collections/buildings/items",
        headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    html = get(api, "/collections/buildings/items", f="html", limit=5)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")


def test_queryables_and_openapi_validate_offline(api) -> None:
    queryables = get(api, "/collections/buildings/queryables", f="json").json()["properties"]
    assert {"valid_from", "valid_to", "feature_id", "height"} <= set(queryables)
    document = get(api, "/openapi", f="json").json()
    text = str(document)
    assert "schemas.opengis.net" not in text and "githubusercontent" not in text
    validate(document)  # raises on an invalid document; no network needed
    parameters = document["paths"]["/collections/buildings/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/datetime"} in parameters


def test_the_server_role_cannot_write(reader_db_url) -> None:
    conn = psycopg2.connect(reader_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM kc.api_buildings")
            assert cur.fetchone()[0] > 0
        conn.rollback()
        statements = [
            "INSERT INTO kc.city (code, name, role, country) VALUES ('x', '{\"en\": \"X\"}', 'follower', 'XX')",
            "UPDATE kc.building_version SET height = 1",
            "DELETE FROM kc.building_validity",
            "UPDATE kc.report SET progress = 0",
        ]
        for statement in statements:  # by default every transaction of the role is read-only
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
                cur.execute(statement)
            conn.rollback()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET default_transaction_read_only = off")
        for statement in statements:  # lifting that is no way around: no write privilege
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
    finally:
        conn.close()
