"""ValidTimeProvider: what every client can trust (issue 11).

A count that times out costs ``numberMatched``, never a property or a 200; features without a
geometry have ``"geometry": null`` and no ``geom`` property; properties come in the view's column
order; ``numberMatched`` is exact or absent on every page; spatial CQL2 works in CRS84 and in
``filter-crs``; a bad filter is a 400; the queryables give the validity interval its roles and
OpenAPI documents ``datetime`` everywhere. Against the real Lyon data in PostGIS and, except for
the count timeout (a provider configured here), ``kc serve`` over HTTP; expected answers come
from SQL.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pyogrio
import pyproj
import pytest
import requests
from pygeoapi.util import to_json
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.ecql import parse as parse_ecql

from gis.api import cql
from gis.api.config import CRS84, CRS_LIST
from gis.api.provider import ValidTimeProvider, first_page_window, total_from_page
from gis.api.roles import LOGIN_SETTINGS
from gis.store.db import connect
from tests.api.providers import make_provider

BETWEEN = "2017-10-01"  # after PM18, before PM24
VERSIONED = ("measurement_points", "projects", "reports", "buildings")
COLLECTIONS = (*VERSIONED, "cities", "thematic_fields", "challenges")
WITHOUT_GEOMETRY = ("cities", "thematic_fields", "measurement_points", "challenges")
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
#: Buildings valid at BETWEEN, from the base tables (not the API views).
STATE = (
    "SELECT r.version_id AS id, v.footprint AS geom FROM kc.building_validity r "
    "JOIN kc.building_version v USING (version_id) WHERE r.superseded_at IS NULL "
    "AND r.valid_from <= DATE '2017-10-01' AND (r.valid_to IS NULL OR r.valid_to > '2017-10-01')"
)


def get(api, path: str, **params) -> requests.Response:
    return requests.get(f"{api.base}{path}", params=params, timeout=60)


def items(api, collection: str = "buildings", **params) -> dict:
    response = get(api, f"/collections/{collection}/items", **params)
    assert response.status_code == 200, response.text
    return response.json()


def sql(lyon_db, query: str, args: tuple = ()) -> list[tuple]:
    conn = connect(lyon_db[0])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall()
    finally:
        conn.close()


def view_columns(lyon_db, collection: str) -> list[str]:
    """The view's columns in order, without the id and the geometry."""
    conn = connect(lyon_db[0])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"SELECT * FROM kc.api_{collection} LIMIT 0")
            return [d.name for d in cur.description if d.name not in ("id", "geom")]
    finally:
        conn.close()


# -- 1. a count that times out ----------------------------------------------------------------
#: More rows than a first page counts in its own statement (``first_page_window``).
SLOW_ROWS = 120


@pytest.fixture(scope="module")
def slow_view(lyon_db) -> Iterator[str]:
    """``kc.api_slow_buildings``: 120 building versions, each row costing 1 ms to read.

    Counting it takes at least 120 ms, so a 20 ms count timeout always expires: deterministic,
    whatever the machine's load.
    """
    statements = [
        "CREATE FUNCTION kc.test_slow_row() RETURNS boolean LANGUAGE plpgsql VOLATILE "
        "COST 1000000 AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN true; END $$",
        "CREATE VIEW kc.api_slow_buildings AS SELECT * FROM kc.api_buildings "
        f"WHERE id IN (SELECT id FROM kc.api_buildings ORDER BY id LIMIT {SLOW_ROWS}) "
        "AND kc.test_slow_row()",
        "GRANT SELECT ON kc.api_slow_buildings TO kc_reader",
    ]
    for statement in statements:
        sql_execute(lyon_db[0], statement)
    yield "api_slow_buildings"
    sql_execute(lyon_db[0], "DROP VIEW kc.api_slow_buildings")
    sql_execute(lyon_db[0], "DROP FUNCTION kc.test_slow_row()")


def sql_execute(url: str, statement: str) -> None:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def provider(reader_db_url: str, table: str, count_timeout_ms: int) -> ValidTimeProvider:
    """The provider as ``kc serve`` configures it, reading as the read-only role."""
    return make_provider(
        reader_db_url,
        table,
        valid_from_field="valid_from",
        valid_to_field="valid_to",
        count_timeout_ms=count_timeout_ms,
    )


