"""Feature history over HTTP: known_at, version links, the change feeds, incremental harvest.

A database of its own: the real Lyon buildings at PM18 and PM24 (``tests/api/server.py``), two
projects, and then a correction of PM24 for both (recorded after ``before``): ten more buildings
changed, three PM24 changes taken back, one removed building restored, one project's status
corrected. ``known_at=before`` must answer as things stood before the correction.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pyogrio
import pytest
import requests
import shapely
import shapely.geometry

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.db import connect
from gis.store.problems import ProblemList
from gis.store.project_snapshots import apply_staged as apply_projects
from gis.store.project_snapshots import stage_rows as stage_projects
from gis.store.report_answers import check_answers, read_context, record
from tests.api.server import CHANGED, load_lyon, pm24_rows
from tests.databases import fresh_database, query
from tests.shared_data import lyon_rows

PM18, PM24 = dt.date(2017, 7, 31), dt.date(2018, 1, 31)
#: The feed's interval for (PM18, PM24]: datetime intervals are closed, so from the day after.
AFTER_PM18_TO_PM24 = "2017-08-01/2018-01-31"
REVERTED, MORE_CHANGED = 3, 10


@dataclass(frozen=True)
class History:
    url: str
    before: dt.datetime  #: a time after the first PM24 loads, before the corrections


def corrected_pm24(rows: list[tuple]) -> list[tuple]:
    """The PM24 snapshot as corrected: see the module docstring."""
    pm24 = pm24_rows(rows)
    kept = rows[50:]
    corrected = [kept[i] if i < REVERTED else pm24[i] for i in range(len(pm24))]
    for i in range(CHANGED, CHANGED + MORE_CHANGED):
        r = corrected[i]
        corrected[i] = (r[0], r[1], r[2] + 5.0, *r[3:])
    return [*corrected, rows[0]]


def project_rows(status_ev: str) -> list[tuple]:
    """The two projects as ``tests.api.server`` loads them at PM24 (LYO-EV-1's status varies)."""
    conn_rows = lyon_rows(attributes=("USAGE1",))
    centre = shapely.from_wkb(conn_rows[1000][1]).centroid
    area = shapely.set_srid(centre.buffer(0.0008), 4326)
    footprint = shapely.to_wkb(area, hex=True, include_srid=True)
    title = {"en": "Holistic refurbishment of block A", "de": "Ganzheitliche Sanierung Block A"}
    return [
        ("LYO-REF-A", "holistic_refurbishment", title, footprint, "in_implementation", {},
         "EPSG:3946", None),
        ("LYO-EV-1", "e_mobility", {"en": "E-car sharing"}, footprint, status_ev, {},
         "EPSG:3946", []),
    ]  # fmt: skip


def correct_report(cur) -> None:
    """LYO-EV-1's PM24 report corrected through the reporting code (another status and text)."""
    problems = ProblemList("correction of LYO-EV-1 at PM24")
    answers = {
        "project_code": "LYO-EV-1",
        "status": "in_preparation",
        "progress": 5,
        "objectives": "Car sharing at three stations",
        "challenge_1": "business-models",
    }
    staged = check_answers(answers, "correction", read_context(cur), problems, free := {})
    assert staged is not None and not len(problems), problems
    record(cur, [staged], free, "PM24", "reports-PM24 corrected", None)


@pytest.fixture(scope="module")
def history(server_url: str, template_db: str) -> Iterator[History]:
    for url in fresh_database(server_url, template_db):
        load_lyon(url)
        conn = connect(url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SELECT clock_timestamp()")
                before = cur.fetchone()[0]
            with conn:
                stage_rows(conn.cursor(), corrected_pm24(lyon_rows(attributes=("USAGE1",))))
                apply_staged(conn, "lyon", "PM24", source="correction of PM24")
            with conn:
                stage_projects(conn.cursor(), project_rows("in_implementation"))
                apply_projects(conn, "lyon", "PM24", source="projects-PM24 corrected")
            with conn, conn.cursor() as cur:
                correct_report(cur)
        finally:
            conn.close()
        yield History(url, before)


@pytest.fixture(scope="module")
def server(history: History, tmp_path_factory) -> Iterator[str]:
    from gis.api.roles import ensure_login_role, reader_password, with_credentials
    from tests.api.server import drop_role, start_server

    role = f"kc_api_history_{id(history)}"
    password = reader_password(tmp_path_factory.mktemp("history_reader"))
    conn = connect(history.url)
    ensure_login_role(conn, password, role=role)
    conn.close()
    home = tmp_path_factory.mktemp("history_home")
    running = start_server(home, history.url, with_credentials(history.url, role, password))
    try:
        yield running.base
    finally:
        running.stop()
        drop_role(history.url, role)


def get(base: str, path: str, **params) -> requests.Response:
    return requests.get(f"{base}{path}", params=params, timeout=120)


def stamp(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def all_features(base: str, collection: str, **params) -> list[dict]:
    """Every feature of a query, following the next links (the way a harvester does)."""
    params = {"f": "json", "limit": 1000, **params}
    response = get(base, f"/collections/{collection}/items", **params)
    features = []
    for _ in range(1000):
        assert response.status_code == 200, response.text
        page = response.json()
        features += page["features"]
        following = [link["href"] for link in page.get("links", []) if link["rel"] == "next"]
        if not following:
            return features
        response = requests.get(following[0], timeout=120)
    raise AssertionError("the next links never ended")


# -- known_at --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "collection",
    ["buildings", "projects", "reports", "building_changes", "project_changes", "report_changes"],
)
def test_known_at_is_declared_and_checked(server, collection) -> None:
    document = get(server, "/openapi", f="json").json()
    for path in (
        f"/collections/{collection}/items",
        f"/collections/{collection}/items/{{featureId}}",
    ):
        names = [p.get("name") for p in document["paths"][path]["get"]["parameters"]]
        assert "known_at" in names, path
    for bad in ("yesterday", "2018-03-01", "2018-02-30T00:00:00Z", "2018-03-01T12:00:00"):
        response = get(server, f"/collections/{collection}/items", known_at=bad)
        assert response.status_code == 400, (bad, response.text)
        message = response.json()["description"]
        assert "known_at" in message and "RFC 3339 date-time with a time zone" in message
    ok = get(server, f"/collections/{collection}/items", known_at="2018-03-01T12:00:00+01:00")
    assert ok.status_code == 200, ok.text


def test_known_at_is_not_offered_where_nothing_is_versioned(server) -> None:
    response = get(server, "/collections/cities/items", known_at="2018-03-01T12:00:00Z")
    assert response.status_code == 400
    assert "unknown query parameter 'known_at'" in response.json()["description"]
    unknown = get(server, "/collections/nope/items", known_at="not a time")
    assert unknown.status_code == 404, unknown.text


def test_buildings_as_known_before_the_correction(server, history) -> None:
    """datetime=PM24 with known_at before the correction gives the heights published then."""
    expected_now, expected_then = (
        dict(
            query(
                history.url,
                "SELECT city_code || '/' || source_id, height FROM kc.building_state(%s, %s)",
                (PM24, known_at),
            )
        )
        for known_at in (None, history.before)
    )
    assert expected_now != expected_then
    now = all_features(server, "buildings", datetime="2018-01-31")
    then = all_features(server, "buildings", datetime="2018-01-31", known_at=stamp(history.before))
    assert {f["properties"]["feature_id"]: f["properties"]["height"] for f in now} == expected_now
    assert {f["properties"]["feature_id"]: f["properties"]["height"] for f in then} == expected_then
    # numberMatched of a known_at query counts the same rows
    hits = get(
        server, "/collections/buildings/items", resulttype="hits", datetime="2018-01-31",
        known_at=stamp(history.before),
    ).json()  # fmt: skip
    assert hits["numberMatched"] == len(expected_then)


def test_known_at_with_bbox_filter_and_sortby(server, history) -> None:
    """The other parameters apply to the rows believed then, as to the current ones."""
    bbox = (4.830, 45.764, 4.836, 45.768)
    expected = query(
        history.url,
        "SELECT version_id FROM kc.building_state(%s, %s) WHERE height > 20 AND "
        "ST_Intersects(footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
        "ORDER BY height DESC, version_id",
        (PM24, history.before, *bbox),
    )
    assert len(expected) > 10
    features = all_features(
        server, "buildings", datetime="2018-01-31", known_at=stamp(history.before),
        bbox=",".join(map(str, bbox)), filter="height > 20", sortby="-height", limit=7,
    )  # fmt: skip
    assert [f["id"] for f in features] == [v for (v,) in expected]


def test_a_report_as_known_at(server, history) -> None:
    """Before anything was recorded, nothing was known."""
    long_ago = "2000-01-01T00:00:00Z"
    for collection in ("reports", "projects", "buildings", "building_changes", "report_changes"):
        page = get(server, f"/collections/{collection}/items", known_at=long_ago).json()
        assert page["features"] == [] and page["numberMatched"] == 0, collection


# -- version links ---------------------------------------------------------------------------
def rels(feature: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in feature.get("links", [])}


def test_version_links_walk_a_history_forward_and_back(server, history) -> None:
    """A building corrected at PM24 has two versions now: walk them with the links only."""
    [(feature_id, versions)] = query(
        history.url,
        "SELECT b.city_code || '/' || b.source_id, array_agg(r.version_id ORDER BY r.valid_from) "
        "FROM kc.building_validity r JOIN kc.building b USING (building_id) "
        "WHERE r.superseded_at IS NULL GROUP BY 1 HAVING count(*) = 2 ORDER BY 1 LIMIT 1",
    )
    first = get(server, f"/collections/buildings/items/{versions[0]}", f="json").json()
    links = rels(first)
    assert "predecessor-version" not in links
    assert links["latest-version"].endswith(f"/collections/buildings/items/{versions[-1]}")
    second = requests.get(links["successor-version"], params={"f": "json"}, timeout=60).json()
    assert second["id"] == versions[1]
    assert second["properties"]["feature_id"] == feature_id
    assert second["properties"]["valid_from"] == first["properties"]["valid_to"]
    assert "successor-version" not in rels(second)
    back = requests.get(rels(second)["predecessor-version"], params={"f": "json"}, timeout=60)
    assert back.json()["id"] == versions[0]
    # version-history: the feature's versions as features, in valid-time order
    listed = requests.get(rels(second)["version-history"], params={"f": "json"}, timeout=60)
    assert listed.status_code == 200
    assert [f["id"] for f in listed.json()["features"]] == versions
    assert all(
        rels(f)["version-history"] == links["version-history"] for f in listed.json()["features"]
    )


def test_version_links_as_known_at(server, history) -> None:
    """A building whose PM24 change the correction took back: two versions before, one now."""
    [(feature_id, then_versions)] = query(
        history.url,
        "SELECT b.city_code || '/' || b.source_id, array_agg(r.version_id ORDER BY r.valid_from) "
        "FROM kc.building_validity r JOIN kc.building b USING (building_id) "
        "WHERE kc.believed(r.recorded_at, r.superseded_at, %s) GROUP BY 1, b.building_id "
        "HAVING count(*) = 2 "
        "AND bool_or(NOT kc.believed(r.recorded_at, r.superseded_at, NULL)) "
        "AND (SELECT count(*) FROM kc.building_validity x WHERE x.building_id = b.building_id "
        "AND x.superseded_at IS NULL) = 1 ORDER BY 1 LIMIT 1",
        (history.before,),
    )
    known_at = stamp(history.before)
    then = get(server, f"/collections/buildings/items/{then_versions[0]}", known_at=known_at)
    assert then.status_code == 200, then.text
    links = rels(then.json())
    assert f"known_at={known_at}" in links["successor-version"]
    successor = requests.get(links["successor-version"], timeout=60).json()
    assert successor["id"] == then_versions[1]
    now = get(server, f"/collections/buildings/items/{then_versions[0]}").json()
    assert "successor-version" not in rels(now)
    history_now = requests.get(rels(now)["version-history"], timeout=60).json()
    assert [f["properties"]["feature_id"] for f in history_now["features"]] == [feature_id]


def test_stored_version_links_are_the_computed_ones(server, history) -> None:
    """Without known_at a page reads the stored links (migration 0051); at a known_at of now
    they are computed from the validity rows: the same links on every feature."""
    now = query(history.url, "SELECT clock_timestamp()")[0][0]
    suffix = f"known_at={stamp(now)}"
    for collection in ("buildings", "projects"):
        stored = all_features(server, collection)
        computed = all_features(server, collection, known_at=stamp(now))
        assert [f["id"] for f in stored] == [f["id"] for f in computed]
        assert sum("predecessor-version" in rels(f) for f in stored) > 0
        for s, c in zip(stored, computed, strict=True):
            expected = {
                rel: href.replace(f"?{suffix}", "").replace(f"&{suffix}", "")
                for rel, href in rels(c).items()
            }
            assert rels(s) == expected, s["id"]


def test_projects_carry_version_links(server) -> None:
    page = get(server, "/collections/projects/items", feature_id="LYO-REF-A", sortby="valid_from")
    features = page.json()["features"]
    assert len(features) == 2
    assert rels(features[0])["successor-version"].endswith(f"/items/{features[1]['id']}")
    assert rels(features[1])["predecessor-version"].endswith(f"/items/{features[0]['id']}")


# -- the change feed -------------------------------------------------------------------------
def test_feed_counts_and_corrections(server, history) -> None:
    """At PM24 now: the first load's changes, as corrected (flagged, with what they replaced)."""
    feed = all_features(server, "building_changes", datetime=AFTER_PM18_TO_PM24)
    counts = {
        c: sum(f["properties"]["change"] == c for f in feed) for c in ("new", "changed", "ended")
    }
    assert counts == {"new": 20, "changed": CHANGED - REVERTED + MORE_CHANGED, "ended": 49}
    assert {f["properties"]["point"] for f in feed} == {"PM24"}
    corrected = [f for f in feed if f["properties"]["correction"]]
    assert len(corrected) == MORE_CHANGED
    for f in corrected:
        assert f["properties"]["changed_properties"] == ["height"]
        assert f["properties"]["superseded_version_id"] is not None
    then = all_features(
        server, "building_changes", datetime=AFTER_PM18_TO_PM24, known_at=stamp(history.before)
    )
    counts_then = {
        c: sum(f["properties"]["change"] == c for f in then) for c in ("new", "changed", "ended")
    }
    assert counts_then == {"new": 20, "changed": CHANGED, "ended": 50}
    assert not any(f["properties"]["correction"] for f in then)
    ended = [f for f in then if f["properties"]["change"] == "ended"]
    assert all(f["geometry"] is not None and f["properties"]["height"] > 0 for f in ended)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def content(feature_id: str, geometry, height, estimated, storeys, base, crs) -> tuple:
    """What a harvester keeps of a building (GDAL's empty integers and reals are NaN)."""
    shape = shapely.to_wkt(geometry, rounding_precision=9)
    storeys = None if _missing(storeys) else int(storeys)
    base = None if _missing(base) else float(base)
    return (feature_id, shape, float(height), bool(estimated), storeys, base, crs)


def expected_buildings(url: str, at: dt.date, known_at) -> set[tuple]:
    rows = query(
        url,
        "SELECT city_code || '/' || source_id, ST_AsBinary(footprint), height, height_estimated, "
        "storeys, base_elevation, source_crs FROM kc.building_state(%s, %s)",
        (at, known_at),
    )
    return {content(r[0], shapely.from_wkb(bytes(r[1])), *r[2:]) for r in rows}


def ogr2ogr(source: str, out) -> object:
    """``ogr2ogr -f GPKG out source`` (default options), read back as a data frame."""
    proc = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(out), source], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return pyogrio.read_dataframe(out)


def copy_at_pm18(base: str, known_at: dt.datetime | None, out) -> dict[str, tuple]:
    """The buildings valid at PM18, copied with ``ogr2ogr``: {feature_id: content}.

    Now: GDAL's OAPIF driver harvests the collection (every version, with its validity) and
    the script keeps those valid at PM18. As known at an earlier time: GDAL 3.6's OAPIF driver
    cannot add a query parameter, so ogr2ogr reads the items URL with datetime and known_at
    (GeoJSON driver), one page holding them all.
    """
    if known_at is None:
        frame = ogr2ogr(f"OAPIF:{base}/collections/buildings", out)
        valid_from = frame.valid_from.astype(str)
        valid_to = frame.valid_to.astype(str)
        frame = frame[
            (valid_from <= "2017-07-31") & ((valid_to > "2017-07-31") | frame.valid_to.isna())
        ]
    else:
        url = (
            f"{base}/collections/buildings/items?f=json&limit=10000&datetime=2017-07-31"
            f"&known_at={stamp(known_at)}"
        )
        page = requests.get(url, timeout=120).json()
        assert page["numberReturned"] == page["numberMatched"] < 10000  # one complete page
        frame = ogr2ogr(url, out)
    return {
        row.feature_id: content(
            row.feature_id, row.geometry, row.height, row.height_estimated, row.storeys,
            row.base_elevation, row.source_crs,
        )
        for row in frame.itertuples()
    }  # fmt: skip


def apply_feed(state: dict[str, tuple], feed: list[dict], make) -> None:
    """The plain script: in point order, an ended feature goes, any other is (re)placed."""
    for feature in sorted(feed, key=lambda f: f["properties"]["point_date"]):
        properties = feature["properties"]
        if properties["change"] == "ended":
            del state[properties["feature_id"]]
        else:
            state[properties["feature_id"]] = make(feature)


def building_from_feed(feature: dict) -> tuple:
    p = feature["properties"]
    return content(
        p["feature_id"], shapely.geometry.shape(feature["geometry"]), p["height"],
        p["height_estimated"], p["storeys"], p["base_elevation"], p["source_crs"],
    )  # fmt: skip


@pytest.mark.parametrize("as_known_before_correction", [False, True])
def test_incremental_harvest_of_the_buildings(
    server, history, tmp_path, as_known_before_correction
):
    """A copy of PM18 (ogr2ogr) plus the feed for (PM18, PM24] is exactly the state at PM24."""
    known_at = history.before if as_known_before_correction else None
    state = copy_at_pm18(server, known_at, tmp_path / "pm18.gpkg")
    assert set(state.values()) == expected_buildings(history.url, PM18, known_at)
    params = {"datetime": AFTER_PM18_TO_PM24} | ({"known_at": stamp(known_at)} if known_at else {})
    apply_feed(state, all_features(server, "building_changes", **params), building_from_feed)
    assert set(state.values()) == expected_buildings(history.url, PM24, known_at)


def project_content(feature_id: str, geometry, status: str, buildings) -> tuple:
    if isinstance(buildings, str):  # GDAL's text of a string list: (2:a,b), or JSON
        if buildings.startswith("("):
            items = buildings[1:-1].partition(":")[2]
            buildings = items.split(",") if items else []
        else:
            buildings = json.loads(buildings)
    return (feature_id, shapely.to_wkt(geometry, rounding_precision=9), status,
            tuple(sorted(buildings or ())))  # fmt: skip


def expected_projects(url: str, at: dt.date, known_at) -> set[tuple]:
    rows = query(
        url,
        "SELECT code, ST_AsBinary(footprint), status, ARRAY(SELECT b.city_code || '/' || "
        "b.source_id FROM kc.building b WHERE b.building_id = ANY (building_ids)) "
        "FROM kc.project_state(%s, %s)",
        (at, known_at),
    )
    return {project_content(r[0], shapely.from_wkb(bytes(r[1])), r[2], r[3]) for r in rows}


@pytest.mark.parametrize("as_known_before_correction", [False, True])
def test_incremental_harvest_of_the_projects(server, history, tmp_path, as_known_before_correction):
    known_at = history.before if as_known_before_correction else None
    extra = f"&known_at={stamp(known_at)}" if known_at else ""
    frame = ogr2ogr(
        f"{server}/collections/projects/items?f=json&datetime=2017-07-31{extra}",
        tmp_path / "projects.gpkg",
    )
    state = {
        row.feature_id: project_content(row.feature_id, row.geometry, row.status, row.buildings)
        for row in frame.itertuples()
    }
    assert set(state.values()) == expected_projects(history.url, PM18, known_at)
    params = {"datetime": AFTER_PM18_TO_PM24} | ({"known_at": stamp(known_at)} if known_at else {})
    feed = all_features(server, "project_changes", **params)
    assert sum(f["properties"]["correction"] for f in feed) == (0 if known_at else 1)
    apply_feed(
        state,
        feed,
        lambda f: project_content(
            f["properties"]["feature_id"],
            shapely.geometry.shape(f["geometry"]),
            f["properties"]["status"],
            f["properties"]["buildings"],
        ),
    )
    assert set(state.values()) == expected_projects(history.url, PM24, known_at)
    assert expected_projects(history.url, PM24, known_at) != expected_projects(
        history.url, PM18, known_at
    )


def test_uri_component_keeps_plain_ids_and_encodes_the_others(db_url) -> None:
    """The version-history link's feature_id: a plain id as it is (the inlined test), any other
    text percent-encoded as UTF-8 (the function it falls back to), NULL as NULL."""
    [row] = query(
        db_url,
        "SELECT kc.uri_component(%s), kc.uri_component(%s), kc.uri_component(NULL), "
        "kc.uri_component('')",
        ("lyon/B0000001-x_y.z~", "a b&ü%/"),
    )
    assert row == ("lyon/B0000001-x_y.z~", "a%20b%26%C3%BC%25/", None, "")


# -- the reports' feed -----------------------------------------------------------------------
def report_content(feature_id: str, point: str, status: str, progress, objectives, challenges):
    """What a harvester keeps of a report (texts in English, as served without lang; GDAL
    writes a string list as (n:a,b))."""
    if isinstance(challenges, str):
        items = challenges[1:-1].partition(":")[2] if challenges.startswith("(") else challenges
        challenges = items.split(",") if items else []
    return (feature_id, point, status, float(progress), objectives,
            tuple(sorted(challenges or ())))  # fmt: skip


def expected_reports(url: str, at: dt.date, known_at) -> set[tuple]:
    """The reports valid at ``at`` from the base table: each project's latest report up to it."""
    rows = query(
        url,
        "SELECT DISTINCT ON (r.project_id) p.code, r.point_code, r.status, r.progress, "
        "r.objectives->>'en', ARRAY(SELECT c.challenge_code FROM kc.report_challenge c "
        "WHERE c.report_id = r.report_id) FROM kc.report r JOIN kc.project p USING (project_id) "
        "JOIN kc.measurement_point m ON m.code = r.point_code "
        "WHERE m.valid_at <= %s AND kc.believed(r.recorded_at, r.superseded_at, %s) "
        "ORDER BY r.project_id, m.valid_at DESC",
        (at, known_at),
    )
    return {report_content(*row) for row in rows}


@pytest.mark.parametrize("as_known_before_correction", [False, True])
def test_incremental_harvest_of_the_reports(server, history, tmp_path, as_known_before_correction):
    """ogr2ogr's copy of the reports valid at PM18 plus report_changes for (PM18, PM24] is
    exactly the reports valid at PM24, now (after a correction) and as known before it."""
    known_at = history.before if as_known_before_correction else None
    extra = f"&known_at={stamp(known_at)}" if known_at else ""
    frame = ogr2ogr(
        f"{server}/collections/reports/items?f=json&datetime=2017-07-31{extra}",
        tmp_path / "reports.gpkg",
    )
    state = {
        row.feature_id: report_content(row.feature_id, row.point, row.status, row.progress,
                                       row.objectives, row.challenges)
        for row in frame.itertuples()
    }  # fmt: skip
    assert set(state.values()) == expected_reports(history.url, PM18, known_at)
    params = {"datetime": AFTER_PM18_TO_PM24} | ({"known_at": stamp(known_at)} if known_at else {})
    feed = all_features(server, "report_changes", **params)
    assert sorted(f["properties"]["change"] for f in feed) == ["changed", "new"]
    corrected = [f["properties"] for f in feed if f["properties"]["correction"]]
    if known_at is None:
        assert [c["feature_id"] for c in corrected] == ["LYO-EV-1"]
        assert corrected[0]["superseded_version_id"] is not None
    else:
        assert corrected == []
    apply_feed(
        state,
        feed,
        lambda f: report_content(
            f["properties"]["feature_id"], f["properties"]["point"],
            f["properties"]["status"], f["properties"]["progress"],
            f["properties"]["objectives"], f["properties"]["challenges"],
        ),
    )  # fmt: skip
    assert set(state.values()) == expected_reports(history.url, PM24, known_at)
    assert expected_reports(history.url, PM24, known_at) != expected_reports(
        history.url, PM18, known_at
    )


def test_report_feed_names_what_changed_since_the_previous_report(server, history) -> None:
    """LYO-REF-A's PM24 report against its PM18 report: the properties that differ, checked
    against the two reports read from the reports collection."""
    [feature] = [
        f
        for f in all_features(server, "report_changes", datetime=AFTER_PM18_TO_PM24)
        if f["properties"]["feature_id"] == "LYO-REF-A"
    ]
    p = feature["properties"]
    assert p["change"] == "changed" and p["point"] == "PM24" and not p["correction"]
    reports = {
        f["id"]: f["properties"]
        for f in all_features(server, "reports", feature_id="LYO-REF-A", lang="en")
    }
    old, new = reports[p["previous_version_id"]], reports[p["version_id"]]
    compared = ("status", "progress", "objectives", "drivers", "challenges")
    differing = [name for name in compared if old[name] != new[name]]
    assert differing == ["status", "progress", "objectives", "drivers", "challenges"]
    assert [n for n in p["changed_properties"] if n in compared] == differing
    assert "geometry" not in p["changed_properties"]  # the same footprint at both points


# -- what was recorded after a harvest -------------------------------------------------------
def state_diff_counts(url: str, at: dt.date, since: dt.datetime) -> dict[str, int]:
    """new/changed/ended between the buildings at ``at`` as known at ``since`` and now (SQL)."""
    rows = query(
        url,
        "WITH a AS (SELECT building_id, version_id FROM kc.building_state(%(at)s, %(since)s)), "
        "b AS (SELECT building_id, version_id FROM kc.building_state(%(at)s)) "
        "SELECT CASE WHEN a.building_id IS NULL THEN 'new' WHEN b.building_id IS NULL "
        "THEN 'ended' ELSE 'changed' END, count(*) FROM a FULL JOIN b USING (building_id) "
        "WHERE a.version_id IS DISTINCT FROM b.version_id GROUP BY 1",
        {"at": at, "since": since},
    )
    return dict(rows)


def test_recorded_after_brings_a_harvest_up_to_date(server, history) -> None:
    """A harvester that took the buildings at PM24 before the correction asks what was recorded
    since then about PM24, applies it with the same script, and has PM24 as it is now."""
    before = stamp(history.before)
    state = {
        f["properties"]["feature_id"]: building_from_feed(f)
        for f in all_features(server, "buildings", datetime="2018-01-31", known_at=before)
    }
    assert set(state.values()) == expected_buildings(history.url, PM24, history.before)
    feed = all_features(server, "building_changes", datetime="2018-01-31", recorded_after=before)
    counts = {
        c: sum(f["properties"]["change"] == c for f in feed) for c in ("new", "changed", "ended")
    }
    expected = state_diff_counts(history.url, PM24, history.before)
    assert {c: n for c, n in counts.items() if n} == expected
    assert expected == {"changed": REVERTED + MORE_CHANGED, "new": 1}  # the restored building
    assert all(f["properties"]["correction"] for f in feed)
    assert all(
        f["properties"]["superseded_version_id"] for f in feed if f["properties"]["change"] != "new"
    )
    apply_feed(state, feed, building_from_feed)
    assert set(state.values()) == expected_buildings(history.url, PM24, None)
    # Nothing was recorded after now; and about PM18 nothing was recorded after the correction.
    assert (
        all_features(server, "building_changes", datetime="2017-07-31", recorded_after=before) == []
    )


def test_recorded_after_on_the_reports_and_projects(server, history) -> None:
    before = stamp(history.before)
    reports = all_features(server, "report_changes", datetime="2018-01-31", recorded_after=before)
    assert [(f["properties"]["feature_id"], f["properties"]["change"]) for f in reports] == [
        ("LYO-EV-1", "changed")
    ]
    p = reports[0]["properties"]
    [(old_report,)] = query(
        history.url,
        "SELECT r.report_id FROM kc.report r JOIN kc.project p USING (project_id) "
        "WHERE p.code = 'LYO-EV-1' AND r.point_code = 'PM24' AND r.superseded_at IS NOT NULL",
    )
    assert p["correction"] and p["superseded_version_id"] == p["previous_version_id"] == old_report
    assert p["status"] == "in_preparation" and "status" in p["changed_properties"]
    projects = all_features(server, "project_changes", datetime="2018-01-31", recorded_after=before)
    assert [f["properties"]["feature_id"] for f in projects] == ["LYO-EV-1"]
    assert projects[0]["properties"]["status"] == "in_implementation"


@pytest.mark.parametrize("collection", ["building_changes", "project_changes", "report_changes"])
def test_recorded_after_is_declared_and_checked(server, collection) -> None:
    document = get(server, "/openapi", f="json").json()
    get_items = document["paths"][f"/collections/{collection}/items"]["get"]
    assert "recorded_after" in [p.get("name") for p in get_items["parameters"]]
    bad = get(server, f"/collections/{collection}/items", recorded_after="yesterday")
    assert bad.status_code == 400 and "RFC 3339" in bad.json()["description"]


def test_recorded_after_is_only_on_the_feeds(server) -> None:
    response = get(server, "/collections/buildings/items", recorded_after="2018-03-01T00:00:00Z")
    assert response.status_code == 400
    assert "unknown query parameter 'recorded_after'" in response.json()["description"]


def test_recorded_after_long_ago_is_every_state_once(server, history) -> None:
    """Recorded after a time before any load, with no datetime: every feature at every point
    is new there, each once, with its own id (a version there at two points is two changes)."""
    feed = all_features(server, "building_changes", recorded_after="2000-01-01T00:00:00Z")
    ids = [f["id"] for f in feed]
    assert len(ids) == len(set(ids))
    assert {f["properties"]["change"] for f in feed} == {"new"}
    [(expected,)] = query(
        history.url,
        "SELECT sum((SELECT count(*) FROM kc.building_state(m.valid_at))) "
        "FROM kc.measurement_point m",
    )
    assert len(feed) == expected > 5000
