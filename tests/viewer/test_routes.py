"""The viewer's routes on a bare Flask app: static files, palette, and a missing CesiumJS."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from gis.api.viewer import routes
from gis.store.reference import LANGUAGES, read_yaml
from gis.store.report_sections import REPORT_SECTIONS
from gis.store.settings import CONFIG_DIR


def client(cesium: Path):
    app = Flask(__name__)
    routes.register(app, cesium)
    return app.test_client()


def test_missing_cesium_says_how_to_install_it(tmp_path: Path) -> None:
    response = client(tmp_path).get("/viewer/cesium/Cesium.js")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert str(tmp_path) in text and "make setup" in text and "KC_CESIUM_DIR" in text


def test_static_files_with_module_types_and_no_escape(tmp_path: Path) -> None:
    (tmp_path / "Cesium.js").write_text("window.Cesium = {};")
    (tmp_path / "Workers").mkdir()
    (tmp_path / "Workers" / "x.wasm").write_bytes(b"\0asm")
    web = client(tmp_path)
    assert web.get("/viewer").status_code == 308
    index = web.get("/viewer/")
    assert index.status_code == 200 and b'type="module"' in index.data
    for name in ("main.js", "api.js", "scene.js", "panels.js", "timeline.js", "i18n.js"):
        response = web.get(f"/viewer/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == "text/javascript", name
    assert web.get("/viewer/cesium/Workers/x.wasm").mimetype == "application/wasm"
    assert web.get("/viewer/viewer.css").mimetype == "text/css"
    assert web.get("/viewer/..%2Froutes.py").status_code == 404
    assert web.get("/viewer/cesium/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_palette_is_the_configured_statuses(tmp_path: Path) -> None:
    palette = client(tmp_path).get("/viewer/palette.json").get_json()
    configured = read_yaml(CONFIG_DIR / "statuses.yaml", "statuses")
    assert [s["code"] for s in palette["statuses"]] == [s["code"] for s in configured]
    assert [s["colour"] for s in palette["statuses"]] == [s["colour"] for s in configured]
    assert palette["languages"] == ["en", "de", "fr"]


def test_palette_serves_the_stores_lists_and_the_page_keeps_no_copy(tmp_path: Path) -> None:
    palette = client(tmp_path).get("/viewer/palette.json").get_json()
    assert palette["languages"] == list(LANGUAGES)
    assert palette["report_sections"] == list(REPORT_SECTIONS)
    # The page takes both lists from there: no constant of its own, no hard-coded buttons.
    for path in routes.STATIC_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "LANGUAGES" not in text and "REPORT_SECTIONS" not in text, path.name
    assert "data-lang=" not in (routes.STATIC_DIR / "index.html").read_text(encoding="utf-8")
