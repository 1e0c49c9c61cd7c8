"""``kc reporting``: the Common Reporting workbook template."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli.options import pass_settings
from gis.store.errors import KCError
from gis.store.reference import read_yaml
from gis.store.settings import CONFIG_DIR, Settings


@click.group()
def reporting() -> None:
    """Common Reporting workbooks."""


def _choices(name: str, key: str, label: str) -> list:
    from etl.workbook import Choice

    return [Choice(e["code"], e[label]) for e in read_yaml(CONFIG_DIR / f"{name}.yaml", key)]


def loaded_projects(settings: Settings) -> list | None:
    """The projects in the database (code, city, field, title); None when none is reachable."""
    import psycopg2

    from etl.workbook import ProjectEntry
    from gis.store.db import connect, database_url

    try:
        conn = connect(database_url(settings))
    except KCError:
        return None
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT code, city_code, thematic_field, title FROM kc.project "
                "ORDER BY city_code, code"
            )
            return [ProjectEntry(*row) for row in cur.fetchall()]
    except psycopg2.Error:  # not migrated yet: no projects to list
        return None
    finally:
        conn.close()


@reporting.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@click.option(
    "--lang",
    type=click.Choice(["en", "de", "fr"]),
    default="en",
    show_default=True,
    help="Language of the drop-downs, section names and help (the column names stay).",
)
@pass_settings
def template(settings: Settings, out: Path, force: bool, lang: str) -> None:
    """Write a blank Common Reporting workbook to OUT (.xlsx) with drop-downs and help.

    The drop-downs show the words of --lang for the statuses, thematic fields and challenge
    tags of config/ (the loader reads them back as their codes); the sheet of projects lists
    the projects loaded in the database, with their codes, when the database is reachable.
    """
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists and won't be overwritten without --force")
    from etl.workbook import write_template

    projects = loaded_projects(settings)
    write_template(
        out,
        _choices("statuses", "statuses", "label"),
        _choices("thematic_fields", "thematic_fields", "name"),
        _choices("challenges", "challenges", "label"),
        lang=lang,
        projects=projects,
    )
    listed = (
        "no database reachable: no project codes listed"
        if projects is None
        else f"{len(projects)} project code(s) listed"
    )
    click.echo(
        f"wrote {out} ({lang}; {listed}): fill one row per project, "
        f"then 'kc load reporting {out} --at POINT'"
    )
