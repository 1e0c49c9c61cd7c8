"""``kc tiles``: 3D Tiles of the buildings valid at each measurement point."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli.options import chosen_point, out_option, pass_settings, point_selection
from gis.store.db import connect, database_url
from gis.store.settings import Settings


@click.group()
def tiles() -> None:
    """3D Tiles: one tileset per city and measurement point, for CesiumJS and other viewers."""


@tiles.command("export")
@point_selection("Only this measurement point (e.g. PM18).", "Every measurement point.")
@click.option("--city", metavar="CODE", help="Only this city (default: every city).")
@out_option("KC_TILES_DIR, or $KC_HOME/tiles")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["glb", "b3dm"]),
    default="glb",
    show_default=True,
    help="glb: 3D Tiles 1.1 with EXT_mesh_features/EXT_structural_metadata; "
    "b3dm: 3D Tiles 1.0 with batch tables, for older viewers.",
)
@click.option(
    "--max-features",
    type=click.IntRange(min=1),
    default=400,
    show_default=True,
    help="Most buildings in one tile.",
)
@click.option(
    "--heights",
    type=click.Choice(["false", "true"]),
    default="false",
    show_default=True,
    help="true: city models (CityGML/CityJSON) at their true WGS 84 ellipsoidal height, for "
    "viewers with terrain; false: every building's ground at height 0 (viewers without terrain).",
)
@click.option(
    "--implicit",
    is_flag=True,
    help="The temporal tileset (--all) with implicit tiling (3D Tiles 1.1 subtrees over a "
    "regular quadtree): its tileset.json holds only the root, clients load the tree as they "
    "go. The per-point tilesets stay explicit (over the same quadtree).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes drawing the tiles (default: one per core). The output is the same.",
)
@pass_settings
def export(
    settings: Settings,
    point: str | None,
    all_points: bool,
    city: str | None,
    out: Path | None,
    fmt: str,
    max_features: int,
    heights: str,
    implicit: bool,
    workers: int | None,
) -> None:
    """Write OUT/<city>/<point>/tileset.json for the buildings valid at each point.

    With --all, also OUT/<city>/temporal/tileset.json: every version once, each point shown by
    styling. The whole run is published at once: OUT/index.json and every tileset switch
    together, and an interrupted run leaves the previous state everywhere. A city without
    buildings at a point gets no tileset there.
    """
    from tiles.export import export_all

    point = chosen_point(point, all_points, all_by_default=False)
    out = (out or settings.tiles_dir).absolute()
    url = database_url(settings)
    conn = connect(url)
    try:
        results = export_all(
            conn,
            out,
            point=point,
            city=city,
            fmt=fmt,
            max_features=max_features,
            progress=_report,
            database_url=url,
            workers=workers,
            heights="true" if heights == "true" else "ground",
            implicit=implicit,
        )
    finally:
        conn.close()
    written = sum(1 for r in results if r.path is not None)
    click.echo(f"{written} tileset(s) in {out}; index: {out / 'index.json'}")


def _report(result) -> None:
    if result.path is None:
        click.echo(
            f"  {result.city} {result.point}: no buildings valid at {result.date}, no tileset"
        )
    else:
        click.echo(
            f"  {result.city} {result.point}: {result.feature_count} buildings in "
            f"{result.tile_count} tile(s) -> {result.path}/tileset.json"
        )
