"""The web viewer end to end: ``kc serve`` with real tiles, headless Chromium, CesiumJS.

The database gets the synthetic sample districts through the real loaders (small: a few hundred
buildings per city and point, three points), except Lyon at PM18: the real Lyon 1er buildings
(IGN BD TOPO, ../shared/data), 3 km north of the sample, so that PM18 and PM24 cover different
areas. The tiles come from ``kc tiles export`` and the server is ``kc serve`` on a free port. The
page is driven like a user would: it must load without console errors and without a single
request leaving the server, show as many buildings as the database holds at each point (counted
from the loaded tiles' features), switch between points in different areas in good time, never
show anything of a later point, keep its labels apart, open a project's report when one of its
buildings is clicked, and change language. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from psycopg2 import sql

from etl.buildings import load_buildings
from etl.projects import load_projects
from etl.reporting import load_reporting
from etl.sample.districts import CITIES, POINTS, write_sample
from gis.store.db import connect
from gis.store.settings import PROJECT_ROOT
from tests.api.server import Server, drop_role, start_server
from tests.browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.databases import fresh_database
from tests.shared_data import LYON_BUILDINGS, require

CESIUM = PROJECT_ROOT / "node_modules" / "cesium" / "Build" / "Cesium" / "Cesium.js"
LANGS = ("en", "de", "fr")
VIEWPORT = {"width": 1280, "height": 800}
SAMPLE_PLOTS = 400  # per city: small tilesets, software WebGL is slow
CITY = "lyon"
LOAD_TIMEOUT = 180_000  # ms: software rendering on a shared 2-core machine
SWITCH_TIMEOUT = 30_000  # ms: a switch to a point in another area (issue 17: it never ended)
#: Console messages that are not errors of the page: the software rasteriser's notes.
IGNORED_CONSOLE = ("GL Driver Message", "GPU stall due to ReadPixels")

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Site:
    server: Server
    db_url: str
    home: Path


@pytest.fixture(scope="module")
def site(server_url: str, template_db: str, tmp_path_factory) -> Iterator[Site]:
    """A database with the sample districts, its exported tiles and ``kc serve`` on them."""
    assert CESIUM.is_file(), "run tools/setup.sh (npm ci installs cesium into node_modules)"
    assert CHROMIUM.exists(), "run tools/setup.sh (installs the Debian chromium package)"
    from gis.api.roles import ensure_login_role, reader_password, with_credentials

    home = tmp_path_factory.mktemp("kc_viewer_home")
    for url in fresh_database(server_url, template_db):
        load_site_data(url, home / "sample")
        env = {**os.environ, "KC_HOME": str(home), "KC_DATABASE_URL": url}
        kc = Path(sys.executable).parent / "kc"
        for command in (["tiles", "export", "--all"], ["books", "build", "--no-pdf"]):
            subprocess.run([str(kc), *command], env=env, check=True, capture_output=True)
        role = f"kc_viewer_test_{os.getpid()}"
        password = reader_password(home / "reader")
        conn = connect(url)
        ensure_login_role(conn, password, role=role)
        conn.close()
        server = start_server(home, url, with_credentials(url, role, password))
        try:
            yield Site(server, url, home)
        finally:
            server.stop()
            drop_role(url, role)


def load_site_data(url: str, folder: Path) -> None:
    """The sample districts, with the real Lyon 1er buildings as Lyon's PM18 (every building
    first: the projects' building references must be known)."""
    files = write_sample(folder, SAMPLE_PLOTS)
    buildings = {**files.buildings, (CITY, "PM18"): require(LYON_BUILDINGS)}
    for point in POINTS:
        for city in CITIES:
            load_buildings(url, buildings[(city, point)], city, point)
    for point in POINTS:
        for city in CITIES:
            load_projects(url, files.projects[(city, point)], city, point)
        load_reporting(url, files.reporting[point], point)


def db_count(url: str, city: str, at: dt.date) -> int:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM kc.building_state(%s) WHERE city_code = %s", (at, city)
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def point_dates(url: str) -> dict[str, dt.date]:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT code, valid_at FROM kc.measurement_point")
            return dict(cur.fetchall())
    finally:
        conn.close()


