"""``kc demo``: what `make demo` runs once the database is up and migrated."""

from __future__ import annotations

import click

from gis.books.build import build_books
from gis.cli.options import pass_settings
from gis.cli.sample import load_demo_sample
from gis.cli.serve import run as serve_api
from gis.store.db import connect, database_url, redact
from gis.store.settings import Settings
from gis.store.vocabulary import point_dates

INVENTORY = (
    ("cities", "SELECT count(*) FROM kc.city"),
    ("thematic fields", "SELECT count(*) FROM kc.thematic_field"),
    ("measurement points", "SELECT count(*) FROM kc.measurement_point"),
    ("buildings", "SELECT count(*) FROM kc.building"),
    ("building versions", "SELECT count(*) FROM kc.building_validity WHERE superseded_at IS NULL"),
    ("projects", "SELECT count(*) FROM kc.project"),
    ("reports", "SELECT count(*) FROM kc.report WHERE superseded_at IS NULL"),
)


def export_tiles(url: str, out) -> None:
    """3D Tiles of every city and measurement point (cities without buildings get none)."""
    from tiles.export import export_all

    conn = connect(url)
    try:
        results = export_all(conn, out)
    finally:
        conn.close()
    written = [r for r in results if r.path is not None]
    click.echo(f"\n3D Tiles: {len(written)} tileset(s) in {out} (index: {out / 'index.json'})")
    for r in written:
        click.echo(f"  {r.city:<8} {r.point:<6} {r.feature_count:>7} buildings")


@click.command()
@pass_settings
def demo(settings: Settings) -> None:
    """Show what the database holds, then serve it (OGC API Features and 3D Tiles)."""
    url = database_url(settings)
    load_demo_sample(url, settings)
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            click.echo("Knowledge Carrier database:")
            for label, query in INVENTORY:
                cur.execute(query)
                click.echo(f"  {label:<20} {cur.fetchone()[0]:>8}")
            points = ", ".join(
                f"{code} ({valid_at})" for code, valid_at in point_dates(cur).items()
            )
            click.echo(f"  measurement points: {points}")
        with conn:
            built = build_books(conn, settings.books_dir)
        click.echo(
            f"\nProject Books: {built.html} page(s), {built.pdf} PDF(s) for "
            f"{', '.join(built.points) or 'no point yet (no project loaded)'}: "
            f"{settings.books_dir / 'index.html'}"
        )
        if built.pdf_skipped:
            click.echo(f"  {built.pdf_skipped}")
    finally:
        conn.close()
    export_tiles(url, settings.tiles_dir)
    click.echo(f"\nDatabase: {redact(url)}")
    click.echo('  psql "$(.venv/bin/kc db url)"     connect with psql')
    click.echo("  .venv/bin/kc db status | stop       inspect or stop the local PostGIS")
    click.echo()
    serve_api(
        settings
    )  # last: replaces this process with the server (KC_PORT, KC_HOST), Ctrl-C stops it
