"""Flask routes of the viewer: its static files, CesiumJS from node_modules and its reference lists.

The viewer reads everything else (cities, points, projects, reports, tiles) from the OGC API and
the ``/tiles/`` folder of the same server, exactly as any other client would.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, redirect, send_from_directory

from gis.store.reference import LANGUAGES, read_yaml
from gis.store.report_sections import REPORT_SECTIONS
from gis.store.settings import CONFIG_DIR

PREFIX = "/viewer"
BLUEPRINT = "kc_viewer"
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Types the browser insists on (ES modules, WebAssembly) whatever the platform's mimetypes say.
MIMETYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".css": "text/css",
}
CESIUM_MISSING = (
    "CesiumJS is not installed in {path}: run 'make setup' (it runs 'npm ci' in the project "
    "folder) or set KC_CESIUM_DIR to a folder holding Cesium.js."
)


def palette(config_dir: Path = CONFIG_DIR) -> dict:
    """The lists the viewer takes from the server rather than keeping copies in its JavaScript.

    ``languages`` and ``report_sections`` are the store's lists, in their order (the language
    buttons, the sections of a report); ``statuses`` are the colours and labels of
    ``config/statuses.yaml``, the seed of kc.implementation_status.
    """
    statuses = read_yaml(config_dir / "statuses.yaml", "statuses")
    return {
        "languages": list(LANGUAGES),
        "report_sections": list(REPORT_SECTIONS),
        "statuses": [
            {"code": s["code"], "colour": s["colour"], "label": s["label"]} for s in statuses
        ],
    }


def _send(folder: Path, path: str, *, max_age: int) -> Response:
    mimetype = MIMETYPES.get(Path(path).suffix.lower())
    return send_from_directory(folder, path, mimetype=mimetype, max_age=max_age)


def blueprint(cesium: Path) -> Blueprint:
    """The viewer's routes; ``cesium`` is the folder of CesiumJS's ``Build/Cesium``
    (``Settings.cesium_dir``: ``KC_CESIUM_DIR`` or the project's ``node_modules``)."""
    bp = Blueprint(BLUEPRINT, __name__)
    colours = palette()

    @bp.get(PREFIX)
    def viewer_root() -> Response:
        return redirect(f"{PREFIX}/", code=308)

    @bp.get(f"{PREFIX}/")
    def viewer_index() -> Response:
        return _send(STATIC_DIR, "index.html", max_age=0)

    @bp.get(f"{PREFIX}/palette.json")
    def viewer_palette() -> Response:
        return jsonify(colours)

    @bp.get(f"{PREFIX}/cesium/<path:path>")
    def viewer_cesium(path: str) -> Response:
        if not (cesium / "Cesium.js").is_file():
            return Response(
                CESIUM_MISSING.format(path=cesium) + "\n", status=404, mimetype="text/plain"
            )
        return _send(cesium, path, max_age=3600)

    @bp.get(f"{PREFIX}/<path:path>")
    def viewer_static(path: str) -> Response:
        return _send(STATIC_DIR, path, max_age=0)

    return bp


def register(app: Flask, cesium: Path) -> None:
    """Mount the viewer under ``/viewer/`` on the server's Flask app."""
    app.register_blueprint(blueprint(cesium))