def db_changes(url: str, city: str, at: dt.date) -> dict[str, int]:
    """Buildings new, changed (a version closed and one opened) and ended at ``at``."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """WITH v AS (
                       SELECT r.building_id, r.valid_from, r.valid_to
                         FROM kc.building_validity r JOIN kc.building b USING (building_id)
                        WHERE b.city_code = %(city)s AND r.superseded_at IS NULL),
                   opened AS (SELECT DISTINCT building_id FROM v WHERE valid_from = %(at)s),
                   closed AS (SELECT DISTINCT building_id FROM v WHERE valid_to = %(at)s)
                   SELECT (SELECT count(*) FROM opened WHERE building_id NOT IN (TABLE closed)),
                          (SELECT count(*) FROM opened WHERE building_id IN (TABLE closed)),
                          (SELECT count(*) FROM closed WHERE building_id NOT IN (TABLE opened))""",
                {"city": city, "at": at},
            )
            new, changed, ended = cur.fetchone()
            return {"new": new, "changed": changed, "ended": ended}
    finally:
        conn.close()


def project_buildings(url: str, city: str, at: dt.date) -> list[tuple]:
    """(project, building source id, lon, lat, southern lat, roof height) of the buildings
    projects touch at ``at``, tallest first (least likely to be hidden behind another one)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """SELECT p.code, b.source_id, ST_X(ST_PointOnSurface(b.footprint)),
                          ST_Y(ST_PointOnSurface(b.footprint)), ST_YMin(b.footprint) + 1e-6,
                          b.height
                     FROM kc.project_state(%s) p
                     JOIN kc.building_state(%s) b ON b.building_id = ANY (p.building_ids)
                    WHERE p.city_code = %s
                    ORDER BY b.height DESC, p.code, b.source_id""",
                (at, at, city),
            )
            return cur.fetchall()
    finally:
        conn.close()