def test_a_count_that_times_out_costs_only_number_matched(
    slow_view, reader_db_url, lyon_db
) -> None:
    # More rows than a first page of 5 counts in its own statement: the count runs apart.
    assert first_page_window(5 + 1) < SLOW_ROWS
    slow = provider(reader_db_url, slow_view, count_timeout_ms=20)
    page = slow.query(offset=0, limit=5)
    assert "numberMatched" not in page and page["numberReturned"] == 5
    columns = view_columns(lyon_db, "buildings")
    # The provider gives the properties as JSON values (PostGIS writes the features): SQL's
    # values as pygeoapi writes them (dates as ISO text), to the byte.
    expected = {
        row[0]: json.loads(to_json(dict(zip(columns, row[1:], strict=True))))
        for row in sql(
            lyon_db,
            f"SELECT id, {', '.join(columns)} FROM kc.api_buildings ORDER BY id LIMIT 5",
        )
    }
    assert [f["id"] for f in page["features"]] == list(expected)
    for feature in page["features"]:
        assert feature["properties"] == expected[feature["id"]]
        assert to_json(feature["properties"]) == to_json(expected[feature["id"]])
        assert list(feature["properties"]) == columns
        assert feature["geometry"]["type"] == "MultiPolygon"
    # An empty page past the end cannot tell the total: counted (too slowly here), so left out.
    beyond = slow.query(offset=SLOW_ROWS + 10, limit=5)
    assert beyond["features"] == [] and "numberMatched" not in beyond
    # The count's timeout stayed on the counting connections: the page's connections keep the
    # login role's own limit (gis.api.roles.LOGIN_SETTINGS).
    with slow._engine.connect() as connection:
        timeout = connection.exec_driver_sql("SHOW statement_timeout").scalar()
        assert timeout == LOGIN_SETTINGS["statement_timeout"]
    # The provider goes on serving, and counts when the count has the time.
    patient = provider(reader_db_url, slow_view, count_timeout_ms=60_000)
    assert patient.query(offset=0, limit=5)["numberMatched"] == SLOW_ROWS
    assert patient.query(offset=SLOW_ROWS + 10, limit=5)["numberMatched"] == SLOW_ROWS


# -- 2. and 3. null geometries, no geom property, the view's order ----------------------------
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_features_have_a_geometry_member_no_geom_property_and_the_view_order(
    api, lyon_db, collection
) -> None:
    columns = view_columns(lyon_db, collection)
    nulls = {
        str(r[0]) for r in sql(lyon_db, f"SELECT id FROM kc.api_{collection} WHERE geom IS NULL")
    }
    if collection in WITHOUT_GEOMETRY[1:3]:
        assert nulls, "thematic fields and measurement points have no geometry"
    for _ in range(4):  # several requests: both gunicorn workers, each its own hash seed
        body = items(api, collection, limit=50)
        assert body["features"]
        for feature in body["features"]:
            assert list(feature["properties"]) == columns
            assert (feature["geometry"] is None) == (str(feature["id"]) in nulls)
    one = body["features"][-1]
    single = get(api, f"/collections/{collection}/items/{one['id']}", f="json").json()
    assert list(single["properties"]) == columns and "geom" not in single["properties"]
    assert single["geometry"] == one["geometry"]


def test_selected_properties_keep_the_view_order(api) -> None:
    body = items(api, properties="height,valid_to,feature_id", limit=3, skipGeometry="true")
    for feature in body["features"]:
        assert list(feature["properties"]) == ["feature_id", "valid_to", "height"]
        assert feature["geometry"] is None


def test_gdal_reads_the_collections_without_geometry(api, lyon_db, tmp_path) -> None:
    for collection in WITHOUT_GEOMETRY:
        out = tmp_path / f"{collection}.gpkg"
        proc = subprocess.run(
            ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{api.base}", collection],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, f"{collection}: {proc.stderr}"
        info = pyogrio.read_info(out, layer=collection)
        (count,) = sql(lyon_db, f"SELECT count(*) FROM kc.api_{collection}")[0]
        assert info["features"] == count
        assert "geom" not in info["fields"]


# -- 4. numberMatched ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("offset", "limit", "fetched", "total"),
    [
        (0, 10, 11, None),  # more pages: cannot tell
        (0, 10, 4, 4),  # first and last
        (20, 10, 11, None),
        (20, 10, 7, 27),  # last page
        (20, 10, 0, None),  # past the end: at most 20, not 20
        (0, 10, 0, 0),  # nothing at all
    ],
)
def test_total_from_page(offset, limit, fetched, total) -> None:
    assert total_from_page(offset, limit, fetched) == total


