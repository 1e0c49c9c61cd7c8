"""``kc diff`` and ``kc history``: what changed between two points, and one feature's versions.

Both read the store's history functions (``gis.store.history``), the same SQL as the OGC API's
change feeds and version links.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from gis.cli.options import city_option, pass_settings
from gis.store.db import connect, database_url
from gis.store.history import KINDS, Changes, ValidityRow, feature_history, read_changes
from gis.store.settings import Settings

#: Formats that hold several layers: both kinds go into one file.
MULTI_LAYER_SUFFIXES = (".gpkg", ".sqlite")


def _known_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} is not an RFC 3339 date-time with a time zone (e.g. 2018-03-01T12:00:00Z)",
            param_hint="--known-at",
        )
    return instant


known_at_option = click.option(
    "--known-at",
    "known_at",
    metavar="INSTANT",
    help="Answer from what was recorded and not yet superseded at this instant "
    "(e.g. 2018-03-01T12:00:00Z: as published before a correction). Default: as known now.",
)


@click.command()
@city_option
@click.argument("since", metavar="SINCE")
@click.argument("until", metavar="UNTIL")
@click.option(
    "--kind",
    "kinds",
    type=click.Choice(tuple(KINDS)),
    multiple=True,
    help="Buildings, projects, or both (the default; repeat the option).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the changes to this file, in the format its extension names (.gpkg, .geojson, "
    ".fgb, .shp, .csv …). GeoPackage holds both kinds as layers building_changes and "
    "project_changes; a one-layer format needs one --kind.",
)
@click.option("--overwrite", is_flag=True, help="Replace --out when it exists.")
@known_at_option
@pass_settings
def diff(
    settings: Settings,
    city: str,
    since: str,
    until: str,
    kinds: tuple[str, ...],
    out: Path | None,
    overwrite: bool,
    known_at: str | None,
) -> None:
    """Count (and with --out, write) what changed in CITY after point SINCE up to point UNTIL.

    One row per change at each measurement point in (SINCE, UNTIL]: change (new, changed,
    ended), feature_id, the version it leads to (for ended: the last version, with its last
    geometry), the previous version, the names of the properties that changed, and whether a
    correction made it. Example: kc diff --city lyon PM18 PM24 --out changes.gpkg
    """
    kinds = kinds or tuple(KINDS)
    instant = _known_at(known_at)
    if out is not None:
        _check_out(out, kinds, overwrite)
    conn = connect(database_url(settings))
    try:
        with conn:
            found = [read_changes(conn, kind, city, since, until, instant) for kind in kinds]
    finally:
        conn.close()
    when = f" as known at {instant.isoformat()}" if instant else ""
    click.echo(f"Changes in {city} after {since} up to {until}{when}:")
    for changes in found:
        counts = changes.counts()
        line = ", ".join(f"{counts[c]} {c}" for c in counts)
        click.echo(f"  {changes.kind}: {line} ({changes.corrections()} by corrections)")
    if out is not None:
        if out.exists():
            out.unlink()
        for changes in found:
            _write(changes, out)
        click.echo(f"Written to {out}")


def _check_out(out: Path, kinds: tuple[str, ...], overwrite: bool) -> None:
    if out.exists() and not overwrite:
        raise click.BadParameter(
            f"{out} exists and won't be overwritten without the --overwrite option",
            param_hint="--out",
        )
    if len(kinds) > 1 and out.suffix.lower() not in MULTI_LAYER_SUFFIXES:
        raise click.BadParameter(
            f"{out.suffix or 'this'} files hold one layer: give --kind buildings or --kind "
            f"projects, or write a GeoPackage (.gpkg) that holds both",
            param_hint="--out",
        )


def _write(changes: Changes, out: Path) -> None:
    """The changes as one layer of ``out`` (pyogrio, the driver from the extension)."""
    import geopandas
    import pyogrio
    import shapely

    geometry_index = changes.columns.index("geom")
    columns = [c for c in changes.columns if c != "geom"]
    records = [
        {c: _ogr_value(v) for c, v in zip(changes.columns, row, strict=True) if c != "geom"}
        for row in changes.rows
    ]
    geometries = [
        None if row[geometry_index] is None else shapely.from_wkb(row[geometry_index])
        for row in changes.rows
    ]
    frame = geopandas.GeoDataFrame(records, columns=columns, geometry=geometries, crs="EPSG:4326")
    layer = f"{changes.kind[:-1]}_changes"
    pyogrio.write_dataframe(frame, out, layer=layer, append=out.exists())


def _ogr_value(value):
    """A value every OGR format can hold: lists as comma-separated text, texts in several
    languages as JSON, dates and times as they are."""
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


@click.command()
@click.argument("kind", type=click.Choice(tuple(KINDS)))
@click.argument("feature", metavar="ID")
@city_option
@pass_settings
def history(settings: Settings, kind: str, feature: str, city: str) -> None:
    """Print the versions of one building (its source id) or project (its code) in CITY.

    Every validity row ever recorded: the version, its validity [from, to), when it was
    recorded and until when it was believed (superseded by a later load or a correction), and
    the load that recorded it. Example: kc history buildings BATIMENT0000000240623745 --city lyon
    """
    conn = connect(database_url(settings))
    try:
        with conn:
            rows = feature_history(conn, kind, city, feature)
    finally:
        conn.close()
    click.echo(f"{kind[:-1]} {feature} in {city}: {len({r.version_id for r in rows})} versions")
    for line in history_table(rows):
        click.echo(line)


def history_table(rows: list[ValidityRow]) -> list[str]:
    """The rows as aligned text, the one still believed marked."""
    header = ("version", "valid from", "valid to", "recorded at", "superseded at", "load")
    body = [
        (
            str(r.version_id),
            r.valid_from.isoformat(),
            r.valid_to.isoformat() if r.valid_to else "(open)",
            _time(r.recorded_at),
            _time(r.superseded_at) if r.superseded_at else "(believed)",
            f"{r.point or '-'}{' correction' if r.correction else ''}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in (header, *body)]  # fmt: skip


def _time(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
