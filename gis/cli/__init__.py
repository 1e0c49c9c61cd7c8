"""The ``kc`` command: one module per subcommand group, user errors as messages, never tracebacks."""

from __future__ import annotations

import sys

import click

from gis.store.errors import KCError
from gis.store.settings import load_settings


class KCGroup(click.Group):
    """A click group that turns domain errors into a message on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KCError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(err.exit_code)


@click.group(cls=KCGroup)
@click.version_option(package_name="knowledge-carrier")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Knowledge Carrier: versioned PostGIS store, loaders, 3D Tiles and OGC API Features.

    Settings come from the environment, read once here: KC_HOME (data folder, default ./.kc),
    KC_DATABASE_URL (use that database instead of the local one), KC_HOST and KC_PORT (web
    server), and the others listed in the README.
    """
    ctx.obj = load_settings()


def _register() -> None:
    from gis.cli.books import books
    from gis.cli.db import db
    from gis.cli.demo import demo
    from gis.cli.history import diff, history
    from gis.cli.load import load
    from gis.cli.reporting import reporting
    from gis.cli.sample import sample
    from gis.cli.serve import serve
    from gis.cli.tiles import tiles

    main.add_command(books)
    main.add_command(db)
    main.add_command(demo)
    main.add_command(diff)
    main.add_command(history)
    main.add_command(load)
    main.add_command(reporting)
    main.add_command(sample)
    main.add_command(serve)
    main.add_command(tiles)


_register()