@pytest.mark.parametrize(
    "params",
    [{"datetime": BETWEEN}, {"filter": "height > 12"}, {}],
    ids=["datetime", "filter", "all"],
)
def test_number_matched_is_exact_or_absent_on_every_page(api, lyon_db, params) -> None:
    where = {
        "datetime": "valid_from <= DATE '2017-10-01' AND (valid_to IS NULL OR valid_to > '2017-10-01')",
        "filter": "height > 12",
        "all": "true",
    }[next(iter(params), "all")]
    (total,) = sql(
        lyon_db,
        "SELECT count(*) FROM kc.building_validity v JOIN kc.building_version b "
        f"USING (version_id) WHERE v.superseded_at IS NULL AND {where}",
    )[0]
    limit = 700
    assert total > 2 * limit
    pages = {
        "first": 0,
        "middle": limit,
        "last": (total // limit) * limit,
        "end": total,
        "past the end": total + 3 * limit,
    }
    for name, offset in pages.items():
        body = items(api, limit=limit, offset=offset, skipGeometry="true", **params)
        assert body["numberReturned"] == len(body["features"]) == max(0, min(limit, total - offset))
        if name in ("first", "last"):
            assert body["numberMatched"] == total, name
        else:
            assert body.get("numberMatched", total) == total, name
    hits = items(api, resulttype="hits", **params)
    assert hits["numberMatched"] == total and hits["features"] == []


# -- 5. spatial CQL2 -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inside(lyon_db) -> tuple[float, float]:
    """A point inside a building valid at BETWEEN (lon, lat)."""
    return sql(
        lyon_db,
        f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM ({STATE}) s "
        "ORDER BY id OFFSET 700 LIMIT 1) x",
    )[0]


def filtered(api, cql_text: str | None = None, cql_json: dict | None = None, **params) -> set:
    """The ids a filter selects at BETWEEN (``filter-lang`` cql2-text or cql2-json, by GET)."""
    query = {"datetime": BETWEEN, "limit": 10000, "skipGeometry": "true", **params}
    if cql_json is None:
        query.update({"filter": cql_text, "filter-lang": "cql2-text"})
    else:
        query.update({"filter": json.dumps(cql_json), "filter-lang": "cql2-json"})
    response = requests.get(f"{api.base}/collections/buildings/items", params=query, timeout=60)
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def expected(lyon_db, condition: str, args: tuple = ()) -> set:
    return {r[0] for r in sql(lyon_db, f"SELECT id FROM ({STATE}) s WHERE {condition}", args)}


def test_queryables_name_the_geometry_used_in_filters(api) -> None:
    queryables = get(api, "/collections/buildings/queryables", f="json").json()["properties"]
    (name,) = [k for k, v in queryables.items() if v.get("x-ogc-role") == "primary-geometry"]
    assert name == cql.GEOMETRY == "geometry"


def test_intersects_a_point_in_crs84_and_in_every_filter_crs(api, lyon_db, inside) -> None:
    lon, lat = inside
    point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
    want = expected(lyon_db, f"ST_Intersects(geom, {point})", (lon, lat))
    assert len(want) == 1
    assert filtered(api, f"INTERSECTS(geometry,POINT({lon} {lat}))") == want
    assert (
        filtered(api, f"INTERSECTS(geometry,POINT({lon} {lat}))", **{"filter-crs": CRS84}) == want
    )
    geojson_point = {"type": "Point", "coordinates": [lon, lat]}
    s_intersects = {"op": "s_intersects", "args": [{"property": "geometry"}, geojson_point]}
    assert filtered(api, cql_json=s_intersects) == want
    for crs in CRS_LIST[1:]:
        # Coordinates in the CRS's own axis order (EPSG:4326: latitude first).
        x, y = pyproj.Transformer.from_crs("OGC:CRS84", crs).transform(lon, lat)
        text = f"INTERSECTS(geometry,POINT({x} {y}))"
        assert filtered(api, text, **{"filter-crs": crs}) == want, crs
        moved = {
            **s_intersects,
            "args": [{"property": "geometry"}, {**geojson_point, "coordinates": [x, y]}],
        }
        assert filtered(api, cql_json=moved, **{"filter-crs": crs}) == want, crs


def test_within_contains_disjoint_and_distance_match_sql(api, lyon_db, inside) -> None:
    lon, lat = inside
    d = 0.0015
    ring = [(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d)]
    ring.append(ring[0])
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    polygon = f"ST_GeomFromText('{wkt}', 4326)"
    within = expected(lyon_db, f"ST_Within(geom, {polygon})")
    assert len(within) > 5
    assert filtered(api, f"WITHIN(geometry,{wkt})") == within
    s_within = {
        "op": "s_within",
        "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [ring]}],
    }
    assert filtered(api, cql_json=s_within) == within
    lambert = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:2154", always_xy=True)
    projected = [lambert.transform(x, y) for x, y in ring]
    wkt_2154 = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in projected) + "))"
    assert filtered(api, f"WITHIN(geometry,{wkt_2154})", **{"filter-crs": f"{EPSG}2154"}) == (
        expected(
            lyon_db, f"ST_Within(geom, ST_Transform(ST_GeomFromText('{wkt_2154}', 2154), 4326))"
        )
    )
    point = f"POINT({lon} {lat})"
    assert filtered(api, f"CONTAINS(geometry,{point})") == expected(
        lyon_db, f"ST_Contains(geom, ST_GeomFromText('{point}', 4326))"
    )
    disjoint = filtered(api, f"DISJOINT(geometry,{wkt})")
    assert disjoint == expected(lyon_db, f"ST_Disjoint(geom, {polygon})")
    near = filtered(api, f"DWITHIN(geometry,{point},40,meters)")
    assert (
        1
        < len(near)
        == len(
            expected(
                lyon_db,
                "ST_DWithin(geom::geography, ST_GeomFromText(%s, 4326)::geography, 40)",
                (point,),
            )
        )
    )


