"""The files pygeoapi's HTML pages load, served by our server: no request of a page leaves it.

pygeoapi's own templates load Bootstrap, Leaflet and Swagger UI from CDNs and the map from
OpenStreetMap's tile servers; offline (inside a city's network) the pages were unstyled and the
map blank. Our template overrides (``gis/api/templates/``) load them from ``/vendor/<name>/``
instead, served here from the npm packages of ``package.json`` (``npm ci`` in ``tools/setup.sh``
and in the Dockerfile's node stage, which copies each folder of ``PACKAGES``).

The base map is CesiumJS's Natural Earth II, shipped in the ``cesium`` package the viewer uses
(``Settings.cesium_dir``): a TMS pyramid in geographic coordinates (EPSG:4326, levels 0 to 2,
JPEG tiles; its ``tilemapresource.xml`` gives the layout). Leaflet's maps (and pygeoapi's) are in
Web Mercator, so the tiles are re-projected here (``MercatorTiles``, from the finest level, once
per tile and worker) and served as ordinary XYZ tiles; ``base_map`` describes them for the
``server.map`` of pygeoapi's configuration, which our templates turn into a Leaflet tile layer.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import Blueprint, Flask, Response, abort, send_from_directory
from PIL import Image

from gis.store.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"
PREFIX = "/vendor"
BLUEPRINT = "kc_assets"
#: URL name -> folder in ``node_modules`` holding what the pages load (and nothing to build).
PACKAGES = {
    # Only the stylesheet: the pages use no Bootstrap JavaScript.
    "bootstrap": "bootstrap/dist/css",
    "leaflet": "leaflet/dist",
    "leaflet.markercluster": "leaflet.markercluster/dist",
    "swagger-ui": "swagger-ui-dist",
}
#: One file of each package that the pages load (``missing`` checks them).
ENTRY_FILES = {
    "bootstrap": "bootstrap.min.css",
    "leaflet": "leaflet.js",
    "leaflet.markercluster": "leaflet.markercluster-src.js",
    "swagger-ui": "swagger-ui-bundle.js",
}
BASE_MAP = "natural-earth-ii"
#: Natural Earth II inside CesiumJS's ``Build/Cesium`` folder.
NATURAL_EARTH = Path("Assets") / "Textures" / "NaturalEarthII"
MIMETYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html",
}
MISSING = (
    "{what} is not installed in {path}: run 'make setup' (it runs 'npm ci' in the project "
    "folder); the HTML pages are unstyled and without a map until then."
)
TILE = 256
#: The latitude where Web Mercator's square world ends.
MERCATOR_LAT = math.degrees(math.atan(math.sinh(math.pi)))


@dataclass(frozen=True)
class GeodeticPyramid:
    """The layout of a TMS pyramid of the geodetic profile (``tilemapresource.xml``):
    EPSG:4326, 2 x 1 tiles at level 0, the y of a tile counted from the south."""

    levels: int
    extension: str

    @property
    def finest(self) -> int:
        return self.levels - 1

    @property
    def columns(self) -> int:
        return 2 ** (self.finest + 1)

    @property
    def rows(self) -> int:
        return 2**self.finest


#: Natural Earth II as CesiumJS 1.135 ships it (``tests/api/test_pages.py`` reads its
#: tilemapresource.xml and checks this).
NATURAL_EARTH_LAYOUT = GeodeticPyramid(levels=3, extension="jpg")
#: Web Mercator zooms computed from it: zoom 3 is 2048 px around the world, the finest level's
#: width; Leaflet enlarges zoom 3's tiles beyond.
MERCATOR_ZOOMS = NATURAL_EARTH_LAYOUT.finest + 1
ATTRIBUTION = (
    '<a href="https://www.naturalearthdata.com/">Natural Earth II</a> (public domain), '
    "from CesiumJS"
)


class MercatorTiles:
    """Web Mercator XYZ tiles (zooms ``0 .. MERCATOR_ZOOMS``) of a geodetic pyramid's finest
    level, each made once (nearest neighbour; JPEG) and kept: 85 tiles at most."""

    def __init__(self, folder: Path, layout: GeodeticPyramid = NATURAL_EARTH_LAYOUT) -> None:
        self.folder = folder
        self.layout = layout
        self._world: np.ndarray | None = None
        self._tiles: dict[tuple[int, int, int], bytes] = {}

    def world(self) -> np.ndarray:
        """The finest level as one image, north up: ``rows x columns`` tiles."""
        if self._world is None:
            layout = self.layout
            world = np.zeros((layout.rows * TILE, layout.columns * TILE, 3), dtype=np.uint8)
            for x in range(layout.columns):
                for y in range(layout.rows):
                    path = self.folder / str(layout.finest) / str(x) / f"{y}.{layout.extension}"
                    with Image.open(path) as tile:
                        top = (layout.rows - 1 - y) * TILE
                        world[top : top + TILE, x * TILE : (x + 1) * TILE] = np.asarray(
                            tile.convert("RGB").resize((TILE, TILE))
                        )
            self._world = world
        return self._world

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The JPEG of Web Mercator tile ``z/x/y`` (y from the north), None outside the range."""
        if not (0 <= z <= MERCATOR_ZOOMS and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        key = (z, x, y)
        if key not in self._tiles:
            world = self.world()
            height, width = world.shape[:2]
            size = TILE * 2**z
            centres = np.arange(TILE) + 0.5
            lon = (x * TILE + centres) / size * 360.0 - 180.0
            lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (y * TILE + centres) / size))))
            columns = np.clip(((lon + 180.0) / 360.0 * width).astype(int), 0, width - 1)
            rows = np.clip(((90.0 - lat) / 180.0 * height).astype(int), 0, height - 1)
            image = Image.fromarray(world[rows[:, None], columns[None, :]])
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85)
            self._tiles[key] = buffer.getvalue()
        return self._tiles[key]


