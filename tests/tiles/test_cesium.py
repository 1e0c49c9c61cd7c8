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

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.shared_data import lyon_rows
from tests.tiles.data import REPO, load_projects, load_rows
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
    from playwright.sync_api import sync_playwright

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
            page = browser.new_page()
            url = (
                f"{base}/cesium_page.html?tileset=/tiles/lyon/PM18/tileset.json"
                f"&properties={quote(json.dumps(PROPERTIES))}"
            )
            page.goto(url)
            page.wait_for_function(
                "window.kcResult !== null || window.kcError !== null", timeout=240_000
            )
            error = page.evaluate("window.kcError")
            assert error is None, error
            result = page.evaluate("window.kcResult")
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "cesium_lyon_PM18.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)

    tileset = json.loads((out / "lyon" / "PM18" / "tileset.json").read_text())
    leaves = sum(1 for _ in _contents(tileset["root"]))
    assert result["loadedContents"] == leaves
    assert result["featuresLength"] == len(db) == 2576
    by_version = {f["version_id"]: f for f in result["features"]}
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
    touched = {f["source_id"] for f in result["features"] if f["status"] == "completed"}
    assert touched == {r[0] for r in rows[:40]}
    assert all(
        json.loads(f["projects"]) == [] for f in result["features"] if f["source_id"] not in touched
    )


def _contents(tile):
    if "content" in tile:
        yield tile
    for child in tile.get("children", []):
        yield from _contents(child)
