"""Paging (issue 15): keyset next links, deep offsets, one round trip per feature and page.

Over HTTP against the Lyon data: a walk by next links returns every version exactly once, as
SQL does, with ``numberMatched`` exact on its first and last page; ``prev`` links
(``before=``) walk the same pages back; ``after`` and ``before`` are refused where they cannot
apply; the values are the JSON pygeoapi wrote before (floats keep their ``.0``); the
``crs`` transform is pyproj's. At the provider, on synthetic buildings of a database of its
own: a keyset walk stays exact while snapshots are loaded during it, where offset paging skips.
"""

from __future__ import annotations

import json
import random
import threading
from urllib.parse import parse_qs, urlsplit

import pyproj
import pytest
import requests

from gis.api.config import CRS84
from gis.api.provider import AFTER, BEFORE, PAGING, Paging, ValidTimeProvider
from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.db import connect
from tests.api.providers import make_provider

BETWEEN = "2017-10-01"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def sql(lyon_db, query: str, args: tuple = ()) -> list[tuple]:
    conn = connect(lyon_db[0])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall()
    finally:
        conn.close()


def walk(api, collection: str = "buildings", **params) -> tuple[list, list[dict]]:
    """Every feature id of a query by following next links, and each page's body."""
    url, found, pages = f"{api.base}/collections/{collection}/items", [], []
    query: dict | None = params
    while url:
        response = requests.get(url, params=query, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        found += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        query = None
    return found, pages


def next_query(body: dict, rel: str = "next") -> dict[str, list[str]]:
    href = next(link["href"] for link in body["links"] if link["rel"] == rel)
    return parse_qs(urlsplit(href).query)


def link(body: dict, rel: str) -> str | None:
    return next((x["href"] for x in body["links"] if x["rel"] == rel), None)


# -- over HTTP, the Lyon data --------------------------------------------------------------------
def test_keyset_links_walk_every_version_once(api, lyon_db) -> None:
    found, pages = walk(api, limit=500, skipGeometry="true")
    expected = [
        r[0]
        for r in sql(
            lyon_db,
            "SELECT version_id FROM kc.building_validity WHERE superseded_at IS NULL ORDER BY 1",
        )
    ]
    assert found == expected and len(pages) > 3
    for body in pages[:-1]:
        query = next_query(body)
        assert query[AFTER] == [str(body["features"][-1]["id"])] and "offset" not in query
        assert query["limit"] == ["500"] and query["skipGeometry"] == ["true"]
    assert pages[0]["numberMatched"] == pages[-1]["numberMatched"] == len(expected)
    assert all("numberMatched" not in body for body in pages[1:-1])


def test_prev_links_walk_the_same_pages_back(api, lyon_db) -> None:
    """From the last page, ``prev`` links (``before=<first id>``) give every page of the walk
    again, last to first, each in id order; the first has no ``prev``, each one's ``next`` is
    the page after it."""
    found, pages = walk(api, limit=400, skipGeometry="true", datetime=BETWEEN)
    assert len(pages) > 3 and link(pages[0], "prev") is None
    back, body = [], pages[-1]
    while (href := link(body, "prev")) is not None:
        assert next_query(body, "prev")[BEFORE] == [str(body["features"][0]["id"])]
        response = requests.get(href, timeout=60)
        assert response.status_code == 200, response.text
        previous, body = body, response.json()
        assert next_query(body)[AFTER] == [str(body["features"][-1]["id"])]
        assert (
            requests.get(link(body, "next"), timeout=60).json()["features"]
            == (previous["features"])
        )
        back.insert(0, body)
    assert [[f["id"] for f in b["features"]] for b in back] == [
        [f["id"] for f in b["features"]] for b in pages[:-1]
    ]
    assert [f["id"] for b in [*back, pages[-1]] for f in b["features"]] == found


def test_a_page_before_the_first_match_has_no_prev(api, lyon_db) -> None:
    ids = [r[0] for r in sql(lyon_db, "SELECT id FROM kc.api_buildings ORDER BY id")]
    start = get_items(api, before=ids[3], limit=10)
    assert [f["id"] for f in start["features"]] == ids[:3]
    assert link(start, "prev") is None and next_query(start)[AFTER] == [str(ids[2])]
    nothing = get_items(api, before=ids[0], limit=10)
    assert nothing["features"] == [] and nothing["numberMatched"] == len(ids)
    end = get_items(api, before=ids[-1] + 1000, limit=5)
    assert [f["id"] for f in end["features"]] == ids[-5:]
    assert link(end, "next") is None and next_query(end, "prev")[BEFORE] == [str(ids[-5])]


INSTANT = "valid_from <= '{0}' AND (valid_to IS NULL OR valid_to > '{0}')"


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"datetime": BETWEEN}, INSTANT.format(BETWEEN)),
        (
            {"bbox": "4.830,45.764,4.836,45.768", "datetime": "2018-03-01"},
            "ST_Intersects(geom, ST_MakeEnvelope(4.830, 45.764, 4.836, 45.768, 4326)) AND "
            + INSTANT.format("2018-03-01"),
        ),
        (
            {"filter": "height > 12 AND storeys >= 3", "datetime": "2018-03-01/.."},
            "height > 12 AND storeys >= 3 AND (valid_to IS NULL OR valid_to > '2018-03-01')",
        ),
    ],
    ids=["instant", "bbox", "filter"],
)
def test_keyset_walks_match_sql(api, lyon_db, params, where) -> None:
    expected = [
        r[0] for r in sql(lyon_db, f"SELECT id FROM kc.api_buildings WHERE {where} ORDER BY 1")
    ]
    found, pages = walk(api, limit=97, **params)
    assert found == expected and len(pages) > 1
    assert pages[0]["numberMatched"] == pages[-1]["numberMatched"] == len(expected)