def footprint_ground(url: str, city: str, at: dt.date) -> list[tuple[str, float, float]]:
    """(project, lon, lat) of spots inside polygon project footprints, away from any building
    (a click there can only hit the footprint)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """SELECT p.code, ST_X(g.geom), ST_Y(g.geom)
                     FROM kc.project_state(%(at)s) p,
                          LATERAL (SELECT ST_Difference(p.footprint, coalesce(ST_Union(
                                      ST_Buffer(b.footprint, 0.00004)), 'POLYGON EMPTY'))
                                      AS free
                                     FROM kc.building_state(%(at)s) b
                                    WHERE b.city_code = p.city_code
                                      AND ST_DWithin(b.footprint, p.footprint, 0.0001)) f,
                          LATERAL ST_Dump(ST_GeneratePoints(f.free, 6, 1)) g
                    WHERE p.city_code = %(city)s AND ST_Dimension(p.footprint) = 2
                      AND NOT ST_IsEmpty(f.free)
                    ORDER BY p.code""",
                {"at": at, "city": city},
            )
            return cur.fetchall()
    finally:
        conn.close()


def click_footprint(page, spots, box: tuple[int, int, int, int]) -> str:
    """Click spots on project footprints until one picks its project; returns the code."""
    tried = []
    for project, lon, lat in spots:
        spot = page.evaluate("([x, y, h]) => window.kc.toScreen(x, y, h)", [lon, lat, 0.4])
        if not spot or not (box[0] < spot["x"] < box[2] and box[1] < spot["y"] < box[3]):
            continue
        if not on_canvas(page, spot):
            continue
        page.mouse.click(spot["x"], spot["y"])
        page.wait_for_timeout(300)
        picked = page.evaluate("window.kc.state.selected")
        tried.append((project, round(spot["x"]), round(spot["y"]), picked and picked["kind"]))
        if picked and picked["kind"] == "project":
            assert picked["code"] == project
            return project
    raise AssertionError(f"no project footprint could be clicked on screen: {tried}")


def on_canvas(page, spot: dict) -> bool:
    """Whether a click at ``spot`` reaches the 3D view (no label or card on top)."""
    return page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.tagName === 'CANVAS'", [spot["x"], spot["y"]]
    )


class Browser:
    """One Chromium page on a fresh profile, recording console errors and outside requests."""

    def __init__(self, pw, base: str, extra_flags: tuple[str, ...] = ()) -> None:
        self.profile = tempfile.mkdtemp(prefix="kc-viewer-chromium-")
        self.context = pw.chromium.launch_persistent_context(
            self.profile,
            executable_path=str(CHROMIUM),
            args=[*FLAGS, *extra_flags],
            headless=True,
            viewport=VIEWPORT,
            has_touch=True,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.requests: list[str] = []  # every URL the page asked for, in order
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        self.page.on("request", lambda req: self._request(base, req.url))

    def _console(self, message) -> None:
        if message.type == "error" and not any(s in message.text for s in IGNORED_CONSOLE):
            self.errors.append(f"console: {message.text}")

    def _request(self, base: str, url: str) -> None:
        self.requests.append(url)
        if not url.startswith((base, "data:", "blob:")):
            self.outside.append(url)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"viewer_{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def wait_point(page, point: str, timeout: int = LOAD_TIMEOUT) -> dict:
    page.wait_for_function(
        "p => window.kc && window.kc.state.point === p && window.kc.state.tilesLoaded "
        "|| (window.kc && window.kc.state.error)",
        arg=point,
        timeout=timeout,
    )
    state = page.evaluate("({...window.kc.state})")
    assert state["error"] is None, state["error"]
    return state


def api_report(base: str, project: str, at: dt.date, lang: str) -> dict:
    """The report the API gives for ``project`` at ``at`` in ``lang`` (what the page must show)."""
    body = requests.get(
        f"{base}/collections/reports/items",
        params={"project": project, "datetime": at.isoformat(), "lang": lang, "f": "json"},
        timeout=30,
    ).json()
    assert len(body["features"]) == 1, body
    return body["features"][0]["properties"]


def api_titles(base: str, lang: str) -> dict[str, str]:
    """Project code -> title as the API gives it in ``lang``."""
    body = requests.get(
        f"{base}/collections/projects/items",
        params={"lang": lang, "f": "json", "limit": 10000, "skipGeometry": "true"},
        timeout=30,
    ).json()
    return {f["properties"]["project"]: f["properties"]["title"] for f in body["features"]}


def raised_first(url: str, point: str) -> set[str]:
    """Challenges no report raised before ``point``."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """SELECT rc.challenge_code FROM kc.report_challenge rc
                     JOIN kc.report r USING (report_id)
                     JOIN kc.measurement_point m ON m.code = r.point_code
                    WHERE r.superseded_at IS NULL
                    GROUP BY 1
                   HAVING min(m.valid_at) = (SELECT valid_at FROM kc.measurement_point
                                              WHERE code = %s)""",
                (point,),
            )
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def click_building_of_a_project(page, candidates) -> tuple[str, str]:
    """Click buildings that projects touch until one is picked; returns (project, source id).

    Each building is aimed at on its roof and on its facade towards the camera (the camera
    looks north): one of them is in sight unless a taller building stands in front.
    """
    tried = []
    for project, source_id, lon, lat, south, height in candidates[:25]:
        for aim in ([lon, lat, height], [lon, south, height / 2]):
            spot = page.evaluate("([x, y, h]) => window.kc.toScreen(x, y, h)", aim)
            if not spot or not (0 < spot["x"] < 880 and 60 < spot["y"] < 680):
                continue  # outside the map or under the timeline
            if not on_canvas(page, spot):
                continue  # under a label
            page.mouse.click(spot["x"], spot["y"])
            page.wait_for_timeout(300)
            picked = page.evaluate("window.kc.state.selected")
            hit = picked and picked["kind"] == "building" and picked["properties"]["source_id"]
            tried.append((project, source_id, round(spot["x"]), round(spot["y"]), hit))
            if hit == source_id:
                codes = [p["code"] for p in picked["properties"]["projects"]]
                assert project in codes
                return project, source_id
    raise AssertionError(f"no building of a project could be clicked on screen: {tried}")


def test_viewer_timeline_levels_and_languages(site: Site) -> None:
    from playwright.sync_api import sync_playwright

    base = site.server.base
    dates = point_dates(site.db_url)
    counts = {p: db_count(site.db_url, CITY, dates[p]) for p in ("PM18", "PM24", "PM30")}
    assert len(set(counts.values())) > 1, f"the sample must change between points: {counts}"

    with sync_playwright() as pw:
        browser = Browser(pw, base)
        page = browser.page
        try:
            page.goto(f"{base}/viewer/?city={CITY}&lang=en")
            state = wait_point(page, "PM30")
            assert state["webgl"] is True
            assert state["buildings"] == counts["PM30"]
            assert page.locator("#legend-items li").count() >= 8
            # City level: the city's concept from the cities collection.
            city = requests.get(
                f"{base}/collections/cities/items/{CITY}", params={"f": "json"}, timeout=30
            ).json()
            assert city["properties"]["concept"] in page.locator("#panel-city").inner_text()
            browser.shot("1_lyon_PM30_status")

            # The timeline switches the tileset: the buildings of the loaded tiles are the
            # database's buildings valid at each point.
            page.click("#timeline button[data-point=PM18]")
            state = wait_point(page, "PM18")
            assert state["buildings"] == counts["PM18"]
            page.click("#timeline button[data-point=PM24]")
            state = wait_point(page, "PM24")
            assert state["buildings"] == counts["PM24"]
            assert state["previous"] == "PM18"
            new_or_changed = page.evaluate(
                """() => window.kc.scene().allFeatures()
                     .filter(f => f.getProperty('valid_from') === window.kc.state.date).length"""
            )
            assert state["changes"]["new"] + state["changes"]["changed"] == new_or_changed
            assert state["changes"] == db_changes(site.db_url, CITY, dates["PM24"])
            assert page.locator("#changes [data-change=ended] b").inner_text() == str(
                state["changes"]["ended"]
            )
            page.select_option("#colour-mode", "change")
            page.wait_for_timeout(500)
            browser.shot("2_lyon_PM24_changes")
            page.select_option("#colour-mode", "status")

            # Solution level: clicking a building of a project opens its report at the point.
            # Projects whose report is translated come first, so the language switch shows a
            # translation as well as the marked English fallback.
            candidates = project_buildings(site.db_url, CITY, dates["PM24"])
            assert candidates, "the sample has projects touching buildings at PM24"
            translated = {
                code
                for code in {c[0] for c in candidates}
                if len(
                    {api_report(base, code, dates["PM24"], lang)["objectives"] for lang in LANGS}
                )
                > 1
            }
            candidates.sort(key=lambda c: c[0] not in translated)
            project, _ = click_building_of_a_project(page, candidates)
            page.wait_for_function(
                "code => window.kc.state.solution && window.kc.state.solution.project === code",
                arg=project,
                timeout=60_000,
            )
            panel = page.locator("#panel-solution")
            assert panel.is_visible()
            report_en = api_report(base, project, dates["PM24"], "en")
            assert report_en["objectives"] in panel.inner_text()
            assert page.evaluate("window.kc.state.solution.reportPoint") == report_en["point"]
            assert panel.locator(".history tr.current").count() == 1
            browser.shot("3_solution_en")

            # Languages: interface strings change, report texts come in the language asked for,
            # and a text with no translation shows the English one, marked as such.
            changed = []
            for lang, tab in (("de", "Stadt"), ("fr", "Ville")):
                page.click(f"#languages button[data-lang={lang}]")
                page.wait_for_function(
                    "([lang, tab]) => window.kc.state.shownLang === lang && "
                    "document.querySelector('#tabs [data-tab=city]').textContent === tab",
                    arg=[lang, tab],
                    timeout=60_000,
                )
                report = api_report(base, project, dates["PM24"], lang)
                text = panel.inner_text()
                for field in ("objectives", "drivers", "barriers", "lessons_learned"):
                    if not report[field]:
                        continue
                    assert report[field] in text
                    marks = panel.locator(f".report [data-field={field}] .fallback").count()
                    assert marks == (1 if report[field] == report_en[field] else 0), field
                changed.append(report["objectives"] != report_en["objectives"])
                # A project title without a translation is marked EN like the report texts,
                # in the solution level and in the city level's list.
                english = report["title"] == report_en["title"]
                heading = panel.locator(f"h2[data-project='{project}']")
                assert heading.locator(".fallback").count() == (1 if english else 0)
                titles = page.locator("#panel-city .project-link").evaluate_all(
                    "els => els.map(e => [e.dataset.project, e.querySelector('.title').textContent,"
                    " !!e.querySelector('.fallback')])"
                )
                english_titles = api_titles(base, "en")
                local_titles = api_titles(base, lang)
                for code, _, marked in titles:
                    assert marked == (local_titles[code] == english_titles[code]), (lang, code)
                if lang == "de":  # Lyon's sample titles have French, not German
                    assert all(marked for *_, marked in titles), titles
                assert {"de": "bericht zum", "fr": "rapport au"}[lang] in text.lower()
                title = {"de": "Wissensträger", "fr": "Porteur de connaissances"}[lang]
                assert page.title().startswith(title)
                books = {"de": "Projektbücher", "fr": "Livres de projets"}[lang]
                assert page.locator("#books-link").inner_text() == books
                browser.shot(f"4_solution_{lang}")
            assert any(changed), "the clicked project has a translated report"

            # Thematic level: the project's field, its projects across cities, the challenges.
            page.click("#tabs [data-tab=theme]")
            page.wait_for_function(
                "() => document.querySelectorAll('#panel-theme .project-link').length > 0",
                timeout=60_000,
            )
            field = page.evaluate("window.kc.data.field")
            in_field = requests.get(
                f"{base}/collections/projects/items",
                params={
                    "thematic_field": field,
                    "datetime": dates["PM24"].isoformat(),
                    "f": "json",
                },
                timeout=30,
            ).json()["features"]
            shown = page.locator("#panel-theme .project-link").evaluate_all(
                "els => els.map(e => e.dataset.project)"
            )
            assert sorted(shown) == sorted(f["properties"]["project"] for f in in_field)
            browser.shot("5_theme_fr")
            # Nothing from a later point: at PM24, no challenge raised only at PM30 in any field
            # (the sample raises some first at PM30), and no PM30 row in the status history.
            later = raised_first(site.db_url, "PM30")
            assert later, "the sample raises challenges first at PM30"
            seen = set()
            for button in page.locator("#panel-theme .field-picker button").all():
                code = button.get_attribute("data-field")
                button.click()
                page.wait_for_function(
                    "code => window.kc.data.field === code && document.querySelector("
                    "`#panel-theme .field-picker [data-field='${code}'][aria-selected=true]`)",
                    arg=code,
                    timeout=60_000,
                )
                items = page.locator("#panel-theme [data-challenge]").evaluate_all(
                    "els => els.map(e => [e.dataset.challenge, e.dataset.points, e.textContent])"
                )
                for challenge, points, text in items:
                    assert set(points.split()) <= {"PM18", "PM24"}, (code, challenge, points)
                    assert "PM30" not in text, (code, text)
                    seen.add(challenge)
            assert seen and not seen & later, sorted(seen & later)
            assert page.locator("#panel-solution .history tr[data-point=PM30]").count() == 0
            # Every interface string exists in every language; "start" is a word, translated.
            assert page.evaluate("window.kc.missingStrings()") == {"en": [], "de": [], "fr": []}
            assert (
                page.locator("#timeline button[data-point=start] .stop-code").inner_text()
                == "début"
            )

            # A large touch screen: the layout grows; a tap on the timeline switches the point.
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.locator("#timeline button[data-point=PM30]").tap()
            state = wait_point(page, "PM30")
            assert state["buildings"] == counts["PM30"]
            # The solution level follows the timeline: the project's report at PM30.
            assert state["solution"]["point"] == "PM30"
            report = api_report(base, project, dates["PM30"], "fr")
            assert state["solution"]["reportPoint"] == report["point"]
            page.locator("#tabs [data-tab=solution]").tap()
            assert report["objectives"] in panel.inner_text()
            page.wait_for_timeout(1000)
            browser.shot("7_large_touch_screen")

            # A click on a project footprint (ground between its buildings) opens its project.
            spots = footprint_ground(site.db_url, CITY, dates["PM30"])
            assert spots, "the sample has polygon project footprints at PM30"
            clicked = click_footprint(page, spots, (0, 60, 1380, 930))
            page.wait_for_function(
                "code => window.kc.state.solution && window.kc.state.solution.project === code",
                arg=clicked,
                timeout=60_000,
            )
            report = api_report(base, clicked, dates["PM30"], "fr")
            assert report["objectives"] in panel.inner_text()

            # A follower city without 3D data: its city level, no tileset, no buildings.
            page.select_option("#city", "sofia")
            page.wait_for_function(
                "() => window.kc.state.city === 'sofia' && window.kc.state.tilesLoaded",
                timeout=60_000,
            )
            assert page.evaluate("window.kc.state.buildings") == 0
            assert page.evaluate("window.kc.scene().tileset") is None
            assert "Sofia" in page.locator("#panel-city h2").inner_text()
            assert browser.errors == []
            assert browser.outside == []
        finally:
            browser.close()


def extent_corners(url: str, city: str, at: dt.date) -> list[tuple[float, float]]:
    """The corners of the box around the buildings of ``city`` valid at ``at`` (lon, lat)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
                     FROM (SELECT ST_Extent(footprint) AS e FROM kc.building_state(%s)
                            WHERE city_code = %s) x""",
                (at, city),
            )
            x0, y0, x1, y1 = cur.fetchone()
            return [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]
    finally:
        conn.close()


def map_box(page) -> dict:
    return page.evaluate(
        "() => { const r = document.getElementById('globe').getBoundingClientRect();"
        " return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; }"
    )


def in_view(page, corners) -> bool:
    box = map_box(page)
    for lon, lat in corners:
        spot = page.evaluate("([x, y]) => window.kc.toScreen(x, y, 0)", [lon, lat])
        if not spot or not (
            box["x0"] <= spot["x"] <= box["x1"] and box["y0"] <= spot["y"] <= box["y1"]
        ):
            return False
    return True


def test_switching_to_a_point_in_another_area_finishes(site: Site) -> None:
    """Lyon's PM18 is the real Lyon 1er, its PM24 the sample 3 km south: the switch finishes in
    good time with PM24's count on screen and its buildings in view (issue 17: it never ended),
    and back; opening PM24 directly too. The status line says which buildings are real."""
    from playwright.sync_api import sync_playwright

    base = site.server.base
    dates = point_dates(site.db_url)
    counts = {p: db_count(site.db_url, CITY, dates[p]) for p in ("PM18", "PM24")}
    corners = {p: extent_corners(site.db_url, CITY, dates[p]) for p in ("PM18", "PM24")}
    assert counts["PM18"] == 2576  # the real buildings
    with sync_playwright() as pw:
        browser = Browser(pw, base)
        page = browser.page
        try:
            page.goto(f"{base}/viewer/?city={CITY}&point=PM18&lang=en")
            state = wait_point(page, "PM18")
            assert state["buildings"] == counts["PM18"]
            assert state["provenance"] == {"real": counts["PM18"], "synthetic": 0}
            status = page.locator("#status-line").inner_text()
            assert "real buildings, outside the district boundary" in status, status
            assert not in_view(page, corners["PM24"])  # the sample is elsewhere
            browser.shot("8_lyon_PM18_real")
            for point, other in (("PM24", "PM18"), ("PM18", "PM24")):
                start = time.monotonic()
                page.click(f"#timeline button[data-point={point}]")
                state = wait_point(page, point, timeout=SWITCH_TIMEOUT)
                elapsed = time.monotonic() - start
                assert elapsed <= SWITCH_TIMEOUT / 1000
                assert state["buildings"] == counts[point]
                status = page.locator("#status-line").inner_text()
                assert f"{counts[point]} buildings" in status, status
                assert in_view(page, corners[point]), f"{point}'s buildings are not framed"
                assert not in_view(page, corners[other])
                kind = "real" if point == "PM18" else "synthetic"
                assert page.locator("#provenance").get_attribute("data-kind") == kind
                browser.shot(f"9_lyon_{other}_to_{point}")
            start = time.monotonic()
            page.goto(f"{base}/viewer/?city={CITY}&point=PM24&lang=en")
            state = wait_point(page, "PM24", timeout=SWITCH_TIMEOUT)
            assert time.monotonic() - start <= SWITCH_TIMEOUT / 1000
            assert state["buildings"] == counts["PM24"]
            assert state["changes"]["ended"] == counts["PM18"]
            assert browser.errors == []
            assert browser.outside == []
        finally:
            browser.close()


def export_tiles(site: Site, *options: str) -> None:
    env = {**os.environ, "KC_HOME": str(site.home), "KC_DATABASE_URL": site.db_url}
    kc = Path(sys.executable).parent / "kc"
    subprocess.run([str(kc), "tiles", "export", "--all", *options], env=env, check=True)


@pytest.mark.parametrize("tiling", ["explicit", "implicit"])
def test_switching_points_loads_no_tile(site: Site, tiling: str) -> None:
    """The viewer shows the city's temporal tileset at Cesium's default screen-space error
    (explicit, or with implicit tiling: ``kc tiles export --implicit``): going from one
    measurement point to another in the same area restyles the loaded features, no tile (nor
    tileset) is requested, and the buildings shown are SQL's."""
    if tiling == "implicit":
        export_tiles(site, "--implicit")
    try:
        _switching_points_loads_no_tile(site, tiling)
    finally:
        if tiling == "implicit":
            export_tiles(site)  # the other tests' tilesets


