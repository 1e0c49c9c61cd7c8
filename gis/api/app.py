"""The WSGI application: pygeoapi's Flask app plus 3D Tiles, CORS and valid-time ``datetime``.

Run by gunicorn as ``gis.api.app:create_app()``, the server's entry point: it reads the settings
(``KC_TILES_DIR``, ``KC_BOOKS_DIR``, ``KC_CESIUM_DIR``); ``kc serve`` prepares the rest of the
environment (``PYGEOAPI_CONFIG``, ``PYGEOAPI_OPENAPI``, ``KC_API_DB_PASSWORD``).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, Response, abort, request, send_from_directory

from gis.api.config import read_tilesets, tileset_links
from gis.api.languages import pick_language, translate
from gis.api.valid_time import parse_datetime
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
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type, Range",
    "Access-Control-Expose-Headers": "Content-Language, Content-Crs, Content-Length, Link",
}
LANDING_REL = "tiles3d"


def validate_valid_time(resource_def: dict, datetime_: str | None = None) -> str | None:
    """Stands in for pygeoapi's ``validate_datetime`` on the items endpoint.

    pygeoapi's own check answers a malformed value with dateutil's wording (or a 500 on an
    overflow) and refuses instants outside the temporal extent; for valid time those are simply
    empty states. A ``ValueError`` here becomes a 400 InvalidParameterValue with our message.
    """
    parsed = parse_datetime(datetime_)
    return None if parsed is None else datetime_.strip()


def ranked_choices(raw: str | list | None) -> list[str]:
    """The values of a ``lang`` parameter or an Accept-* header, best first (by q-value)."""
    if isinstance(raw, list):
        return raw
    ranked = []
    for position, part in enumerate((raw or "").split(",")):
        value, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if value.strip() and 0 < quality <= 1:
            ranked.append((-quality, position, value.strip()))
    return [value for _, _, value in sorted(ranked)]


def get_choice_from_headers(headers: dict, header_name: str, all: bool = False):
    """pygeoapi's helper with the preferences really sorted (0.21 returns a heap, not a list)."""
    from pygeoapi.util import get_from_headers

    choices = ranked_choices(get_from_headers(headers=headers, header_name=header_name))
    if not choices:
        return None
    return choices if all else choices[0]


def _patch_pygeoapi() -> None:
    """Targeted fixes, applied before pygeoapi's Flask app is imported.

    - the items endpoint validates ``datetime`` as valid time (``validate_valid_time``);
    - pygeoapi 0.21 orders ``Accept-Language: fr;q=0.5, it, de;q=0.7`` as it, fr, de (a heap
      taken for a sorted list); ``get_choice_from_headers`` sorts by q-value;
    - its ``get_plugin_locale`` hands the raw ``lang``/Accept-Language string to
      ``best_match``, which only takes a list and so always answers the first language: the
      provider would never see German or French. We pass the parsed list.
    """
    import pygeoapi.api
    import pygeoapi.api.itemtypes as itemtypes
    from pygeoapi import l10n

    itemtypes.validate_datetime = validate_valid_time
    pygeoapi.api.get_choice_from_headers = get_choice_from_headers
    original = l10n.get_plugin_locale
    if getattr(original, "kc_fixed", False):
        return

    def get_plugin_locale(config: dict, requested_locale):
        return original(config, ranked_choices(requested_locale) or None)

    get_plugin_locale.kc_fixed = True  # type: ignore[attr-defined]
    l10n.get_plugin_locale = get_plugin_locale


def create_app() -> Flask:
    """pygeoapi's app (configured from the environment) with our routes and headers."""
    _patch_pygeoapi()
    from pygeoapi.flask_app import APP, CONFIG

    settings = load_settings()
    tiles_dir = settings.tiles_dir
    landing_links = tileset_links(read_tilesets(tiles_dir), CONFIG["server"]["url"], LANDING_REL)

    @APP.route("/tiles/<path:path>", methods=["GET", "HEAD"])
    def tiles(path: str) -> Response:
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

    @APP.after_request
    def decorate(response: Response) -> Response:
        response.headers.update(CORS_HEADERS)
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