@pytest.mark.parametrize("limit", [1, 2, 24, 25, 99, 100, 101, 1000])
def test_first_pages_count_exactly_whatever_the_limit(api, lyon_db, limit) -> None:
    """Counted in the page's own statement up to its window (``first_page_window``), apart
    beyond it: exact either way, around the window's bounds too."""
    box = "4.830,45.764,4.836,45.768"
    where = "ST_Intersects(geom, ST_MakeEnvelope(4.830, 45.764, 4.836, 45.768, 4326))"
    (in_box,) = sql(lyon_db, f"SELECT count(*) FROM kc.api_buildings WHERE {where}")[0]
    (everything,) = sql(lyon_db, "SELECT count(*) FROM kc.api_buildings")[0]
    assert 100 < in_box < 400
    assert get_items(api, bbox=box, limit=limit, skipGeometry="true")["numberMatched"] == in_box
    assert get_items(api, limit=limit, skipGeometry="true")["numberMatched"] == everything


def test_cql2_json_filters_stay_in_the_next_links(api, lyon_db) -> None:
    cql_json = {"op": ">", "args": [{"property": "height"}, 15]}
    found, pages = walk(
        api,
        limit=300,
        skipGeometry="true",
        filter=json.dumps(cql_json),
        **{"filter-lang": "cql2-json"},
    )
    expected = [r[0] for r in sql(lyon_db, "SELECT id FROM kc.api_buildings WHERE height > 15")]
    assert sorted(found) == sorted(expected) and len(pages) > 1
    assert next_query(pages[0])["filter-lang"] == ["cql2-json"]


def test_sorted_pages_link_by_offset_and_keep_the_order(api, lyon_db) -> None:
    found, pages = walk(api, limit=400, sortby="-height", skipGeometry="true")
    expected = [
        r[0] for r in sql(lyon_db, "SELECT id FROM kc.api_buildings ORDER BY height DESC, id")
    ]
    assert found == expected
    assert next_query(pages[1])["offset"] == ["800"] and AFTER not in next_query(pages[1])
    assert [link["rel"] for link in pages[1]["links"]][:2] == ["prev", "next"]