def _switching_points_loads_no_tile(site: Site, tiling: str) -> None:
    from playwright.sync_api import sync_playwright

    base = site.server.base
    dates = point_dates(site.db_url)
    counts = {p: db_count(site.db_url, CITY, dates[p]) for p in ("PM24", "PM30")}
    index = requests.get(f"{base}/tiles/index.json", timeout=30).json()
    assert [t["city"] for t in index["temporal"]].count(CITY) == 1
    assert {t["tiling"] for t in index["temporal"]} == {tiling}
    with sync_playwright() as pw:
        browser = Browser(pw, base)
        page = browser.page
        try:
            page.goto(f"{base}/viewer/?city={CITY}&point=PM30&lang=en")
            state = wait_point(page, "PM30")
            assert state["buildings"] == counts["PM30"]
            tileset = page.evaluate(
                """() => ({key: window.kc.scene().tilesetKey,
                           sse: window.kc.scene().tileset.maximumScreenSpaceError})"""
            )
            assert tileset == {"key": f"{CITY}/temporal", "sse": 16}
            before = len(browser.requests)
            for point in ("PM24", "PM30", "PM24"):
                page.click(f"#timeline button[data-point={point}]")
                state = wait_point(page, point)
                assert state["buildings"] == counts[point]
            tiles = [u for u in browser.requests[before:] if "/tiles/" in u]
            assert tiles == []
            subtrees = [u for u in browser.requests[:before] if ".subtree" in u]
            assert (len(subtrees) > 0) == (tiling == "implicit")
            browser.shot("10_lyon_PM24_temporal" + ("_implicit" if tiling == "implicit" else ""))
            assert browser.errors == []
        finally:
            browser.close()


