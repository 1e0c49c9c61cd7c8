"""Project footprints in the reporting form: drawn by clicks on the map, or uploaded as a file.

The same server and accounts as ``test_writes`` (anne edits Lyon). What is saved is read back
through the OGC API, as any client would, and must equal what was drawn or uploaded.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import requests
import shapely
import shapely.geometry

from tests.api.test_form import Browser, logged_in_session
from tests.api.test_writes import Site, auth, feature, site

__all__ = ["site"]  # the fixture, shared with test_writes

pytestmark = pytest.mark.browser
PM30 = "2018-07-31"
#: Degrees (about 1 cm): the API's coordinates against the map's clicks.
TOLERANCE = 1e-7


def project_at(site: Site, code: str, date: str) -> dict:
    body = requests.get(
        f"{site.base}/collections/projects/items",
        params={"project": code, "datetime": date, "f": "json"},
        timeout=60,
    ).json()
    assert len(body["features"]) == 1, body
    return body["features"][0]


def changes(site: Site, code: str) -> list[dict]:
    return requests.get(
        f"{site.base}/collections/project_changes/items",
        params={"feature_id": code, "f": "json", "limit": 100},
        timeout=60,
    ).json()["features"]


def reproject(geom: shapely.Geometry, source: int, target: int) -> shapely.Geometry:
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def same_shape(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return a.geom_type == b.geom_type and shapely.equals_exact(
        shapely.normalize(a), shapely.normalize(b), tolerance=TOLERANCE
    )


def draw(page, offsets: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Click the map at ``offsets`` (fractions of its box); the corners the page recorded,
    each checked to lie under its click (within a few pixels)."""
    box = page.locator("#map").bounding_box()
    start = page.evaluate("window.kcFootprint.vertices.length")
    for fx, fy in offsets:
        x, y = round(box["width"] * fx), round(box["height"] * fy)
        page.mouse.click(box["x"] + x, box["y"] + y)
        at = page.evaluate(
            """([x, y]) => { const m = window.kcFootprint.map;
                 const v = window.kcFootprint.vertices.at(-1);
                 return m.latLngToContainerPoint(v).distanceTo([x, y]); }""",
            [x, y],
        )
        assert at <= 3.0, (x, y, at)  # the map's border and sub-pixel box offsets
    recorded = page.evaluate("window.kcFootprint.vertices.map(v => [v.lng, v.lat])")
    assert len(recorded) == start + len(offsets)
    return [tuple(v) for v in recorded[start:]]