def test_deep_offsets_and_after_with_offset(api, lyon_db) -> None:
    ids = [r[0] for r in sql(lyon_db, "SELECT id FROM kc.api_buildings ORDER BY id")]
    deep = get_items(api, offset=2000, limit=50, skipGeometry="true")
    assert [f["id"] for f in deep["features"]] == ids[2000:2050]
    assert next_query(deep)[AFTER] == [str(ids[2049])]
    after = get_items(api, after=ids[1000], offset=10, limit=5)
    assert [f["id"] for f in after["features"]] == ids[1011:1016]
    last = get_items(api, after=ids[-3], limit=5)
    assert [f["id"] for f in last["features"]] == ids[-2:] and last["numberMatched"] == len(ids)
    assert not any(link["rel"] == "next" for link in last["links"])
    assert get_items(api, after=ids[-1], limit=5)["features"] == []


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"after": "1", "sortby": "-height"}, "after"),
        ({"after": ""}, "after"),
        ({"after": "abc"}, "invalid input syntax"),
        ({"before": "5", "after": "1"}, "before"),
        ({"before": "5", "offset": "2"}, "before"),
        ({"before": "5", "sortby": "-height"}, "before"),
        ({"before": ""}, "before"),
    ],
)
def test_after_where_it_cannot_apply_is_a_400(api, params, says) -> None:
    response = requests.get(f"{api.base}/collections/buildings/items", params=params, timeout=60)
    assert response.status_code == 400, response.text
    assert says in response.json()["description"]


def test_single_items_carry_their_neighbours(api, lyon_db) -> None:
    ids = [r[0] for r in sql(lyon_db, "SELECT id FROM kc.api_buildings ORDER BY id")]
    middle = get_json(api, f"/collections/buildings/items/{ids[10]}")
    assert (middle["prev"], middle["next"]) == (ids[9], ids[11])
    first = get_json(api, f"/collections/buildings/items/{ids[0]}")
    assert first["prev"] == str(ids[0]) and first["next"] == ids[1]
    rels = {link["rel"]: link["href"] for link in middle["links"]}
    assert rels["next"].split("?")[0].endswith(f"/items/{ids[11]}")
    city = get_json(api, "/collections/cities/items/lyon", lang="de")
    assert city["properties"]["name"] == "Lyon" and city["geometry"]["type"]


def test_values_are_written_as_pygeoapi_wrote_them(api, lyon_db) -> None:
    """Floats keep their .0 (GDAL takes 12 for an integer field), timestamps isoformat()."""
    body = get_items(api, limit=300, datetime=BETWEEN)
    rows = {
        r[0]: r[1:]
        for r in sql(
            lyon_db,
            "SELECT id, height, storeys, recorded_at, valid_from FROM kc.api_buildings "
            "WHERE id = ANY(%s)",
            ([f["id"] for f in body["features"]],),
        )
    }
    for feature in body["features"]:
        height, storeys, recorded_at, valid_from = rows[feature["id"]]
        properties = feature["properties"]
        assert type(properties["height"]) is float and properties["height"] == height
        assert properties["storeys"] == storeys and type(properties["storeys"]) is not float
        assert properties["recorded_at"] == recorded_at.isoformat()
        assert properties["valid_from"] == valid_from.isoformat()
    assert any(f["properties"]["height"].is_integer() for f in body["features"])


