"""``kc load``: buildings, project footprints and Common Reporting workbooks, per measurement point.

Each command loads a whole file in one transaction or nothing: problems are listed as a table
(file, row or feature, field, found, expected) and the command exits 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from gis.cli.options import (
    at_option,
    city_option,
    crs_option,
    file_argument,
    layer_option,
    pass_settings,
)
from gis.store.db import database_url
from gis.store.settings import Settings

#: Below this many rows a progress bar is more noise than help.
PROGRESS_FROM = 5000


def progress(rows: Iterable, length: int, label: str) -> Iterator:
    """A click progress bar over ``rows`` on long work (on stderr, so summaries stay parseable)."""
    if length < PROGRESS_FROM:
        yield from rows
        return
    with click.progressbar(
        rows, length=length, label=label, file=click.get_text_stream("stderr")
    ) as bar:
        yield from bar


def _snapshot_line(summary, **extra: int) -> str:
    parts = [f"{k} {getattr(summary, k)}" for k in ("new", "changed", "unchanged", "ended")]
    parts += [f"{k} {v}" for k, v in extra.items()]
    verb = "correction of" if summary.correction and summary.changes else "at"
    note = "" if summary.changes else " (nothing changed)"
    line = f"{summary.kind} {summary.city} {verb} {summary.point}: {', '.join(parts)}{note}"
    return line + later_note(summary)


def later_note(summary) -> str:
    """What an earlier point's snapshot does when later points are loaded (README, Valid time)."""
    later = summary.later_points
    if not later:
        return ""
    one = len(later) == 1
    return (
        f"\n  {', '.join(later)} {'is' if one else 'are'} already loaded for {summary.city}: "
        f"this file sets the {summary.kind} from {summary.point} until {later[0]} only; "
        f"{'it keeps' if one else 'they keep'} what {'it was' if one else 'they were'} loaded with."
    )


@click.group()
def load() -> None:
    """Load files for one measurement point (all of a file, or nothing)."""


@load.command("buildings")
@file_argument
@city_option
@at_option
@layer_option
@click.option(
    "--id-field", help="Field with the stable building id (default: ID, id, source_id …)."
)
@click.option(
    "--height-field", help="Field with the height in metres (default: height, HAUTEUR …)."
)
@click.option(
    "--storeys-field",
    help="Field with the number of storeys, used when the height is missing "
    "(height = storeys x 3 m, flagged as estimated; default: storeys, NB_ETAGES …).",
)
@click.option(
    "--base-field",
    help="Field with the ground elevation in metres (default: base_elevation, Z_MIN_SOL).",
)
@crs_option
@click.option(
    "--vertical-datum",
    help="City models: what z is measured from when the CRS does not say: a vertical CRS "
    "(e.g. EPSG:5720 NGF-IGN69) or wiener-null (Vienna's Baukörpermodell).",
)
@pass_settings
def buildings_command(
    settings: Settings,
    file: Path,
    city: str,
    point: str,
    layer,
    id_field,
    height_field,
    storeys_field,
    base_field,
    crs,
    vertical_datum,
) -> None:
    """Load buildings from FILE as CITY's snapshot at a point.

    FILE is a city model (CityGML 1.0/2.0/3.0, CityJSON 1.1/2.0, CityJSONSeq; gzip too; told by
    its content), or a folder of them read as one snapshot: buildings with their parts and 3D
    surfaces (LoD2, or LoD1 when that is all).
    Any other FILE is read by GDAL as footprints: reprojected to EPSG:4326 (the source CRS is
    kept), 3D footprints made 2D. Buildings missing from FILE are ended at the point; loading
    the same file twice changes nothing.
    """
    from etl.model_files import model_files

    models = model_files(file)
    if models is not None:
        kind = ", ".join(sorted({k for _, k in models}))
        footprint_only = {
            "--layer": layer,
            "--id-field": id_field,
            "--height-field": height_field,
            "--storeys-field": storeys_field,
            "--base-field": base_field,
        }
        given = [name for name, value in footprint_only.items() if value]
        if given:
            raise click.BadParameter(
                f"{', '.join(given)} only apply to footprint files; {file.name} is a {kind} "
                "city model (ids, heights and storeys come from the model)"
            )
        _load_model(settings, file, models, city, point, crs, vertical_datum)
        return
    if vertical_datum:
        raise click.BadParameter(
            f"--vertical-datum only applies to city models; {file.name} is read as footprints"
        )
    from etl.buildings import BuildingOptions, load_buildings

    options = BuildingOptions(layer, id_field, height_field, storeys_field, base_field, crs)
    result = load_buildings(database_url(settings), file, city, point, options, progress=progress)
    click.echo(
        _snapshot_line(
            result.snapshot, repaired=result.repaired, estimated_heights=result.estimated
        )
    )


def _load_model(settings, file, models, city, point, crs, vertical_datum) -> None:
    from etl.model_buildings import ModelOptions, load_model_buildings

    result = load_model_buildings(
        database_url(settings),
        models,
        city,
        point,
        ModelOptions(crs, vertical_datum),
        source=file,
    )
    click.echo(
        _snapshot_line(
            result.snapshot,
            parts=result.parts,
            surfaces=result.surfaces,
            roofs=result.roofs,
            degenerate_polygons_dropped=result.dropped,
            repaired=result.repaired,
        )
    )
    datum = result.vertical_datum or "unknown (give --vertical-datum or a compound --crs)"
    geoid = f", geoid {result.geoid}" if result.geoid else ""
    click.echo(f"  {result.format}: heights above {datum}{geoid}")


@load.command("projects")
@file_argument
@city_option
@at_option
@layer_option
@click.option(
    "--buildings-field",
    help="Field listing the building ids a project touches (';'-separated; default: buildings). "
    "Without it, a project touches the buildings its footprint intersects.",
)
@crs_option
@pass_settings
def projects_command(
    settings: Settings, file: Path, city: str, point: str, layer, buildings_field, crs
) -> None:
    """Load implementation-project footprints (points, lines, polygons) from FILE.

    Fields: code, thematic_field, title_en (title_de, title_fr optional), status. Load the
    buildings of the point first: touched buildings are found among them.
    """
    from etl.projects import load_projects

    result = load_projects(
        database_url(settings),
        file,
        city,
        point,
        layer=layer,
        crs=crs,
        buildings_field=buildings_field,
    )
    click.echo(_snapshot_line(result.snapshot, repaired=result.repaired))


@load.command("reporting")
@file_argument
@at_option
@click.option("--sheet", help="Sheet to read (default: 'Common Reporting', or the only sheet).")
@pass_settings
def reporting_command(settings: Settings, file: Path, point: str, sheet) -> None:
    """Load a Common Reporting WORKBOOK (.xlsx, or .csv with the same columns) for a point.

    One row per implementation project (see 'kc reporting template'). A changed answer supersedes
    the project's report at that point; the old one is kept as history.
    """
    from etl.reporting import load_reporting

    r = load_reporting(database_url(settings), file, point, sheet=sheet)
    note = "" if r.changes else " (nothing changed)"
    verb = "correction of" if r.changed else "at"
    click.echo(
        f"reporting {verb} {point}: new {r.new}, changed {r.changed}, unchanged {r.unchanged}, "
        f"free tags added {r.free_tags}{note}"
    )
