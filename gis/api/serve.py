"""Prepare and start the production server: database role, configuration, OpenAPI, gunicorn."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from gis.api import assets, pages
from gis.api import config as cfg
from gis.api.openapi import write_openapi
from gis.api.patches import check as check_pygeoapi
from gis.api.roles import LOGIN_ROLE, ensure_login_role, reader_password, with_credentials
from gis.store.cluster import Cluster
from gis.store.db import connect, database_name, database_url, redact, with_database
from gis.store.errors import ConfigError
from gis.store.settings import Settings

API_VIEW = "kc.api_buildings"


@dataclass(frozen=True)
class ServerFiles:
    """Everything gunicorn's workers need, in KC_HOME/server."""

    config: Path
    openapi: Path
    tiles_dir: Path
    books_dir: Path
    password: str
    base_url: str


def reader_url(settings: Settings) -> tuple[str, str | None]:
    """The URL the server reads with, and a warning when it is not a read-only role.

    Managed cluster: the ``kc_api`` login role (created or updated here). KC_DATABASE_URL:
    KC_READER_DATABASE_URL when set, else KC_DATABASE_URL itself (with a warning). The demo
    (``settings.demo``) reads its own database with the same login.
    """
    if settings.uses_external_database:
        if settings.reader_database_url:
            reader = settings.reader_database_url
            # The demo reads its own database (database_url's) with the same login.
            if settings.demo:
                reader = with_database(reader, database_name(database_url(settings)))
            return reader, None
        return database_url(settings), (
            "KC_READER_DATABASE_URL is not set: the server reads with KC_DATABASE_URL's role, "
            "which may write. Create a login role in kc_reader and set KC_READER_DATABASE_URL."
        )
    if Cluster(settings).state() is None:
        raise ConfigError(
            f"No database: the local cluster in {settings.home} was never started. "
            "Run 'kc db start' and 'kc db migrate' (make demo does both)."
        )
    url = database_url(settings)  # the user's database, or the demo's
    password = reader_password(settings.home)
    admin = connect(url)
    try:
        ensure_login_role(admin, password)
    finally:
        admin.close()
    return with_credentials(url, LOGIN_ROLE, password), None


def prepare(settings: Settings, url: str, *, host: str, port: int) -> ServerFiles:
    """Render the configuration and the OpenAPI document for the database at ``url``.

    ``host`` and ``port`` are where gunicorn listens (``kc serve --host/--port`` may override the
    settings); links use ``KC_PUBLIC_URL`` when it is set. The installed pygeoapi is checked
    first, so an unexpected version is refused here, in the terminal, not in a gunicorn worker.
    """
    check_pygeoapi()
    base_url = settings.public_url or f"http://{_url_host(host)}:{port}"
    tiles_dir = settings.tiles_dir
    server_dir = settings.home / "server"
    template = cfg.load_template()
    conn = connect(url)
    try:
        _check_migrated(conn, url)
        extents = cfg.compute_extents(conn, template)
    finally:
        conn.close()
    rendered = cfg.render(
        template,
        db=cfg.DatabaseParams.from_url(url),
        base_url=base_url,
        host=host,
        port=port,
        extents=extents,
        tilesets=cfg.read_tilesets(tiles_dir),
        pages=pages.server_keys(
            pages.compile_catalogues(server_dir / "locale"), assets.base_map(base_url)
        ),
        contact_email=settings.contact_email,
    )
    files = ServerFiles(
        config=server_dir / "pygeoapi.yml",
        openapi=server_dir / "openapi.json",
        tiles_dir=tiles_dir,
        books_dir=settings.books_dir,
        password=_password(url),
        base_url=base_url,
    )
    cfg.write(rendered, files.config)
    write_openapi(cfg.with_password(rendered, files.password), files.openapi)
    return files


def environment(files: ServerFiles, base: dict[str, str]) -> dict[str, str]:
    """gunicorn's environment: ``base`` (the caller's) plus where the workers find their files.

    The password of the read-only role travels in the environment, never in a file or a log.
    """
    return {
        **base,
        "PYGEOAPI_CONFIG": str(files.config),
        "PYGEOAPI_OPENAPI": str(files.openapi),
        cfg.PASSWORD_VARIABLE: files.password,
        "KC_TILES_DIR": str(files.tiles_dir),
        "KC_BOOKS_DIR": str(files.books_dir),
    }


#: Threads per gunicorn worker: a request mostly waits on PostGIS, and with threads a worker
#: serves others meanwhile (gthread); measured in bench/api_items.py (see default_workers).
THREADS = 8


def gunicorn_command(host: str, port: int, workers: int, threads: int = THREADS) -> list[str]:
    """gunicorn with ``workers`` processes of ``threads`` threads each (gthread workers: a thread
    waiting on PostGIS does not hold up the worker, and kept-alive connections are reused)."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        found = shutil.which("gunicorn")
        if not found:
            raise ConfigError("gunicorn is not installed: run 'make setup' (it is in pyproject)")
        gunicorn = Path(found)
    return [
        str(gunicorn),
        "--bind",
        f"{_url_host(host)}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "gis.api.app:create_app()",
    ]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _password(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).password or "")


def _check_migrated(conn: psycopg2.extensions.connection, url: str) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (API_VIEW,))
        if cur.fetchone()[0] is None:
            raise ConfigError(
                f"{redact(url)} has no OGC API views ({API_VIEW}): run 'kc db migrate' first"
            )
    conn.rollback()