def test_crs_output_is_pyprojs(api) -> None:
    """Transformed by PostGIS, in the axis order of the CRS (EPSG:4326 and EPSG:31256 put north
    first), as pygeoapi's pyproj transform did."""
    plain = get_items(api, limit=20)
    for code in ("4326", "3946", "31256", "3857"):
        moved = get_items(api, limit=20, crs=f"{EPSG}{code}")
        transform = pyproj.Transformer.from_crs(
            pyproj.CRS.from_user_input(CRS84), pyproj.CRS.from_epsg(int(code))
        ).transform
        for before, after in zip(plain["features"], moved["features"], strict=True):
            for (lon, lat), (x, y) in zip(
                before["geometry"]["coordinates"][0][0],
                after["geometry"]["coordinates"][0][0],
                strict=True,
            ):
                assert (x, y) == pytest.approx(transform(lon, lat), abs=1e-6), code
                if code == "4326":
                    assert (x, y) == (lat, lon)
    first = plain["features"][0]
    one = get_json(api, f"/collections/buildings/items/{first['id']}", crs=f"{EPSG}4326")
    corner = one["geometry"]["coordinates"][0][0][0]
    assert corner[::-1] == first["geometry"]["coordinates"][0][0][0]


@pytest.mark.parametrize("code", ["4326", "3946"])
def test_bbox_crs(api, lyon_db, code) -> None:
    """pygeoapi moves the box's corners from bbox-crs to CRS84 (its transformer now kept)."""
    west, south, east, north = 4.830, 45.764, 4.836, 45.768
    to_crs = pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(CRS84), f"EPSG:{code}")
    x1, y1 = to_crs.transform(west, south)
    x2, y2 = to_crs.transform(east, north)
    back = pyproj.Transformer.from_crs(f"EPSG:{code}", pyproj.CRS.from_user_input(CRS84))
    corners = (*back.transform(x1, y1), *back.transform(x2, y2))
    expected = [
        r[0]
        for r in sql(
            lyon_db,
            "SELECT id FROM kc.api_buildings WHERE ST_Intersects(geom, "
            "ST_MakeEnvelope(%s, %s, %s, %s, 4326)) ORDER BY id",
            corners,
        )
    ]
    for _ in range(3):  # the transformer made once, then kept: the same box every time
        found, _pages = walk(
            api, limit=1000, bbox=f"{x1},{y1},{x2},{y2}", **{"bbox-crs": f"{EPSG}{code}"}
        )
        assert found == expected and len(expected) > 100


def get_items(api, collection: str = "buildings", **params) -> dict:
    return get_json(api, f"/collections/{collection}/items", **params)


