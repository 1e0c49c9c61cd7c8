"""The WSGI application: pygeoapi's Flask app plus 3D Tiles, Project Books, the viewer and CORS.

Run by gunicorn as ``gis.api.app:create_app()``, the server's entry point: it reads the settings
(``KC_TILES_DIR``, ``KC_BOOKS_DIR``, ``KC_CESIUM_DIR``); ``kc serve`` prepares the rest of the
environment (``PYGEOAPI_CONFIG``, ``PYGEOAPI_OPENAPI``, ``KC_API_DB_PASSWORD``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, abort, request, send_from_directory

from gis.api import assets, caching, errors, models, parameters, writes
from gis.api.config import PROVIDER, read_tilesets, tileset_links
from gis.api.cors import cors_headers, vary
from gis.api.form import routes as form
from gis.api.form.routes import BLUEPRINT as BLUEPRINT_FORM
from gis.api.languages import pick_language, translate
from gis.api.patches import apply_patches
from gis.api.viewer import routes as viewer
from gis.store.settings import load_settings

#: Content types of 3D Tiles content (3D Tiles 1.1 and the glTF registration).
TILE_TYPES = {
    ".json": "application/json",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".b3dm": "application/octet-stream",
    ".i3dm": "application/octet-stream",
    ".pnts": "application/octet-stream",
    ".cmpt": "application/octet-stream",
    ".subtree": "application/octet-stream",
}
LANDING_REL = "tiles3d"
#: Items and single items: GeoJSON, whatever pygeoapi's generic JSON type says.
FEATURES_PATH = re.compile(r"^/collections/[^/]+/items(/[^/]+)?/?$")
GEOJSON = "application/geo+json"


def _pages_reading_the_version(config: dict) -> Callable[[str], bool]:
    """Whether a path is a page of items served by our provider, which reads the data version
    with the features (``gis.api.caching``); pygeoapi's own providers do not."""
    ours = {
        f"/collections/{name}/items"
        for name, resource in config.get("resources", {}).items()
        if any(p.get("name") == PROVIDER for p in resource.get("providers", []))
    }
    return lambda path: path.rstrip("/") in ours


def create_app() -> Flask:
    """pygeoapi's app (configured from the environment) with our routes and headers.

    pygeoapi is checked and patched (``gis.api.patches``) before its Flask app is imported.
    """
    apply_patches()
    from pygeoapi.flask_app import APP, CONFIG, OPENAPI

    # Order matters: requests are checked first, then answered from the client's cache when
    # they can be; caching's after_request (compression) runs after the ones registered later.
    errors.register(APP)
    # pygeoapi keeps a JSON document as the text it serves; the checks need it parsed.
    parameters.register(APP, json.loads(OPENAPI) if isinstance(OPENAPI, str) else OPENAPI)
    settings = load_settings()
    # Cross-origin writes only where the server writes at all.
    write_origins = settings.cors_write_origins if settings.writer_database_url else ()
    if settings.writer_database_url:
        # Before caching: its after_request (weak data tags, gzip) runs before the features' tags.
        _serve_writes(APP, settings.writer_database_url)
        if BLUEPRINT_FORM not in APP.blueprints:
            secure = (settings.public_url or "").startswith("https://")
            form.register(APP, APP.kc_writer, settings.home, secure=secure,
                          oidc=settings.oidc, public_url=settings.public_url)  # fmt: skip
    engine = _reader_engine(CONFIG)
    caching.register(
        APP,
        caching.version_reader(engine),
        _server_id(CONFIG, OPENAPI),
        deferred=_pages_reading_the_version(CONFIG),
    )
    if "building_model" not in APP.view_functions:
        models.register(APP, engine)

    tiles_dir = settings.tiles_dir
    landing_links = tileset_links(read_tilesets(tiles_dir), CONFIG["server"]["url"], LANDING_REL)

    @APP.route("/tiles/", defaults={"path": "index.json"}, methods=["GET", "HEAD"])
    @APP.route("/tiles/<path:path>", methods=["GET", "HEAD"])
    def tiles(path: str) -> Response:
        """The 3D Tiles; ``/tiles/`` is their index (``index.json``: city, point, href …)."""
        mimetype = TILE_TYPES.get(Path(path).suffix.lower())
        if mimetype is None:
            abort(404)
        return send_from_directory(tiles_dir, path, mimetype=mimetype, max_age=300)

    books_dir = settings.books_dir
    landing_links = [*landing_links, books_link(CONFIG["server"]["url"])]

    @APP.route("/books/", defaults={"path": "index.html"}, methods=["GET", "HEAD"])
    @APP.route("/books/<path:path>", methods=["GET", "HEAD"])
    def books(path: str) -> Response:
        """The Project Books and the cross-topic analysis as built by ``kc books build``."""
        return send_from_directory(books_dir, path, max_age=60)

    if viewer.BLUEPRINT not in APP.blueprints:
        viewer.register(APP, settings.cesium_dir)
    assets.register(APP, settings.cesium_dir)

    @APP.after_request
    def decorate(response: Response) -> Response:
        response.headers.update(cors_headers(request.headers.get("Origin"), write_origins))
        if write_origins:  # the answer depends on the origin
            response.headers["Vary"] = vary(response.headers.get("Vary"), "Origin")
        errors.log_response(response)
        _geojson_type(response)
        # pygeoapi replaces the headers with a dict, so response.mimetype is not set: read them.
        content_type = str(response.headers.get("Content-Type", ""))
        if (
            landing_links
            and request.path in ("", "/")
            and content_type.startswith("application/json")
        ):
            _add_links(response, landing_links)
        return response

    return APP