def test_boxes_in_crs84_and_in_filter_crs(api, lyon_db, inside) -> None:
    lon, lat = inside
    box = (lon - 0.001, lat - 0.0007, lon + 0.001, lat + 0.0007)
    want = expected(lyon_db, "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", box)
    assert len(want) > 5
    assert filtered(api, "BBOX(geometry,{},{},{},{})".format(*box)) == want
    west, south, east, north = box
    assert filtered(api, f"INTERSECTS(geometry,ENVELOPE({west} {east} {south} {north}))") == want
    bbox = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": list(box)}]}
    assert filtered(api, cql_json=bbox) == want
    # The same box as lat/lon (EPSG:4326's axis order) with filter-crs.
    lat_lon = f"BBOX(geometry,{south},{west},{north},{east})"
    assert filtered(api, lat_lon, **{"filter-crs": f"{EPSG}4326"}) == want
    # A box in CC46 (Lyon's EPSG:3946), by filter-crs or named in the BBOX: compared in CC46.
    cc46 = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:3946", always_xy=True)
    (x1, y1), (x2, y2) = cc46.transform(west, south), cc46.transform(east, north)
    want_cc46 = expected(
        lyon_db,
        "ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 3946), 4326))",
        (x1, y1, x2, y2),
    )
    assert len(want_cc46) > 5
    projected = f"BBOX(geometry,{x1},{y1},{x2},{y2})"
    assert filtered(api, projected, **{"filter-crs": f"{EPSG}3946"}) == want_cc46
    assert filtered(api, f"BBOX(geometry,{x1},{y1},{x2},{y2},'EPSG:3946')") == want_cc46
    in_cc46 = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [x1, y1, x2, y2]}]}
    assert filtered(api, cql_json=in_cc46, **{"filter-crs": f"{EPSG}3946"}) == want_cc46


@pytest.mark.parametrize(
    ("cql_text", "says"),
    [
        ("colour = 'red'", "unknown property 'colour'"),
        ("INTERSECTS(shape,POINT(4.8 45.7))", "unknown property 'shape'"),
        ("INTERSECTS(height,POINT(4.8 45.7))", "'height' is not a geometry"),
        ("height > 'tall'", "invalid input syntax"),
        ("city = 5", "operator does not exist"),
        ("valid_from > 5", "operator does not exist"),
        ("height LIKE '1%'", "operator does not exist"),
        ("STOREYS(height) > 3", "unknown function"),
        ("valid_from > DATE('2018-02-30')", "DATE"),
    ],
)
def test_a_bad_filter_is_a_400_saying_why(api, cql_text, says) -> None:
    response = get(api, "/collections/buildings/items", filter=cql_text)
    assert response.status_code == 400, response.text
    assert says in response.json()["description"]