def test_a_footprint_drawn_by_clicks_then_uploaded_is_what_the_api_serves(
    site: Site, tmp_path
) -> None:
    from playwright.sync_api import sync_playwright

    before = project_at(site, "LYO-REF-A", PM30)
    with sync_playwright() as pw:
        anne = Browser(pw)
        try:
            anne.login(site.base, "anne")
            anne.page.goto(f"{site.base}/report/LYO-REF-A/PM30?lang=en")
            anne.page.click("#footprint-link")
            anne.page.wait_for_function(
                "() => window.kcFootprint && window.kcFootprint.buildings !== null"
            )
            assert anne.page.evaluate("window.kcFootprint.buildings") > 0  # for orientation
            # A mistaken corner, undone, then a pentagon.
            draw(anne.page, [(0.1, 0.1)])
            anne.page.click("#undo")
            drawn = shapely.Polygon(draw(anne.page, [(0.3, 0.25), (0.62, 0.2), (0.75, 0.55), (0.5, 0.8),
                                     (0.25, 0.6)]))  # fmt: skip
            anne.shot("footprint_drawn")
            anne.page.click("#save-drawing")
            anne.page.wait_for_selector("p.ok, .message.bad")
            assert "Footprint saved" in anne.page.inner_text(".message")
            anne.shot("footprint_saved")

            served = project_at(site, "LYO-REF-A", PM30)
            assert served["id"] != before["id"]
            assert served["properties"]["valid_from"] == PM30  # a new version from PM30 on
            assert same_shape(shapely.geometry.shape(served["geometry"]), drawn), served
            assert project_at(site, "LYO-REF-A", "2018-01-31")["id"] != served["id"]
            feed = [(f["properties"]["point"], f["properties"]["change"])
                    for f in changes(site, "LYO-REF-A")]  # fmt: skip
            assert ("PM30", "changed") in feed

            # A GeoPackage in Lyon's CC46 (EPSG:3946): at PM30 again, so a correction of the
            # drawn version, reprojected to CRS84.
            square = shapely.geometry.box(*reproject(drawn, 4326, 3946).bounds)
            square = shapely.affinity.scale(square, 0.5, 0.5)
            gpkg = tmp_path / "bloc A emprise.gpkg"
            gpd.GeoDataFrame({"name": ["bloc A"]}, geometry=[square], crs=3946).to_file(gpkg)
            anne.page.set_input_files("#file", str(gpkg))
            anne.page.click("#save-file")
            anne.page.wait_for_selector("p.ok, .message.bad")
            assert "Footprint saved" in anne.page.inner_text(".message"), anne.page.inner_text(
                ".message"
            )
            uploaded = project_at(site, "LYO-REF-A", PM30)
            expected = reproject(square, 3946, 4326)
            assert same_shape(shapely.geometry.shape(uploaded["geometry"]), expected)
            corrections = [f["properties"] for f in changes(site, "LYO-REF-A")
                           if f["properties"]["correction"]]  # fmt: skip
            assert [c["superseded_version_id"] for c in corrections] == [served["id"]]
            anne.shot("footprint_uploaded")

            # A file GDAL cannot read, and one of lines: clear messages, nothing saved.
            garbage = tmp_path / "notes.gpkg"
            garbage.write_text("these are meeting notes, not a GeoPackage\n")
            anne.page.set_input_files("#file", str(garbage))
            anne.page.click("#save-file")
            anne.page.wait_for_selector("#problems")
            text = anne.page.inner_text("#problems")
            assert "notes.gpkg" in text and "a complete, readable vector file" in text, text
            assert "kc-footprint-" not in text  # the server's folder is not shown
            anne.shot("footprint_bad_file")
            lines = tmp_path / "streets.geojson"
            gpd.GeoDataFrame({"name": ["a", "b"]}, crs=4326, geometry=[
                shapely.Point(4.83, 45.76).buffer(1e-4),
                shapely.LineString([(4.83, 45.76), (4.84, 45.77)]),
            ]).to_file(lines, driver="GeoJSON")  # fmt: skip
            anne.page.set_input_files("#file", str(lines))
            anne.page.click("#save-file")
            anne.page.wait_for_selector("#problems")
            text = anne.page.inner_text("#problems")
            assert "streets.geojson, feature 2, geometry: LineString" in text, text
            assert "a Polygon or MultiPolygon" in text
            assert project_at(site, "LYO-REF-A", PM30)["id"] == uploaded["id"]
        finally:
            anne.close()


def test_a_stale_footprint_save_is_refused(site: Site) -> None:
    anne = logged_in_session(site.base, "anne")
    page = anne.get(f"{site.base}/report/LYO-EV-1/PM24/footprint", timeout=60).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    base = re.search(r'name="base" value="([^"]+)"', page).group(1)
    current = project_at(site, "LYO-EV-1", "2018-01-31")
    # cora changes the project in between (its status, through the API).
    changed = requests.patch(
        f"{site.base}/collections/projects/items/{current['id']}",
        json=feature({"status": "in_implementation", "point": "PM24"}),
        headers={**auth("cora")}, timeout=60,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    ring = [[4.83, 45.76], [4.831, 45.76], [4.831, 45.761], [4.83, 45.76]]
    late = anne.post(
        f"{site.base}/report/LYO-EV-1/PM24/footprint", timeout=60,
        data={"csrf": token, "base": base,
              "geometry": json.dumps({"type": "Polygon", "coordinates": [ring]})},
    )  # fmt: skip
    assert late.status_code == 409 and "Someone else changed this project" in late.text
    after = project_at(site, "LYO-EV-1", "2018-01-31")
    assert after["properties"]["status"] == "in_implementation"
    assert not same_shape(shapely.geometry.shape(after["geometry"]), shapely.Polygon(ring[:3]))
    # Without the CSRF token: 403, as every form.
    forged = anne.post(f"{site.base}/report/LYO-EV-1/PM24/footprint", timeout=60,
                       data={"base": base, "geometry": "{}"})  # fmt: skip
    assert forged.status_code == 403
