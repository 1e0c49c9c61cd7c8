"""``kc db``: the local PostGIS cluster and the schema."""

from __future__ import annotations

import click

from gis.cli.options import pass_settings
from gis.store.cluster import Cluster
from gis.store.db import connect, database_url, redact
from gis.store.migrations import migrate as run_migrations
from gis.store.reference import seed
from gis.store.settings import Settings, demo_settings


@click.group()
def db() -> None:
    """Start, stop and migrate the database."""


@db.command()
@pass_settings
def start(settings: Settings) -> None:
    """Initialise (first time) and start the local PostGIS cluster in KC_HOME."""
    if settings.uses_external_database:
        click.echo(
            f"KC_DATABASE_URL is set ({redact(settings.database_url)}): that database is managed "
            "elsewhere, nothing to start."
        )
        return
    cluster = Cluster(settings)
    was_running = cluster.is_running()
    state = cluster.start()
    verb = "already running" if was_running else "started"
    click.echo(f"PostGIS {verb} on 127.0.0.1:{state.port} (data in {cluster.pgdata})")


@db.command()
@pass_settings
def stop(settings: Settings) -> None:
    """Stop the local cluster."""
    if settings.uses_external_database:
        click.echo("KC_DATABASE_URL is set: that database is managed elsewhere, nothing to stop.")
        return
    stopped = Cluster(settings).stop()
    click.echo("stopped" if stopped else "not running")


@db.command()
@pass_settings
def status(settings: Settings) -> None:
    """Say whether the database is set up and running; exit 1 when it is not running."""
    if settings.uses_external_database:
        url = settings.database_url
        try:
            connect(url).close()
        except Exception as err:
            raise click.ClickException(
                f"external database {redact(url)}: unreachable ({err})"
            ) from err
        click.echo(f"external database {redact(url)}: reachable")
        return
    cluster = Cluster(settings)
    state = cluster.state()
    if state is None:
        click.echo(f"not initialised in {settings.home} (run 'kc db start')")
        raise SystemExit(1)
    if not cluster.is_running():
        click.echo(f"stopped ({state.url(with_password=False)}, data in {cluster.pgdata})")
        raise SystemExit(1)
    click.echo(f"running: {state.url(with_password=False)} (data in {cluster.pgdata})")


@db.command()
@click.option("--demo", is_flag=True, help="The demo's database (kc demo's, apart from your data).")
@pass_settings
def url(settings: Settings, demo: bool) -> None:
    """Print the connection URL (with the password: for psql, QGIS, scripts)."""
    click.echo(database_url(demo_settings(settings) if demo else settings))


@db.command()
@pass_settings
def migrate(settings: Settings) -> None:
    """Apply new migrations, redeploy changed views and functions, seed config/ reference data."""
    conn = connect(database_url(settings))
    try:
        report = run_migrations(conn)
        seeded = seed(conn)
    finally:
        conn.close()
    for name in report.applied:
        click.echo(f"applied    {name}")
    for name in report.redeployed:
        click.echo(f"redeployed {name}")
    changed = {k: v for k, v in seeded.items() if v}
    for table, count in changed.items():
        click.echo(f"seeded     {table}: {count} row(s) from config/")
    if not report.changed and not changed:
        click.echo("schema up to date, nothing to do")
