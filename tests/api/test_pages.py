"""The HTML pages' parts without a server: catalogues, template overrides, assets, base map."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel import Locale
from babel.support import Translations
from flask import Flask
from jinja2.ext import babel_extract
from PIL import Image

from gis.api import assets, pages
from gis.api import config as cfg
from gis.store.reference import LANGUAGES
from gis.store.settings import DEFAULT_CESIUM_DIR

PYGEOAPI_TEMPLATES = Path(pytest.importorskip("pygeoapi").__file__).parent / "templates"
#: The templates ``kc serve`` can render: its collections are features, without tiles, EDR,
#: STAC collections or processes (their pages are never shown, so need no translation).
SERVED = (
    "_base.html",
    "landing_page.html",
    "conformance.html",
    "exception.html",
    "collections/index.html",
    "collections/collection.html",
    "collections/queryables.html",
    "collections/schema.html",
    "collections/items/index.html",
    "collections/items/item.html",
    "tilematrixsets/index.html",
    "tilematrixsets/tilematrixset.html",
    "processes/index.html",
    "jobs/index.html",
    "stac/catalog.html",
)
NATURAL_EARTH = DEFAULT_CESIUM_DIR / assets.NATURAL_EARTH


def template(name: str) -> Path:
    """Where pygeoapi finds ``name``: our override first, then its own."""
    ours = pages.TEMPLATES_DIR / name
    return ours if ours.exists() else PYGEOAPI_TEMPLATES / name


def msgids(name: str) -> set[str]:
    with template(name).open("rb") as handle:
        extracted = babel_extract(handle, ("_", "gettext", "ngettext"), [], {})
        return {message for _, _, message, _ in extracted}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_interface_string_is_translated(language: str) -> None:
    catalogue = pages.read_catalogue(language)
    needed = set().union(*(msgids(name) for name in SERVED))
    missing = sorted(m for m in needed if not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == [], f"untranslated in {language}: {missing}"
    assert catalogue.get("text_direction").string == "ltr"


def test_compiled_catalogues_are_what_pygeoapi_loads(tmp_path: Path) -> None:
    """pygeoapi loads ``Translations.load(locale_dir, [request.locale])`` (a babel Locale)."""
    folder = pages.compile_catalogues(tmp_path / "locale")
    expected = {"de": "Sammlungen", "fr": "Collections", "en": "Collections"}
    for language, collections in expected.items():
        locale = Locale.parse({"de": "de_DE", "fr": "fr_FR", "en": "en_US"}[language])
        translations = Translations.load(str(folder), [locale])
        assert translations.gettext("Collections") == collections
        assert translations.gettext("text_direction") == "ltr"
    assert Translations.load(str(folder), [Locale.parse("fr_FR")]).gettext("Items") == "Entités"


def test_overrides_say_what_changed_and_load_nothing_from_outside() -> None:
    overrides = sorted(p for p in pages.TEMPLATES_DIR.rglob("*.html"))
    assert overrides, pages.TEMPLATES_DIR
    outside = re.compile(r"<(?:script|link|img)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", re.I)
    for path in overrides:
        name = path.relative_to(pages.TEMPLATES_DIR).as_posix()
        text = path.read_text()
        assert text.startswith("{#- Knowledge Carrier"), f"{name}: no header comment"
        if name != "_kc_map.html":
            assert (PYGEOAPI_TEMPLATES / name).exists(), f"{name} overrides nothing"
            assert "pygeoapi 0.21.0's" in text.split("-#}")[0], name
        assert not outside.search(text), f"{name} loads from another server"
    # Every pygeoapi template that loads from a CDN and that our server shows is overridden.
    for name in (*SERVED, "openapi/swagger.html", "openapi/redoc.html"):
        assert not outside.search(template(name).read_text()), name


def test_rendered_configuration_points_at_our_pages(tmp_path: Path) -> None:
    from pygeoapi.config import validate_config

    def render(**kwargs) -> dict:
        return cfg.render(
            cfg.load_template(),
            db=cfg.DatabaseParams.from_url("postgresql://reader@db.example/kc"),
            base_url="https://kc.example",
            host="127.0.0.1",
            port=5000,
            extents={},
            tilesets=[],
            pages=pages.server_keys(tmp_path / "locale", assets.base_map("https://kc.example")),
            **kwargs,
        )

    rendered = render()
    server = rendered["server"]
    assert server["templates"] == {"path": str(pages.TEMPLATES_DIR)}
    assert server["locale_dir"] == str(tmp_path / "locale")
    assert server["map"]["url"] == "https://kc.example/vendor/natural-earth-ii/{z}/{x}/{y}.jpg"
    assert "Natural Earth" in server["map"]["attribution"]
    assert server["map"]["options"]["maxNativeZoom"] == 3
    assert "email" not in rendered["metadata"]["contact"]
    assert "example.org" not in str(rendered["metadata"])
    with_email = render(contact_email="gis@lyon.example")
    assert with_email["metadata"]["contact"]["email"] == "gis@lyon.example"
    assert validate_config(with_email)


def test_natural_earth_layout_is_cesiums() -> None:
    assert NATURAL_EARTH.is_dir(), "run tools/setup.sh (npm ci installs cesium)"
    # Our own package's file, not input from outside.
    root = ET.parse(NATURAL_EARTH / "tilemapresource.xml").getroot()  # noqa: S314
    layout = assets.NATURAL_EARTH_LAYOUT
    assert root.findtext("SRS") == "EPSG:4326"
    assert root.find("TileSets").get("profile") == "geodetic"
    assert len(root.find("TileSets")) == layout.levels
    assert root.find("TileFormat").get("extension") == layout.extension
    assert root.find("TileFormat").get("width") == str(assets.TILE)
    box = root.find("BoundingBox")
    assert [float(box.get(k)) for k in ("minx", "miny", "maxx", "maxy")] == [-180, -90, 180, 90]
    finest = NATURAL_EARTH / str(layout.finest)
    assert len(list(finest.iterdir())) == layout.columns
    assert len(list((finest / "0").iterdir())) == layout.rows


def colour_at(tiles: assets.MercatorTiles, lon: float, lat: float) -> tuple[int, int, int]:
    """The base map's colour at a place, from the Web Mercator tile that holds it (zoom 3)."""
    z = assets.MERCATOR_ZOOMS
    size = assets.TILE * 2**z
    px = (lon + 180) / 360 * size
    py = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size
    x, y = int(px // assets.TILE), int(py // assets.TILE)
    image = Image.open(io.BytesIO(tiles.tile(z, x, y))).convert("RGB")
    return image.getpixel((int(px % assets.TILE), int(py % assets.TILE)))


def test_base_map_tiles_are_web_mercator() -> None:
    tiles = assets.MercatorTiles(NATURAL_EARTH)
    world = Image.open(io.BytesIO(tiles.tile(0, 0, 0)))
    assert world.format == "JPEG" and world.size == (256, 256)
    assert tiles.tile(assets.MERCATOR_ZOOMS + 1, 0, 0) is None
    assert tiles.tile(1, 2, 0) is None and tiles.tile(1, 0, -1) is None
    # Places in the right spot: the Sahara is sand, the Atlantic blue, Greenland's ice white,
    # Lyon green.
    red, _, blue = colour_at(tiles, 10.0, 23.0)
    assert red > blue + 20
    red, _, blue = colour_at(tiles, -40.0, 30.0)
    assert blue > red + 40
    assert min(colour_at(tiles, -40.0, 75.0)) > 180
    red, green, blue = colour_at(tiles, 4.83, 45.76)
    assert green > red + 10 and green > blue + 10


@pytest.fixture
def client():
    app = Flask(__name__)
    assets.register(app, DEFAULT_CESIUM_DIR)
    return app.test_client()


def test_vendor_route_serves_the_packages_and_nothing_else(client) -> None:
    assert assets.missing(DEFAULT_CESIUM_DIR) == [], "run tools/setup.sh (npm ci)"
    for name, entry in assets.ENTRY_FILES.items():
        response = client.get(f"/vendor/{name}/{entry}")
        assert response.status_code == 200, name
        assert response.mimetype in ("text/css", "text/javascript"), name
    tile = client.get("/vendor/natural-earth-ii/2/1/1.jpg")
    assert tile.status_code == 200 and tile.mimetype == "image/jpeg"
    assert client.get("/vendor/natural-earth-ii/9/0/0.jpg").status_code == 404
    assert client.get("/vendor/natural-earth-ii/tilemapresource.xml").status_code == 404
    assert client.get("/vendor/cesium/Cesium.js").status_code == 404
    assert client.get("/vendor/leaflet/../package.json").status_code == 404
    assert client.get("/vendor/leaflet/%2e%2e/package.json").status_code == 404


def test_missing_packages_are_named(tmp_path: Path) -> None:
    problems = assets.missing(tmp_path / "no-cesium")
    assert any("natural-earth-ii" in p and "npm ci" in p for p in problems)
    app = Flask(__name__)
    assets.register(app, tmp_path / "no-cesium")
    response = app.test_client().get("/vendor/natural-earth-ii/0/0/0.jpg")
    assert response.status_code == 404 and "npm ci" in response.get_data(as_text=True)
