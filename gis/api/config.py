"""Render the pygeoapi configuration from ``config/pygeoapi.yaml``, the database and the tiles.

Pure rendering (``render``) is separate from what reads the database (``compute_extents``) and
the tiles folder (``read_tilesets``), so tests can call each part directly.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg2.extensions
import yaml
from psycopg2 import sql

from gis.api.languages import LOCALES
from gis.store.errors import ConfigError
from gis.store.files import write_atomic
from gis.store.settings import CONFIG_DIR

TEMPLATE = CONFIG_DIR / "pygeoapi.yaml"
PROVIDER = "gis.api.provider.ValidTimeProvider"
SCHEMA = "kc"
PASSWORD_VARIABLE = "KC_API_DB_PASSWORD"  # noqa: S105 - the name of the variable, not a password
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: CRS84, WGS 84 (lat/lon), Web Mercator and the cities' projected CRSs: Lambert-93 and CC46
#: (Lyon), UTM 32N (Munich), MGI Austria Lambert east (Vienna).
CRS_LIST = [CRS84] + [
    f"http://www.opengis.net/def/crs/EPSG/0/{code}"
    for code in (4326, 3857, 2154, 3946, 25832, 31256)
]
WORLD = (-180.0, -90.0, 180.0, 90.0)
TILESET_TYPES = {"glb", "b3dm"}


@dataclass(frozen=True)
class DatabaseParams:
    """Where pygeoapi connects; the password stays in the environment, not in the file."""

    host: str
    port: int
    dbname: str
    user: str

    @classmethod
    def from_url(cls, url: str) -> DatabaseParams:
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError(f"database URL needs a host and a database name, found {url!r}")
        return cls(
            host=parts.hostname,
            port=parts.port or 5432,
            dbname=unquote(parts.path.strip("/")),
            user=unquote(parts.username or ""),
        )


@dataclass(frozen=True)
class Extent:
    """What a collection covers: bbox in CRS84 and, when versioned, its valid time."""

    bbox: tuple[float, float, float, float]
    begin: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Tileset:
    """One entry of ``tiles/index.json``: one city at one measurement point, or the city's
    temporal tileset (every version once, ``points`` shown by styling; ``point``/``date`` "")."""

    city: str
    point: str
    date: str
    href: str
    feature_count: int
    points: tuple[str, ...] = ()


def load_template(path: Path = TEMPLATE) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read the pygeoapi template: {err}") from err


def tables(template: dict) -> dict[str, dict]:
    """``{collection: provider keys}`` of the template."""
    return {name: res["provider"] for name, res in template["resources"].items()}


def compute_extents(
    conn: psycopg2.extensions.connection, template: dict
) -> dict[str, Extent | None]:
    """Extent of each collection's view, from the data (None when it holds no geometry)."""
    extents: dict[str, Extent | None] = {}
    with conn.cursor() as cur:
        for name, provider in tables(template).items():
            view = sql.Identifier(SCHEMA, provider["table"])
            cur.execute(
                sql.SQL(
                    "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                    "FROM (SELECT ST_Extent(geom) AS e FROM {}) x"
                ).format(view)
            )
            box = cur.fetchone()
            begin = end = None
            if provider.get("valid_from_field"):
                cur.execute(
                    sql.SQL(
                        "SELECT min({vf}), CASE WHEN bool_or({vt} IS NULL) THEN NULL "
                        "ELSE max({vt}) END FROM {view}"
                    ).format(
                        vf=sql.Identifier(provider["valid_from_field"]),
                        vt=sql.Identifier(
                            provider.get("valid_to_field") or provider["valid_from_field"]
                        ),
                        view=view,
                    )
                )
                begin, end = cur.fetchone()
            bbox = tuple(box) if box[0] is not None else None
            extents[name] = Extent(bbox, begin, end) if bbox or begin else None
    conn.rollback()
    return extents


def read_tilesets(tiles_dir: Path) -> list[Tileset]:
    """The tilesets listed in ``tiles_dir/index.json`` (per point, then temporal); none when
    there is no export yet."""
    index = tiles_dir / "index.json"
    if not index.exists():
        return []
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        tilesets = [
            Tileset(
                city=str(e["city"]),
                point=str(e["point"]),
                date=str(e["date"]),
                href=str(e["href"]),
                feature_count=int(e.get("feature_count", 0)),
            )
            for e in data["tilesets"]
        ] + [
            Tileset(
                city=str(e["city"]),
                point="",
                date="",
                href=str(e["href"]),
                feature_count=int(e.get("feature_count", 0)),
                points=tuple(str(p["point"]) for p in e["points"]),
            )
            for e in data.get("temporal", [])
        ]
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigError(
            f"{index}: expected {{'tilesets': [{{'city', 'point', 'date', 'href', ...}}], "
            f"'temporal': [{{'city', 'points': [{{'point', ...}}], 'href', ...}}]}}: {err}"
        ) from err
    for tileset in tilesets:
        if tileset.href.startswith("/") or ".." in Path(tileset.href).parts:
            raise ConfigError(
                f"{index}: tileset href must be relative inside the tiles folder, found "
                f"{tileset.href!r}"
            )
    return tilesets


