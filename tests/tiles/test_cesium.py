"""A tileset in CesiumJS, headless Chromium: every tile loads, features and metadata match PostGIS.

CesiumJS comes from node_modules (npm ``cesium``) and is served with the tiles by a local HTTP
server; no Cesium ion, no terrain. Chromium is the Debian package, driven by Playwright.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from tests.browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.shared_data import lyon_rows
from tests.tiles.data import REPO, district, load_projects, load_rows, synthetic_city
from tests.tiles.implicit_read import read_implicit
from tiles.export import export_all

CESIUM = REPO / "node_modules" / "cesium" / "Build" / "Cesium"
PROPERTIES = [
    "version_id",
    "source_id",
    "height",
    "storeys",
    "valid_from",
    "valid_to",
    "status",
    "projects",
    "buildings",
]


class _Handler(SimpleHTTPRequestHandler):
    """/cesium/* from node_modules, /tiles/* from the export folder, / the test page."""

    def __init__(self, *args, tiles: Path, **kwargs):
        self.tiles = tiles
        super().__init__(*args, directory=str(REPO / "tests"), **kwargs)

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0]
        if clean.startswith("/cesium/"):
            return str(CESIUM / clean[len("/cesium/") :])
        if clean.startswith("/tiles/"):
            return str(self.tiles / clean[len("/tiles/") :])
        return super().translate_path(path)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(tmp_path):
    handler = functools.partial(_Handler, tiles=tmp_path)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", tmp_path
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
def test_cesium_loads_every_feature_with_its_metadata(conn, server) -> None:
    assert CESIUM.is_dir(), "run tools/setup.sh (npm ci installs cesium)"
    assert CHROMIUM.exists(), "run tools/setup.sh (installs the chromium package)"

    base, out = server
    rows = lyon_rows()
    load_rows(conn, "lyon", "PM18", rows)
    load_projects(
        conn,
        "lyon",
        "PM18",
        [("LY-PV-2", "district_heating_renewables", "completed", [r[0] for r in rows[:40]])],
    )
    export_all(conn, out, point="PM18", city="lyon")
    cur = conn.cursor()
    cur.execute(
        "SELECT version_id, source_id, height, storeys, valid_from::text, valid_to::text "
        "FROM kc.building_state('2017-07-31') WHERE city_code = 'lyon'"
    )
    db = {r[0]: r[1:] for r in cur.fetchall()}

    result = _in_cesium(base, "/tiles/lyon/PM18/tileset.json", PROPERTIES, "cesium_lyon_PM18.png")
    tileset = json.loads((out / "lyon" / "PM18" / "tileset.json").read_text())
    with_content = sum(1 for _ in _contents(tileset["root"]))
    assert result["loadedContents"] == with_content  # leaves and levels of detail
    buildings = [f for f in result["features"] if f["version_id"] > 0]
    assert len(buildings) == len(db) == 2576
    by_version = {f["version_id"]: f for f in buildings}
    assert set(by_version) == set(db)
    for vid, (sid, height, storeys, valid_from, valid_to) in db.items():
        f = by_version[vid]
        assert (f["source_id"], f["height"], f["storeys"], f["valid_from"], f["valid_to"]) == (
            sid,
            height,
            storeys,
            valid_from,
            valid_to,
        )
    touched = {f["source_id"] for f in buildings if f["status"] == "completed"}
    assert touched == {r[0] for r in rows[:40]}
    assert all(json.loads(f["projects"]) == [] for f in buildings if f["source_id"] not in touched)


@pytest.mark.browser
def test_partitions_in_external_tilesets_load_every_building(conn, server) -> None:
    """A city cut into partitions: CesiumJS follows each partition's external tileset and
    loads every building once."""
    base, out = server
    rows = lyon_rows()
    load_rows(conn, "lyon", "PM18", rows)
    export_all(conn, out, point="PM18", city="lyon", max_features=50, partition_features=300)
    folder = out / "lyon" / "PM18"
    assert len(list(folder.glob("*.json"))) > 2  # tileset.json and the partitions'
    result = _in_cesium(
        base, "/tiles/lyon/PM18/tileset.json", ["version_id"], "cesium_lyon_partitions.png"
    )
    cur = conn.cursor()
    cur.execute("SELECT version_id FROM kc.building_state('2017-07-31') WHERE city_code = 'lyon'")
    ids = sorted(f["version_id"] for f in result["features"] if f["version_id"] > 0)
    assert ids == sorted(r[0] for r in cur.fetchall()) and len(ids) == len(rows)


def _in_cesium(base: str, tileset: str, properties: list[str], shot: str, **params) -> dict:
    """Load ``tileset`` in tests/cesium_page.html (headless Chromium); its result and a
    screenshot in tests/artifacts/."""
    assert CESIUM.is_dir(), "run tools/setup.sh (npm ci installs cesium)"
    assert CHROMIUM.exists(), "run tools/setup.sh (installs the chromium package)"
    from playwright.sync_api import sync_playwright

    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    url = f"{base}/cesium_page.html?tileset={tileset}&properties={quote(json.dumps(properties))}"
    profile = tempfile.mkdtemp(prefix="kc-chromium-")
    try:
        with sync_playwright() as pw:
            # A new, empty profile (--user-data-dir) for every run.
            browser = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=FLAGS,
                headless=True,
                viewport={"width": 1024, "height": 768},
            )
            try:
                page = browser.new_page()
                page.goto(url + ("&" + query if query else ""))
                page.wait_for_function(
                    "window.kcResult !== null || window.kcError !== null", timeout=300_000
                )
                error = page.evaluate("window.kcError")
                assert error is None, error
                result = page.evaluate("window.kcResult")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / shot))
                print(f"screenshot: {ARTIFACTS / shot}")
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return result


@pytest.mark.browser
@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_temporal_tileset_shows_each_point_by_style_as_sql_counts(
    conn, db_url, server, implicit
) -> None:
    """One temporal tileset (explicit, or implicit tiling: ``kc tiles export --implicit``);
    for each point a style alone shows the buildings valid there."""
    base, out = server
    d = district("lyon", n_grid=10)
    rows = d.rows
    load_rows(conn, "lyon", "PM18", rows[:-10])  # 10 buildings are new at PM24
    load_rows(conn, "lyon", "PM24", rows)
    changed = [(r[0], r[1], r[2] + 4.0, *r[3:]) if 20 <= k < 30 else r for k, r in enumerate(rows)]
    load_rows(conn, "lyon", "PM30", changed[5:])  # 5 demolished, 10 taller: new versions
    load_projects(
        conn, "lyon", "PM24", [("LY-T-1", "citizen_engagement", "completed", [rows[0][0]])]
    )
    export_all(conn, out, city="lyon", database_url=db_url, max_features=20, implicit=implicit)
    index = json.loads((out / "index.json").read_text())
    [temporal] = index["temporal"]
    assert temporal["href"] == "lyon/temporal/tileset.json"
    assert temporal["tiling"] == ("implicit" if implicit else "explicit")
    cur = conn.cursor()
    cur.execute(
        "SELECT p.code, (SELECT count(*) FROM kc.building_state(p.valid_at) s "
        "WHERE s.city_code = 'lyon') FROM kc.measurement_point p"
    )
    expected = dict(cur.fetchall())
    assert expected["PM18"] == len(rows) - 10 and expected["PM30"] == len(rows) - 5
    cur.execute("SELECT count(*) FROM kc.building_version")
    versions = cur.fetchone()[0]
    assert temporal["feature_count"] == versions == len(rows) + 10
    # Every tileset of the run passes the glTF validator.
    from tests.tiles.test_export import contents, validate

    files = sorted(
        {
            f
            for e in index["tilesets"] + index["temporal"]
            for f in contents((out / e["href"]).parent)
        }
    )
    assert [r["messages"] for r in validate(files) if r["errors"]] == []
    result = _in_cesium(
        base,
        "/tiles/lyon/temporal/tileset.json",
        ["version_id", "buildings"],
        f"cesium_lyon_temporal{'_implicit' if implicit else ''}_PM30.png",
        points=json.dumps(list(expected)),
        style=json.dumps(
            {
                "show": "${in_PM30} === true",
                "color": {
                    "conditions": [
                        ["${status_PM30} === 'completed'", "color('#2e7d32')"],
                        ["true", "color('#f2efe9')"],
                    ]
                },
            }
        ),
    )
    assert result["shown"] == expected
    assert len({f["version_id"] for f in result["features"] if f["version_id"] > 0}) == versions
    # Every content of the tileset was loaded (maximumScreenSpaceError 0), and with implicit
    # tiling the tree came from its subtree files.
    loaded = contents(out / "lyon" / "temporal")
    assert result["loadedContents"] == result["requests"] == len(loaded)
    subtrees = list((out / "lyon" / "temporal").glob("subtrees/**/*.subtree"))
    assert result["subtrees"] == len(subtrees) and (len(subtrees) > 0) == implicit
    if implicit:
        # CesiumJS made every tile of the subtrees, with the errors of their metadata (0 in
        # the leaves, where the implicit default would be the root's / 2^level).
        _, tiles = read_implicit(out / "lyon" / "temporal")
        made = {(t["level"], t["x"], t["y"]): t["error"] for t in result["implicitTiles"]}
        assert made == {(t.level, t.x, t.y): t.error for t in tiles}
        assert 0.0 in made.values()


