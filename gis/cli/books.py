"""``kc books``: the Project Books and the cross-topic challenge analysis, per measurement point."""

from __future__ import annotations

from pathlib import Path

import click

from gis.books.i18n import LANGS
from gis.cli.options import chosen_point, out_option, pass_settings, point_selection
from gis.store.db import connect, database_url
from gis.store.settings import Settings


@click.group()
def books() -> None:
    """Generate the Project Books and the cross-topic analysis from the database."""


@books.command()
@point_selection(
    "Build one measurement point (e.g. PM24).",
    "Build every point with projects (the default).",
)
@out_option("KC_BOOKS_DIR, or $KC_HOME/books")
@click.option(
    "--lang",
    "langs",
    type=click.Choice(LANGS),
    multiple=True,
    help="Language of the books; repeat for several (default: en, de and fr). "
    "Missing translations fall back to English, marked (EN).",
)
@click.option(
    "--pdf/--no-pdf", default=True, show_default=True, help="Also write PDF (WeasyPrint)."
)
@pass_settings
def build(
    settings: Settings,
    point: str | None,
    all_points: bool,
    out: Path | None,
    langs: tuple[str, ...],
    pdf: bool,
) -> None:
    """Write one Project Book per thematic field, the challenge matrix and the indexes.

    Output: OUT/<point>/<lang>/<field>.html (and .pdf), OUT/<point>/<lang>/challenges.html,
    OUT/<point>/challenges.json, OUT/index.json and OUT/index.html.
    """
    from gis.books.build import build_books

    at = chosen_point(point, all_points, all_by_default=True)
    target = (out or settings.books_dir).absolute()
    conn = connect(database_url(settings))
    try:
        with conn:
            report = build_books(
                conn,
                target,
                points=[at] if at else None,
                langs=langs or LANGS,
                pdf=pdf,
            )
    finally:
        conn.close()
    if not report.points:
        click.echo("No project or report at any measurement point yet: nothing to build.")
    else:
        click.echo(
            f"{report.summary()} for {', '.join(report.points)} in {', '.join(report.langs)}"
        )
    if pdf and report.pdf_skipped:
        click.secho(report.pdf_skipped, fg="yellow", err=True)
    click.echo(f"Index: {target / 'index.html'}")
