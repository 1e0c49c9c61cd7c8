"""Every setting of the platform, read once from the environment, with documented defaults.

``KC_HOME``          data folder: the managed cluster, generated files (default ``.kc`` in the
                     working directory)
``KC_DATABASE_URL``  use this database instead of the managed cluster (a city's server, the
                     compose PostGIS)
``KC_READER_DATABASE_URL``  with KC_DATABASE_URL: the read-only login role (member of
                     ``kc_reader``) that ``kc serve`` reads with; unset, it reads with
                     KC_DATABASE_URL's role and warns. The managed cluster needs none: ``kc serve``
                     creates the login role ``kc_api`` (password in ``$KC_HOME/api-reader.json``)
``KC_WRITER_DATABASE_URL``  the login role (member of ``kc_writer``) the server writes projects
                     and reports with (OGC API - Features Part 4, the reporting form); unset with
                     KC_DATABASE_URL, the server only reads. The managed cluster needs none:
                     ``kc serve`` creates ``kc_api_writer`` (password in ``$KC_HOME/api-writer.json``)
``KC_DB_PORT``       port of the managed cluster (default: a free port chosen at first start,
                     then kept)
``KC_PG_BINDIR``     folder of PostgreSQL's ``initdb`` and ``pg_ctl`` (default: the newest
                     ``/usr/lib/postgresql/*/bin``, else the ``PATH``)
``KC_HOST``          address the web server binds to (default 127.0.0.1)
``KC_PORT``          port of the web server (default 5000)
``KC_PUBLIC_URL``    the server's URL as clients see it (behind a proxy), used in links
                     (default ``http://KC_HOST:KC_PORT``)
``KC_TILES_DIR``     where ``kc tiles export`` writes and ``kc serve`` serves the 3D Tiles
                     (default ``$KC_HOME/tiles``)
``KC_BOOKS_DIR``     where ``kc books build`` writes and ``kc serve`` serves the Project Books
                     (default ``$KC_HOME/books``)
``KC_CESIUM_DIR``    CesiumJS's ``Build/Cesium`` folder for the viewer (default
                     ``node_modules/cesium/Build/Cesium`` in the project)
``KC_CONTACT_EMAIL`` the operator's e-mail, the contact point of the OGC API (its HTML pages
                     and the OpenAPI document); unset, they give the contact URL only
``KC_CORS_WRITE_ORIGINS`` origins (``https://host[:port]``, comma-separated) whose pages may
                     write through the OGC API from the browser (CORS); any origin may read
``KC_OIDC_ISSUER``   an OpenID Connect provider (its issuer URL): the reporting form offers
                     single sign-on through it besides the local accounts (unset: local only)
``KC_OIDC_CLIENT_ID`` the form's client id at that provider
``KC_OIDC_CLIENT_SECRET_FILE`` a file holding the client secret (first line), kept out of the
                     environment and never logged; ``KC_OIDC_CLIENT_SECRET`` gives it directly
``KC_OIDC_CLIENT_SECRET`` the client secret itself, when no file is given
``KC_OIDC_CLAIM``    the ID token claim whose value is the local account's name (default
                     ``email``, then only with ``email_verified``); the account keeps its roles

``kc demo`` runs with :func:`demo_settings`: the same server, but its own database (the user's
database name + ``_demo``: ``kc_demo`` on the local cluster) and its own folders under
``$KC_HOME/demo``, so that the demo never touches the data a user loaded.

Only the entry points (the ``kc`` command, the server's ``create_app``) call ``load_settings``;
everything else is handed a ``Settings``. The README's settings table lists the same variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gis.store.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
SQL_DIR = PROJECT_ROOT / "sql"
DEFAULT_CESIUM_DIR = PROJECT_ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
#: The ``PATH`` given to the database programs when the environment has none.
DEFAULT_PATH = "/usr/bin:/bin"


def _port(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a TCP port number, found {value!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be between 1 and 65535, found {port}")
    return port


def _email(name: str, value: str | None) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", value.strip()):
        raise ConfigError(f"{name} must be an e-mail address (name@domain), found {value!r}")
    return value.strip()


def _url(name: str, value: str | None) -> str | None:
    if not value:
        return None
    if "://" not in value:
        raise ConfigError(f"{name} must be a URL (scheme://host…), found {value!r}")
    return value.rstrip("/")


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on through an OpenID Connect provider (the reporting form's login)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback's locals
    claim: str = "email"


ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _origins(name: str, value: str | None) -> tuple[str, ...]:
    origins = tuple(v.strip().rstrip("/") for v in (value or "").split(",") if v.strip())
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ConfigError(
                f"{name} must list origins as scheme://host[:port] (no path, no '*'), "
                f"found {origin!r}"
            )
    return origins


def _oidc(env: Mapping[str, str]) -> OidcSettings | None:
    issuer = _url("KC_OIDC_ISSUER", env.get("KC_OIDC_ISSUER"))
    if issuer is None:
        return None
    client_id = env.get("KC_OIDC_CLIENT_ID") or ""
    secret_file = _path(env.get("KC_OIDC_CLIENT_SECRET_FILE"))
    secret = env.get("KC_OIDC_CLIENT_SECRET") or ""
    if secret_file is not None:
        try:
            lines = secret_file.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise ConfigError(
                f"KC_OIDC_CLIENT_SECRET_FILE {secret_file} cannot be read: {err.strerror}"
            ) from None
        secret = lines[0].strip() if lines else ""
    if not client_id or not secret:
        raise ConfigError(
            "KC_OIDC_ISSUER needs KC_OIDC_CLIENT_ID and a client secret "
            "(KC_OIDC_CLIENT_SECRET_FILE, or KC_OIDC_CLIENT_SECRET)"
        )
    claim = env.get("KC_OIDC_CLAIM") or "email"
    return OidcSettings(issuer, client_id, secret, claim)


@dataclass(frozen=True)
class Settings:
    """Where things live, which database to use and how the server is reached."""

    home: Path
    tiles_dir: Path
    books_dir: Path
    database_url: str | None = None
    reader_database_url: str | None = None
    writer_database_url: str | None = None
    db_port: int | None = None
    pg_bindir: Path | None = None
    server_host: str = "127.0.0.1"
    server_port: int = 5000
    public_url: str | None = None
    cesium_dir: Path = DEFAULT_CESIUM_DIR
    contact_email: str | None = None
    oidc: OidcSettings | None = None
    cors_write_origins: tuple[str, ...] = ()
    #: ``PATH`` for the database programs the managed cluster runs (not a KC_ variable).
    program_path: str = DEFAULT_PATH
    #: True for ``kc demo`` (see :func:`demo_settings`): the demo's own database, not the user's.
    demo: bool = False

    @property
    def uses_external_database(self) -> bool:
        """True when ``KC_DATABASE_URL`` points at a database the tool does not manage."""
        return bool(self.database_url)


#: The demo's database is the user's database name plus this, on the same server.
DEMO_SUFFIX = "_demo"


def demo_settings(settings: Settings) -> Settings:
    """What ``kc demo`` runs with: its own database and its own folders, apart from the user's.

    The sample, its tiles and books live under ``$KC_HOME/demo`` (whatever ``KC_TILES_DIR`` and
    ``KC_BOOKS_DIR`` say: those are the user's data's); the database is ``<name>_demo`` beside
    the user's (``gis.store.db.database_url`` applies the suffix).
    """
    folder = settings.home / "demo"
    return replace(settings, demo=True, tiles_dir=folder / "tiles", books_dir=folder / "books")


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().absolute() if value else None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("KC_HOME") or ".kc").expanduser().absolute()
    return Settings(
        home=home,
        tiles_dir=_path(env.get("KC_TILES_DIR")) or home / "tiles",
        books_dir=_path(env.get("KC_BOOKS_DIR")) or home / "books",
        database_url=env.get("KC_DATABASE_URL") or None,
        reader_database_url=env.get("KC_READER_DATABASE_URL") or None,
        writer_database_url=env.get("KC_WRITER_DATABASE_URL") or None,
        db_port=_port("KC_DB_PORT", env.get("KC_DB_PORT")),
        pg_bindir=_path(env.get("KC_PG_BINDIR")),
        server_host=env.get("KC_HOST") or "127.0.0.1",
        server_port=_port("KC_PORT", env.get("KC_PORT")) or 5000,
        public_url=_url("KC_PUBLIC_URL", env.get("KC_PUBLIC_URL")),
        cesium_dir=_path(env.get("KC_CESIUM_DIR")) or DEFAULT_CESIUM_DIR,
        contact_email=_email("KC_CONTACT_EMAIL", env.get("KC_CONTACT_EMAIL")),
        oidc=_oidc(env),
        cors_write_origins=_origins("KC_CORS_WRITE_ORIGINS", env.get("KC_CORS_WRITE_ORIGINS")),
        program_path=env.get("PATH") or DEFAULT_PATH,
    )