def get_json(api, path: str, **params) -> dict:
    response = requests.get(f"{api.base}{path}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


# -- at the provider, while snapshots are loaded -------------------------------------------------
SIDE = 40  # 1,600 synthetic buildings
AT = "2018-09-01"  # after PM30 (2018-07-31): its load changes what is valid then


def square(i: int) -> str:
    x0, y0 = 4.7 + (i % SIDE) * 0.0003, 45.7 + (i // SIDE) * 0.0003
    x1, y1 = x0 + 0.0002, y0 + 0.0002
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def snapshot(buildings: dict[str, float]) -> list[tuple]:
    return [
        (sid, square(int(sid[1:]) % (SIDE * SIDE)), height, False, 3, 170.0, None, "EPSG:3946", {})
        for sid, height in buildings.items()
    ]


def load(url: str, point: str, buildings: dict[str, float]) -> None:
    conn = connect(url)
    try:
        with conn:
            stage_rows(conn.cursor(), snapshot(buildings))
            apply_staged(conn, "lyon", point, source=f"paging-test-{point}")
    finally:
        conn.close()


def changed(buildings: dict[str, float], seed: int) -> dict[str, float]:
    """A later snapshot: 10 % heights changed, 5 % gone, 40 new ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    result = dict(buildings)
    for sid in rng.sample(sorted(result), len(result) // 10):
        result[sid] += 3.0
    for sid in rng.sample(sorted(result), len(result) // 20):
        del result[sid]
    for i in range(40):
        result[f"N{seed:02d}{i:03d}"] = 9.0
    return result


@pytest.fixture
def synthetic(db_url) -> tuple[str, ValidTimeProvider, dict[str, float]]:
    pm24 = {f"B{i:05d}": 10.0 + i % 7 for i in range(SIDE * SIDE)}
    load(db_url, "PM18", {sid: h - 1 for sid, h in pm24.items()})
    load(db_url, "PM24", pm24)
    provider = make_provider(
        db_url, "api_buildings", valid_from_field="valid_from", valid_to_field="valid_to"
    )
    return db_url, provider, pm24


def page(provider: ValidTimeProvider, cursor: dict[str, str], limit: int) -> tuple[list, dict]:
    """One page as the items endpoint asks for it; the cursor of the next (empty: none)."""
    token = PAGING.set(Paging("http://kc.test/items", f"&limit={limit}", cursor.get(AFTER), "", ""))
    try:
        body = provider.query(
            offset=int(cursor.get("offset", 0)),
            limit=limit,
            datetime_=AT,
            skip_geometry=True,
        )
    finally:
        PAGING.reset(token)
    links = [link["href"] for link in body.get("links", []) if link["rel"] == "next"]
    nxt = {k: v[0] for k, v in parse_qs(urlsplit(links[0]).query).items()} if links else {}
    return [f["id"] for f in body["features"]], nxt


def valid_ids(url: str) -> set[int]:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM kc.api_buildings WHERE valid_from <= %s "
                "AND (valid_to IS NULL OR valid_to > %s)",
                (AT, AT),
            )
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def keyset_walk(provider, limit: int, between=lambda: None) -> list:
    """The ids at AT by following the provider's next links; ``between`` runs after page one."""
    found, cursor = page(provider, {}, limit)
    between()
    while cursor:
        ids, cursor = page(provider, cursor, limit)
        found += ids
    return found


def offset_walk(provider, limit: int, between=lambda: None) -> list:
    """The same by offsets, as pygeoapi's own next links page."""
    found, offset = [], 0
    while True:
        body = provider.query(offset=offset, limit=limit, datetime_=AT, skip_geometry=True)
        found += [f["id"] for f in body["features"]]
        if offset == 0:
            between()
        if len(body["features"]) < limit:
            return found
        offset += limit


def all_versions(url: str) -> set[int]:
    """Every version valid at AT at some moment of the walk is a version of the view."""
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT version_id FROM kc.building_validity")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def test_a_keyset_walk_stays_exact_while_snapshots_are_loaded(synthetic) -> None:
    url, provider, pm24 = synthetic
    pm30 = changed(pm24, 1)
    before = valid_ids(url)
    found = keyset_walk(provider, 200, lambda: load(url, "PM30", pm30))
    after = valid_ids(url)
    assert len(before & after) < len(before) and after - before, "the load changed the state"
    assert len(found) == len(set(found)) and found == sorted(found)
    assert before & after <= set(found) <= before | after
    # The same kind of change (a correction of PM30) under offset paging: features that were
    # valid all along are skipped, because others left the pages already read.
    before = valid_ids(url)
    found = offset_walk(provider, 200, lambda: load(url, "PM30", changed(pm30, 2)))
    assert before & valid_ids(url) - set(found), "offset paging skips none: the test shows nothing"


def test_a_keyset_walk_with_loads_running_in_another_thread(synthetic) -> None:
    url, provider, pm24 = synthetic
    before = valid_ids(url)
    states = [changed(pm24, 3)]
    states.append(changed(states[-1], 4))
    started = threading.Event()

    def loads() -> None:
        started.wait(60)
        load(url, "PM30", states[0])
        load(url, "PM30", states[1])  # a correction of the point just loaded

    loader = threading.Thread(target=loads)
    loader.start()
    try:
        found = keyset_walk(provider, 50, started.set)
    finally:
        loader.join(120)
    after = valid_ids(url)
    assert len(found) == len(set(found)) and found == sorted(found)
    assert before & after <= set(found) <= before | after | all_versions(url)
