"""docker-compose.yml and the Dockerfile, checked by reading (no Docker engine runs here)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import yaml

from gis.store.settings import PROJECT_ROOT


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def expand(value: str) -> str:
    """Compose's ${VAR:-default} with every variable unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_app_reaches_the_postgis_service_through_kc_database_url() -> None:
    services = compose()["services"]
    assert set(services) == {"postgis", "app"}
    db, app = services["postgis"], services["app"]
    assert db["image"].startswith("postgis/postgis:15-")
    url = urlsplit(expand(app["environment"]["KC_DATABASE_URL"]))
    assert url.scheme == "postgresql" and url.hostname == "postgis" and url.port == 5432
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.password == expand(db["environment"]["POSTGRES_PASSWORD"])
    assert url.path == "/" + db["environment"]["POSTGRES_DB"]
    assert app["depends_on"]["postgis"]["condition"] == "service_healthy"
    assert "healthcheck" in db
    assert app["build"] == "."


def test_server_is_published_on_loopback_only() -> None:
    app = compose()["services"]["app"]
    for port in app["ports"]:
        assert expand(port).startswith("127.0.0.1:")
    assert app["environment"]["KC_PORT"] == "5000"
    assert expand(app["ports"][0]).endswith(":5000")


def test_dockerfile_installs_the_package_and_runs_as_a_user() -> None:
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", text, re.M)
    assert "pip install" in text and re.search(r"^USER (?!root)\w+", text, re.M)
    assert re.search(r"^CMD .*kc db migrate", text, re.M)
    for path in re.findall(r"^COPY (?!--from=)(\S+) ", text, re.M):
        assert path == "." or (PROJECT_ROOT / path).exists(), path


def test_image_has_what_the_html_pages_load() -> None:
    """The node stage's folders copied into the image: CesiumJS (viewer, base map) and every
    package the HTML pages load from /vendor/ (gis/api/assets.py), at the paths it reads."""
    from gis.api.assets import PACKAGES

    text = (PROJECT_ROOT / "Dockerfile").read_text()
    copied = dict(re.findall(r"^COPY --from=node /build/(\S+) /app/(\S+)$", text, re.M))
    assert all(source == target for source, target in copied.items()), copied
    wanted = {"node_modules/cesium/Build/Cesium"} | {f"node_modules/{p}" for p in PACKAGES.values()}
    assert wanted <= set(copied), wanted - set(copied)