def _serve_writes(app: Flask, url: str) -> None:
    """OGC API - Features Part 4 on projects and reports, declared in /conformance."""
    from pygeoapi.api import itemtypes

    if not hasattr(app, "kc_writer"):
        app.kc_writer = writes.Writer(url)
        writes.register(app, app.kc_writer)
    classes = itemtypes.CONFORMANCE_CLASSES_FEATURES
    classes.extend(c for c in writes.CONFORMANCE if c not in classes)


def _reader_engine(config: dict):
    """The SQLAlchemy engine of the read-only role the collections are served with (the
    provider's pool of connections in autocommit)."""
    from pygeoapi.provider.sql import get_engine

    from gis.api.provider import read_engine

    for resource in config["resources"].values():
        for provider in resource.get("providers", []):
            data = provider.get("data")
            if isinstance(data, dict) and data.get("dbname"):
                return read_engine(
                    get_engine(
                        "postgresql+psycopg2",
                        data["host"],
                        data["port"],
                        data["dbname"],
                        data["user"],
                        data["password"],
                    ).url
                )
    raise RuntimeError("the pygeoapi configuration has no PostgreSQL collection")


def _server_id(config: dict, openapi: object) -> str:
    """What the documents depend on besides the data: configuration and OpenAPI document."""
    text = json.dumps(config, sort_keys=True, default=str) + str(openapi)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _geojson_type(response: Response) -> None:
    """Features are served as ``application/geo+json``, as the links and the OpenAPI say."""
    content_type = str(response.headers.get("Content-Type", ""))
    if (
        response.status_code == 200
        and FEATURES_PATH.match(request.path)
        and content_type.startswith("application/json")
    ):
        response.headers["Content-Type"] = GEOJSON


def books_link(base_url: str) -> dict:
    """The landing page's link to the Project Books (built by ``kc books build``)."""
    return {
        "rel": "related",
        "type": "text/html",
        "title": {
            "en": "Project Books and cross-topic analysis of challenges",
            "de": "Projektbücher und themenübergreifende Analyse der Herausforderungen",
            "fr": "Livres de projets et analyse transversale des défis",
        },
        "href": f"{base_url}/books/index.html",
    }


def _add_links(response: Response, links: list[dict]) -> None:
    """Append the tileset links to the JSON landing page, titled in the response's language."""
    language = pick_language(response.headers.get("Content-Language", "en").split(",")[0])
    body = json.loads(response.get_data())
    body.setdefault("links", []).extend(
        {**link, "title": translate(link["title"], language)} for link in links
    )
    response.set_data(json.dumps(body, ensure_ascii=False))