def folders(cesium_dir: Path) -> dict[str, Path]:
    """Each served name's folder on this machine."""
    found = {name: NODE_MODULES / path for name, path in PACKAGES.items()}
    found[BASE_MAP] = cesium_dir / NATURAL_EARTH
    return found


def missing(cesium_dir: Path) -> list[str]:
    """What the pages need and this machine lacks, as sentences (none when all is there)."""
    entries = {**ENTRY_FILES, BASE_MAP: "tilemapresource.xml"}
    return [
        MISSING.format(what=name, path=folder)
        for name, folder in folders(cesium_dir).items()
        if not (folder / entries[name]).is_file()
    ]


def base_map(base_url: str) -> dict:
    """pygeoapi's ``server.map``: the tiles' URL and attribution (what pygeoapi's schema asks
    for) plus the options of Leaflet's tile layer, used by our templates (``_kc_map.html``)."""
    return {
        "url": f"{base_url}{PREFIX}/{BASE_MAP}/{{z}}/{{x}}/{{y}}.jpg",
        "attribution": ATTRIBUTION,
        "options": {
            "maxNativeZoom": MERCATOR_ZOOMS,
            "maxZoom": 18,
            "bounds": [[-MERCATOR_LAT, -180.0], [MERCATOR_LAT, 180.0]],
            "noWrap": True,
        },
    }


def blueprint(cesium_dir: Path) -> Blueprint:
    """``/vendor/<name>/<path>``: the files of ``PACKAGES``; ``/vendor/natural-earth-ii/z/x/y.jpg``:
    the base map's Web Mercator tiles."""
    bp = Blueprint(BLUEPRINT, __name__)
    served = folders(cesium_dir)
    tiles = MercatorTiles(served[BASE_MAP])

    def not_installed(name: str) -> Response:
        text = MISSING.format(what=name, path=served[name]) + "\n"
        return Response(text, status=404, mimetype="text/plain")

    @bp.get(f"{PREFIX}/{BASE_MAP}/<int:z>/<int:x>/<int:y>.jpg")
    def base_map_tile(z: int, x: int, y: int) -> Response:
        if not served[BASE_MAP].is_dir():
            return not_installed(BASE_MAP)
        jpeg = tiles.tile(z, x, y)
        if jpeg is None:
            abort(404)
        response = Response(jpeg, mimetype="image/jpeg")
        response.cache_control.max_age = 86400
        return response

    @bp.get(f"{PREFIX}/<name>/<path:path>")
    def vendor(name: str, path: str) -> Response:
        if name not in PACKAGES:
            abort(404)
        if not served[name].is_dir():
            return not_installed(name)
        # Versions are fixed by package-lock.json: an hour of caching is safe.
        mimetype = MIMETYPES.get(Path(path).suffix.lower())
        return send_from_directory(served[name], path, mimetype=mimetype, max_age=3600)

    return bp


def register(app: Flask, cesium_dir: Path) -> None:
    """Mount ``/vendor/`` on the server's Flask app (once)."""
    if BLUEPRINT not in app.blueprints:
        app.register_blueprint(blueprint(cesium_dir))