@pytest.mark.browser
def test_city_of_100000_buildings_from_above_at_the_default_sse(conn, db_url, server) -> None:
    """At Cesium's default screen-space error (16) the whole city is drawn from above, from
    a bounded number of tiles: the levels of detail, not every building."""
    base, out = server
    n = 100_000
    load_rows(conn, "lyon", "PM18", synthetic_city(n))
    [published] = export_all(conn, out, point="PM18", city="lyon", database_url=db_url)
    assert published.feature_count == n
    shot = "cesium_city_100k_sse16_top.png"
    result = _in_cesium(base, "/tiles/lyon/PM18/tileset.json", [], shot, sse=16, view="top")
    print(f"tiles loaded: {result['requests']}, bytes: {result['bytes']:,}")
    assert result["requests"] == result["loadedContents"] <= 30
    assert result["bytes"] < 20_000_000
    _assert_fully_visible(shot)


@pytest.mark.browser
def test_implicit_city_of_100000_buildings_from_above_at_the_default_sse(
    conn, db_url, server
) -> None:
    """The temporal tileset with implicit tiling (``--implicit``), styled at a point: at the
    default SSE the whole city is drawn from above from a few subtree files and tiles."""
    base, out = server
    n = 100_000
    load_rows(conn, "lyon", "PM18", synthetic_city(n))
    export_all(conn, out, city="lyon", database_url=db_url, implicit=True)
    [temporal] = json.loads((out / "index.json").read_text())["temporal"]
    assert temporal["tiling"] == "implicit" and temporal["feature_count"] == n
    shot = "cesium_city_100k_implicit_sse16_top.png"
    result = _in_cesium(
        base,
        "/tiles/lyon/temporal/tileset.json",
        [],
        shot,
        sse=16,
        view="top",
        style=json.dumps({"show": "${in_PM18} === true"}),
    )
    print(
        f"tiles loaded: {result['requests']}, bytes: {result['bytes']:,}, "
        f"subtrees: {result['subtrees']}"
    )
    assert result["requests"] == result["loadedContents"] <= 30
    assert result["bytes"] < 20_000_000
    assert 1 <= result["subtrees"] <= 5
    _assert_fully_visible(shot)


def _assert_fully_visible(shot: str) -> None:
    """Every cell of a grid over the city's square on screen shows buildings (pixels unlike
    the globe's, sampled in the corner), none is empty."""
    from PIL import Image

    image = np.asarray(Image.open(ARTIFACTS / shot).convert("RGB")).astype(int)
    globe = image[:20, :20].reshape(-1, 3).mean(axis=0)
    built = np.abs(image - globe).sum(axis=2) > 40
    built[-50:, :200] = False  # the credit logo
    rows, cols = np.flatnonzero(built.any(axis=1)), np.flatnonzero(built.any(axis=0))
    city = built[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    assert min(city.shape) > 400, city.shape  # the city fills most of the view
    h, w = (city.shape[0] // 16) * 16, (city.shape[1] // 16) * 16
    cells = city[:h, :w].reshape(16, h // 16, 16, w // 16).mean(axis=(1, 3))
    assert cells.min() > 0.15, cells.round(2)


def _contents(tile):
    if "content" in tile:
        yield tile
    for child in tile.get("children", []):
        yield from _contents(child)
