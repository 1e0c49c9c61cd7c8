"""pygeoapi's HTML pages in headless Chromium, as ``kc serve`` serves them (issue 11).

Each page is opened with ``?f=html&lang=de`` or ``lang=fr`` on a fresh browser context that
records every request: none may leave the server's origin and none may fail; Bootstrap's
stylesheet must be applied, the Leaflet map must show base-map tiles from our server, and the
interface text must be in the language asked for (``<html lang>`` included). Screenshots go to
tests/artifacts/html_<page>_<lang>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from tests.browser import ARTIFACTS, CHROMIUM, FLAGS

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT = 60_000  # ms: a shared 2-core machine
#: page -> path (``{item}``: a building version's id, read from the JSON API).
PAGES = {
    "landing": "/",
    "collections": "/collections",
    "collection": "/collections/buildings",
    "items": "/collections/buildings/items?limit=100",
    "item": "/collections/buildings/items/{item}",
    "openapi": "/openapi",
}
#: What the breadcrumbs say, per language: interface words (ours) and collection titles (data).
CRUMBS = {
    "de": {
        "landing": "Startseite",
        "collections": "Startseite / Sammlungen",
        "collection": "Startseite / Sammlungen / Gebäude",
        "items": "Startseite / Sammlungen / Gebäude / Objekte",
        "item": "Startseite / Sammlungen / Gebäude / Objekte /",
    },
    "fr": {
        "landing": "Accueil",
        "collections": "Accueil / Collections",
        "collection": "Accueil / Collections / Bâtiments",
        "items": "Accueil / Collections / Bâtiments / Entités",
        "item": "Accueil / Collections / Bâtiments / Entités /",
    },
}
#: Interface text each page must show, per language (the English words must not be there).
TEXTS = {
    "de": {
        "landing": (["Sammlungen", "API-Definition", "Konformität", "Ansprechstelle"], "Home"),
        "items": (["Höchstzahl", "Weiter"], "Limit:"),
        "item": (["Eigenschaft", "Wert"], "Property"),
    },
    "fr": {
        "landing": (["Définition de l'API", "Conformité", "Point de contact"], "Home"),
        "items": (["Limite", "Suivant"], "Limit:"),
        "item": (["Propriété", "Valeur"], "Property"),
    },
}
MAPS = {"collection": "#collection-map", "items": "#items-map", "item": "#items-map"}
BASE_MAP = "/vendor/natural-earth-ii/"


@dataclass
class Visit:
    """One page in a fresh context, with everything its requests did."""

    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    assert CHROMIUM.exists(), "run tools/setup.sh (installs the Debian chromium package)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def item_id(api) -> str:
    body = requests.get(
        f"{api.base}/collections/buildings/items", params={"f": "json", "limit": 1}, timeout=60
    ).json()
    return str(body["features"][0]["id"])


def open_page(chromium, base: str, path: str, lang: str, name: str):
    """Open ``path`` as HTML in ``lang``; returns the page (still open), its visit and a closer."""
    context = chromium.new_context(viewport=VIEWPORT, locale=lang)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    visit = Visit()
    page.on("request", lambda req: visit.requests.append(req.url))
    page.on("requestfailed", lambda req: visit.failed.append(f"{req.url}: {req.failure}"))
    page.on(
        "response",
        lambda res: res.status >= 400 and visit.failed.append(f"{res.url}: HTTP {res.status}"),
    )
    page.on("pageerror", lambda err: visit.errors.append(str(err)))
    page.on(
        "console", lambda msg: msg.type == "error" and visit.errors.append(f"console: {msg.text}")
    )
    sep = "&" if "?" in path else "?"
    page.goto(f"{base}{path}{sep}f=html&lang={lang}", wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, visit, context.close


def shot(page, name: str, lang: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The whole landing page; the others as a person first sees them (the map at the top).
    path = ARTIFACTS / f"html_{name}_{lang}.png"
    page.screenshot(path=str(path), full_page=name == "landing")


def assert_local_and_complete(visit: Visit, base: str) -> None:
    outside = [u for u in visit.requests if not u.startswith((base + "/", "data:", "blob:"))]
    assert outside == [], f"requests leaving the server: {outside}"
    assert visit.failed == [], f"failed requests: {visit.failed}"
    assert visit.errors == [], f"errors on the page: {visit.errors}"


def assert_bootstrap_applied(page) -> None:
    """Bootstrap's rules in effect: its sticky header bar and its body font stack."""
    header = page.evaluate(
        "() => ({position: getComputedStyle(document.querySelector('.sticky-top')).position,"
        " font: getComputedStyle(document.body).fontFamily})"
    )
    assert header["position"] == "sticky", header
    assert "system-ui" in header["font"], header