def test_labels_never_overlap(site: Site) -> None:
    """At each city's default view the project labels that are shown keep apart from each other
    and from the cards, inside the map; a label opens its project."""
    from playwright.sync_api import sync_playwright

    base = site.server.base
    with sync_playwright() as pw:
        browser = Browser(pw, base)
        page = browser.page
        try:
            for city in ("lyon", "munich", "vienna"):
                page.goto(f"{base}/viewer/?city={city}&lang=en")
                wait_point(page, "PM30")
                done = page.evaluate("window.kc.scene().layouts")
                page.wait_for_function(
                    "n => window.kc.scene().layouts > n + 2", arg=done, timeout=60_000
                )
                labels = page.locator(".map-label").evaluate_all(
                    """els => els.map(e => { const r = e.getBoundingClientRect();
                         return {key: e.dataset.project, hidden: e.hidden,
                                 x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""
                )
                projects = page.evaluate("window.kc.state.projects")
                assert len(labels) == projects, (city, labels)
                shown = [b for b in labels if not b["hidden"]]
                assert len(shown) >= min(3, projects), (city, labels)
                cards = page.locator(".map .card, .map .timeline-bar").evaluate_all(
                    """els => els.filter(e => e.offsetParent !== null).map(e => {
                         const r = e.getBoundingClientRect();
                         return {key: e.className, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""
                )
                for a, b in itertools.combinations(shown, 2):
                    assert not overlap(a, b), (city, a, b)
                for label in shown:
                    box = map_box(page)
                    assert box["x0"] <= label["x0"] and label["x1"] <= box["x1"], (city, label)
                    assert box["y0"] <= label["y0"] and label["y1"] <= box["y1"], (city, label)
                    for card in cards:
                        assert not overlap(label, card), (city, label, card)
                browser.shot(f"10_labels_{city}")
            first = shown[0]["key"]
            page.click(f".map-label[data-project='{first}']")
            page.wait_for_function(
                "code => window.kc.state.solution && window.kc.state.solution.project === code",
                arg=first,
                timeout=60_000,
            )
            assert browser.errors == []
        finally:
            browser.close()


def overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


def test_viewer_says_so_without_webgl(site: Site) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = Browser(pw, site.server.base, ("--disable-webgl", "--disable-3d-apis"))
        page = browser.page
        try:
            page.goto(f"{site.server.base}/viewer/?lang=en")
            message = page.locator("#message")
            message.wait_for(state="visible", timeout=60_000)
            assert "WebGL is not available" in message.inner_text()
            # The three levels still work without the 3D view.
            page.wait_for_function(
                "() => document.querySelectorAll('#panel-city .project-link').length > 0",
                timeout=60_000,
            )
            assert page.evaluate("window.kc.state.webgl") is False
            browser.shot("6_no_webgl")
            assert browser.errors == []
        finally:
            browser.close()


def test_viewer_files_and_cesium_are_served_locally(site: Site) -> None:
    base = site.server.base
    index = requests.get(f"{base}/viewer/", timeout=30)
    assert index.status_code == 200 and 'src="cesium/Cesium.js"' in index.text
    module = requests.get(f"{base}/viewer/main.js", timeout=30)
    assert module.headers["Content-Type"].startswith("text/javascript")
    cesium = requests.get(f"{base}/viewer/cesium/Cesium.js", timeout=30)
    assert cesium.status_code == 200 and len(cesium.content) > 1_000_000
    imagery = requests.get(
        f"{base}/viewer/cesium/Assets/Textures/NaturalEarthII/tilemapresource.xml", timeout=30
    )
    assert imagery.status_code == 200
    palette = requests.get(f"{base}/viewer/palette.json", timeout=30).json()
    assert {s["code"] for s in palette["statuses"]} >= {"planned", "completed", "cancelled"}
    assert requests.get(f"{base}/viewer/..%2Froutes.py", timeout=30).status_code == 404
    assert requests.get(f"{base}/viewer", timeout=30, allow_redirects=False).status_code == 308
    # The header's link to the Project Books resolves on the same server.
    books = requests.get(urljoin(f"{base}/viewer/", "../books/index.html"), timeout=30)
    assert books.status_code == 200 and books.headers["Content-Type"].startswith("text/html")


def feed_counts(url: str, function: str, city: str, after: dt.date, upto: dt.date) -> dict:
    """{new, changed, ended} of a change feed (kc.building_changes / kc.project_changes) for
    the changes after ``after`` up to ``upto``, counted in SQL."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "SELECT change, count(DISTINCT feature_id) FROM kc.{}(%s, %s, NULL, %s) GROUP BY 1"
                ).format(sql.Identifier(function)),
                (after + dt.timedelta(days=1), upto, city),
            )
            return {"new": 0, "changed": 0, "ended": 0, **dict(cur.fetchall())}
    finally:
        conn.close()


def state_diff(url: str, city: str, a: dt.date, b: dt.date) -> dict:
    """{new, changed, ended} buildings between the states at ``a`` and ``b``, straight from the
    two states (not from the feed): what the feed must agree with."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """WITH a AS (SELECT building_id, version_id FROM kc.building_state(%(a)s)
                               WHERE city_code = %(city)s),
                        b AS (SELECT building_id, version_id FROM kc.building_state(%(b)s)
                               WHERE city_code = %(city)s)
                   SELECT count(*) FILTER (WHERE a.building_id IS NULL),
                          count(*) FILTER (WHERE a.version_id <> b.version_id),
                          count(*) FILTER (WHERE b.building_id IS NULL)
                     FROM a FULL JOIN b USING (building_id)""",
                {"a": a, "b": b, "city": city},
            )
            new, changed, ended = cur.fetchone()
            return {"new": new, "changed": changed, "ended": ended}
    finally:
        conn.close()


def wait_compare(page, left: str, right: str) -> dict:
    page.wait_for_function(
        """([l, r]) => window.kc && (window.kc.state.error || (window.kc.state.tilesLoaded
             && window.kc.state.compare && window.kc.state.compare.left === l
             && window.kc.state.point === r && window.kc.state.compare.leftLoaded))""",
        arg=[left, right],
        timeout=LOAD_TIMEOUT,
    )
    state = page.evaluate("({...window.kc.state})")
    assert state["error"] is None, state["error"]
    return state


def touch_drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    """A finger dragging from ``start`` to ``end`` (real touch events through the DevTools
    protocol: Chromium turns them into pointer events of pointerType touch)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]},
        )
        for i in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * i / steps
            y = start[1] + (end[1] - start[1]) * i / steps
            cdp.send(
                "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
            )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def divider_x(page) -> float:
    box = page.locator("#divider").bounding_box()
    return box["x"] + box["width"] / 2


