"""``kc sample``: synthetic sample districts (the demo's data, and benchmark input)."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli.options import pass_settings
from gis.store.db import database_url
from gis.store.settings import Settings


def sample_folder(settings: Settings) -> Path:
    return settings.home / "sample"


def load_demo_sample(url: str, settings: Settings, real: tuple[str, ...] = ()) -> None:
    """Write the sample into KC_HOME/sample once, load every point into the database of ``url``;
    the cities of ``real`` with their real buildings (read in place) instead of synthetic ones.

    ``kc sample load`` loads it into the user's database, as asked; ``kc demo`` keeps its own
    copy in its own database (``gis.cli.demo``).
    """
    from etl.sample.districts import REAL_BUILDINGS, load_sample
    from gis.cli.load import progress

    folder = sample_folder(settings)
    files = {}
    for city in real:
        path = REAL_BUILDINGS.get(city)
        if path is None:
            raise click.BadParameter(
                f"no real buildings for {city}: only {', '.join(REAL_BUILDINGS)}",
                param_hint="--real",
            )
        if not path.is_file():
            raise click.ClickException(f"the real buildings of {city} are not in {path}")
        files[city] = path
    click.echo(f"Loading the SYNTHETIC sample districts from {folder}:")
    for city, path in files.items():
        click.echo(f"  {city}: REAL buildings from {path} instead of synthetic ones")
    load_sample(url, folder, echo=click.echo, progress=progress, real=files)


@click.group()
def sample() -> None:
    """Synthetic sample data (labelled synthetic; not real buildings or reports)."""


@sample.command("load")
@click.option(
    "--real",
    multiple=True,
    metavar="CITY",
    help="Load CITY's real buildings instead of synthetic ones (lyon: Lyon 1er, IGN BD TOPO, "
    "from ../shared/data, about 3 km north of Confluence; the same at every point).",
)
@pass_settings
def load_command(settings: Settings, real: tuple[str, ...]) -> None:
    """Write the sample files into KC_HOME/sample (once) and load them for PM18, PM24, PM30.

    Into your database (the one 'kc serve' serves); 'kc demo' loads its own copy into kc_demo.
    """
    load_demo_sample(database_url(settings), settings, real)


@sample.command("buildings")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--city", default="lyon", show_default=True, help="lyon, munich or vienna.")
@click.option("--at", "point", default="PM18", show_default=True, help="PM18, PM24 or PM30.")
@click.option("--count", default=100_000, show_default=True, help="Number of plots.")
def buildings_command(out: Path, city: str, point: str, count: int) -> None:
    """Write a GeoPackage of COUNT synthetic buildings (for benchmarks)."""
    from etl.sample.districts import CITIES, POINTS, write_buildings

    if city not in CITIES:
        raise click.BadParameter(f"expected one of {', '.join(CITIES)}", param_hint="--city")
    if point not in POINTS:
        raise click.BadParameter(f"expected one of {', '.join(POINTS)}", param_hint="--at")
    out.unlink(missing_ok=True)
    write_buildings(out, city, point, count)
    click.echo(f"wrote {out}")