def assert_map_has_local_tiles(page, selector: str, base: str) -> None:
    page.wait_for_function(
        "s => document.querySelectorAll(s + ' img.leaflet-tile-loaded').length > 0", arg=selector
    )
    tiles = page.locator(f"{selector} img.leaflet-tile").evaluate_all(
        "imgs => imgs.map(i => ({src: i.src, loaded: i.classList.contains('leaflet-tile-loaded'),"
        " w: i.naturalWidth}))"
    )
    assert tiles and all(t["src"].startswith(base + BASE_MAP) for t in tiles), tiles
    loaded = [t for t in tiles if t["loaded"]]
    assert loaded and all(t["w"] == 256 for t in loaded), tiles
    # The features are drawn on it (Leaflet's SVG renderer).
    assert page.locator(f"{selector} path.leaflet-interactive").count() > 0


@pytest.mark.parametrize("lang", ["de", "fr"])
@pytest.mark.parametrize("name", ["landing", "items", "item"])
def test_page_is_local_styled_mapped_and_translated(
    chromium, api, item_id: str, name: str, lang: str
) -> None:
    path = PAGES[name].format(item=item_id)
    page, visit, close = open_page(chromium, api.base, path, lang, name)
    try:
        if name in MAPS:
            assert_map_has_local_tiles(page, MAPS[name], api.base)
        shot(page, name, lang)
        assert_local_and_complete(visit, api.base)
        assert_bootstrap_applied(page)
        assert page.evaluate("document.documentElement.lang") == lang
        crumbs = " ".join(page.locator(".crumbs .col-sm-12").inner_text().split())
        assert crumbs.startswith(CRUMBS[lang][name]), crumbs
        text = page.locator("main").inner_text()
        words, english = TEXTS[lang][name]
        for word in words:
            assert word in text, f"{word!r} not on the {name} page in {lang}"
        assert english not in crumbs + text, f"English {english!r} on the {name} page in {lang}"
    finally:
        close()


@pytest.mark.parametrize("name", ["collections", "collection"])
def test_collection_pages_in_german(chromium, api, name: str) -> None:
    page, visit, close = open_page(chromium, api.base, PAGES[name], "de", name)
    try:
        if name in MAPS:
            assert_map_has_local_tiles(page, MAPS[name], api.base)
        shot(page, name, "de")
        assert_local_and_complete(visit, api.base)
        assert_bootstrap_applied(page)
        crumbs = " ".join(page.locator(".crumbs .col-sm-12").inner_text().split())
        assert crumbs.startswith(CRUMBS["de"][name]), crumbs
    finally:
        close()


@pytest.mark.parametrize("ui", ["swagger", "redoc"])
def test_swagger_ui_is_served_locally(chromium, api, ui: str) -> None:
    """/openapi?f=html (and ReDoc's URL, which shows the same Swagger UI: not bundled)."""
    path = PAGES["openapi"] + ("?ui=redoc" if ui == "redoc" else "")
    page, visit, close = open_page(chromium, api.base, path, "de", "openapi")
    try:
        page.locator(".swagger-ui .info .title").wait_for()
        page.locator(".swagger-ui .opblock").first.wait_for()
        shot(page, f"openapi_{ui}", "de")
        assert_local_and_complete(visit, api.base)
    finally:
        close()


def test_accept_language_and_default(api) -> None:
    """Without ``lang=`` the Accept-Language header decides, and English is the default."""
    french = requests.get(
        f"{api.base}/", params={"f": "html"}, headers={"Accept-Language": "fr"}, timeout=60
    )
    assert '<html lang="fr"' in french.text and "Accueil" in french.text
    english = requests.get(f"{api.base}/", params={"f": "html"}, timeout=60)
    assert '<html lang="en"' in english.text and ">Collections</h2>" in english.text
    assert 'dir="ltr"' in english.text