def _title(t: Tileset) -> dict[str, str]:
    city = t.city.capitalize()
    if t.points:
        points = ", ".join(t.points)
        return {
            "en": f"3D Tiles: {city}, every version at {points} (a point is shown by styling)",
            "de": f"3D Tiles: {city}, alle Versionen zu {points} (ein Zeitpunkt per Stil)",
            "fr": f"3D Tiles : {city}, toutes les versions à {points} (un point par style)",
        }
    return {
        "en": f"3D Tiles: {city} at {t.point} ({t.date})",
        "de": f"3D Tiles: {city} zum {t.point} ({t.date})",
        "fr": f"3D Tiles : {city} au {t.point} ({t.date})",
    }


def tileset_links(tilesets: list[Tileset], base_url: str, rel: str) -> list[dict]:
    """Links to each city's tileset per measurement point and to its temporal tileset,
    titled in the three languages."""
    return [
        {
            "rel": rel,
            "type": "application/json",
            "title": _title(t),
            "href": f"{base_url}/tiles/{t.href}",
        }
        for t in tilesets
    ]


def render(
    template: dict,
    *,
    db: DatabaseParams,
    base_url: str,
    host: str,
    port: int,
    extents: dict[str, Extent | None],
    tilesets: list[Tileset],
    pages: dict | None = None,
    contact_email: str | None = None,
) -> dict:
    """The full pygeoapi configuration (a dict ready for YAML).

    ``pages`` are the server keys of the HTML pages (``gis.api.pages.server_keys``: our
    templates, the compiled interface catalogues, the local base map); ``contact_email`` is the
    contact point's e-mail (``KC_CONTACT_EMAIL``), left out when there is none.
    """
    config = copy.deepcopy(template)
    config["server"] = {
        **config["server"],
        **(pages or {}),
        "languages": list(LOCALES),
        "bind": {"host": host, "port": port},
        "url": base_url,
    }
    if contact_email:
        config["metadata"]["contact"]["email"] = contact_email
    data = {
        "host": db.host,
        "port": db.port,
        "dbname": db.dbname,
        "user": db.user,
        "password": "${" + PASSWORD_VARIABLE + "}",
        "search_path": [SCHEMA],
    }
    fallback = _union([e.bbox for e in extents.values() if e and e.bbox]) or WORLD
    resources = {}
    for name, res in config["resources"].items():
        provider = {
            "type": "feature",
            "name": PROVIDER,
            "data": data,
            "id_field": "id",
            "geom_field": "geom",
            "languages": list(LOCALES),
            "crs": CRS_LIST,
            "storage_crs": CRS84,
            **res["provider"],
        }
        extent = extents.get(name)
        spatial = {"bbox": list(extent.bbox if extent and extent.bbox else fallback), "crs": CRS84}
        rendered = {
            "type": "collection",
            "title": res["title"],
            "description": res["description"],
            "keywords": res["keywords"],
            "links": tileset_links(tilesets, base_url, "alternate") if res.get("tiles3d") else [],
            "extents": {"spatial": spatial},
            "providers": [provider],
        }
        if extent and extent.begin:
            rendered["extents"]["temporal"] = {
                "begin": _midnight(extent.begin),
                "end": _midnight(extent.end) if extent.end else None,
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        resources[name] = rendered
    config["resources"] = resources
    return config


def with_password(config: dict, password: str) -> dict:
    """A copy of ``config`` with the password in place of ``${KC_API_DB_PASSWORD}``.

    For pygeoapi's OpenAPI generation in this process; the file on disk keeps the placeholder,
    which the server's pygeoapi fills from its environment.
    """
    placeholder = "${" + PASSWORD_VARIABLE + "}"
    result = copy.deepcopy(config)
    for resource in result.get("resources", {}).values():
        for provider in resource.get("providers", []):
            data = provider.get("data")
            if isinstance(data, dict) and data.get("password") == placeholder:
                data["password"] = password
    return result


def write(config: dict, path: Path) -> None:
    """Write the rendered configuration (it holds no password)."""
    write_atomic(path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