def test_a_bad_cql2_json_filter_is_a_400(api) -> None:
    for cql_json in (
        {"op": "=", "args": [{"property": "colour"}, "red"]},
        {"op": "s_intersects", "args": [{"property": "height"}, {"bbox": [4.8, 45.7, 4.9, 45.8]}]},
    ):
        response = requests.get(
            f"{api.base}/collections/buildings/items",
            params={"filter": json.dumps(cql_json), "filter-lang": "cql2-json"},
            timeout=60,
        )
        assert response.status_code == 400, response.text


def test_dates_in_filters(api, lyon_db) -> None:
    found = filtered(api, "valid_from > DATE('2017-08-01')", datetime="../..")
    assert found == {
        r[0]
        for r in sql(
            lyon_db,
            "SELECT version_id FROM kc.building_validity WHERE superseded_at IS NULL "
            "AND valid_from > '2017-08-01'",
        )
    }
    assert found


def test_boxes_become_polygons_and_json_boxes_are_put_right() -> None:
    parsed = parse_cql2_json(
        json.dumps(
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [1, 2, 3, 4]}]}
        )
    )
    assert parsed.rhs == values.Envelope(x1=1, x2=2, y1=3, y2=4)  # pygeofilter 0.4's reading
    assert cql.misreads_json_bbox(parse_cql2_json)
    assert not cql.misreads_json_bbox(lambda text: cql.json_bboxes_fixed(parse_cql2_json(text)))
    fixed = cql.json_bboxes_fixed(parsed)
    assert (fixed.rhs.x1, fixed.rhs.y1, fixed.rhs.x2, fixed.rhs.y2) == (1, 2, 3, 4)
    tree = cql.boxes_as_polygons(parse_ecql("height > 3 AND BBOX(geometry,1,2,3,4,'EPSG:3946')"))
    assert isinstance(tree.rhs, ast.GeometryIntersects)
    polygon = tree.rhs.rhs.geometry
    assert polygon["coordinates"][0][:3] == [[1, 2], [3, 2], [3, 4]]
    assert polygon["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3946"


# -- 6. queryables and OpenAPI -------------------------------------------------------------------
@pytest.mark.parametrize("collection", VERSIONED)
def test_validity_is_an_interval_in_queryables_and_schema(api, collection) -> None:
    for document in ("queryables", "schema"):
        properties = get(api, f"/collections/{collection}/{document}", f="json").json()[
            "properties"
        ]
        roles = {k: v["x-ogc-role"] for k, v in properties.items() if "x-ogc-role" in v}
        assert roles == {
            "geometry": "primary-geometry",
            "id": "id",
            "valid_from": "primary-interval-start",
            "valid_to": "primary-interval-end",
        }, document


def test_openapi_documents_datetime_as_valid_time_on_every_collection(api) -> None:
    document = get(api, "/openapi", f="json").json()
    datetime = {"$ref": "#/components/parameters/datetime"}
    for collection in COLLECTIONS:
        parameters = document["paths"][f"/collections/{collection}/items"]["get"]["parameters"]
        assert datetime in parameters, collection
    description = document["components"]["parameters"]["datetime"]["description"]
    assert description.startswith("Valid time.") and "not versioned" in description
    unversioned = items(api, "cities", datetime="1990-01-01")
    assert unversioned["numberMatched"] == len(items(api, "cities")["features"]) > 0


def test_cql2_text_names_and_the_filter_languages(api, inside) -> None:
    """S_INTERSECTS (CQL2) and INTERSECTS (ECQL) select the same; filter-lang as in Part 3."""
    x, y = inside
    cql2 = filtered(api, f"S_INTERSECTS(geometry,POINT({x} {y}))")
    ecql = filtered(api, f"INTERSECTS(geometry,POINT({x} {y}))")
    as_json = filtered(
        api,
        cql_json={
            "op": "s_intersects",
            "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [x, y]}],
        },
    )
    assert len(cql2) == 1 and cql2 == ecql == as_json
    unknown = requests.get(
        f"{api.base}/collections/buildings/items",
        params={"filter": "height > 3", "filter-lang": "sql"},
        timeout=60,
    )
    assert unknown.status_code == 400
