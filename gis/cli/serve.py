"""``kc serve``: the OGC API Features server (pygeoapi under gunicorn) and the 3D Tiles."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from gis.cli.options import pass_settings
from gis.store.settings import Settings


def default_workers() -> int:
    """One per core, at least two, at most eight: a worker's threads (``THREADS``) serve other
    requests while one waits on PostGIS, and on two cores 2 workers x 8 threads answered more
    bbox pages per second than 4 x 4 in each of six alternated runs (issue 15)."""
    return max(2, min(8, os.cpu_count() or 1))


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: KC_HOST or 127.0.0.1]")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port [default: KC_PORT or 5000]"
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="gunicorn worker processes [default: 1 per core, 2 to 8]",
)
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve OGC API Features (valid-time datetime) and the 3D Tiles under /tiles.

    The configuration is rendered from config/pygeoapi.yaml with the extents of the data, into
    KC_HOME/server. The server reads with a read-only role: on the local cluster the login role
    kc_api (password kept in KC_HOME/api-reader.json); with KC_DATABASE_URL set, the role of
    KC_READER_DATABASE_URL (else KC_DATABASE_URL's, with a warning). KC_PUBLIC_URL sets the URL
    written in links when the server sits behind a proxy.
    """
    run(settings, host=host, port=port, workers=workers)


def run(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    prepared: Callable[[], object] | None = None,
    before_exec: Callable[[], object] | None = None,
) -> None:
    """Prepare and replace this process with gunicorn (used by ``kc serve`` and ``kc demo``).

    ``prepared`` runs when the configuration is written, before the URLs are announced;
    ``before_exec`` once everything is announced, just before gunicorn takes over.
    """
    from gis.api import assets
    from gis.api import serve as server

    host = host or settings.server_host
    port = port or settings.server_port
    workers = workers or default_workers()
    server.check_port_free(host, port)
    url, warning = server.reader_url(settings)
    for problem in [warning, *assets.missing(settings.cesium_dir)]:
        if problem:
            click.secho(f"Warning: {problem}", fg="yellow", err=True)
    writer = server.writer_url(settings)
    files = server.prepare(settings, url, host=host, port=port, writes=writer is not None)
    if prepared is not None:
        prepared()
    base = files.base_url
    click.echo(f"OGC API Features:  {base}/")
    click.echo(f"  collections      {base}/collections")
    click.echo(f"  buildings        {base}/collections/buildings/items?datetime=2018-01-31")
    click.echo(f"  OpenAPI          {base}/openapi")
    click.echo(f"3D Tiles:          {base}/tiles/index.json")
    click.echo(f"Web viewer:        {base}/viewer/")
    click.echo(f"Project Books:     {base}/books/")
    role = "a read-only role" if warning is None else "KC_DATABASE_URL's role (see the warning)"
    writes = "writes projects and reports as kc_writer" if writer else "no writes"
    click.echo(f"gunicorn, {workers} workers, reading as {role}, {writes}; Ctrl-C stops it.")
    sys.stdout.flush()
    command = server.gunicorn_command(host, port, workers)
    if before_exec is not None:
        before_exec()
    os.execve(command[0], command, server.environment(files, dict(os.environ), writer))  # noqa: S606 - gunicorn replaces us