def test_compare_mode(site: Site) -> None:
    """?compare=PM18,PM24 shows the two points side by side (two instances of the temporal
    tileset, split by a divider), labelled with both points and the change feed's counts, which
    equal SQL's (the feed and a direct diff of the two states); the divider follows a finger
    and a mouse; the mode is reachable from the timeline's button and speaks German."""
    from playwright.sync_api import sync_playwright

    base = site.server.base
    dates = point_dates(site.db_url)
    buildings = feed_counts(site.db_url, "building_changes", CITY, dates["PM18"], dates["PM24"])
    assert buildings == state_diff(site.db_url, CITY, dates["PM18"], dates["PM24"])
    assert buildings["ended"] == 2576  # the real Lyon buildings give way to the sample
    projects = feed_counts(site.db_url, "project_changes", CITY, dates["PM18"], dates["PM24"])
    with sync_playwright() as pw:
        browser = Browser(pw, base)
        page = browser.page
        try:
            page.goto(f"{base}/viewer/?city={CITY}&compare=PM18,PM24&lang=en")
            state = wait_compare(page, "PM18", "PM24")
            assert state["previous"] == "PM18"
            assert state["changes"] == buildings
            head = page.locator("#compare-head")
            assert head.locator("[data-side=left]").get_attribute("data-point") == "PM18"
            assert head.locator("[data-side=right]").get_attribute("data-point") == "PM24"
            assert page.locator("#compare-left").input_value() == "PM18"
            assert "PM24" in head.locator("[data-side=right]").inner_text()
            counts = head.locator("#compare-counts").inner_text()
            assert counts == (
                f"{buildings['new']} new · {buildings['changed']} changed · "
                f"{buildings['ended']} ended · {sum(projects.values())} projects changed"
            ), counts
            assert page.locator("#changes [data-change=ended] b").inner_text() == str(
                buildings["ended"]
            )
            split = page.evaluate(
                """() => ({split: window.kc.scene().scene.splitPosition,
                   left: window.kc.scene().compare.tileset.splitDirection,
                   right: window.kc.scene().tileset.splitDirection,
                   same: window.kc.scene().compare.tileset.resource.url
                         === window.kc.scene().tileset.resource.url})"""
            )
            assert split == {"split": 0.5, "left": -1, "right": 1, "same": True}
            assert "compare=PM18%2CPM24" in page.url or "compare=PM18,PM24" in page.url
            browser.shot("compare_lyon_PM18_PM24")

            # The divider follows a finger, then a mouse.
            globe = page.locator("#globe").bounding_box()
            x0 = divider_x(page)
            assert abs(x0 - (globe["x"] + globe["width"] / 2)) < 2
            y = globe["y"] + globe["height"] / 2
            touch_drag(page, (x0, y), (x0 - 200, y))
            moved = page.evaluate("window.kc.state.compare.split")
            assert abs(moved - (0.5 - 200 / globe["width"])) < 0.01, moved
            assert abs(divider_x(page) - (x0 - 200)) < 2
            assert page.evaluate("window.kc.scene().scene.splitPosition") == pytest.approx(moved)
            page.mouse.move(x0 - 200, y)
            page.mouse.down()
            page.mouse.move(x0 + 100, y, steps=6)
            page.mouse.up()
            moved = page.evaluate("window.kc.state.compare.split")
            assert abs(moved - (0.5 + 100 / globe["width"])) < 0.01, moved
            assert abs(divider_x(page) - (x0 + 100)) < 2
            # The divider's head stays inside the view, off the legend and the changes card.
            head = page.locator("#compare-head").bounding_box()
            head = {
                "x0": head["x"],
                "y0": head["y"],
                "x1": head["x"] + head["width"],
                "y1": head["y"] + head["height"],
            }
            assert globe["x"] <= head["x0"] and head["x1"] <= globe["x"] + globe["width"], head
            for card in page.locator(".map .legend, .map .changes").evaluate_all(
                """els => els.map(e => { const r = e.getBoundingClientRect();
                     return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""
            ):
                assert not overlap(head, card), (head, card)
            browser.shot("compare_lyon_dragged")

            # From the UI: the timeline's button ends and starts the comparison.
            page.click("#compare-toggle")
            page.wait_for_function(
                "() => window.kc.state.compare === null && window.kc.state.tilesLoaded"
            )
            assert page.locator("#compare").is_hidden()
            assert page.evaluate("window.kc.scene().compare") is None
            assert "compare" not in page.url
            page.click("#compare-toggle")
            state = wait_compare(page, "PM18", "PM24")
            assert state["changes"] == buildings
            page.click("#languages button[data-lang=de]")
            page.wait_for_function("() => window.kc.state.shownLang === 'de'", timeout=60_000)
            assert page.locator("#compare-toggle").inner_text() == "Vergleich beenden"
            counts = page.locator("#compare-counts").inner_text()
            assert f"{buildings['ended']} entfallen" in counts, counts
            assert not any(page.evaluate("window.kc.missingStrings()").values())

            # Same area at both points (the synthetic Munich district): side by side.
            munich = feed_counts(
                site.db_url, "building_changes", "munich", dates["PM18"], dates["PM24"]
            )
            page.goto(f"{base}/viewer/?city=munich&compare=PM24,PM18&lang=fr")
            state = wait_compare(page, "PM18", "PM24")
            assert state["changes"] == munich
            assert page.locator("#compare-toggle").inner_text() == "Terminer la comparaison"
            browser.shot("compare_munich_PM18_PM24_fr")
            # Two points apart: each building counts once (its net change), as in the states.
            page.select_option("#compare-left", "PM18")
            page.click("#timeline button[data-point=PM30]")
            state = wait_compare(page, "PM18", "PM30")
            assert state["changes"] == state_diff(
                site.db_url, "munich", dates["PM18"], dates["PM30"]
            )
            assert browser.errors == []
            assert browser.outside == []
        finally:
            browser.close()
