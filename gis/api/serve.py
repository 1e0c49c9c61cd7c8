"""Prepare and start the production server: database role, configuration, OpenAPI, gunicorn."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from gis.api import assets, pages
from gis.api import config as cfg
from gis.api.form.routes import form_secret
from gis.api.openapi import write_openapi
from gis.api.patches import check as check_pygeoapi
from gis.api.roles import (
    LOGIN_ROLE,
    WRITER_LOGIN_ROLE,
    ensure_login_role,
    ensure_writer_role,
    reader_password,
    with_credentials,
    writer_password,
)
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
    return _managed_login(
        settings, reader_password(settings.home), ensure_login_role, LOGIN_ROLE
    ), None


def _managed_login(settings: Settings, password: str, ensure: Callable, role: str) -> str:
    """The URL of login ``role`` on the managed cluster, after ``ensure`` made it so."""
    url = database_url(settings)  # the user's database, or the demo's
    admin = connect(url)
    try:
        ensure(admin, password)
    finally:
        admin.close()
    return with_credentials(url, role, password)


def writer_url(settings: Settings) -> str | None:
    """The URL the server writes projects and reports with (None: it only reads).

    Managed cluster: the ``kc_api_writer`` login role in ``kc_writer`` (created or updated
    here, password in ``$KC_HOME/api-writer.json``). KC_DATABASE_URL: KC_WRITER_DATABASE_URL.
    """
    if settings.uses_external_database:
        writer = settings.writer_database_url
        if writer and settings.demo:
            writer = with_database(writer, database_name(database_url(settings)))
        return writer
    password = writer_password(settings.home)
    return _managed_login(settings, password, ensure_writer_role, WRITER_LOGIN_ROLE)


def prepare(
    settings: Settings, url: str, *, host: str, port: int, writes: bool = False
) -> ServerFiles:
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
    write_openapi(cfg.with_password(rendered, files.password), files.openapi, writes=writes)
    if writes:
        form_secret(settings.home)  # here, once, before gunicorn's workers read it
    return files


def environment(
    files: ServerFiles, base: dict[str, str], writer: str | None = None
) -> dict[str, str]:
    """gunicorn's environment: ``base`` (the caller's) plus where the workers find their files.

    The passwords of the read-only and the writer roles travel in the environment, never in a
    file or a log. Without ``writer`` the workers only read (whatever ``base`` says).
    """
    base = {k: v for k, v in base.items() if k != "KC_WRITER_DATABASE_URL"}
    if writer:
        base["KC_WRITER_DATABASE_URL"] = writer
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
        # Each worker its own listening socket (SO_REUSEPORT): the kernel spreads connections
        # over the workers. On one shared socket the first worker awake took them all: 32
        # keep-alive clients connecting at once landed on one worker, one core of two busy
        # (bench/api_items.py with wrk: 98 req/s at 32 clients, 137 at 8).
        "--reuse-port",
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "gis.api.app:create_app()",
    ]


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another server listens on. gunicorn's workers each bind with SO_REUSEPORT
    (``gunicorn_command``), so a second server on the same port would not fail: it would share
    the port with the first, each answering some of the requests."""
    try:
        probe = socket.create_server((host, port))  # SO_REUSEADDR: TIME_WAIT is no obstacle
    except OSError as err:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {err.strerror or err}; stop what listens there "
            "or choose another --port"
        ) from err
    probe.close()


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
